//! Calibration of the match threshold on labelled face photos: scores every genuine and impostor
//! pair and prints DET figures (false match / false non-match rates at a list of thresholds with
//! 95 % Clopper–Pearson intervals, the threshold for FMR ≤ 0.1 % and the FNMR there) for
//!   - single stills, with each way of choosing the subject among several faces;
//!   - the station's N-frame decision (the chip photo against N photos of one person), by the
//!     max rule and by the station's median rule;
//!   - chip-like photos: one side fitted into 240×320, JPEG 2000 compressed, grey.
//!
//! Prints figures, file names and scores only: no pixels, no templates; nothing is written.
//!
//! cargo run -p idgate-face --example calibrate -- [--frames N] [--no-chip] DIR...
//!
//! A DIR holds `labels.csv` (`file,identity,…`, like shared/faces_cal) or `faces.csv`
//! (`file,identity,kind,…`, like shared/faces; its `single` photos are used). With several DIRs
//! the pairs span all of them (their identities must be distinct people).

mod chip;
mod j2k;
mod stats;

use std::error::Error;
use std::path::{Path, PathBuf};

use idgate_face::decision::median_and_best;
use idgate_face::{Embedding, Engine, EngineConfig, FaceError, SubjectRule, load_image};
use image::RgbImage;

use stats::{errors, lowest_threshold, rate, upper};

const THRESHOLDS: [f32; 14] = [
    0.30, 0.33, 0.35, 0.363, 0.38, 0.40, 0.42, 0.44, 0.45, 0.46, 0.48, 0.50, 0.55, 0.60,
];
/// The false match rate the operating point is chosen for.
const TARGET_FMR: f64 = 0.001;

struct Photo {
    /// `set/file`, for the printout.
    name: String,
    identity: String,
    image: RgbImage,
}

/// (file, identity) rows of a labelled set.
fn catalogue(dir: &Path) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let labels = dir.join("labels.csv");
    if labels.is_file() {
        let text = std::fs::read_to_string(labels)?;
        return Ok(text
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut c = l.split(',');
                Some((c.next()?.to_owned(), c.next()?.to_owned()))
            })
            .collect());
    }
    let text = std::fs::read_to_string(dir.join("faces.csv"))
        .map_err(|e| format!("{}: no labels.csv or faces.csv ({e})", dir.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut c = l.splitn(4, ',');
            let (f, id, kind) = (c.next()?, c.next()?, c.next()?);
            (kind == "single").then(|| (f.to_owned(), id.to_owned()))
        })
        .collect())
}

/// The template of the subject chosen by `rule` (the station's own path for the central rule).
fn template(
    engine: &Engine,
    img: &RgbImage,
    rule: SubjectRule,
) -> Result<Option<Embedding>, FaceError> {
    if rule == SubjectRule::Central {
        return Ok(engine.enroll_reference(img)?.map(|r| r.embedding));
    }
    let dets = match engine.detect_still(img) {
        Err(FaceError::ImageTooSmall { .. }) => Vec::new(),
        other => other?,
    };
    match rule.pick(&dets, img.width(), img.height()) {
        Some(i) => engine.embed(img, &dets[i]),
        None => Ok(None),
    }
}

/// A scored pair; a photo without a face scores −∞ (a genuine pair fails, an impostor pair is
/// rejected), as the station treats a photo it cannot enrol.
#[derive(Clone, Copy)]
struct Scored {
    score: f32,
    a: usize,
    b: usize,
}

fn score(x: &Option<Embedding>, y: &Option<Embedding>) -> f32 {
    match (x, y) {
        (Some(x), Some(y)) => x.cosine(y),
        _ => f32::NEG_INFINITY,
    }
}

