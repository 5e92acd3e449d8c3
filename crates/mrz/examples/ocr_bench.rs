//! OCR accuracy and speed on synthetic camera frames.
//!
//! `cargo run --release -p idgate-mrz --example ocr_bench -- [frames=500] [width=1280] [height=720] [seed=1]`
//!
//! Prints: frame accuracy (the full MRZ verified and equal to the truth), character accuracy,
//! rejections (no result) versus wrong results (a verified MRZ that differs from the truth),
//! and median / p95 latency per frame. Then the same for the scanner (frames voted as a person holds
//! the page in front of the camera): sequences of up to 10 slightly varying frames of one page, how
//! many settle on the right MRZ, on a wrong one, or not at all, and after how many frames.
//! Frames live in memory only.

use std::path::Path;
use std::time::Instant;

use std::sync::Arc;

use idgate_mrz::ocr::{DEFAULT_FONT_PATH, MrzReader, MrzScanner, OcrbFont};
use idgate_mrz::synth::{
    HandheldCamera, SceneParams, SynthRng, random_frame, random_mrz, render_frame,
};
use idgate_mrz::{Date, Mrz, MrzFormat};

/// The real-image development set, relative to the workspace root (`../shared` beside the repository).
const REAL_SET: &str = "../shared/mrz_real";

/// One row of `truth.tsv`: file, format, lines.
struct Truth {
    file: String,
    lines: Vec<String>,
}

fn read_truth(dir: &Path) -> anyhow::Result<Vec<Truth>> {
    let text = std::fs::read_to_string(dir.join("truth.tsv"))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            let lines = cols
                .get(2..5)?
                .iter()
                .filter(|l| !l.is_empty())
                .map(|l| (*l).to_owned())
                .collect();
            Some(Truth {
                file: (*cols.first()?).to_owned(),
                lines,
            })
        })
        .collect())
}

/// Document number (without overflow), birth and expiry date, cut from MRZ lines by position.
fn key_fields(lines: &[String]) -> Option<(String, String, String)> {
    let cut = |l: usize, a: usize, b: usize| lines.get(l)?.get(a..b).map(str::to_owned);
    if lines.len() == 3 {
        Some((cut(0, 5, 15)?, cut(1, 0, 7)?, cut(1, 8, 15)?))
    } else {
        Some((cut(1, 0, 10)?, cut(1, 13, 20)?, cut(1, 21, 28)?))
    }
}

