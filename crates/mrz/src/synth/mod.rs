//! Synthetic data: valid random identities and rendered passport data pages as a camera would see
//! them, for tests, benches and the daemon's simulated camera. Nothing here touches the disk.

mod camera;
mod handheld;
mod homography;
mod identity;
mod page;
mod rng;

pub use camera::{
    Photo, SceneParams, SynthFrame, page_ppm, photograph, random_frame, render_frame,
};
pub use handheld::HandheldCamera;
pub use homography::Homography;
pub use identity::{random_fields, random_mrz, random_passport};
pub use page::{MRZ_PITCH_MM, MrzPlacement, Page, page_size_mm, render_page, render_page_text};
pub use rng::SynthRng;
