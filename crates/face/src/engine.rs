//! The face engine: loads the models once and analyses frames and still images.

use std::path::PathBuf;
use std::time::Duration;

use idgate_api::Guidance;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::align;
use crate::detect::{DETECTOR_MODEL, Detection, Detector, DetectorConfig};
use crate::embed::{Embedding, RECOGNIZER_MODEL, Recognizer};
use crate::error::FaceError;
use crate::frame::Frame;
use crate::pad::{PAD_MODELS, PadModels, PadScore};
use crate::quality::{self, QualityConfig, QualityMeasures};
use crate::runtime;
use crate::subject::SubjectRule;

/// Cosine similarity at or above which two faces are the same person. Chosen on
/// shared/faces_cal (25 people, 532 genuine and 10,494 impostor pairs; `examples/calibrate`,
/// README "Operating point"): no impostor pair reaches it (the highest scores 0.406), leaving
/// a margin for look-alikes, while 1.9 % of genuine stills and 0.2 % of median-of-5 decisions
/// fall below it. SFace's published LFW threshold, 0.363, sits inside the impostor tail there.
pub const DEFAULT_MATCH_THRESHOLD: f32 = 0.45;
/// Fused MiniFASNet live probability at or above which a face counts as live.
pub const DEFAULT_PAD_THRESHOLD: f32 = 0.5;

/// Where the runtime and models are, and the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineConfig {
    /// Path of `libonnxruntime.so` (default: env `ORT_DYLIB_PATH`).
    pub runtime_path: PathBuf,
    /// Directory of the ONNX models (default: env `IDGATE_MODEL_DIR`).
    pub model_dir: PathBuf,
    /// ONNX Runtime intra-op threads per session.
    pub threads: usize,
    /// Let ONNX Runtime's pool threads spin between the ops of a run (never between runs; see
    /// [`runtime::session`]). On by default: 1.7 ms less per detect+embed here, same CPU time.
    pub spinning: bool,
    /// Detector settings for camera frames.
    pub detector: DetectorConfig,
    /// Detector settings for still images (CLI, the chip photo).
    pub still_detector: DetectorConfig,
    pub quality: QualityConfig,
    pub match_threshold: f32,
    /// Load the MiniFASNet models and score every frame.
    pub passive_pad: bool,
    /// Load SFace with its PRelu activations rewritten into NCHWc-friendly ops
    /// ([`crate::prelu_split`]: same function, about twice as fast in ONNX Runtime here).
    pub split_prelu: bool,
    pub pad_threshold: f32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            runtime_path: runtime::default_runtime_path(),
            model_dir: runtime::default_model_dir(),
            threads: 2,
            spinning: true,
            detector: DetectorConfig::default(),
            still_detector: DetectorConfig::still(),
            quality: QualityConfig::default(),
            match_threshold: DEFAULT_MATCH_THRESHOLD,
            passive_pad: true,
            pad_threshold: DEFAULT_PAD_THRESHOLD,
            split_prelu: true,
        }
    }
}

/// One face of a frame, as reported (no pixels, no template).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceReport {
    pub detection: Detection,
    /// Whether this face counts for `face.multiple` (large enough to be a second person).
    pub counted: bool,
}

/// The primary face (the subject, [`SubjectRule::Central`]) of a frame with everything measured on it.
#[derive(Debug, Clone, Serialize)]
pub struct PrimaryFace {
    pub detection: Detection,
    pub quality: QualityMeasures,
    /// Passive PAD, if enabled (camera frames: only frames that passed quality).
    pub pad: Option<PadScore>,
    /// The template; never serialised (biometric data).
    #[serde(skip)]
    pub embedding: Option<Embedding>,
}

/// Everything the engine found in one frame or image.
#[derive(Debug, Clone, Serialize)]
pub struct FrameAnalysis {
    #[serde(with = "duration_ms")]
    pub timestamp: Duration,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceReport>,
    /// Faces that count (see [`FaceReport::counted`]).
    pub face_count: usize,
    pub primary: Option<PrimaryFace>,
    /// What the person should fix, most important first; empty = the frame is usable.
    #[serde(serialize_with = "crate::serde_guidance::serialize_list")]
    pub guidance: Vec<Guidance>,
}

impl FrameAnalysis {
    /// True when the frame passed every quality gate and has a template.
    pub fn usable(&self) -> bool {
        self.guidance.is_empty() && self.primary.as_ref().is_some_and(|p| p.embedding.is_some())
    }

    /// The view the liveness challenge needs.
    pub fn observation(&self) -> crate::liveness::Observation<'_> {
        crate::liveness::Observation {
            timestamp: self.timestamp,
            face_count: self.face_count,
            face: self.primary.as_ref().and_then(|p| {
                p.embedding
                    .as_ref()
                    .map(|e| (p.detection.bbox, p.detection.inter_eye_distance(), e))
            }),
        }
    }
}

