//! Virtual passport: an eMRTD chip emulator that connects to a vpcd reader as the card, so the
//! daemon talks to it through the real pcscd exactly as it would to a passport on a USB reader.

pub mod vpcd;

pub use vpcd::{Card, Inserted, VpcdError};
