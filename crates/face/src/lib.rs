//! idgate-face: the face step of the station. Detects faces (YuNet), aligns them to SFace's
//! five reference points, embeds them (SFace), checks per-frame quality (→ guidance codes), runs
//! the "move closer / move back" liveness challenge and passive PAD (MiniFASNet), and decides
//! the match against the chip photo on the best of N frames. ONNX Runtime is loaded at run time
//! (`ort` load-dynamic). No frame, crop or template is written to disk or logs.
//!
//! Sans-IO: frames come in through [`FrameSource`] (the daemon's V4L2 camera, or
//! [`ReplaySource`] in tests) and time is passed in with each frame.

pub mod align;
pub mod cli;
pub mod decision;
pub mod detect;
pub mod embed;
pub mod engine;
pub mod error;
pub mod fold_int8;
pub mod frame;
pub mod imagefile;
pub mod imageops;
pub mod liveness;
mod model_io;
pub mod pad;
pub mod prelu_split;
pub mod quality;
pub mod replay;
pub mod runtime;
mod serde_guidance;
pub mod subject;

pub use cli::{
    CheckReport, CompareError, CompareLine, CompareOutcome, CompareReport, check_image,
    compare_images, compare_many,
};
pub use decision::{BestOfN, MatchDecision};
pub use detect::{BBox, Detection, DetectorConfig};
pub use embed::Embedding;
pub use engine::{
    DEFAULT_MATCH_THRESHOLD, DEFAULT_PAD_THRESHOLD, Engine, EngineConfig, FrameAnalysis,
    PrimaryFace, Reference,
};
pub use error::{CaptureError, FaceError};
pub use frame::{Frame, FrameSource};
pub use liveness::{
    ChallengeConfig, ChallengeFailure, ChallengeStatus, ChallengeStep, LivenessChallenge,
    Observation,
};
pub use pad::PadScore;
pub use quality::{QualityConfig, QualityMeasures};
pub use replay::{ReplaySource, Shot, decode_image, load_image};
pub use subject::SubjectRule;
