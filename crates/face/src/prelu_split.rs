//! Rewrites per-channel PRelu activations of an ONNX model into ops ONNX Runtime keeps in its
//! blocked (NCHWc) convolution layout.
//!
//! SFace has 27 `Conv → BatchNormalization → PRelu` blocks. ONNX Runtime fuses the normalisation
//! into the convolution and runs it in NCHWc, but has no NCHWc PRelu: every PRelu costs a layout
//! round trip plus a slow broadcasting kernel, measured at more than half of SFace's time here.
//! Per channel c with slope a_c,
//!
//! ```text
//! prelu(x) = max(x, 0) + a·min(x, 0) = (1 − a)·relu(x) + a·x
//! ```
//!
//! so each PRelu becomes `Add(Conv1×1dw[1 − a](Relu(x)), Conv1×1dw[a](x))`: a Relu and two 1×1
//! depthwise convolutions, which ORT runs in NCHWc and fuses with the Add. The result is the
//! same function up to float rounding (tests/prelu_split.rs compares embeddings of real faces).
//!
//! The rewrite works on the protobuf wire format and copies every field it does not need
//! verbatim, so nothing of the model is lost; prost supplies the wire primitives. (No maintained
//! crate edits ONNX graphs: the ONNX protobuf crates decode into types that drop unknown fields.)
//! Pure: bytes in, bytes out.

use std::collections::HashMap;

use prost::bytes::Buf;
use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};

/// Why a model could not be rewritten (the caller then loads the original).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RewriteError {
    #[error("not an ONNX model: {0}")]
    Malformed(&'static str),
    #[error("the model has no graph")]
    NoGraph,
}

/// The rewritten model and how many PRelu nodes were replaced (the rest were left as they were).
#[derive(Debug)]
pub struct Rewritten {
    pub model: Vec<u8>,
    pub replaced: usize,
    pub kept: usize,
}

// Field numbers from onnx/onnx.proto (ONNX 1.x; stable since IR version 3).
pub(crate) const MODEL_GRAPH: u32 = 7;
pub(crate) const GRAPH_NODE: u32 = 1;
pub(crate) const GRAPH_INITIALIZER: u32 = 5;
pub(crate) const NODE_INPUT: u32 = 1;
pub(crate) const NODE_OUTPUT: u32 = 2;
const NODE_NAME: u32 = 3;
pub(crate) const NODE_OP_TYPE: u32 = 4;
pub(crate) const NODE_ATTRIBUTE: u32 = 5;
pub(crate) const NODE_DOMAIN: u32 = 7;
pub(crate) const ATTR_NAME: u32 = 1;
pub(crate) const ATTR_I: u32 = 3;
const ATTR_INTS: u32 = 8;
const ATTR_TYPE: u32 = 20;
const ATTR_TYPE_INT: u64 = 2;
const ATTR_TYPE_INTS: u64 = 7;
pub(crate) const TENSOR_DIMS: u32 = 1;
pub(crate) const TENSOR_DATA_TYPE: u32 = 2;
pub(crate) const TENSOR_FLOAT_DATA: u32 = 4;
const TENSOR_INT64_DATA: u32 = 7;
pub(crate) const TENSOR_NAME: u32 = 8;
pub(crate) const TENSOR_RAW_DATA: u32 = 9;
pub(crate) const TENSOR_DATA_LOCATION: u32 = 14;
pub(crate) const DTYPE_FLOAT: u64 = 1;
const DTYPE_INT64: u64 = 7;

/// Little-endian f32 values one after the other (a float tensor's `raw_data`, or a packed
/// `float_data`).
pub(crate) fn f32s_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// A float tensor's `float_data` values: packed, or one field a value; `None` for another wire
/// type.
pub(crate) fn float_data(fs: &[Field<'_>]) -> Option<Vec<f32>> {
    let mut v = Vec::new();
    for f in fs.iter().filter(|f| f.number == TENSOR_FLOAT_DATA) {
        match f.wire {
            WireType::LengthDelimited => v.extend(f32s_le(f.payload)),
            WireType::ThirtyTwoBit => {
                let b: [u8; 4] = f.payload.try_into().ok()?;
                v.push(f32::from_le_bytes(b));
            }
            _ => return None,
        }
    }
    Some(v)
}

/// One field of a message: its number, wire type and encoded payload (without the key).
pub(crate) struct Field<'a> {
    pub(crate) number: u32,
    pub(crate) wire: WireType,
    pub(crate) payload: &'a [u8],
}

