//! What `idgated face check` and `idgated face compare` print: serde types and the two
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

/// `face compare A B`.
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

/// The guidance ids of a report, for scripts that only want the codes.
pub fn guidance_ids(codes: &[Guidance]) -> Vec<&'static str> {
    codes.iter().map(|g| g.id()).collect()
}
