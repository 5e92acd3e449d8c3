//! SFace folded from opencv_zoo's int8 block-quantised file (src/fold_int8.rs, the way
//! scripts/setup installs it when ../shared is absent) embeds the real faces of shared/faces as
//! the installed float32 model does.

mod common;

use std::path::PathBuf;

use common::{catalogue, photo};
use idgate_face::fold_int8::fold_dequantize;
use idgate_face::{Engine, EngineConfig};

const INT8: &str = "face_recognition_sface_2021dec_int8bq.onnx";
const FP32: &str = "face_recognition_sface_2021dec_fp32.onnx";
const DETECTOR: &str = "face_detection_yunet_2023mar_dynamic.onnx";

/// `IDGATE_ROOT/../shared/models`: opencv_zoo's file as published (see SOURCES.md there).
fn upstream_int8() -> Vec<u8> {
    let root = std::env::var_os("IDGATE_ROOT").expect("run through cargo (sets IDGATE_ROOT)");
    let path = PathBuf::from(root).join("../shared/models").join(INT8);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_folded_upstream_model_embeds_real_faces_as_the_installed_one() {
    let folded = fold_dequantize(&upstream_int8()).expect("fold");
    // SFace 2021dec: 29 quantised weights; every weight was also listed as a graph input.
    assert_eq!((folded.folded, folded.kept), (29, 0));
    assert!(folded.pruned_inputs >= 29, "{}", folded.pruned_inputs);

    let installed = EngineConfig::default().model_dir;
    let dir = std::env::temp_dir().join(format!("idgate-fold-sface-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join(FP32), &folded.model).expect("write folded");
    std::fs::copy(installed.join(DETECTOR), dir.join(DETECTOR))
        .expect("detector (run scripts/setup)");
    let identical = std::fs::read(installed.join(FP32)).ok().as_deref() == Some(&folded.model[..]);
    let config = EngineConfig {
        passive_pad: false,
        ..EngineConfig::default()
    };
    let ours = Engine::new(EngineConfig {
        model_dir: dir.clone(),
        ..config.clone()
    });
    let _ = std::fs::remove_dir_all(&dir);
    let ours = ours.expect("the folded model loads");
    let reference = Engine::new(config).expect("installed engine (run scripts/setup)");

    let (mut compared, mut worst) = (0, 1.0f32);
    for (file, _, kind) in catalogue() {
        if kind != "single" {
            continue;
        }
        let img = photo(&file);
        let a = ours.enroll_reference(&img).expect("folded").expect("face");
        let b = reference
            .enroll_reference(&img)
            .expect("installed")
            .expect("face");
        worst = worst.min(a.embedding.cosine(&b.embedding));
        compared += 1;
    }
    eprintln!(
        "{compared} photos, worst cosine folded vs installed {worst}; byte-identical to the installed file: {identical}"
    );
    assert!(compared >= 15, "only {compared} photos compared");
    assert!(worst >= 0.9999, "worst cosine {worst}");
}
