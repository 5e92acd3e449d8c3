//! idgate-emrtd: the chip step — ICAO Doc 9303 eMRTD reading, sans-IO.
//!
//! A [`ReadSession`] is a state machine that emits command APDUs and consumes response APDUs; it
//! does no I/O and is given the time. [`read_passport`] loops it over a blocking [`Transport`]
//! (PC/SC in the daemon, the emulator in tests). See ARCHITECTURE.md.
//!
//! The modules follow ICAO Doc 9303 (as gmrtd's packages do): [`iso7816`] (APDUs, BER-TLV, ATR,
//! transport, secure messaging), `crypto` (ciphers, KDF, domain parameters, signatures), [`lds`]
//! (the data groups), `access` (BAC, PACE), `auth` (Chip, Active, Passive Authentication),
//! [`checks`] (what a read verified), [`exchange`] (the interface of the sub-protocols) and
//! `session` (the read). Each group imports only from the groups before it in this list.
//!
//! Public: the reader's API below, the data layers ([`iso7816`], [`lds`], [`checks`]), the
//! sub-protocol interface ([`exchange`]) and, for a card emulator and protocol tests, the chip's
//! side of the protocols in [`emulator`]. Everything else is private to the crate.
//!
//! API changes (issue 14): the flat modules `apdu`, `tlv`, `card`, `transport`, `sm` moved into
//! [`iso7816`]; `security_infos` into [`lds`]; `pace`, `chip_auth`, `active_auth`,
//! `passive_auth`, `domain_params`, `random`, `authenticity` are private and what callers need is
//! re-exported here or in [`emulator`]. `SymmetricCipher::secure_messaging` is now
//! `SecureMessaging::for_cipher`; `pace::is_supported(info)` is `PaceInfo::is_supported`.
#![warn(unreachable_pub, missing_docs)]

// Every item reachable from outside the crate is documented, in every group: `missing_docs` has
// no module-level exception.
mod access;
mod auth;
mod budget;
pub mod checks;
mod crypto;
mod driver;
pub mod emulator;
mod error;
pub mod exchange;
pub mod iso7816;
pub mod lds;
mod session;
#[cfg(test)]
mod testing;

pub use access::pace::exchange::PreferPace;
pub use access::{AccessKey, AccessPlan, AccessSelector, BacOnly, Can};
pub use auth::authenticity::ChipAuthenticity;
pub use auth::passive::{TrustError, TrustStore, VerifiedMasterList};
pub use budget::{Budget, Interrupted};
pub use checks::{Check, CheckOutcome, CheckResult, NamedCheck, PaReport};
pub use crypto::CryptoError;
pub use crypto::random::{OsRandom, RandomError, RandomSource, ScriptedRandom};
pub use driver::{Clock, RECONNECT_WAIT, SystemClock, read_passport, read_passport_observed};
pub use error::{AccessProtocol, ChipError, ChipFailure, Downgrade, KeyKind};
pub use iso7816::sm::SmError;
pub use iso7816::transport::{Transport, TransportError};
pub use session::profile::{ChipKind, MemoryProfileStore, ReadProfile, ReadProfileStore};
pub use session::read_mode::ReadMode;
pub use session::{
    Action, ChipRead, EMRTD_AID, Event, Phase, Progress, READ_ORDER, ReadOptions, ReadSession,
    ReadStats,
};
