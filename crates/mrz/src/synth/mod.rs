//! Synthetic data: valid random identities and (with the `ocr` module) rendered passport pages,
//! for tests, benches and the daemon's simulated camera. Nothing here touches the disk.

mod identity;
mod rng;

pub use identity::{random_fields, random_mrz, random_passport};
pub use rng::SynthRng;
