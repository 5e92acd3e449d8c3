//! The tensors each model the engine loads must have, checked when its session is built: a file
//! from another export (other names, shapes or element types) is refused at load with one line
//! saying what was expected and what the file has, not at the first frame with an odd error.
//! Models are recognised by their installed file name (see `scripts/setup`); other files are
//! not checked.

use std::fmt::Write as _;
use std::path::Path;

use ort::session::Session;
use ort::value::{Outlet, TensorElementType, ValueType};

use crate::error::FaceError;

/// A float32 tensor by name; `-1` in a shape accepts any size.
struct Spec {
    name: &'static str,
    shape: &'static [i64],
}

struct Signature {
    file: &'static str,
    inputs: &'static [Spec],
    outputs: &'static [Spec],
}

const fn spec(name: &'static str, shape: &'static [i64]) -> Spec {
    Spec { name, shape }
}

/// YuNet's twelve heads: class, objectness, box and landmarks at strides 8, 16 and 32
/// (`[1, anchors, k]`; the anchor count follows the input size).
const YUNET_OUTPUTS: &[Spec] = &[
    spec("cls_8", &[1, -1, 1]),
    spec("cls_16", &[1, -1, 1]),
    spec("cls_32", &[1, -1, 1]),
    spec("obj_8", &[1, -1, 1]),
    spec("obj_16", &[1, -1, 1]),
    spec("obj_32", &[1, -1, 1]),
    spec("bbox_8", &[1, -1, 4]),
    spec("bbox_16", &[1, -1, 4]),
    spec("bbox_32", &[1, -1, 4]),
    spec("kps_8", &[1, -1, 10]),
    spec("kps_16", &[1, -1, 10]),
    spec("kps_32", &[1, -1, 10]),
];

/// The input and output tensors of the published models (opencv_zoo YuNet and SFace model cards,
/// MiniFASNet from its repository; the preprocessing is in detect, embed, pad).
const SIGNATURES: &[Signature] = &[
    Signature {
        file: "face_detection_yunet_2023mar_dynamic.onnx",
        inputs: &[spec("input", &[1, 3, -1, -1])],
        outputs: YUNET_OUTPUTS,
    },
    Signature {
        file: "face_recognition_sface_2021dec_fp32.onnx",
        inputs: &[spec("data", &[1, 3, 112, 112])],
        outputs: &[spec("fc1", &[1, 128])],
    },
    Signature {
        file: "2.7_80x80_MiniFASNetV2.onnx",
        inputs: &[spec("input", &[1, 3, 80, 80])],
        outputs: &[spec("output", &[1, 3])],
    },
    Signature {
        file: "4_0_0_80x80_MiniFASNetV1SE.onnx",
        inputs: &[spec("input", &[1, 3, 80, 80])],
        outputs: &[spec("output", &[1, 3])],
    },
];

/// A model dimension fits an expected one when either is dynamic or both are equal.
fn fits(outlet: &Outlet, spec: &Spec) -> bool {
    let ValueType::Tensor { ty, shape, .. } = outlet.dtype() else {
        return false;
    };
    *ty == TensorElementType::Float32
        && shape.len() == spec.shape.len()
        && shape
            .iter()
            .zip(spec.shape)
            .all(|(&have, &want)| have < 0 || want < 0 || have == want)
}

/// Every expected tensor present (in any order) with a fitting type and shape, and no others.
fn matches(outlets: &[Outlet], specs: &[Spec]) -> bool {
    outlets.len() == specs.len()
        && specs
            .iter()
            .all(|s| outlets.iter().any(|o| o.name() == s.name && fits(o, s)))
}

fn describe_specs(specs: &[Spec]) -> String {
    let mut out = String::new();
    for (i, s) in specs.iter().enumerate() {
        let sep = if i > 0 { ", " } else { "" };
        let _ = write!(out, "{sep}{} f32{:?}", s.name, s.shape);
    }
    out
}

fn describe_outlets(outlets: &[Outlet]) -> String {
    let mut out = String::new();
    for (i, o) in outlets.iter().enumerate() {
        let sep = if i > 0 { ", " } else { "" };
        let _ = match o.dtype() {
            ValueType::Tensor { ty, shape, .. } if *ty == TensorElementType::Float32 => {
                write!(out, "{sep}{} f32{:?}", o.name(), &shape[..])
            }
            ValueType::Tensor { ty, shape, .. } => {
                write!(out, "{sep}{} {ty:?}{:?}", o.name(), &shape[..])
            }
            other => write!(out, "{sep}{} {other:?}", o.name()),
        };
    }
    out
}

/// Refuses a session whose inputs or outputs are not those the engine feeds and reads.
pub(crate) fn check(session: &Session, path: &Path) -> Result<(), FaceError> {
    let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
        return Ok(());
    };
    let Some(sig) = SIGNATURES.iter().find(|s| s.file == file) else {
        return Ok(());
    };
    if matches(session.inputs(), sig.inputs) && matches(session.outputs(), sig.outputs) {
        return Ok(());
    }
    Err(FaceError::ModelLoad {
        path: path.to_path_buf(),
        reason: format!(
            "not the expected export: the engine needs inputs [{}] and outputs [{}], this file has inputs [{}] and outputs [{}]",
            describe_specs(sig.inputs),
            describe_specs(sig.outputs),
            describe_outlets(session.inputs()),
            describe_outlets(session.outputs()),
        ),
    })
}
