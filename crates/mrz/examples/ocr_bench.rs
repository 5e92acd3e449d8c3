//! OCR accuracy and speed on synthetic camera frames.
//!
//! `cargo run --release -p idgate-mrz --example ocr_bench -- [frames=500] [width=1280] [height=720] [seed=1]`
//!
//! Prints: frame accuracy (the full MRZ verified and equal to the truth), character accuracy,
//! rejections (no result) versus wrong results (a verified MRZ that differs from the truth),
//! and median / p95 latency per frame. Frames live in memory only.

use std::time::Instant;

use idgate_mrz::ocr::{DEFAULT_FONT_PATH, MrzReader, OcrbFont};
use idgate_mrz::synth::{SynthRng, random_frame};
use idgate_mrz::{Date, MrzFormat};

fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let frames = args.first().copied().unwrap_or(500) as usize;
    let width = args.get(1).copied().unwrap_or(1280) as u32;
    let height = args.get(2).copied().unwrap_or(720) as u32;
    let seed = args.get(3).copied().unwrap_or(1);
    let verbose = std::env::var_os("OCR_BENCH_VERBOSE").is_some();

    let font = OcrbFont::load(DEFAULT_FONT_PATH.as_ref())?;
    let started = Instant::now();
    let reader = MrzReader::with_font(&font);
    let startup = started.elapsed();
    let today = Date::new(2025, 6, 23).ok_or_else(|| anyhow::anyhow!("date"))?;
    let mut rng = SynthRng::new(seed);

    let (mut correct, mut wrong, mut rejected, mut no_band) = (0usize, 0usize, 0usize, 0usize);
    let mut wrong_key = 0usize;
    let (mut chars_right, mut chars_total) = (0usize, 0usize);
    let mut latencies = Vec::with_capacity(frames);
    let mut by_format = std::collections::BTreeMap::<String, (usize, usize)>::new();
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
        let outcome = match &reading.decoded {
            None => {
                no_band += 1;
                rejected += 1;
                "no band"
            }
            Some(d) => {
                if d.lines.len() == truth.len() {
                    for (read, want) in d.lines.iter().zip(truth) {
                        chars_right += read
                            .iter()
                            .zip(want.bytes())
                            .filter(|(a, b)| **a == *b)
                            .count();
                    }
                }
                match &d.mrz {
                    Some(m) if m == &frame.mrz => {
                        correct += 1;
                        entry.0 += 1;
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
    for (format, (ok, total)) in &by_format {
        println!("  {format}: {ok}/{total}");
    }
    println!(
        "latency per frame: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    Ok(())
}
