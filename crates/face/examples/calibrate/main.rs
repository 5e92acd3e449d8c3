//! Calibration on shared/faces: genuine and impostor score distributions of the single-face
//! images, per-image detection/quality/PAD figures. Prints numbers only (no pixels, no templates).
//!
//! cargo run --release -p idgate-face --example calibrate [FACES_DIR]

use std::path::PathBuf;

use idgate_face::{Engine, EngineConfig, load_image};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("IDGATE_FACES_DIR").map(PathBuf::from))
        .or_else(|| {
            std::env::var_os("IDGATE_ROOT").map(|r| PathBuf::from(r).join("../shared/faces"))
        })
        .ok_or("pass the faces directory or set IDGATE_FACES_DIR")?;
    let engine = Engine::new(EngineConfig::default())?;
    let csv = std::fs::read_to_string(dir.join("faces.csv"))?;
    let mut refs = Vec::new();
    println!(
        "file identity kind | faces score ied lum under over illum sharp yaw pitch roll eyec | pad | guidance"
    );
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(4, ',').collect();
        let [file, identity, kind, ..] = cols[..] else {
            continue;
        };
        let img = load_image(&dir.join(file))?;
        let a = engine.analyze_still(&img)?;
        let g: Vec<&str> = a.guidance.iter().map(|g| g.id()).collect();
        match &a.primary {
            Some(p) => {
                let q = &p.quality;
                println!(
                    "{file} {identity} {kind} | {} {:.3} {:.0}px({:.3}) {:.0} {:.3} {:.3} {:.2} {:.0} {:.1} {:.1} {:.1} {:.3} | {} | {:?}",
                    a.face_count,
                    q.detector_score,
                    q.inter_eye_px,
                    q.inter_eye_ratio,
                    q.luminance_mean,
                    q.underexposed,
                    q.overexposed,
                    q.illumination_ratio,
                    q.sharpness,
                    q.yaw_deg,
                    q.pitch_deg,
                    q.roll_deg,
                    q.eye_contrast,
                    p.pad.map_or("-".into(), |p| format!(
                        "{:.4} ({:.3},{:.3})",
                        p.live, p.per_model[0], p.per_model[1]
                    )),
                    g
                );
            }
            None => println!("{file} {identity} {kind} | no face | {g:?}"),
        }
        if kind == "single" {
            if let Some(r) = engine.enroll_reference(&img)? {
                refs.push((file.to_owned(), identity.to_owned(), r));
            }
        }
    }
    let mut genuine = Vec::new();
    let mut impostor = Vec::new();
    for i in 0..refs.len() {
        for j in i + 1..refs.len() {
            let s = refs[i].2.embedding.cosine(&refs[j].2.embedding);
            let same = refs[i].1 == refs[j].1;
            if same {
                genuine.push((s, i, j))
            } else {
                impostor.push((s, i, j))
            }
        }
    }
    genuine.sort_by(|a, b| a.0.total_cmp(&b.0));
    impostor.sort_by(|a, b| a.0.total_cmp(&b.0));
    let stats = |v: &[(f32, usize, usize)]| {
        let n = v.len();
        let mean = v.iter().map(|x| x.0).sum::<f32>() / n.max(1) as f32;
        (
            n,
            v.first().map_or(0.0, |x| x.0),
            v.get(n / 2).map_or(0.0, |x| x.0),
            mean,
            v.last().map_or(0.0, |x| x.0),
        )
    };
    let (gn, gmin, gmed, gmean, gmax) = stats(&genuine);
    let (inn, imin, imed, imean, imax) = stats(&impostor);
    println!("\n{} single-face images enrolled", refs.len());
    println!("genuine  pairs {gn}: min {gmin:.3} median {gmed:.3} mean {gmean:.3} max {gmax:.3}");
    println!("impostor pairs {inn}: min {imin:.3} median {imed:.3} mean {imean:.3} max {imax:.3}");
    for (s, i, j) in genuine.iter().take(5) {
        println!("  lowest genuine  {s:.3} {} ~ {}", refs[*i].0, refs[*j].0);
    }
    for (s, i, j) in impostor.iter().rev().take(5) {
        println!("  highest impostor {s:.3} {} ~ {}", refs[*i].0, refs[*j].0);
    }
    let t = engine.match_threshold();
    let fnm = genuine.iter().filter(|x| x.0 < t).count();
    let fm = impostor.iter().filter(|x| x.0 >= t).count();
    println!(
        "threshold {t}: false non-matches {fnm}/{gn}, false matches {fm}/{inn}, margin below {:.3} above {:.3}",
        gmin - t,
        t - imax
    );
    Ok(())
}
