//! idgate-emrtd: the chip step — ICAO Doc 9303 eMRTD reading, sans-IO.
//!
//! A [`session::ReadSession`] is a state machine that emits command APDUs and consumes response
//! APDUs; it does no I/O and is given the time. [`driver::read_passport`] loops it over a blocking
//! [`transport::Transport`] (PC/SC in the daemon, the emulator in tests). See ARCHITECTURE.md.

pub mod access;
pub mod apdu;
pub mod card;
pub mod crypto;
pub mod driver;
pub mod error;
pub mod exchange;
pub mod lds;
pub mod profile;
pub mod random;
pub mod session;
pub mod sm;
pub mod tlv;
pub mod transport;
// part 2
pub mod active_auth;
pub mod authenticity;
pub mod chip_auth;
pub mod domain_params;
pub mod pace;
pub mod passive_auth;
pub mod security_infos;
#[cfg(test)]
mod testing;

pub use access::{AccessKey, Can};
pub use driver::{Clock, SystemClock, read_passport, read_passport_observed};
pub use error::{AccessProtocol, ChipError, ChipFailure, KeyKind};
pub use profile::{ChipKind, MemoryProfileStore, ReadProfile, ReadProfileStore};
pub use session::{Action, ChipRead, Event, Phase, Progress, ReadOptions, ReadSession};
pub use transport::{Transport, TransportError};
