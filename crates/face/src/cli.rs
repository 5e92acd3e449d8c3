//! What `idgated face check` and `idgated face compare` print: serde types and the
//! functions, so the daemon's CLI is a thin wrapper.

use idgate_api::Guidance;
use image::RgbImage;
use serde::Serialize;

use crate::engine::{Engine, FrameAnalysis};
use crate::error::FaceError;

/// `face check IMAGE`: the faces found, the primary face's quality measures and the guidance.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    #[serde(flatten)]
    pub analysis: FrameAnalysis,
    /// Whether the image would pass every quality gate at the station.
    pub usable: bool,
}

/// The comparison of two faces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareReport {
    pub score: f32,
    pub threshold: f32,
    pub same: bool,
}

/// Why a comparison could not be made (the CLI exits 3).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("no usable face in the {0} image")]
    NoFace(&'static str),
    #[error(transparent)]
    Engine(#[from] FaceError),
}

/// Analyses one still image.
pub fn check_image(engine: &Engine, img: &RgbImage) -> Result<CheckReport, FaceError> {
    let analysis = engine.analyze_still(img)?;
    Ok(CheckReport {
        usable: analysis.usable(),
        analysis,
    })
}

/// Compares the primary faces of two still images.
pub fn compare_images(
    engine: &Engine,
    a: &RgbImage,
    b: &RgbImage,
) -> Result<CompareReport, CompareError> {
    let ea = engine
        .enroll_reference(a)?
        .ok_or(CompareError::NoFace("first"))?;
    let eb = engine
        .enroll_reference(b)?
        .ok_or(CompareError::NoFace("second"))?;
    let score = ea.embedding.cosine(&eb.embedding);
    let threshold = engine.match_threshold();
    Ok(CompareReport {
        score,
        threshold,
        same: score >= threshold,
    })
}

/// One line of `face compare A B [C …]`: the file and either its comparison with A or why
/// there is none. Serialised flat: `{"file", "score", "threshold", "same"}` or
/// `{"file", "error", "reason"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareLine {
    pub file: String,
    #[serde(flatten)]
    pub outcome: CompareOutcome,
}

/// The result for one further image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CompareOutcome {
    Compared(CompareReport),
    Failed {
        /// `no_face` or `unreadable`.
        error: &'static str,
        reason: String,
    },
}

impl CompareLine {
    /// True when this image was compared (whatever the verdict).
    pub fn compared(&self) -> bool {
        matches!(self.outcome, CompareOutcome::Compared(_))
    }
}

/// Compares the face of `reference` (e.g. a chip photo) with each further image, enrolling the
/// reference once. An image that cannot be read or has no face gets its own error line; only a
/// reference without a face, or an engine failure, ends the comparison.
pub fn compare_many<I>(
    engine: &Engine,
    reference: &RgbImage,
    others: I,
) -> Result<Vec<CompareLine>, CompareError>
where
    I: IntoIterator<Item = (String, Result<RgbImage, FaceError>)>,
{
    let r = engine
        .enroll_reference(reference)?
        .ok_or(CompareError::NoFace("first"))?;
    let threshold = engine.match_threshold();
    let mut lines = Vec::new();
    for (file, image) in others {
        let outcome = match image {
            Err(e) => CompareOutcome::Failed {
                error: "unreadable",
                reason: e.to_string(),
            },
            Ok(img) => match engine.enroll_reference(&img)? {
                None => CompareOutcome::Failed {
                    error: "no_face",
                    reason: "no usable face in this image".into(),
                },
                Some(o) => {
                    let score = r.embedding.cosine(&o.embedding);
                    CompareOutcome::Compared(CompareReport {
                        score,
                        threshold,
                        same: score >= threshold,
                    })
                }
            },
        };
        lines.push(CompareLine { file, outcome });
    }
    Ok(lines)
}

/// The guidance ids of a report, for scripts that only want the codes.
pub fn guidance_ids(codes: &[Guidance]) -> Vec<&'static str> {
    codes.iter().map(|g| g.id()).collect()
}
