//! Every model the set-up installs loads in ONNX Runtime (through `ort`, load-dynamic, the library the
//! set-up unpacked) and has the tensors its publisher's model card describes (opencv_zoo YuNet and SFace, MiniFASNet).

use std::path::PathBuf;

use ort::session::Session;

fn model_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("IDGATE_MODEL_DIR").expect(
        "IDGATE_MODEL_DIR is unset: run the tests through cargo (see .cargo/config.toml) after scripts/setup",
    ))
}

fn environment() -> ort::environment::Environment {
    let lib =
        std::env::var_os("ORT_DYLIB_PATH").expect("ORT_DYLIB_PATH is unset: run scripts/setup");
    ort::init_from(&lib)
        .unwrap_or_else(|e| {
            panic!("cannot load ONNX Runtime from {lib:?} (run scripts/setup): {e}")
        })
        .with_name("idgate-model-check")
        .build()
        .expect("ONNX Runtime environment")
}

/// (name, dims) of each tensor; dynamic dimensions show as -1.
type Tensors = Vec<(String, Vec<i64>)>;

/// The inputs and outputs of a model.
fn signature(session: &Session) -> (Tensors, Tensors) {
    let dims = |t: &ort::value::ValueType| match t {
        ort::value::ValueType::Tensor { shape, .. } => shape.iter().copied().collect(),
        other => panic!("not a tensor: {other:?}"),
    };
    let ins = session
        .inputs()
        .iter()
        .map(|o| (o.name().to_owned(), dims(o.dtype())))
        .collect();
    let outs = session
        .outputs()
        .iter()
        .map(|o| (o.name().to_owned(), dims(o.dtype())))
        .collect();
    (ins, outs)
}

fn load(env: &ort::environment::Environment, file: &str) -> Session {
    let path = model_dir().join(file);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup",
        path.display()
    );
    Session::builder(env)
        .expect("session builder")
        .commit_from_file(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strs(v: &[(&str, &[i64])]) -> Tensors {
    v.iter()
        .map(|(n, d)| ((*n).to_owned(), d.to_vec()))
        .collect()
}

#[test]
fn every_installed_model_loads_with_the_documented_tensors() {
    let env = environment();

    // YuNet, fixed 640×640 (CRATES.md: input [1,3,640,640]; cls/obj [N,1], bbox [N,4], kps [N,10] per stride).
    let (ins, outs) = signature(&load(&env, "face_detection_yunet_2023mar.onnx"));
    assert_eq!(ins, strs(&[("input", &[1, 3, 640, 640])]));
    let mut expected = Vec::new();
    for (kind, width) in [("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)] {
        for (stride, n) in [(8, 6400), (16, 1600), (32, 400)] {
            expected.push((format!("{kind}_{stride}"), vec![1, n, width]));
        }
    }
    let mut got = outs;
    got.sort();
    expected.sort();
    assert_eq!(got, expected);

    // YuNet with dynamic height and width (SOURCES.md: multiples of 32): same outputs, free spatial dims.
    let (ins, outs) = signature(&load(&env, "face_detection_yunet_2023mar_dynamic.onnx"));
    assert_eq!(ins.len(), 1);
    assert_eq!(ins[0].0, "input");
    // Batch, height and width are all dynamic in this export; three colour channels.
    assert_eq!(ins[0].1.len(), 4);
    assert_eq!(ins[0].1[1], 3);
    assert!(
        ins[0].1[2] < 0 && ins[0].1[3] < 0,
        "spatial dims are dynamic: {:?}",
        ins[0].1
    );
    assert_eq!(outs.len(), 12);

    // SFace fp32 (CRATES.md: input `data` [1,3,112,112], output `fc1` [1,128]).
    let (ins, outs) = signature(&load(&env, "face_recognition_sface_2021dec_fp32.onnx"));
    assert_eq!(ins, strs(&[("data", &[1, 3, 112, 112])]));
    assert_eq!(outs, strs(&[("fc1", &[1, 128])]));

    // MiniFASNet V2 (scale 2.7) and V1SE (scale 4.0): an 80×80 crop in, three class scores out.
    for file in [
        "2.7_80x80_MiniFASNetV2.onnx",
        "4_0_0_80x80_MiniFASNetV1SE.onnx",
    ] {
        let (ins, outs) = signature(&load(&env, file));
        assert_eq!(ins.len(), 1, "{file}");
        assert_eq!(ins[0].1, vec![1, 3, 80, 80], "{file}");
        assert_eq!(outs.len(), 1, "{file}");
        assert_eq!(outs[0].1, vec![1, 3], "{file}");
    }
}
