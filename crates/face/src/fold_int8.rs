//! Folds quantised weights back into float32: every `DequantizeLinear` whose inputs are all
//! constants becomes the float initializer it computes, `w = (q − zero_point) · scale`.
//!
//! opencv_zoo publishes SFace 2021dec as an int8 block-quantised file
//! (`face_recognition_sface_2021dec_int8bq.onnx`, weights stored as int8 with per-block scales and
//! dequantised at run time). ONNX Runtime runs the folded float32 graph about twice as fast, and
//! the outputs are the same function (the dequantisation is exact float arithmetic, done once here
//! instead of on every run). `scripts/setup` folds the upstream file with this module
//! (`src/bin/fold-sface.rs`) when the float file is not at hand.
//!
//! Like [`crate::prelu_split`], it works on the protobuf wire format and copies what it does not
//! change verbatim. Initializers nothing uses any more are dropped, and so are graph inputs nothing
//! reads or that only name an initializer (the upstream file lists every weight as an input too,
//! 29 of them left dangling by the fold, which ONNX Runtime refuses). Fields are written in field-number
//! order, as protobuf serialisers do, so the result is deterministic. Pure: bytes in, bytes out.

use std::collections::{HashMap, HashSet};

use prost::encoding::{WireType, encode_key, encode_varint};

// The field numbers both rewrites use are prelu_split's; the ones only folding needs are here.
use crate::prelu_split::{
    ATTR_I, ATTR_NAME, DTYPE_FLOAT, Field, GRAPH_INITIALIZER, GRAPH_NODE, MODEL_GRAPH,
    NODE_ATTRIBUTE, NODE_DOMAIN, NODE_INPUT, NODE_OP_TYPE, NODE_OUTPUT, TENSOR_DATA_LOCATION,
    TENSOR_DATA_TYPE, TENSOR_DIMS, TENSOR_NAME, TENSOR_RAW_DATA, f32s_le, fields, float_data,
    int64s, put_bytes, put_field, put_varint, string_of, varint_of,
};

/// Why a model could not be folded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FoldError {
    #[error("not an ONNX model: {0}")]
    Malformed(&'static str),
    #[error("the model has no graph")]
    NoGraph,
}

/// The folded model and what was done to it.
#[derive(Debug)]
pub struct Folded {
    pub model: Vec<u8>,
    /// `DequantizeLinear` nodes replaced by float initializers.
    pub folded: usize,
    /// `DequantizeLinear` nodes left as they were (inputs not constant, or a type not handled).
    pub kept: usize,
    /// Graph inputs dropped: no node reads them, or they are constants (initializers).
    pub pruned_inputs: usize,
}

// Field numbers from onnx/onnx.proto (ONNX 1.x).
const MODEL_IR_VERSION: u32 = 1;
const GRAPH_INPUT: u32 = 11;
const GRAPH_OUTPUT: u32 = 12;
const VALUE_INFO_NAME: u32 = 1;
const TENSOR_INT32_DATA: u32 = 5;
const DTYPE_UINT8: u64 = 2;
const DTYPE_INT8: u64 = 3;
const DTYPE_INT32: u64 = 6;

/// A constant tensor's shape and its values widened to f32 (exact for int8/uint8).
struct Tensor {
    dims: Vec<i64>,
    values: Vec<f32>,
}

fn tensor(bytes: &[u8]) -> Option<(String, Tensor)> {
    let fs = fields(bytes).ok()?;
    let name = fs
        .iter()
        .find(|f| f.number == TENSOR_NAME)
        .and_then(string_of)?;
    if fs
        .iter()
        .any(|f| f.number == TENSOR_DATA_LOCATION && varint_of(f) == Some(1))
    {
        return None; // external data: not in this file
    }
    let dims = int64s(&fs, TENSOR_DIMS)?;
    let dtype = fs
        .iter()
        .find(|f| f.number == TENSOR_DATA_TYPE)
        .and_then(varint_of)?;
    let raw = fs
        .iter()
        .find(|f| f.number == TENSOR_RAW_DATA)
        .map(|f| f.payload);
    let values: Vec<f32> = match (dtype, raw) {
        (DTYPE_FLOAT, Some(r)) => f32s_le(r),
        (DTYPE_INT8, Some(r)) => r.iter().map(|&b| f32::from(b as i8)).collect(),
        (DTYPE_UINT8, Some(r)) => r.iter().map(|&b| f32::from(b)).collect(),
        (DTYPE_INT32, Some(r)) => r
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
            .collect(),
        (DTYPE_FLOAT, None) => float_data(&fs)?,
        // int8, uint8 and int32 without raw data sit in int32_data (one varint each).
        (DTYPE_INT8 | DTYPE_UINT8 | DTYPE_INT32, None) => int64s(&fs, TENSOR_INT32_DATA)?
            .into_iter()
            .map(|x| match dtype {
                DTYPE_INT8 => f32::from(x as i8),
                DTYPE_UINT8 => f32::from(x as u8),
                _ => x as i32 as f32,
            })
            .collect(),
        _ => return None,
    };
    let count: i64 = dims.iter().product();
    (usize::try_from(count).ok() == Some(values.len())).then_some((name, Tensor { dims, values }))
}