pub(crate) fn fields(mut buf: &[u8]) -> Result<Vec<Field<'_>>, RewriteError> {
    let bad = |_| RewriteError::Malformed("bad protobuf field");
    let mut out = Vec::new();
    while buf.has_remaining() {
        let (number, wire) = decode_key(&mut buf).map_err(bad)?;
        let start = buf;
        match wire {
            WireType::Varint => {
                decode_varint(&mut buf).map_err(bad)?;
            }
            WireType::SixtyFourBit => skip(&mut buf, 8)?,
            WireType::ThirtyTwoBit => skip(&mut buf, 4)?,
            WireType::LengthDelimited => {
                let len = decode_varint(&mut buf).map_err(bad)?;
                let len = usize::try_from(len).map_err(|_| RewriteError::Malformed("length"))?;
                let body_start = buf;
                skip(&mut buf, len)?;
                out.push(Field {
                    number,
                    wire,
                    payload: &body_start[..len],
                });
                continue;
            }
            WireType::StartGroup | WireType::EndGroup => {
                return Err(RewriteError::Malformed(
                    "protobuf groups are not used by ONNX",
                ));
            }
        }
        let used = start.len() - buf.len();
        out.push(Field {
            number,
            wire,
            payload: &start[..used],
        });
    }
    Ok(out)
}

fn skip(buf: &mut &[u8], n: usize) -> Result<(), RewriteError> {
    if buf.len() < n {
        return Err(RewriteError::Malformed("truncated protobuf field"));
    }
    buf.advance(n);
    Ok(())
}

