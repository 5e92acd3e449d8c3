//! A missing runtime or model is a typed error naming the path.

use std::path::PathBuf;

use idgate_face::{Engine, EngineConfig, FaceError};

#[test]
fn a_missing_runtime_library_names_its_path() {
    let cfg = EngineConfig {
        runtime_path: PathBuf::from("/nonexistent/libonnxruntime.so"),
        ..EngineConfig::default()
    };
    match Engine::new(cfg) {
        Err(FaceError::RuntimeMissing { path }) => {
            assert_eq!(path, PathBuf::from("/nonexistent/libonnxruntime.so"))
        }
        other => panic!("expected RuntimeMissing, got {other:?}"),
    }
}

#[test]
fn a_missing_model_names_its_path() {
    let cfg = EngineConfig {
        model_dir: PathBuf::from("/nonexistent-models"),
        ..EngineConfig::default()
    };
    assert!(
        cfg.runtime_path.is_file(),
        "ONNX Runtime missing at {} (run scripts/setup)",
        cfg.runtime_path.display()
    );
    match Engine::new(cfg) {
        Err(FaceError::ModelMissing { path }) => {
            assert!(
                path.starts_with("/nonexistent-models"),
                "{}",
                path.display()
            );
            assert!(path.to_string_lossy().ends_with(".onnx"));
        }
        other => panic!("expected ModelMissing, got {other:?}"),
    }
}
