//! Typed errors of the face step.

use std::path::PathBuf;

/// Everything that can go wrong while loading models or analysing an image.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The ONNX Runtime shared library is not where the configuration says.
    #[error("ONNX Runtime library not found at {path} (run scripts/setup or set ORT_DYLIB_PATH)")]
    RuntimeMissing { path: PathBuf },
    /// The library exists but could not be loaded (wrong file, too old, wrong architecture).
    #[error("could not load ONNX Runtime from {path}: {reason}")]
    RuntimeLoad { path: PathBuf, reason: String },
    /// A model file is missing from the model directory.
    #[error("model file not found: {path} (run scripts/setup or set IDGATE_MODEL_DIR)")]
    ModelMissing { path: PathBuf },
    /// A model could not be loaded into a session.
    #[error("could not load model {path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },
    /// Inference failed or returned tensors of an unexpected shape.
    #[error("inference failed in {model}: {reason}")]
    Inference { model: &'static str, reason: String },
    /// An image could not be read or decoded.
    #[error("could not decode image {what}: {reason}")]
    Image { what: String, reason: String },
    /// The image is empty or too small to contain a face.
    #[error("image too small: {width}x{height}")]
    ImageTooSmall { width: u32, height: u32 },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Errors from a frame source: a camera or a replayed script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// The camera went away (unplugged, powered down); the caller may reopen it.
    #[error("camera disconnected: {0}")]
    Disconnected(String),
    /// No camera matching the configuration is present.
    #[error("camera not found: {0}")]
    NotFound(String),
    /// The device exists but is not the configured camera, or is a virtual device.
    #[error("camera refused: {0}")]
    Refused(String),
    /// The device offers no format we can decode at the required size.
    #[error("camera format unsupported: {0}")]
    UnsupportedFormat(String),
    /// No frame arrived in time.
    #[error("camera timed out")]
    Timeout,
    /// A frame arrived but could not be decoded.
    #[error("frame could not be decoded: {0}")]
    Decode(String),
    /// A replay script or file list has no more frames.
    #[error("end of stream")]
    EndOfStream,
    /// Any other I/O failure.
    #[error("capture I/O error: {0}")]
    Io(String),
}
