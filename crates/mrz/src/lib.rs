//! The code step: the passport's machine readable zone (ICAO Doc 9303 Parts 3–7).
//!
//! Pure code: no I/O, no logging of MRZ data.

pub mod access_key;
pub mod check_digit;

pub use access_key::{AccessKeyError, ChipAccessKey};
