//! Trains the learned glyph classifier (`src/ocr/learned.rs`) on synthetic OCR-B glyphs and writes
//! `crates/mrz/models/glyph_mlp.bin`, printing its SHA-256 for `learned::MODEL_SHA256`.
//!
//! `cargo run --release -p idgate-mrz --example train_classifier -- [out=crates/mrz/models/glyph_mlp.bin]`
//! `cargo run --release -p idgate-mrz --example train_classifier -- --eval FILE` only measures the
//! held-out accuracy of a weights file (e.g. the previous model, from git).
//!
//! Deterministic (fixed seed, one thread); a few minutes on a 2-core machine. It only ever sees
//! glyphs rendered from the font: never real documents.

use std::path::{Path, PathBuf};
use std::time::Instant;

use idgate_mrz::ocr::learned::{LearnedClassifier, TrainParams, accuracy, train};
use idgate_mrz::ocr::{DEFAULT_FONT_PATH, OcrbFont};
use sha2::{Digest, Sha256};

/// Held out: a seed the training never drew from; print at the window's scale, and small scans.
fn held_out(model: &LearnedClassifier, font: &OcrbFont) -> (f32, f32) {
    (
        accuracy(model, font, 200, 0.0, 0xF00D),
        accuracy(model, font, 200, 1.0, 0xF00D),
    )
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let font = OcrbFont::load(Path::new(DEFAULT_FONT_PATH))?;
    if let [flag, file] = args.as_slice()
        && flag == "--eval"
    {
        let model = LearnedClassifier::parse(&std::fs::read(file)?)?;
        let (plain, small) = held_out(&model, &font);
        println!(
            "{file}: held-out synthetic accuracy {:.2} % (print at window scale), {:.2} % (6-10 px scans)",
            plain * 100.0,
            small * 100.0
        );
        return Ok(());
    }
    // `--low-res SHARE` trains with that share of small-scan windows (measured, not shipped:
    // see the crate README).
    let mut params = TrainParams::default();
    let mut out = PathBuf::from("crates/mrz/models/glyph_mlp.bin");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--low-res" {
            params.low_res = rest
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| anyhow::anyhow!("--low-res takes a share between 0 and 1"))?;
        } else {
            out = PathBuf::from(arg);
        }
    }
    let start = Instant::now();
    let model = train(&font, params, |epoch, loss, acc| {
        eprintln!(
            "epoch {epoch:2}: loss {loss:.4}, train accuracy {:.2} % ({:.0} s)",
            acc * 100.0,
            start.elapsed().as_secs_f32()
        );
    });
    let (plain, small) = held_out(&model, &font);
    let bytes = model.to_bytes();
    LearnedClassifier::parse(&bytes)?;
    std::fs::write(&out, &bytes)?;
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!(
        "held-out synthetic accuracy {:.2} % (print at window scale), {:.2} % (6-10 px scans); wrote {} ({} bytes) in {:.0} s\nsha256 {hash}",
        plain * 100.0,
        small * 100.0,
        out.display(),
        bytes.len(),
        start.elapsed().as_secs_f32()
    );
    Ok(())
}
