//! Shared set-up for the tests on shared/faces: one engine per test binary, the faces directory.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use idgate_face::{Engine, EngineConfig, load_image};
use image::RgbImage;

/// `IDGATE_FACES_DIR`, else `$IDGATE_ROOT/../shared/faces` (cargo sets IDGATE_ROOT).
pub fn faces_dir() -> PathBuf {
    let dir = std::env::var_os("IDGATE_FACES_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("IDGATE_ROOT").map(|r| PathBuf::from(r).join("../shared/faces"))
        })
        .expect("set IDGATE_FACES_DIR (or run through cargo, which sets IDGATE_ROOT)");
    assert!(
        dir.join("faces.csv").is_file(),
        "face photos not found at {} (set IDGATE_FACES_DIR to shared/faces)",
        dir.display()
    );
    dir
}

/// The engine, loaded once. Fails the test, with the reason, when ONNX Runtime or a model is missing.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(EngineConfig::default()).unwrap_or_else(|e| {
            panic!("face engine unavailable: {e} (run scripts/setup; cargo sets ORT_DYLIB_PATH and IDGATE_MODEL_DIR)")
        })
    })
}

pub fn photo(name: &str) -> RgbImage {
    load_image(&faces_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (file, identity, kind) rows of faces.csv.
pub fn catalogue() -> Vec<(String, String, String)> {
    let csv = std::fs::read_to_string(faces_dir().join("faces.csv")).expect("faces.csv");
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let mut c = l.splitn(4, ',');
            Some((
                c.next()?.to_owned(),
                c.next()?.to_owned(),
                c.next()?.to_owned(),
            ))
        })
        .collect()
}