/// The parts of a NodeProto the fold reads.
struct Node {
    inputs: Vec<String>,
    outputs: Vec<String>,
    op_type: String,
    domain: String,
    axis: i64,
    block_size: i64,
}

fn node(bytes: &[u8]) -> Result<Node, FoldError> {
    let text = |f: &Field<'_>| string_of(f).ok_or(FoldError::Malformed("node string"));
    let mut n = Node {
        inputs: Vec::new(),
        outputs: Vec::new(),
        op_type: String::new(),
        domain: String::new(),
        axis: 1,
        block_size: 0,
    };
    let bad = |_| FoldError::Malformed("bad protobuf field");
    for f in fields(bytes).map_err(bad)? {
        match f.number {
            NODE_INPUT => n.inputs.push(text(&f)?),
            NODE_OUTPUT => n.outputs.push(text(&f)?),
            NODE_OP_TYPE => n.op_type = text(&f)?,
            NODE_DOMAIN => n.domain = text(&f)?,
            NODE_ATTRIBUTE => {
                let attr = fields(f.payload).map_err(bad)?;
                let name = attr
                    .iter()
                    .find(|a| a.number == ATTR_NAME)
                    .and_then(string_of);
                let value = attr
                    .iter()
                    .find(|a| a.number == ATTR_I)
                    .and_then(varint_of)
                    .map(|v| v as i64);
                match (name.as_deref(), value) {
                    (Some("axis"), Some(v)) => n.axis = v,
                    (Some("block_size"), Some(v)) => n.block_size = v,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(n)
}

/// `(q − z) · s` per element, with `s` and `z` a scalar, one per slice along `axis`, or one per
/// block of `block_size` along `axis` (ONNX DequantizeLinear, opset 21). `None` when the shapes
/// do not fit together.
fn dequantize(
    q: &Tensor,
    scale: &Tensor,
    zero: Option<&Tensor>,
    axis: i64,
    block_size: i64,
) -> Option<Vec<f32>> {
    if let Some(z) = zero {
        if z.values.len() != scale.values.len() {
            return None;
        }
    }
    let zero_at = |i: usize| zero.map_or(0.0, |z| z.values[i]);
    if scale.values.len() == 1 {
        let (s, z) = (scale.values[0], zero_at(0));
        return Some(q.values.iter().map(|&v| (v - z) * s).collect());
    }
    let rank = q.dims.len() as i64;
    let axis = usize::try_from(if axis < 0 { axis + rank } else { axis }).ok()?;
    let dims: Vec<usize> = q
        .dims
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    let dim = *dims.get(axis)?;
    let inner: usize = dims[axis + 1..].iter().product();
    let (scale_dim, block, blocked) = if block_size > 0 {
        let bs = usize::try_from(block_size).ok()?;
        let sdims: Vec<usize> = scale
            .dims
            .iter()
            .map(|&d| usize::try_from(d).ok())
            .collect::<Option<_>>()?;
        let expected: Vec<usize> = dims
            .iter()
            .enumerate()
            .map(|(k, &d)| if k == axis { d.div_ceil(bs) } else { d })
            .collect();
        (sdims == expected).then_some(())?;
        (dim.div_ceil(bs), bs, true)
    } else {
        (scale.values.len() == dim).then_some(())?;
        (dim, 1, false)
    };
    let out = q
        .values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let (outer, rest) = (i / (dim * inner), i % (dim * inner));
            let (a, n) = (rest / inner, rest % inner);
            let k = if blocked {
                (outer * scale_dim + a / block) * inner + n
            } else {
                a
            };
            (v - zero_at(k)) * scale.values[k]
        })
        .collect();
    Some(out)
}

/// A float32 TensorProto as protobuf serialisers write it: dims (unpacked, as onnx.proto is
/// proto2), data type, name, raw little-endian data.
fn float_tensor(name: &str, dims: &[i64], values: &[f32]) -> Vec<u8> {
    let mut t = Vec::with_capacity(values.len() * 4 + name.len() + 32);
    for &d in dims {
        put_varint(&mut t, TENSOR_DIMS, d as u64);
    }
    put_varint(&mut t, TENSOR_DATA_TYPE, DTYPE_FLOAT);
    put_bytes(&mut t, TENSOR_NAME, name.as_bytes());
    encode_key(TENSOR_RAW_DATA, WireType::LengthDelimited, &mut t);
    encode_varint((values.len() * 4) as u64, &mut t);
    for v in values {
        t.extend_from_slice(&v.to_le_bytes());
    }
    t
}

fn value_info_name(bytes: &[u8]) -> Option<String> {
    fields(bytes)
        .ok()?
        .iter()
        .find(|f| f.number == VALUE_INFO_NAME)
        .and_then(string_of)
}

/// Encodes `parts` (field number, encoded field) in field-number order, keeping the order of
/// equal numbers.
fn in_field_order(mut parts: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    parts.sort_by_key(|(n, _)| *n);
    parts.into_iter().flat_map(|(_, b)| b).collect()
}

fn encoded(f: &Field<'_>) -> (u32, Vec<u8>) {
    let mut out = Vec::with_capacity(f.payload.len() + 6);
    put_field(&mut out, f);
    (f.number, out)
}

fn encoded_bytes(number: u32, payload: &[u8]) -> (u32, Vec<u8>) {
    let mut out = Vec::with_capacity(payload.len() + 6);
    put_bytes(&mut out, number, payload);
    (number, out)
}

/// Folds every constant `DequantizeLinear` of `model` into a float32 initializer.
pub fn fold_dequantize(model: &[u8]) -> Result<Folded, FoldError> {
    let bad = |_| FoldError::Malformed("bad protobuf field");
    let top = fields(model).map_err(bad)?;
    let graph = top
        .iter()
        .find(|f| f.number == MODEL_GRAPH && f.wire == WireType::LengthDelimited)
        .ok_or(FoldError::NoGraph)?;
    let gf = fields(graph.payload).map_err(bad)?;

    let mut constants: HashMap<String, Tensor> = HashMap::new();
    for f in gf.iter().filter(|f| f.number == GRAPH_INITIALIZER) {
        if let Some((name, t)) = tensor(f.payload) {
            constants.insert(name, t);
        }
    }

    let mut dropped_nodes = HashSet::new();
    let mut new_initializers = Vec::new();
    let mut kept_nodes = Vec::new();
    let (mut folded, mut kept) = (0, 0);
    for (i, f) in gf
        .iter()
        .enumerate()
        .filter(|(_, f)| f.number == GRAPH_NODE)
    {
        let n = node(f.payload)?;
        let is_dq =
            n.op_type == "DequantizeLinear" && (n.domain.is_empty() || n.domain == "ai.onnx");
        let weights = is_dq
            .then(|| {
                let q = constants.get(n.inputs.first()?)?;
                let s = constants.get(n.inputs.get(1)?)?;
                let z = match n.inputs.get(2).filter(|z| !z.is_empty()) {
                    Some(z) => Some(constants.get(z)?),
                    None => None,
                };
                let [out] = n.outputs.as_slice() else {
                    return None;
                };
                let w = dequantize(q, s, z, n.axis, n.block_size)?;
                Some(float_tensor(out, &q.dims, &w))
            })
            .flatten();
        match weights {
            Some(t) => {
                new_initializers.push((n.outputs[0].clone(), t));
                dropped_nodes.insert(i);
                folded += 1;
            }
            None => {
                kept += usize::from(is_dq);
                kept_nodes.push(n);
            }
        }
    }

    let mut used: HashSet<&str> = kept_nodes
        .iter()
        .flat_map(|n| n.inputs.iter().map(String::as_str))
        .collect();
    let outputs: Vec<String> = gf
        .iter()
        .filter(|f| f.number == GRAPH_OUTPUT)
        .filter_map(|f| value_info_name(f.payload))
        .collect();
    used.extend(outputs.iter().map(String::as_str));

    // From IR version 4 on, an initializer need not be listed as a graph input; one that is can
    // be overridden by the caller, which keeps ONNX Runtime from folding it as a constant.
    let ir_version = top
        .iter()
        .find(|f| f.number == MODEL_IR_VERSION)
        .and_then(varint_of)
        .unwrap_or(0);
    let constants_are_not_inputs = ir_version >= 4;
    let initializer_names: HashSet<String> = gf
        .iter()
        .filter(|f| f.number == GRAPH_INITIALIZER)
        .filter_map(|f| fields(f.payload).ok())
        .filter_map(|t| {
            t.iter()
                .find(|x| x.number == TENSOR_NAME)
                .and_then(string_of)
        })
        .chain(new_initializers.iter().map(|(n, _)| n.clone()))
        .collect();
    let mut parts = Vec::with_capacity(gf.len() + new_initializers.len());
    let mut pruned_inputs = 0;
    for (i, f) in gf.iter().enumerate() {
        let keep = match f.number {
            GRAPH_NODE => !dropped_nodes.contains(&i),
            GRAPH_INITIALIZER => fields(f.payload)
                .ok()
                .and_then(|t| {
                    t.iter()
                        .find(|x| x.number == TENSOR_NAME)
                        .and_then(string_of)
                })
                .is_none_or(|name| used.contains(name.as_str())),
            GRAPH_INPUT => {
                let live = value_info_name(f.payload).is_none_or(|n| {
                    used.contains(n.as_str())
                        && !(constants_are_not_inputs && initializer_names.contains(n.as_str()))
                });
                pruned_inputs += usize::from(!live);
                live
            }
            _ => true,
        };
        if keep {
            parts.push(encoded(f));
        }
    }
    // New initializers after the original ones (the sort below is stable).
    parts.extend(
        new_initializers
            .iter()
            .filter(|(name, _)| used.contains(name.as_str()))
            .map(|(_, t)| encoded_bytes(GRAPH_INITIALIZER, t)),
    );
    let new_graph = in_field_order(parts);

    let top_parts = top
        .iter()
        .map(|f| {
            if std::ptr::eq(f, graph) {
                encoded_bytes(MODEL_GRAPH, &new_graph)
            } else {
                encoded(f)
            }
        })
        .collect();
    Ok(Folded {
        model: in_field_order(top_parts),
        folded,
        kept,
        pruned_inputs,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn int8_tensor(name: &str, dims: &[i64], values: &[i8]) -> Vec<u8> {
        let mut t = Vec::new();
        for &d in dims {
            put_varint(&mut t, TENSOR_DIMS, d as u64);
        }
        put_varint(&mut t, TENSOR_DATA_TYPE, DTYPE_INT8);
        put_bytes(&mut t, TENSOR_NAME, name.as_bytes());
        let raw: Vec<u8> = values.iter().map(|&v| v as u8).collect();
        put_bytes(&mut t, TENSOR_RAW_DATA, &raw);
        t
    }

    fn attr_int(name: &str, v: i64) -> Vec<u8> {
        let mut a = Vec::new();
        put_bytes(&mut a, ATTR_NAME, name.as_bytes());
        put_varint(&mut a, ATTR_I, v as u64);
        put_varint(&mut a, 20, 2);
        a
    }

    fn dq_node(inputs: &[&str], output: &str, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            put_bytes(&mut n, NODE_INPUT, i.as_bytes());
        }
        put_bytes(&mut n, NODE_OUTPUT, output.as_bytes());
        put_bytes(&mut n, NODE_OP_TYPE, b"DequantizeLinear");
        for a in attrs {
            put_bytes(&mut n, NODE_ATTRIBUTE, a);
        }
        n
    }

    fn value_info(name: &str) -> Vec<u8> {
        let mut v = Vec::new();
        put_bytes(&mut v, VALUE_INFO_NAME, name.as_bytes());
        v
    }

    /// `y = Mul(x, DequantizeLinear(q, s, z))` with `q` of shape [2,4] quantised in blocks of 2
    /// along axis 1, and one stray graph input.
    fn model() -> Vec<u8> {
        let mut g = Vec::new();
        put_bytes(
            &mut g,
            GRAPH_NODE,
            &dq_node(
                &["q", "s", "z"],
                "w",
                &[attr_int("axis", 1), attr_int("block_size", 2)],
            ),
        );
        let mut mul = Vec::new();
        put_bytes(&mut mul, NODE_INPUT, b"x");
        put_bytes(&mut mul, NODE_INPUT, b"w");
        put_bytes(&mut mul, NODE_OUTPUT, b"y");
        put_bytes(&mut mul, NODE_OP_TYPE, b"Mul");
        put_bytes(&mut g, GRAPH_NODE, &mul);
        put_bytes(&mut g, 2, b"g");
        put_bytes(
            &mut g,
            GRAPH_INITIALIZER,
            &int8_tensor("q", &[2, 4], &[1, 2, 3, 4, -1, -2, -3, -4]),
        );
        put_bytes(
            &mut g,
            GRAPH_INITIALIZER,
            &float_tensor("s", &[2, 2], &[0.5, 2.0, 1.0, 0.25]),
        );
        put_bytes(
            &mut g,
            GRAPH_INITIALIZER,
            &int8_tensor("z", &[2, 2], &[1, 0, 0, -4]),
        );
        put_bytes(&mut g, GRAPH_INPUT, &value_info("x"));
        put_bytes(&mut g, GRAPH_INPUT, &value_info("stray"));
        put_bytes(&mut g, GRAPH_OUTPUT, &value_info("y"));
        let mut m = Vec::new();
        put_varint(&mut m, 1, 8);
        put_bytes(&mut m, 2, b"test");
        put_bytes(&mut m, MODEL_GRAPH, &g);
        m
    }

    #[test]
    fn a_block_quantised_weight_becomes_its_float_values() {
        let f = fold_dequantize(&model()).unwrap();
        assert_eq!((f.folded, f.kept, f.pruned_inputs), (1, 0, 1));
        let top = fields(&f.model).unwrap();
        let g = top.iter().find(|x| x.number == MODEL_GRAPH).unwrap();
        let gf = fields(g.payload).unwrap();
        let ops: Vec<String> = gf
            .iter()
            .filter(|x| x.number == GRAPH_NODE)
            .map(|x| node(x.payload).unwrap().op_type)
            .collect();
        assert_eq!(ops, ["Mul"]);
        let inits: HashMap<String, Tensor> = gf
            .iter()
            .filter(|x| x.number == GRAPH_INITIALIZER)
            .filter_map(|x| tensor(x.payload))
            .collect();
        // q, s, z are no longer used; w = (q − z) · s per block of two columns.
        assert_eq!(inits.keys().collect::<Vec<_>>(), ["w"]);
        assert_eq!(inits["w"].dims, [2, 4]);
        assert_eq!(
            inits["w"].values,
            [0.0, 0.5, 6.0, 8.0, -1.0, -2.0, 0.25, 0.0]
        );
        let inputs: Vec<String> = gf
            .iter()
            .filter(|x| x.number == GRAPH_INPUT)
            .filter_map(|x| value_info_name(x.payload))
            .collect();
        assert_eq!(inputs, ["x"]);
        // Untouched fields survive, in field-number order.
        assert_eq!(
            top.iter().map(|x| x.number).collect::<Vec<_>>(),
            [1, 2, MODEL_GRAPH]
        );
    }

    #[test]
    fn per_axis_and_scalar_scales() {
        let q = Tensor {
            dims: vec![2, 3],
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        let per_row = Tensor {
            dims: vec![2],
            values: vec![2.0, 10.0],
        };
        assert_eq!(
            dequantize(&q, &per_row, None, 0, 0).unwrap(),
            [2.0, 4.0, 6.0, 40.0, 50.0, 60.0]
        );
        let scalar = Tensor {
            dims: vec![],
            values: vec![0.5],
        };
        assert_eq!(
            dequantize(&q, &scalar, None, 1, 0).unwrap(),
            [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
        );
        // A scale that fits no axis is refused, not guessed.
        assert!(dequantize(&q, &per_row, None, 1, 0).is_none());
    }

    #[test]
    fn garbage_is_a_typed_error_never_a_panic() {
        assert_eq!(fold_dequantize(&[]).unwrap_err(), FoldError::NoGraph);
        let m = model();
        for cut in 0..m.len() {
            let _ = fold_dequantize(&m[..cut]);
        }
    }
}
