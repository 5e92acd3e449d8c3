//! A simulated camera with a passport held in front of it: frame after frame of one page, each
//! moved a little, as a hand does. For the daemon's simulated mode and for voting benches.

use std::fmt;
use std::sync::Arc;

use image::RgbImage;

use crate::mrz::Mrz;
use crate::ocr::font::OcrbFont;

use super::camera::{SceneParams, render_frame};
use super::rng::SynthRng;

/// Frames of one MRZ page with small changes of pose, focus and noise between frames.
pub struct HandheldCamera {
    font: Arc<OcrbFont>,
    mrz: Mrz,
    base: SceneParams,
    rng: SynthRng,
}

impl fmt::Debug for HandheldCamera {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandheldCamera")
            .field("format", &self.mrz.format())
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl HandheldCamera {
    /// Shows `mrz` around the pose of `base`; `seed` makes the motion reproducible.
    pub fn new(font: Arc<OcrbFont>, mrz: Mrz, base: SceneParams, seed: u64) -> Self {
        Self {
            font,
            mrz,
            base,
            rng: SynthRng::new(seed),
        }
    }

    /// The MRZ on the page.
    pub fn mrz(&self) -> &Mrz {
        &self.mrz
    }

    /// The next frame: rotation within ±1.5°, position within 5 % of the free room, focus ±0.2 px,
    /// fresh sensor noise.
    pub fn next_frame(&mut self) -> RgbImage {
        let rng = &mut self.rng;
        let mut p = self.base.clone();
        p.rotation_deg = (p.rotation_deg + rng.uniform(-1.5, 1.5)).clamp(-15.0, 15.0);
        p.offset = (
            (p.offset.0 + rng.uniform(-0.05, 0.05)).clamp(-1.0, 1.0),
            (p.offset.1 + rng.uniform(-0.05, 0.05)).clamp(-1.0, 1.0),
        );
        p.blur_sigma = (p.blur_sigma + rng.uniform(-0.2, 0.2)).max(0.0);
        p.noise_sigma = rng.uniform(0.0, 6.0);
        render_frame(&self.font, self.mrz.clone(), p, rng).image
    }
}
