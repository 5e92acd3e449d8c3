//! Trains the learned glyph classifier (`src/ocr/learned.rs`) on synthetic OCR-B glyphs and writes
//! `crates/mrz/models/glyph_mlp.bin`, printing its SHA-256 for `learned::MODEL_SHA256`.
//!
//! `cargo run --release -p idgate-mrz --example train_classifier -- [out=crates/mrz/models/glyph_mlp.bin]`
//!
//! Deterministic (fixed seed, one thread); a few minutes on a 2-core machine. It only ever sees
//! glyphs rendered from the font: never real documents.

use std::path::{Path, PathBuf};
use std::time::Instant;

use idgate_mrz::ocr::learned::{LearnedClassifier, TrainParams, accuracy, train};
use idgate_mrz::ocr::{DEFAULT_FONT_PATH, OcrbFont};
use sha2::{Digest, Sha256};

fn main() -> anyhow::Result<()> {
    let out = std::env::args().nth(1).map_or_else(
        || PathBuf::from("crates/mrz/models/glyph_mlp.bin"),
        PathBuf::from,
    );
    let font = OcrbFont::load(Path::new(DEFAULT_FONT_PATH))?;
    let params = TrainParams::default();
    let start = Instant::now();
    let model = train(&font, params, |epoch, loss, acc| {
        eprintln!(
            "epoch {epoch:2}: loss {loss:.4}, train accuracy {:.2} % ({:.0} s)",
            acc * 100.0,
            start.elapsed().as_secs_f32()
        );
    });
    // Held out: a seed the training never drew from.
    let held_out = accuracy(&model, &font, 200, 0xF00D);
    let bytes = model.to_bytes();
    LearnedClassifier::parse(&bytes)?;
    std::fs::write(&out, &bytes)?;
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!(
        "held-out synthetic accuracy {:.2} %; wrote {} ({} bytes) in {:.0} s\nsha256 {hash}",
        held_out * 100.0,
        out.display(),
        bytes.len(),
        start.elapsed().as_secs_f32()
    );
    Ok(())
}