/// Reads every image of the real set as a still (one process, images decoded before timing) and
/// prints found / key fields right / all lines exact / wrong verified readings and time per image.
fn real_set(reader: &MrzReader, dir: &Path, verbose: bool) -> anyhow::Result<()> {
    let truth = read_truth(dir)?;
    let (mut found, mut key_right, mut key_read, mut exact, mut wrong, mut wrong_key) =
        (0, 0, 0, 0, 0, 0);
    let mut times = Vec::new();
    for t in &truth {
        let img = image::open(dir.join(&t.file))?.into_luma8();
        let start = Instant::now();
        let reading = reader.read_still(&img);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if reading.format.is_some() {
            found += 1;
        }
        let key_ok =
            !reading.lines.is_empty() && key_fields(&reading.lines) == key_fields(&t.lines);
        if key_ok {
            key_read += 1;
        }
        let outcome = match &reading.mrz {
            Some(m) if m.lines() == t.lines.as_slice() => {
                key_right += 1;
                exact += 1;
                "exact"
            }
            Some(_) if key_ok => {
                key_right += 1;
                wrong += 1;
                "WRONG (unguarded field)"
            }
            Some(_) => {
                wrong += 1;
                wrong_key += 1;
                "WRONG (chip key)"
            }
            None if key_ok => "not verified (key fields read right)",
            None => "no result",
        };
        if verbose {
            let detail = match &reading.miss {
                Some(m) => format!("{m:?}"),
                None => String::new(),
            };
            eprintln!(
                "{}: {outcome} {detail} {:.0} ms{}",
                t.file,
                times.last().copied().unwrap_or(0.0),
                if outcome == "exact" {
                    String::new()
                } else {
                    format!("\n  read {:?}\n  want {:?}", reading.lines, t.lines)
                }
            );
        }
    }
    times.sort_by(f64::total_cmp);
    let n = truth.len();
    println!("real set: {n} images in {}", dir.display());
    println!(
        "  idgate: found {found}/{n}, key fields right {key_right}/{n} verified ({key_read}/{n} read, verified or not), all lines exact {exact}/{n}, wrong verified readings {wrong} ({wrong_key} with a wrong chip key)"
    );
    println!(
        "  idgate: time per image median {:.0} ms, max {:.0} ms",
        times.get(n / 2).copied().unwrap_or(0.0),
        times.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

/// PassportEye on the same images, in the same run (bench-only venv; skipped without Tesseract or
/// with `OCR_BENCH_NO_PEER`).
fn peer(dir: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/passporteye-peer");
    let tesseract = std::process::Command::new("tesseract")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if std::env::var_os("OCR_BENCH_NO_PEER").is_some() || !tesseract {
        println!("  PassportEye: skipped (needs tesseract-ocr; unset OCR_BENCH_NO_PEER)");
        return;
    }
    match std::process::Command::new(&script).arg(dir).status() {
        Ok(s) if s.success() => {}
        other => println!(
            "  PassportEye: failed to run {} ({other:?})",
            script.display()
        ),
    }
}

/// The reader under test: the shipped one (font templates + the document's own glyphs, the
/// learned classifier as second opinion on stills), or with `OCR_BENCH_CLASSIFIER=templates`
/// without the learned classifier (the comparison in the crate's README).
fn make_reader(font: &OcrbFont) -> anyhow::Result<MrzReader> {
    let templates = std::env::var("OCR_BENCH_CLASSIFIER").is_ok_and(|v| v == "templates");
    Ok(if templates {
        println!("classifier: font templates + document's own glyphs");
        MrzReader::with_font(font)
    } else {
        println!("classifier: templates + own glyphs, learned second opinion on stills");
        MrzReader::with_learned(font)?
    })
}

fn main() -> anyhow::Result<()> {
    let verbose = std::env::var_os("OCR_BENCH_VERBOSE").is_some();
    let only_real = std::env::var_os("OCR_BENCH_ONLY_REAL").is_some();
    let real_dir = std::env::var_os("OCR_BENCH_REAL_SET").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(REAL_SET)
        },
        Into::into,
    );
    {
        let font = OcrbFont::load(DEFAULT_FONT_PATH.as_ref())?;
        let reader = make_reader(&font)?;
        if real_dir.join("truth.tsv").is_file() {
            real_set(&reader, &real_dir, verbose)?;
            peer(&real_dir);
        } else {
            println!("real set: {} not found, skipped", real_dir.display());
        }
        let per_set = std::env::var("OCR_BENCH_STILLS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        if per_set > 0 {
            let seed = std::env::var("OCR_BENCH_STILLS_SEED")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(7);
            distortions(&font, &reader, per_set, seed)?;
        }
    }
    if only_real {
        return Ok(());
    }
    synthetic()
}

