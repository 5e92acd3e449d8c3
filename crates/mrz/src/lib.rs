//! The code step: the passport's machine readable zone (ICAO Doc 9303 Parts 3–7).
//!
//! - [`Mrz::parse`] reads and verifies an MRZ (TD1, TD2, TD3, MRV-A, MRV-B) and yields the chip's
//!   [`ChipAccessKey`];
//! - [`MrzFields::encode`] writes one (virtual passport, synthetic pages);
//! - [`manual`] validates what a person types when the camera cannot read the code;
//! - [`ocr`] reads the MRZ from camera frames ([`ocr::MrzReader`], [`ocr::FrameVoter`],
//!   [`ocr::MrzScanner`], [`ocr::OcrHint`]);
//! - [`synth`] renders specimen data pages as a camera sees them (tests, benches, simulated camera).
//!
//! Features: `ocr` (default) adds [`ocr`] and [`synth`] with their image and font dependencies;
//! without it the crate is the MRZ rules alone (parse, check digits, dates, manual entry, the
//! chip's [`AccessKey`]) — what the terminal front end links to validate typed entry.
//!
//! Pure code: no I/O, no clock (today's [`Date`] is passed in), no logging of MRZ data; everything
//! holding personal data redacts its `Debug` and is zeroized on drop.

pub mod access_key;
pub mod check_digit;
mod compose;
pub mod date;
mod error;
mod field;
mod format;
pub mod manual;
mod mrz;
#[cfg(feature = "ocr")]
pub mod ocr;
mod parse;
pub mod state_codes;
#[cfg(feature = "ocr")]
pub mod synth;

pub use access_key::{AccessKey, AccessKeyError, Can, ChipAccessKey};
pub use compose::MrzFields;
pub use date::Date;
pub use error::MrzError;
pub use field::Field;
pub use format::MrzFormat;
pub use mrz::{Mrz, Sex};