/// Genuine and impostor pairs (a < b) scored with `chip` templates on side a, `live` on side b.
fn pairs(
    photos: &[Photo],
    chip: &[Option<Embedding>],
    live: &[Option<Embedding>],
) -> (Vec<Scored>, Vec<Scored>) {
    let (mut g, mut i) = (Vec::new(), Vec::new());
    for a in 0..photos.len() {
        for b in a + 1..photos.len() {
            let s = Scored {
                score: score(&chip[a], &live[b]),
                a,
                b,
            };
            if photos[a].identity == photos[b].identity {
                g.push(s)
            } else {
                i.push(s)
            }
        }
    }
    (g, i)
}

fn fmt_score(s: f32) -> String {
    if s.is_finite() {
        format!("{s:.4}")
    } else {
        "no face".into()
    }
}

/// The DET table and the operating points for one set of pairs.
fn det(title: &str, photos: &[Photo], genuine: &[Scored], impostor: &[Scored], verbose: bool) {
    let gs: Vec<f32> = genuine.iter().map(|s| s.score).collect();
    let is: Vec<f32> = impostor.iter().map(|s| s.score).collect();
    let no_face = gs.iter().filter(|s| !s.is_finite()).count();
    println!(
        "\n### {title}: {} genuine pairs ({no_face} with a photo without a face), {} impostor pairs",
        gs.len(),
        is.len()
    );
    println!("| threshold | FMR (95 % CI) | FNMR (95 % CI) |\n|---|---|---|");
    for t in THRESHOLDS {
        let (fnm, fm) = errors(&gs, &is, t);
        println!(
            "| {t:.3} | {} | {} |",
            rate(fm, is.len()),
            rate(fnm, gs.len())
        );
    }
    let point = |what: &str, t: Option<f32>| match t {
        Some(t) => {
            let (fnm, fm) = errors(&gs, &is, t);
            println!(
                "{what}: threshold {t:.3}: FMR {} (one-sided 95 % upper bound {:.3} %), FNMR {}",
                rate(fm, is.len()),
                100.0 * upper(fm, is.len(), 0.05),
                rate(fnm, gs.len())
            );
        }
        None => println!("{what}: not reachable with {} impostor pairs", is.len()),
    };
    point(
        "FMR ≤ 0.1 % (measured)",
        lowest_threshold(&is, |k, n| k as f64 <= TARGET_FMR * n as f64),
    );
    point(
        "FMR ≤ 0.1 % at 95 % confidence",
        lowest_threshold(&is, |k, n| upper(k, n, 0.05) <= TARGET_FMR),
    );
    point("no impostor accepted", lowest_threshold(&is, |k, _| k == 0));
    let finite: Vec<f32> = {
        let mut v: Vec<f32> = gs.iter().copied().filter(|s| s.is_finite()).collect();
        v.sort_by(f32::total_cmp);
        v
    };
    let mut imp = is.clone();
    imp.sort_by(f32::total_cmp);
    println!(
        "genuine median {}, impostor median {} p99 {} max {}",
        finite
            .get(finite.len() / 2)
            .map_or("-".into(), |s| fmt_score(*s)),
        imp.get(imp.len() / 2).map_or("-".into(), |s| fmt_score(*s)),
        imp.get(imp.len() * 99 / 100)
            .map_or("-".into(), |s| fmt_score(*s)),
        imp.last().map_or("-".into(), |s| fmt_score(*s)),
    );
    if verbose {
        let mut g = genuine.to_vec();
        g.sort_by(|x, y| x.score.total_cmp(&y.score));
        for s in g.iter().take(8) {
            println!(
                "  low genuine   {} {} ~ {}",
                fmt_score(s.score),
                photos[s.a].name,
                photos[s.b].name
            );
        }
        let mut i = impostor.to_vec();
        i.sort_by(|x, y| y.score.total_cmp(&x.score));
        for s in i.iter().take(8) {
            println!(
                "  high impostor {} {} ~ {}",
                fmt_score(s.score),
                photos[s.a].name,
                photos[s.b].name
            );
        }
    }
}

/// How the frame scores of a transaction combine into one.
type Rule = fn(&[f32]) -> f32;