mod duration_ms {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// The chip photo's template, enrolled once per session.
#[derive(Debug, Clone)]
pub struct Reference {
    pub embedding: Embedding,
    pub detection: Detection,
    /// Quality gates raised on the chip photo itself (informational: the photo cannot be retaken).
    pub guidance: Vec<Guidance>,
}

/// When passive PAD runs: on camera frames only for frames that passed quality (the only ones
/// the decision uses; the ~10 ms saved keep guidance responsive), always for stills, never for
/// the chip photo (a printed photo by design).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PadWhen {
    Always,
    UsableFrames,
    Never,
}

/// Loaded models plus settings. Cheap to share: every method takes `&self`.
#[derive(Debug)]
pub struct Engine {
    cfg: EngineConfig,
    detector: Detector,
    recognizer: Recognizer,
    pad: Option<PadModels>,
    prelu_split: usize,
}

/// SFace, with its PRelu nodes split when configured; also returns how many were split.
/// A model the rewrite cannot parse is loaded as it is (ORT then gives the real error, if any).
fn load_recognizer(
    env: &ort::environment::Environment,
    path: &std::path::Path,
    cfg: &EngineConfig,
) -> Result<(Recognizer, usize), FaceError> {
    if !cfg.split_prelu {
        let session = runtime::session(env, path, cfg.threads, cfg.spinning)?;
        return Ok((Recognizer::new(session), 0));
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FaceError::ModelMissing {
            path: path.to_path_buf(),
        },
        _ => FaceError::ModelLoad {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    })?;
    // The original is dropped before ORT makes its own copy: three 38 MB copies at once would
    // raise the daemon's peak memory for nothing.
    let (model, split) = match crate::prelu_split::split_prelu(&bytes) {
        Ok(r) => {
            drop(bytes);
            (r.model, r.replaced)
        }
        Err(_) => (bytes, 0),
    };
    let session = runtime::session_from_memory(env, path, &model, cfg.threads, cfg.spinning)?;
    drop(model);
    Ok((Recognizer::new(session), split))
}

impl Engine {
    /// Loads ONNX Runtime and the models named in `cfg`.
    pub fn new(cfg: EngineConfig) -> Result<Self, FaceError> {
        if !(0.0..=1.0).contains(&cfg.match_threshold) {
            return Err(FaceError::Config("match_threshold must be in 0..=1".into()));
        }
        let env = runtime::environment(&cfg.runtime_path)?;
        let model = |name: &str| cfg.model_dir.join(name);
        let detector = Detector::new(runtime::session(
            &env,
            &model(DETECTOR_MODEL),
            cfg.threads,
            cfg.spinning,
        )?);
        let (recognizer, prelu_split) = load_recognizer(&env, &model(RECOGNIZER_MODEL), &cfg)?;
        let pad = if cfg.passive_pad {
            Some(PadModels::new(
                runtime::session(&env, &model(PAD_MODELS[0].0), cfg.threads, cfg.spinning)?,
                runtime::session(&env, &model(PAD_MODELS[1].0), cfg.threads, cfg.spinning)?,
            ))
        } else {
            None
        };
        Ok(Engine {
            cfg,
            detector,
            recognizer,
            pad,
            prelu_split,
        })
    }

