//! Each model is checked at load against the tensors the engine feeds and reads
//! (src/model_io.rs): the installed models pass; a file from another export is refused with one
//! line naming what was expected and what the file has.

use std::path::{Path, PathBuf};

use idgate_face::{Engine, EngineConfig, FaceError};

const MODELS: [&str; 4] = [
    "face_detection_yunet_2023mar_dynamic.onnx",
    "face_recognition_sface_2021dec_fp32.onnx",
    "2.7_80x80_MiniFASNetV2.onnx",
    "4_0_0_80x80_MiniFASNetV1SE.onnx",
];

/// A model directory of its own, removed when dropped.
struct ModelDir(PathBuf);

impl ModelDir {
    /// The installed models, with `swap` = (slot, file put there instead).
    fn with(tag: &str, swap: Option<(&str, &str)>) -> Self {
        let installed = EngineConfig::default().model_dir;
        let dir = std::env::temp_dir().join(format!(
            "idgate-model-signature-{}-{tag}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for name in MODELS {
            let from = match swap {
                Some((slot, other)) if slot == name => other,
                _ => name,
            };
            std::fs::copy(installed.join(from), dir.join(name))
                .unwrap_or_else(|e| panic!("{from}: {e} (run scripts/setup)"));
        }
        Self(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ModelDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load(dir: &Path) -> Result<Engine, FaceError> {
    Engine::new(EngineConfig {
        model_dir: dir.to_path_buf(),
        ..EngineConfig::default()
    })
}

#[test]
fn the_installed_models_have_the_expected_tensors() {
    let dir = ModelDir::with("ok", None);
    load(dir.path()).expect("the installed models load");
}

#[test]
fn a_model_from_another_export_is_refused_with_one_line() {
    // The V1SE network has the same tensors as V2 (both 80×80 → 3 logits): accepted in V2's slot.
    let dir = ModelDir::with(
        "same-io",
        Some((
            "2.7_80x80_MiniFASNetV2.onnx",
            "4_0_0_80x80_MiniFASNetV1SE.onnx",
        )),
    );
    load(dir.path()).expect("same tensors, accepted");

    for (tag, slot, other, expect) in [
        (
            "pad",
            "2.7_80x80_MiniFASNetV2.onnx",
            "face_recognition_sface_2021dec_fp32.onnx",
            "output f32[1, 3]",
        ),
        (
            "sface",
            "face_recognition_sface_2021dec_fp32.onnx",
            "2.7_80x80_MiniFASNetV2.onnx",
            "fc1 f32[1, 128]",
        ),
        (
            "yunet",
            "face_detection_yunet_2023mar_dynamic.onnx",
            "4_0_0_80x80_MiniFASNetV1SE.onnx",
            "cls_8",
        ),
    ] {
        let dir = ModelDir::with(tag, Some((slot, other)));
        let Err(err) = load(dir.path()) else {
            panic!("{slot} holding {other} must be refused");
        };
        let text = err.to_string();
        eprintln!("{text}");
        assert!(matches!(err, FaceError::ModelLoad { .. }), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(text.contains(slot), "names the file: {text}");
        assert!(
            text.contains("not the expected export") && text.contains(expect),
            "{text}"
        );
    }
}