/// The station's N-frame decision: the chip photo of person A against N photos (as frames) of
/// person B, B = A (genuine) or not (impostor). The frames of a transaction are N consecutive
/// photos of B in a ring over B's photos with a face, so each photo starts one transaction.
/// Rules: max (best frame) and median (the ⌊n/2⌋+1-th best frame, as `BestOfN::decide`).
fn best_of_n(
    title: &str,
    photos: &[Photo],
    chip: &[Option<Embedding>],
    live: &[Option<Embedding>],
    n: usize,
) {
    let mut ids: Vec<&str> = photos.iter().map(|p| p.identity.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    // (is genuine, frame scores)
    let mut tx: Vec<(bool, Vec<f32>)> = Vec::new();
    for (a, pa) in photos.iter().enumerate() {
        for id in &ids {
            let ring: Vec<usize> = (0..photos.len())
                .filter(|&b| b != a && photos[b].identity == *id && live[b].is_some())
                .collect();
            if ring.len() < n {
                continue;
            }
            for start in 0..ring.len() {
                let frames = (0..n)
                    .map(|k| score(&chip[a], &live[ring[(start + k) % ring.len()]]))
                    .collect();
                tx.push((pa.identity == *id, frames));
            }
        }
    }
    let genuine_tx: Vec<&Vec<f32>> = tx.iter().filter(|t| t.0).map(|t| &t.1).collect();
    let imp: Vec<&Vec<f32>> = tx.iter().filter(|t| !t.0).map(|t| &t.1).collect();
    let frames_imp: Vec<f32> = imp.iter().flat_map(|f| f.iter().copied()).collect();
    println!(
        "\n### {title}, N = {n}: {} genuine and {} impostor transactions (identities with ≥ {n} other photos)",
        genuine_tx.len(),
        imp.len()
    );
    let rules: [(&str, Rule); 2] = [
        ("max", |f| {
            median_and_best(f).map_or(f32::NEG_INFINITY, |m| m.1)
        }),
        ("median", |f| {
            median_and_best(f).map_or(f32::NEG_INFINITY, |m| m.0)
        }),
    ];
    println!(
        "| threshold | impostor frames ≥ t | FMR max | FMR median | FNMR max | FNMR median |\n|---|---|---|---|---|---|"
    );
    let combined: Vec<(Vec<f32>, Vec<f32>)> = rules
        .iter()
        .map(|(_, r)| {
            (
                genuine_tx.iter().map(|f| r(f)).collect(),
                imp.iter().map(|f| r(f)).collect(),
            )
        })
        .collect();
    for t in THRESHOLDS {
        let frame_fm = frames_imp.iter().filter(|&&s| s >= t).count();
        let cells: Vec<(usize, usize)> = combined.iter().map(|(g, i)| errors(g, i, t)).collect();
        println!(
            "| {t:.3} | {} | {} | {} | {} | {} |",
            rate(frame_fm, frames_imp.len()),
            rate(cells[0].1, imp.len()),
            rate(cells[1].1, imp.len()),
            rate(cells[0].0, genuine_tx.len()),
            rate(cells[1].0, genuine_tx.len())
        );
    }
    for ((name, _), (g, i)) in rules.iter().zip(&combined) {
        if let Some(t) = lowest_threshold(i, |k, n| k as f64 <= TARGET_FMR * n as f64) {
            let (fnm, fm) = errors(g, i, t);
            println!(
                "{name} rule, FMR ≤ 0.1 % per transaction (measured): threshold {t:.3}: FMR {}, FNMR {}",
                rate(fm, i.len()),
                rate(fnm, g.len())
            );
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut frames = vec![3, 5];
    let mut with_chip = true;
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--frames" => {
                frames = vec![args.next().ok_or("--frames N")?.parse()?];
            }
            "--no-chip" => with_chip = false,
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if dirs.is_empty() {
        return Err("usage: calibrate [--frames N] [--no-chip] DIR... (e.g. ../shared/faces_cal ../shared/faces)".into());
    }
    let engine = Engine::new(EngineConfig::default())?;
    println!(
        "engine: still detector {:?}, default threshold {}",
        engine.config().still_detector,
        engine.match_threshold()
    );

    let mut photos = Vec::new();
    for dir in &dirs {
        let set = dir
            .file_name()
            .map_or("set".into(), |n| n.to_string_lossy().into_owned());
        for (file, identity) in catalogue(dir)? {
            let image = load_image(&dir.join(&file))?;
            photos.push(Photo {
                name: format!("{set}/{file}"),
                identity,
                image,
            });
        }
    }
    println!("{} photos from {} set(s)", photos.len(), dirs.len());

    // Which face each rule takes, on photos with more than one face.
    println!(
        "\n### photos with several faces (index by detector confidence, det score, centrality)"
    );
    for p in &photos {
        let dets = match engine.detect_still(&p.image) {
            Err(FaceError::ImageTooSmall { .. }) => Vec::new(),
            other => other?,
        };
        let (w, h) = p.image.dimensions();
        if dets.is_empty() {
            println!("{}: no face", p.name);
        } else if dets.len() > 1 {
            let picks: Vec<String> = SubjectRule::ALL
                .iter()
                .map(|r| format!("{}=#{}", r.name(), r.pick(&dets, w, h).unwrap_or(0)))
                .collect();
            let faces: Vec<String> = dets
                .iter()
                .map(|d| {
                    format!(
                        "({:.2}, {:.0}px, c{:.2})",
                        d.score,
                        d.bbox.w,
                        idgate_face::subject::centrality(d, w, h)
                    )
                })
                .collect();
            println!(
                "{}: {} faces {} | {}",
                p.name,
                dets.len(),
                faces.join(" "),
                picks.join(" ")
            );
        }
    }

    let mut station = Vec::new();
    for rule in SubjectRule::ALL {
        let t: Vec<Option<Embedding>> = photos
            .iter()
            .map(|p| template(&engine, &p.image, rule))
            .collect::<Result<_, _>>()?;
        let (g, i) = pairs(&photos, &t, &t);
        det(
            &format!("stills, subject rule '{}', all pairs", rule.name()),
            &photos,
            &g,
            &i,
            rule == SubjectRule::Central,
        );
        if rule == SubjectRule::Central {
            station = t;
        }
    }
    for &n in &frames {
        best_of_n("stills, N-frame decision", &photos, &station, &station, n);
    }

    if with_chip {
        let greys: Vec<Option<Embedding>> = photos
            .iter()
            .map(|p| {
                engine
                    .enroll_reference(&chip::grey(&p.image))
                    .map(|r| r.map(|r| r.embedding))
            })
            .collect::<Result<_, _>>()?;
        for v in &chip::VARIANTS {
            let mut sizes = Vec::new();
            let mut t = Vec::new();
            for p in &photos {
                let (img, size) =
                    chip::make(&p.image, v).map_err(|e| format!("{}: {e}", p.name))?;
                sizes.push(size);
                t.push(engine.enroll_reference(&img)?.map(|r| r.embedding));
            }
            sizes.sort_unstable();
            println!(
                "\n## chip photo '{}': encoded size median {} bytes (min {}, max {}); chip photos without a face: {}",
                v.name,
                sizes[sizes.len() / 2],
                sizes[0],
                sizes[sizes.len() - 1],
                t.iter().filter(|e| e.is_none()).count()
            );
            let (g, i) = pairs(&photos, &t, &station);
            det(
                &format!("chip '{}' (side a) against the photo (side b)", v.name),
                &photos,
                &g,
                &i,
                false,
            );
            if v.grey {
                let (g, i) = pairs(&photos, &t, &greys);
                det(
                    &format!("chip '{}' against a grey copy of the photo", v.name),
                    &photos,
                    &g,
                    &i,
                    false,
                );
            }
            if v.bpp == Some(1.25) && !v.grey {
                for &n in &frames {
                    best_of_n(
                        &format!("chip '{}', N-frame decision", v.name),
                        &photos,
                        &t,
                        &station,
                        n,
                    );
                }
            }
        }
    }
    Ok(())
}
