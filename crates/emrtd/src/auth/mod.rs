//! Authentication of the chip and its data (ICAO Doc 9303 Part 11 §6-7, Part 12): Chip Authentication
//! (`chip`), Active Authentication (`active`), Passive Authentication (`passive`), and the read hooks
//! that run them in order (`authenticity`).

pub(crate) mod active;
pub(crate) mod authenticity;
pub(crate) mod chip;
pub mod passive;