fn synthetic() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let frames = args.first().copied().unwrap_or(500) as usize;
    let width = args.get(1).copied().unwrap_or(1280) as u32;
    let height = args.get(2).copied().unwrap_or(720) as u32;
    let seed = args.get(3).copied().unwrap_or(1);
    let verbose = std::env::var_os("OCR_BENCH_VERBOSE").is_some();

    let font = Arc::new(OcrbFont::load(DEFAULT_FONT_PATH.as_ref())?);
    let started = Instant::now();
    let reader = make_reader(&font)?;
    let startup = started.elapsed();
    let today = Date::new(2025, 6, 23).ok_or_else(|| anyhow::anyhow!("date"))?;
    let mut rng = SynthRng::new(seed);

    let (mut correct, mut wrong, mut rejected, mut no_band) = (0usize, 0usize, 0usize, 0usize);
    let mut wrong_key = 0usize;
    let mut confusions = std::collections::BTreeMap::<(char, char), usize>::new();
    let (mut chars_right, mut chars_total) = (0usize, 0usize);
    let mut latencies = Vec::with_capacity(frames);
    let mut by_format = std::collections::BTreeMap::<String, (usize, usize)>::new();
    let mut by_fill = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for i in 0..frames {
        // Mostly passports, some ID cards (TD1/TD2) and visas.
        let format = match i % 10 {
            0 => MrzFormat::Td1,
            1 => MrzFormat::Td2,
            2 => MrzFormat::MrvA,
            _ => MrzFormat::Td3,
        };
        let frame = random_frame(&font, &mut rng, format, today, width, height)
            .ok_or_else(|| anyhow::anyhow!("synthetic frame"))?;
        let t = Instant::now();
        let reading = reader.read_rgb(&frame.image);
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);

        let truth = frame.mrz.lines();
        chars_total += truth.iter().map(String::len).sum::<usize>();
        let entry = by_format.entry(format.to_string()).or_default();
        entry.1 += 1;
        let bucket = match frame.page_area_fraction {
            f if f < 0.3 => "page < 30 % of frame",
            f if f < 0.5 => "page 30-50 %",
            f if f < 0.75 => "page 50-75 %",
            _ => "page >= 75 %",
        };
        let fill_entry = by_fill.entry(bucket).or_default();
        fill_entry.1 += 1;
        let outcome = match &reading.decoded {
            None => {
                no_band += 1;
                rejected += 1;
                "no band"
            }
            Some(d) => {
                if d.lines.len() == truth.len() {
                    for (read, want) in d.lines.iter().zip(truth) {
                        for (a, b) in read.iter().zip(want.bytes()) {
                            if *a == b {
                                chars_right += 1;
                            } else {
                                *confusions
                                    .entry((char::from(b), char::from(*a)))
                                    .or_default() += 1;
                            }
                        }
                    }
                }
                match &d.mrz {
                    Some(m) if m == &frame.mrz => {
                        correct += 1;
                        entry.0 += 1;
                        fill_entry.0 += 1;
                        "correct"
                    }
                    Some(m) => {
                        wrong += 1;
                        if m.access_key() != frame.mrz.access_key() {
                            wrong_key += 1;
                            "WRONG (chip key)"
                        } else {
                            "WRONG (unguarded field)"
                        }
                    }
                    None => {
                        rejected += 1;
                        "check digits failed"
                    }
                }
            }
        };
        if verbose && outcome != "correct" {
            let errors = reading.decoded.as_ref().map_or(usize::MAX, |d| {
                d.lines
                    .iter()
                    .zip(truth)
                    .map(|(r, w)| r.iter().zip(w.bytes()).filter(|(a, b)| **a != *b).count())
                    .sum()
            });
            eprintln!(
                "frame {i}: {outcome} ({format}, {errors} char errors, fill {:.2}, rot {:.1}, blur {:.2}, noise {:.1}, jpeg {:?}, sharp {:.3})",
                frame.page_area_fraction,
                frame.params.rotation_deg,
                frame.params.blur_sigma,
                frame.params.noise_sigma,
                frame.params.jpeg_quality,
                reading.sharpness
            );
        }
    }
    if verbose {
        let mut list: Vec<_> = confusions.iter().collect();
        list.sort_by(|a, b| b.1.cmp(a.1));
        eprintln!("confusions (truth -> read): {list:?}");
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let n = frames.max(1) as f64;
    println!("frames: {frames} at {width}x{height}, seed {seed}");
    println!(
        "template start-up: {:.1} ms",
        startup.as_secs_f64() * 1000.0
    );
    println!(
        "frame accuracy (verified and equal to truth): {:.1} %",
        100.0 * correct as f64 / n
    );
    println!(
        "character accuracy: {:.2} %",
        100.0 * chars_right as f64 / chars_total.max(1) as f64
    );
    println!(
        "rejected (no result): {:.1} % ({} without a band); wrong accepted: {} ({:.2} %)",
        100.0 * rejected as f64 / n,
        no_band,
        wrong,
        100.0 * wrong as f64 / n
    );
    println!(
        "  of the wrong: {wrong_key} with a wrong chip key (document number or dates), {} only in fields no check digit guards (names)",
        wrong - wrong_key
    );
    for (fill, (ok, total)) in &by_fill {
        println!("  {fill}: {ok}/{total}");
    }
    for (format, (ok, total)) in &by_format {
        println!("  {format}: {ok}/{total}");
    }
    println!(
        "latency per frame: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );

    // Scanner: a person holds one page; each frame moves a little.
    let reader = Arc::new(reader);
    let sequences = (frames / 5).max(1);
    let (mut settled_right, mut settled_wrong, mut unsettled) = (0usize, 0usize, 0usize);
    let mut frames_needed = Vec::new();
    for s in 0..sequences {
        let format = if s % 5 == 0 {
            MrzFormat::Td1
        } else {
            MrzFormat::Td3
        };
        let mrz = random_mrz(&mut rng, format, today)?;
        let base = SceneParams::random(&mut rng, width, height);
        let mut camera = HandheldCamera::new(font.clone(), mrz.clone(), base, rng.next_u64());
        let mut scanner = MrzScanner::new(reader.clone());
        let mut outcome = None;
        for k in 1..=10 {
            let update = scanner.push_rgb(&camera.next_frame());
            if let Some(m) = update.mrz {
                outcome = Some((m == mrz, k));
                break;
            }
        }
        match outcome {
            Some((true, k)) => {
                settled_right += 1;
                frames_needed.push(k);
            }
            Some((false, _)) => settled_wrong += 1,
            None => unsettled += 1,
        }
    }
    frames_needed.sort_unstable();
    let m = sequences as f64;
    println!("scanner: {sequences} sequences of up to 10 frames");
    println!(
        "  settled on the right MRZ: {:.1} %, on a wrong MRZ: {} ({:.2} %), not settled: {:.1} %",
        100.0 * settled_right as f64 / m,
        settled_wrong,
        100.0 * settled_wrong as f64 / m,
        100.0 * unsettled as f64 / m
    );
    println!(
        "  frames until settled: median {}, p95 {}",
        frames_needed
            .get(frames_needed.len() / 2)
            .copied()
            .unwrap_or(0),
        frames_needed
            .get(frames_needed.len().saturating_sub(1) * 95 / 100)
            .copied()
            .unwrap_or(0)
    );
    Ok(())
}

/// One capability of the still reader, measured on generated stills that stress it.
#[derive(Clone, Copy)]
enum Distortion {
    /// Page turned by 90, 180 or 270 degrees (plus a few degrees of tilt).
    Turned,
    /// Page tilted 12 to 20 degrees either way.
    Skew,
    /// Strong perspective, as a hand-held page gives it.
    Perspective,
    /// Out of focus: Gaussian blur sigma 1.2 to 1.8 px.
    Blur,
    /// A specular spot over the band.
    Glare,
    /// Light falling off to a quarter across the frame.
    UnevenLight,
    /// A small web scan: the page scaled to 250 to 400 px wide.
    LowResolution,
    /// Only the MRZ lines, cropped with tight margins.
    MrzOnlyCrop,
}

impl Distortion {
    const ALL: [Distortion; 8] = [
        Distortion::Turned,
        Distortion::Skew,
        Distortion::Perspective,
        Distortion::Blur,
        Distortion::Glare,
        Distortion::UnevenLight,
        Distortion::LowResolution,
        Distortion::MrzOnlyCrop,
    ];

    fn name(self) -> &'static str {
        match self {
            Distortion::Turned => "turned 90/180/270",
            Distortion::Skew => "skew 12-20 deg",
            Distortion::Perspective => "perspective 4-7 %",
            Distortion::Blur => "blur sigma 1.2-1.8",
            Distortion::Glare => "glare spot (washed out)",
            Distortion::UnevenLight => "uneven light 4:1",
            Distortion::LowResolution => "scan 250-400 px wide",
            Distortion::MrzOnlyCrop => "MRZ-only crop",
        }
    }

    /// A still showing `mrz` with this distortion (and the usual mild camera effects).
    fn render(self, font: &OcrbFont, mrz: Mrz, rng: &mut SynthRng) -> image::GrayImage {
        let mut p = SceneParams::random(rng, 1280, 720);
        p.rotation_deg = rng.uniform(-5.0, 5.0);
        p.blur_sigma = rng.uniform(0.0, 0.7);
        p.fit = rng.uniform(0.7, 1.0);
        match self {
            Distortion::Skew => {
                let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
                p.rotation_deg = sign * rng.uniform(12.0, 20.0);
            }
            Distortion::Perspective => p.perspective = rng.uniform(0.04, 0.07),
            Distortion::Blur => p.blur_sigma = rng.uniform(1.2, 1.8),
            Distortion::UnevenLight => p.light = (rng.uniform(0.25, 0.35), rng.uniform(1.0, 1.15)),
            Distortion::LowResolution => {
                p.fit = rng.uniform(0.9, 1.0);
                p.jpeg_quality = Some(rng.range(60, 90) as u8);
            }
            Distortion::Turned | Distortion::Glare | Distortion::MrzOnlyCrop => {}
        }
        let frame = render_frame(font, mrz, p, rng);
        let gray = image::DynamicImage::ImageRgb8(frame.image).into_luma8();
        match self {
            Distortion::Glare => {
                // Laminate glare: a soft spot a few characters wide that washes the print out to
                // a faint grey (fully saturated print is unreadable to anyone: not measured).
                let mut gray = gray;
                let cells: Vec<(f32, f32)> = frame.cell_centres.iter().flatten().copied().collect();
                let (cx, cy) = cells
                    .get(rng.below(cells.len().max(1) as u32) as usize)
                    .copied()
                    .unwrap_or((0.0, 0.0));
                let r = frame.cap_height * rng.uniform(2.0, 4.0);
                let peak = rng.uniform(0.55, 0.8);
                for (x, y, px) in gray.enumerate_pixels_mut() {
                    let d2 = ((x as f32 - cx) / (1.6 * r)).powi(2) + ((y as f32 - cy) / r).powi(2);
                    if d2 < 1.0 {
                        let a = peak * (1.0 - d2).sqrt();
                        px.0[0] = (f32::from(px.0[0]) * (1.0 - a) + 255.0 * a) as u8;
                    }
                }
                gray
            }
            Distortion::Turned => match rng.below(3) {
                0 => image::imageops::rotate90(&gray),
                1 => image::imageops::rotate180(&gray),
                _ => image::imageops::rotate270(&gray),
            },
            Distortion::LowResolution => {
                let w = rng.range(250, 400);
                let h = (w as f32 * gray.height() as f32 / gray.width() as f32).round() as u32;
                image::imageops::resize(&gray, w, h.max(1), image::imageops::FilterType::Triangle)
            }
            Distortion::MrzOnlyCrop => {
                let pts = frame.cell_centres.iter().flatten();
                let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
                for &(x, y) in pts {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
                let m = frame.cap_height * rng.uniform(0.7, 1.5);
                let (x0, y0) = ((x0 - m).max(0.0) as u32, (y0 - m).max(0.0) as u32);
                let (x1, y1) = (
                    ((x1 + m) as u32).min(gray.width()),
                    ((y1 + m) as u32).min(gray.height()),
                );
                image::imageops::crop_imm(
                    &gray,
                    x0,
                    y0,
                    x1.saturating_sub(x0),
                    y1.saturating_sub(y0),
                )
                .to_image()
            }
            _ => gray,
        }
    }
}

/// Stills generated per capability, read with `read_still`: right / refused / wrong, and time.
fn distortions(
    font: &OcrbFont,
    reader: &MrzReader,
    per_set: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let today = Date::new(2025, 6, 23).ok_or_else(|| anyhow::anyhow!("date"))?;
    println!("synthetic stills: {per_set} per capability, seed {seed} (read_still)");
    let (mut all_right, mut all_wrong, mut all_n) = (0usize, 0usize, 0usize);
    let mut all_times = Vec::new();
    // `OCR_BENCH_CAPABILITY=perspective` measures the capabilities whose name starts so.
    let only = std::env::var("OCR_BENCH_CAPABILITY").ok();
    for d in Distortion::ALL {
        if only
            .as_ref()
            .is_some_and(|o| !d.name().starts_with(o.as_str()))
        {
            continue;
        }
        let mut rng = SynthRng::new(seed ^ (d as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (mut right, mut wrong, mut no_band, mut refused) = (0usize, 0usize, 0usize, 0usize);
        let mut times = Vec::new();
        for i in 0..per_set {
            let format = match i % 6 {
                0 => MrzFormat::Td1,
                1 => MrzFormat::Td2,
                _ => MrzFormat::Td3,
            };
            let mrz = random_mrz(&mut rng, format, today)?;
            let img = d.render(font, mrz.clone(), &mut rng);
            let t = Instant::now();
            let reading = reader.read_still(&img);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            match &reading.mrz {
                Some(m) if *m == mrz => right += 1,
                Some(m) => {
                    wrong += 1;
                    if std::env::var_os("OCR_BENCH_VERBOSE").is_some() {
                        let diff: Vec<(usize, usize, char, char)> = m
                            .lines()
                            .iter()
                            .zip(mrz.lines())
                            .enumerate()
                            .flat_map(|(l, (a, b))| {
                                a.chars()
                                    .zip(b.chars())
                                    .enumerate()
                                    .filter(|(_, (x, y))| x != y)
                                    .map(move |(c, (x, y))| (l, c, y, x))
                            })
                            .collect();
                        eprintln!(
                            "  {} #{i} WRONG {format}: (line, col, truth, read) {diff:?}",
                            d.name()
                        );
                    }
                }
                None if reading.format.is_none() => no_band += 1,
                None => refused += 1,
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {:<22} right {right:>3}/{per_set}, refused {refused:>3}, no band {no_band:>3}, wrong verified {wrong}; median {:.0} ms",
            d.name(),
            times.get(times.len() / 2).copied().unwrap_or(0.0)
        );
        all_right += right;
        all_wrong += wrong;
        all_n += per_set;
        all_times.extend(times);
    }
    all_times.sort_by(f64::total_cmp);
    println!(
        "  all capabilities: right {all_right}/{all_n} ({:.1} %), wrong verified {all_wrong}; median {:.0} ms, p95 {:.0} ms per still",
        100.0 * all_right as f64 / all_n.max(1) as f64,
        all_times.get(all_times.len() / 2).copied().unwrap_or(0.0),
        all_times
            .get(all_times.len().saturating_sub(1) * 95 / 100)
            .copied()
            .unwrap_or(0.0)
    );
    Ok(())
}