    /// `Engine::new` with the defaults (paths from `ORT_DYLIB_PATH` and `IDGATE_MODEL_DIR`).
    pub fn from_env() -> Result<Self, FaceError> {
        Engine::new(EngineConfig::default())
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// How many of SFace's PRelu activations were split on load (0 when `split_prelu` is off).
    pub fn prelu_split(&self) -> usize {
        self.prelu_split
    }

    pub fn match_threshold(&self) -> f32 {
        self.cfg.match_threshold
    }

    /// Detected faces, strongest first.
    pub fn detect(
        &self,
        img: &RgbImage,
        cfg: &DetectorConfig,
    ) -> Result<Vec<Detection>, FaceError> {
        self.detector.detect(img, cfg)
    }

    /// Faces in a still image (a photo, the chip photo), strongest first. When none is found,
    /// once more at half the size: a face that fills a large photo is too big for YuNet at the
    /// first size, as a tight crop is when scaled up.
    pub fn detect_still(&self, img: &RgbImage) -> Result<Vec<Detection>, FaceError> {
        let cfg = &self.cfg.still_detector;
        let dets = self.detector.detect(img, cfg)?;
        if !dets.is_empty() {
            return Ok(dets);
        }
        let half = DetectorConfig {
            max_width: (cfg.max_width / 2).max(32),
            max_height: (cfg.max_height / 2).max(32),
            max_upscale: 1.0,
            ..*cfg
        };
        self.detector.detect(img, &half)
    }

    /// The template of one detected face (aligned exactly as OpenCV's `alignCrop`).
    pub fn embed(&self, img: &RgbImage, det: &Detection) -> Result<Option<Embedding>, FaceError> {
        match align::align_crop(img, det) {
            Some(crop) => self.recognizer.embed(&crop).map(Some),
            None => Ok(None),
        }
    }

    /// Passive PAD for one face; `None` when disabled.
    pub fn pad(&self, img: &RgbImage, det: &Detection) -> Result<Option<PadScore>, FaceError> {
        match &self.pad {
            Some(p) => p.score(img, &det.bbox).map(Some),
            None => Ok(None),
        }
    }

    /// Analyses one camera frame. `previous` is the analysis of the frame before (for motion).
    pub fn analyze_frame(
        &self,
        frame: &Frame,
        previous: Option<&FrameAnalysis>,
    ) -> Result<FrameAnalysis, FaceError> {
        let prev = previous
            .and_then(|p| p.primary.as_ref())
            .map(|p| p.detection);
        self.analyze(
            &frame.image,
            frame.timestamp,
            false,
            prev.as_ref(),
            PadWhen::UsableFrames,
        )
    }

    /// Analyses a still image (no motion, larger detector input, PAD as configured).
    pub fn analyze_still(&self, img: &RgbImage) -> Result<FrameAnalysis, FaceError> {
        self.analyze(img, Duration::ZERO, true, None, PadWhen::Always)
    }

    fn analyze(
        &self,
        img: &RgbImage,
        timestamp: Duration,
        still: bool,
        prev: Option<&Detection>,
        pad_when: PadWhen,
    ) -> Result<FrameAnalysis, FaceError> {
        let (w, h) = (img.width(), img.height());
        // Too small to hold a face: that is "no face", not an engine failure.
        let detected = if still {
            self.detect_still(img)
        } else {
            self.detector.detect(img, &self.cfg.detector)
        };
        let dets = match detected {
            Err(FaceError::ImageTooSmall { .. }) => Vec::new(),
            other => other?,
        };
        // The primary face is the subject: large and central, the person at the desk or in
        // the photo, not a bystander the detector happens to be surer of (crate::subject).
        let primary_idx = SubjectRule::Central.pick(&dets, w, h);
        // Faces are counted against the largest one, whichever is the subject, so the count
        // of a group photo does not depend on the subject rule.
        let largest_w = dets.iter().map(|d| d.bbox.w).fold(0.0, f32::max);
        let faces: Vec<FaceReport> = dets
            .iter()
            .map(|d| FaceReport {
                detection: *d,
                counted: d.bbox.w >= largest_w * self.cfg.quality.secondary_face_min_ratio,
            })
            .collect();
        let face_count = faces.iter().filter(|f| f.counted).count();
        let mut guidance = Vec::new();
        let primary = match primary_idx.and_then(|i| dets.get(i)) {
            None => {
                guidance.push(Guidance::FaceNone);
                None
            }
            Some(det) => {
                if face_count > 1 {
                    guidance.push(Guidance::FaceMultiple);
                }
                match align::align_crop(img, det) {
                    None => {
                        guidance.push(Guidance::FaceNone);
                        None
                    }
                    Some(crop) => {
                        let q = quality::measure(w, h, det, &crop, prev, &self.cfg.quality);
                        guidance.extend(quality::evaluate(&q, &self.cfg.quality));
                        let embedding = Some(self.recognizer.embed(&crop)?);
                        let pad = match pad_when {
                            PadWhen::Always => self.pad(img, det)?,
                            PadWhen::UsableFrames if guidance.is_empty() => self.pad(img, det)?,
                            _ => None,
                        };
                        Some(PrimaryFace {
                            detection: *det,
                            quality: q,
                            pad,
                            embedding,
                        })
                    }
                }
            }
        };
        Ok(FrameAnalysis {
            timestamp,
            width: w,
            height: h,
            faces,
            face_count,
            primary,
            guidance,
        })
    }

    /// Enrols the chip photo (DG2, decoded to RGB): the same detector and aligner as the live
    /// frames. Small photos are scaled up for detection by the detector's fit-to-box step.
    /// `Ok(None)` means the photo has no usable face (the flow offers the alternatives);
    /// `Err` means the engine itself failed.
    pub fn enroll_reference(&self, dg2: &RgbImage) -> Result<Option<Reference>, FaceError> {
        let a = self.analyze(dg2, Duration::ZERO, true, None, PadWhen::Never)?;
        Ok(a.primary.and_then(|p| {
            p.embedding.map(|embedding| Reference {
                embedding,
                detection: p.detection,
                guidance: a.guidance,
            })
        }))
    }
}