pub(crate) fn put_field(out: &mut Vec<u8>, f: &Field<'_>) {
    encode_key(f.number, f.wire, out);
    if f.wire == WireType::LengthDelimited {
        encode_varint(f.payload.len() as u64, out);
    }
    out.extend_from_slice(f.payload);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    encode_key(number, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

pub(crate) fn put_varint(out: &mut Vec<u8>, number: u32, v: u64) {
    encode_key(number, WireType::Varint, out);
    encode_varint(v, out);
}

pub(crate) fn varint_of(f: &Field<'_>) -> Option<u64> {
    let mut p = f.payload;
    decode_varint(&mut p).ok()
}

pub(crate) fn string_of(f: &Field<'_>) -> Option<String> {
    std::str::from_utf8(f.payload).ok().map(str::to_owned)
}

/// Repeated int64 fields may be packed (one length-delimited run) or not.
pub(crate) fn int64s(fs: &[Field<'_>], number: u32) -> Option<Vec<i64>> {
    let mut v = Vec::new();
    for f in fs.iter().filter(|f| f.number == number) {
        match f.wire {
            WireType::Varint => v.push(varint_of(f)? as i64),
            WireType::LengthDelimited => {
                let mut p = f.payload;
                while p.has_remaining() {
                    v.push(decode_varint(&mut p).ok()? as i64);
                }
            }
            _ => return None,
        }
    }
    Some(v)
}

/// A NodeProto's inputs, outputs, op type and domain.
struct Node {
    inputs: Vec<String>,
    outputs: Vec<String>,
    op_type: String,
    domain: String,
}

fn node(bytes: &[u8]) -> Result<Node, RewriteError> {
    let mut n = Node {
        inputs: Vec::new(),
        outputs: Vec::new(),
        op_type: String::new(),
        domain: String::new(),
    };
    let text = |f: &Field<'_>| string_of(f).ok_or(RewriteError::Malformed("node string"));
    for f in fields(bytes)? {
        match f.number {
            NODE_INPUT => n.inputs.push(text(&f)?),
            NODE_OUTPUT => n.outputs.push(text(&f)?),
            NODE_OP_TYPE => n.op_type = text(&f)?,
            NODE_DOMAIN => n.domain = text(&f)?,
            _ => {}
        }
    }
    Ok(n)
}

/// A constant tensor's shape and values, for the data types the rewrite reads.
enum Constant {
    Float { dims: Vec<i64>, values: Vec<f32> },
    Int64(Vec<i64>),
}

fn constant(bytes: &[u8]) -> Option<(String, Constant)> {
    let fs = fields(bytes).ok()?;
    let name = fs
        .iter()
        .find(|f| f.number == TENSOR_NAME)
        .and_then(string_of)?;
    // External data lives in another file: not something to fold.
    if fs
        .iter()
        .any(|f| f.number == TENSOR_DATA_LOCATION && varint_of(f) == Some(1))
    {
        return None;
    }
    let dims = int64s(&fs, TENSOR_DIMS)?;
    let dtype = fs
        .iter()
        .find(|f| f.number == TENSOR_DATA_TYPE)
        .and_then(varint_of)?;
    let raw = fs.iter().find(|f| f.number == TENSOR_RAW_DATA);
    match dtype {
        DTYPE_FLOAT => {
            let values: Vec<f32> = match raw {
                Some(r) => f32s_le(r.payload),
                None => float_data(&fs)?,
            };
            Some((name, Constant::Float { dims, values }))
        }
        DTYPE_INT64 => {
            let values = match raw {
                Some(r) => r
                    .payload
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect(),
                None => int64s(&fs, TENSOR_INT64_DATA)?,
            };
            Some((name, Constant::Int64(values)))
        }
        _ => None,
    }
}

/// True when a slope of this shape broadcasts per channel against an N×C×H×W input:
/// `[C,1,1]` or `[1,C,1,1]` (a bare `[C]` would broadcast along the width).
fn per_channel(shape: &[i64], channels: usize) -> bool {
    let ones_after = |s: &[i64]| s.iter().all(|&d| d == 1);
    match shape {
        [c, rest @ ..] if rest.len() == 2 => *c as usize == channels && ones_after(rest),
        [1, c, rest @ ..] if rest.len() == 2 => *c as usize == channels && ones_after(rest),
        _ => false,
    }
}

/// Encodes a float initializer `name` of shape `[C,1,1,1]` (a depthwise 1×1 kernel).
fn kernel(name: &str, values: &[f32]) -> Vec<u8> {
    let mut t = Vec::new();
    let mut dims = Vec::new();
    for d in [values.len() as u64, 1, 1, 1] {
        encode_varint(d, &mut dims);
    }
    put_bytes(&mut t, TENSOR_DIMS, &dims);
    put_varint(&mut t, TENSOR_DATA_TYPE, DTYPE_FLOAT);
    put_bytes(&mut t, TENSOR_NAME, name.as_bytes());
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    put_bytes(&mut t, TENSOR_RAW_DATA, &raw);
    t
}

fn new_node(name: &str, op: &str, inputs: &[&str], output: &str, attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        put_bytes(&mut n, NODE_INPUT, i.as_bytes());
    }
    put_bytes(&mut n, NODE_OUTPUT, output.as_bytes());
    put_bytes(&mut n, NODE_NAME, name.as_bytes());
    put_bytes(&mut n, NODE_OP_TYPE, op.as_bytes());
    for a in attrs {
        put_bytes(&mut n, NODE_ATTRIBUTE, a);
    }
    n
}

fn depthwise_attrs(channels: usize) -> Vec<Vec<u8>> {
    let mut group = Vec::new();
    put_bytes(&mut group, ATTR_NAME, b"group");
    put_varint(&mut group, ATTR_I, channels as u64);
    put_varint(&mut group, ATTR_TYPE, ATTR_TYPE_INT);
    let mut ks = Vec::new();
    put_bytes(&mut ks, ATTR_NAME, b"kernel_shape");
    let mut packed = Vec::new();
    encode_varint(1, &mut packed);
    encode_varint(1, &mut packed);
    put_bytes(&mut ks, ATTR_INTS, &packed);
    put_varint(&mut ks, ATTR_TYPE, ATTR_TYPE_INTS);
    vec![group, ks]
}

/// Rewrites every per-channel PRelu whose slope is a constant (directly, or through a Reshape
/// of a constant); other PRelu nodes are kept as they are.
pub fn split_prelu(model: &[u8]) -> Result<Rewritten, RewriteError> {
    let top = fields(model)?;
    let graph = top
        .iter()
        .find(|f| f.number == MODEL_GRAPH && f.wire == WireType::LengthDelimited)
        .ok_or(RewriteError::NoGraph)?;
    let graph_fields = fields(graph.payload)?;

    let mut constants: HashMap<String, Constant> = HashMap::new();
    for f in graph_fields
        .iter()
        .filter(|f| f.number == GRAPH_INITIALIZER)
    {
        if let Some((name, c)) = constant(f.payload) {
            constants.insert(name, c);
        }
    }
    let nodes: Vec<Option<Node>> = graph_fields
        .iter()
        .map(|f| {
            (f.number == GRAPH_NODE)
                .then(|| node(f.payload))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    // Reshapes of constants, as (output → data input, target shape).
    let mut reshaped: HashMap<&str, (&str, &[i64])> = HashMap::new();
    for n in nodes.iter().flatten() {
        if n.op_type == "Reshape" && n.domain.is_empty() {
            if let ([data, shape], [out]) = (n.inputs.as_slice(), n.outputs.as_slice()) {
                if let Some(Constant::Int64(s)) = constants.get(shape) {
                    reshaped.insert(out.as_str(), (data.as_str(), s.as_slice()));
                }
            }
        }
    }
    // The slope values when they broadcast per channel.
    let slope = |name: &str| -> Option<&[f32]> {
        let (data, shape) = match reshaped.get(name) {
            Some((data, shape)) => (*data, Some(*shape)),
            None => (name, None),
        };
        let Some(Constant::Float { dims, values }) = constants.get(data) else {
            return None;
        };
        let shape = shape.unwrap_or(dims);
        (per_channel(shape, values.len()) && !values.is_empty()).then_some(values.as_slice())
    };

    let mut new_graph = Vec::with_capacity(graph.payload.len() + 4096);
    let mut extra_initializers = Vec::new();
    let (mut replaced, mut kept) = (0, 0);
    for (f, n) in graph_fields.iter().zip(&nodes) {
        let Some(n) = n
            .as_ref()
            .filter(|n| n.op_type == "PRelu" && n.domain.is_empty())
        else {
            put_field(&mut new_graph, f);
            continue;
        };
        let (Some(slopes), [x, _], [y]) = (
            n.inputs.get(1).and_then(|s| slope(s)),
            n.inputs.as_slice(),
            n.outputs.as_slice(),
        ) else {
            kept += 1;
            put_field(&mut new_graph, f);
            continue;
        };
        let p = format!("idgate_prelu_split_{replaced}");
        let (relu, pos, neg) = (format!("{p}_relu"), format!("{p}_pos"), format!("{p}_lin"));
        let (w_pos, w_lin) = (format!("{p}_w_pos"), format!("{p}_w_lin"));
        let one_minus: Vec<f32> = slopes.iter().map(|a| 1.0 - a).collect();
        extra_initializers.push(kernel(&w_pos, &one_minus));
        extra_initializers.push(kernel(&w_lin, slopes));
        let attrs = depthwise_attrs(slopes.len());
        for body in [
            new_node(&relu, "Relu", &[x], &relu, &[]),
            new_node(&pos, "Conv", &[&relu, &w_pos], &pos, &attrs),
            new_node(&neg, "Conv", &[x, &w_lin], &neg, &attrs),
            new_node(&format!("{p}_add"), "Add", &[&pos, &neg], y, &[]),
        ] {
            put_bytes(&mut new_graph, GRAPH_NODE, &body);
        }
        replaced += 1;
    }
    for t in &extra_initializers {
        put_bytes(&mut new_graph, GRAPH_INITIALIZER, t);
    }

    let mut out = Vec::with_capacity(model.len() + new_graph.len() - graph.payload.len() + 16);
    for f in &top {
        if std::ptr::eq(f, graph) {
            put_bytes(&mut out, MODEL_GRAPH, &new_graph);
        } else {
            put_field(&mut out, f);
        }
    }
    Ok(Rewritten {
        model: out,
        replaced,
        kept,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A one-node model `y = PRelu(x, slope)` with the slope given as `[C,1,1]`.
    fn prelu_model(slopes: &[f32], slope_dims: &[u64]) -> Vec<u8> {
        let mut slope = Vec::new();
        let mut dims = Vec::new();
        for d in slope_dims {
            encode_varint(*d, &mut dims);
        }
        put_bytes(&mut slope, TENSOR_DIMS, &dims);
        put_varint(&mut slope, TENSOR_DATA_TYPE, DTYPE_FLOAT);
        put_bytes(&mut slope, TENSOR_NAME, b"slope");
        let raw: Vec<u8> = slopes.iter().flat_map(|v| v.to_le_bytes()).collect();
        put_bytes(&mut slope, TENSOR_RAW_DATA, &raw);
        let mut graph = Vec::new();
        put_bytes(
            &mut graph,
            GRAPH_NODE,
            &new_node("p", "PRelu", &["x", "slope"], "y", &[]),
        );
        put_bytes(&mut graph, GRAPH_INITIALIZER, &slope);
        put_bytes(&mut graph, 2, b"g");
        let mut model = Vec::new();
        put_varint(&mut model, 1, 8);
        put_bytes(&mut model, MODEL_GRAPH, &graph);
        put_bytes(&mut model, 2, b"test-producer");
        model
    }

    fn op_types(model: &[u8]) -> Vec<String> {
        let top = fields(model).unwrap();
        let g = top.iter().find(|f| f.number == MODEL_GRAPH).unwrap();
        fields(g.payload)
            .unwrap()
            .iter()
            .filter(|f| f.number == GRAPH_NODE)
            .map(|f| node(f.payload).unwrap().op_type)
            .collect()
    }

    #[test]
    fn a_per_channel_prelu_becomes_relu_two_depthwise_convs_and_an_add() {
        let model = prelu_model(&[0.25, -0.5, 1.5], &[3, 1, 1]);
        let r = split_prelu(&model).unwrap();
        assert_eq!((r.replaced, r.kept), (1, 0));
        assert_eq!(op_types(&r.model), ["Relu", "Conv", "Conv", "Add"]);
        // Fields the rewrite does not touch survive byte for byte.
        let top = fields(&r.model).unwrap();
        assert!(
            top.iter()
                .any(|f| f.number == 2 && f.payload == b"test-producer")
        );
        // The kernels hold 1 − a and a.
        let g = top.iter().find(|f| f.number == MODEL_GRAPH).unwrap();
        let gf = fields(g.payload).unwrap();
        let kernels: HashMap<String, Vec<f32>> = gf
            .iter()
            .filter(|f| f.number == GRAPH_INITIALIZER)
            .filter_map(|f| constant(f.payload))
            .filter_map(|(n, c)| match c {
                Constant::Float { dims, values } if dims == [3, 1, 1, 1] => Some((n, values)),
                _ => None,
            })
            .collect();
        assert_eq!(kernels["idgate_prelu_split_0_w_pos"], [0.75, 1.5, -0.5]);
        assert_eq!(kernels["idgate_prelu_split_0_w_lin"], [0.25, -0.5, 1.5]);
    }

    #[test]
    fn a_slope_that_broadcasts_along_the_width_is_left_alone() {
        let model = prelu_model(&[0.25, 0.5, 0.75], &[3]);
        let r = split_prelu(&model).unwrap();
        assert_eq!((r.replaced, r.kept), (0, 1));
        assert_eq!(r.model, model);
    }

    #[test]
    fn garbage_is_a_typed_error_never_a_panic() {
        assert_eq!(split_prelu(&[]).unwrap_err(), RewriteError::NoGraph);
        assert!(split_prelu(&[0x3a, 0xff, 0xff, 0x01]).is_err());
        let model = prelu_model(&[0.25], &[1, 1, 1]);
        for cut in 0..model.len() {
            let _ = split_prelu(&model[..cut]);
        }
        let mut x = 0x1234_5678u32;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = split_prelu(&bytes);
        }
    }
}
