//! The chip step's errors, each mapped to a typed [`ChipFailure`]: what the failure means for the
//! person at the desk. The daemon turns a `ChipFailure` into the bus contract's guidance in one
//! exhaustive match (`daemon/src/contract.rs`); no guidance id string crosses the crate boundary.
//!
//! API change: `ChipError::guidance_id() -> &'static str` was replaced by [`ChipError::failure`].
//!
//! Mapping decisions (also in ARCHITECTURE.md):
//! - no card at the start → `chip.place`; card gone mid-read and not back in time, or the reader
//!   keeps losing it → `chip.keep_still`; the read's overall deadline passed → `chip.timeout`;
//!   the read stopped through `ReadOptions::cancel` → `flow.cancelled`;
//! - access control refused (MUTUAL AUTHENTICATE `6300`/`6982`, PACE mutual auth failure) →
//!   `chip.wrong_code`; DG1 differs from the code typed/scanned while the chip opened with a CAN
//!   (so the code and the passport do not belong together) → `chip.wrong_code`;
//! - anything showing the chip or its data is not what the issuer made: a secure messaging MAC that
//!   does not verify, a chip that answers BAC without knowing the key, LDS data violating its
//!   format, a mandatory file missing, DG1 differing from the MRZ that opened the chip, a failed
//!   PA/CA/AA, a downgrade ([`Downgrade`]: an unreadable EF.CardAccess, DG14 listing a stronger
//!   PACE than the one run, a requested DG in EF.SOD not read) → `chip.not_genuine`;
//! - what we cannot handle but a genuine document may carry: not an eMRTD applet, unexpected
//!   status words, an unsupported access protocol or data format (e.g. ISO/IEC 39794-5 DG2), a
//!   photo our decoders reject, a file beyond our size limit, a chip answering reads
//!   inconsistently, a broken reader → `chip.unsupported`.

use crate::budget::Interrupted;
pub use crate::checks::ChipFailure;
use crate::checks::PaReport;
use crate::crypto::CryptoError;
use crate::crypto::random::RandomError;
use crate::iso7816::apdu::{ApduError, StatusWord};
use crate::iso7816::sm::SmError;
use crate::iso7816::transport::TransportError;
use crate::lds::security_infos::PaceProtocol;
use crate::lds::{LdsError, LdsFile};

/// The access control protocol that opened the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessProtocol {
    /// Basic Access Control (ICAO 9303 Part 11 §4.3).
    Bac,
    /// Password Authenticated Connection Establishment (ICAO 9303 Part 11 §4.4).
    Pace,
}

/// A read steered to a weaker protocol or to fewer files than the chip offers (ICAO 9303 Part 11
/// §4.4, §9.2): each is refused with its own reason and check name ([`Downgrade::check`]), never
/// passed over in silence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Downgrade {
    /// EF.CardAccess is on the chip but could not be read or parsed: PACE cannot be ruled out, so
    /// the read does not fall back to BAC. (A chip without EF.CardAccess may still use BAC.)
    #[error("EF.CardAccess is present but unreadable ({0}); not falling back to BAC")]
    CardAccessUnreadable(String),
    /// DG14 lists a PACE protocol this station runs, but the chip was opened with BAC.
    #[error(
        "DG14 lists PACE ({listed:?}, parameters {parameter_id:?}) but the chip was opened with BAC"
    )]
    PaceNotUsed {
        /// The best PACE protocol DG14 lists.
        listed: PaceProtocol,
        /// Its standardized domain parameter id.
        parameter_id: Option<u32>,
    },
    /// PACE ran with a protocol or domain parameters DG14 does not list, or weaker than the best
    /// one DG14 lists.
    #[error(
        "PACE ran with {used:?} (parameters {used_parameter_id:?}), which is not DG14's best offer"
    )]
    PaceMismatch {
        /// The protocol PACE ran with (from EF.CardAccess).
        used: PaceProtocol,
        /// The domain parameter id PACE ran with.
        used_parameter_id: Option<u32>,
    },
    /// A data group the read asked for is listed in EF.SOD but was not read (EF.COM left it
    /// out, or the chip did not serve it).
    #[error("{0:?} is listed in EF.SOD but was not read")]
    DataGroupNotRead(LdsFile),
}

impl Downgrade {
    /// The check that showed it, as [`ChipFailure::NotGenuine`] names it: `card_access`,
    /// `dg14_pace` or `dg_not_read`.
    pub fn check(&self) -> &'static str {
        match self {
            Downgrade::CardAccessUnreadable(_) => "card_access",
            Downgrade::PaceNotUsed { .. } | Downgrade::PaceMismatch { .. } => "dg14_pace",
            Downgrade::DataGroupNotRead(_) => "dg_not_read",
        }
    }
}

/// Why a chip read failed ([`ChipError::failure`] says what it means at the desk).
#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    /// No card on the reader when the read started.
    #[error("no card on the reader")]
    NoCard,
    /// The card left and was not back within `ReadOptions::card_return_timeout`.
    #[error("the card left the reader and did not come back in time")]
    CardLost,
    /// The read's overall deadline passed.
    #[error("reading the chip took too long")]
    Timeout,
    /// The read was stopped through `ReadOptions::cancel`.
    #[error("the chip read was cancelled")]
    Cancelled,
    /// The reader or the transport failed.
    #[error("the reader failed: {0}")]
    Reader(TransportError),
    /// Access control refused the key (BAC `6300`, a refused PACE password).
    #[error("{protocol:?} access control refused the key")]
    WrongKey {
        /// The protocol that refused it.
        protocol: AccessProtocol,
    },
    /// SELECT of the eMRTD application failed: not a passport chip.
    #[error("the chip has no eMRTD application (SELECT AID answered {0})")]
    NotEmrtd(StatusWord),
    /// No access control this reader implements is possible with this chip and key.
    #[error("access control not possible: {0}")]
    AccessUnsupported(&'static str),
    /// A command was answered with a status word the protocol does not allow.
    #[error("{command} answered {sw}")]
    UnexpectedStatus {
        /// The command.
        command: &'static str,
        /// Its status word.
        sw: StatusWord,
    },
    /// A response APDU could not be parsed or a command not encoded.
    #[error("malformed response: {0}")]
    Apdu(#[from] ApduError),
    /// A secure messaging MAC does not verify.
    #[error("secure messaging MAC does not verify")]
    MacMismatch,
    /// Secure messaging failed otherwise.
    #[error("secure messaging: {0}")]
    SecureMessaging(SmError),
    /// The chip dropped secure messaging more often than allowed.
    #[error("the chip keeps dropping secure messaging")]
    SessionBroken,
    /// A file's content is malformed.
    #[error("{file:?}: {error}")]
    Lds {
        /// The file.
        file: LdsFile,
        /// What is wrong with it.
        error: LdsError,
    },
    /// A mandatory file (DG1, DG2, EF.SOD) is missing.
    #[error("mandatory file {0:?} is missing")]
    MissingFile(LdsFile),
    /// A file declares more bytes than `ReadOptions::max_file_len`.
    #[error("{file:?} declares {len} bytes, more than the {limit} allowed")]
    FileTooLarge {
        /// The file.
        file: LdsFile,
        /// Its declared length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The chip answered a file read inconsistently.
    #[error("the chip answered a read of {file:?} inconsistently: {reason}")]
    ReadProtocol {
        /// The file.
        file: LdsFile,
        /// What was inconsistent.
        reason: &'static str,
    },
    /// A file uses a format this reader does not implement.
    #[error("{file:?} uses an unsupported format: {what}")]
    UnsupportedFormat {
        /// The file.
        file: LdsFile,
        /// The format.
        what: &'static str,
    },
    /// The photo could not be decoded (from `ChipRead::decode_face`).
    #[error("the photo could not be decoded: {0}")]
    Image(String),
    /// DG1 differs from the MRZ of the code step.
    #[error("DG1 {field} differs from the code entered (chip opened with {via:?})")]
    Dg1Mismatch {
        /// The first field that differs.
        field: &'static str,
        /// The secret that opened the chip.
        via: KeyKind,
    },
    /// The chip or its data failed an authenticity check. `report` holds every check's result
    /// when the read ran authentication hooks (the session attaches it; API change, issue 14).
    #[error("{check} failed: {reason}")]
    Authenticity {
        /// The failed check (`dg_hashes`, `ds_chain`, `chip_auth`, …, or `BAC`, `pace`).
        check: &'static str,
        /// Why.
        reason: String,
        /// Every check's result.
        report: Option<Box<PaReport>>,
    },
    /// The read was steered to a weaker protocol or fewer files than the chip offers.
    #[error("downgrade: {0}")]
    Downgrade(Downgrade),
    /// A sub-protocol exchange went wrong.
    #[error("{protocol}: {reason}")]
    Protocol {
        /// The protocol.
        protocol: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A cryptographic operation could not run.
    #[error("cryptography: {0}")]
    Crypto(#[from] CryptoError),
    /// The random source failed.
    #[error("{0}")]
    Random(#[from] RandomError),
}

/// Which secret opened the chip (decides how a DG1 mismatch is explained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// The MRZ's document number, birth and expiry dates.
    Mrz,
    /// The card access number.
    Can,
}

impl From<Interrupted> for ChipError {
    fn from(i: Interrupted) -> Self {
        match i {
            Interrupted::Cancelled => ChipError::Cancelled,
            Interrupted::Timeout => ChipError::Timeout,
        }
    }
}

impl From<SmError> for ChipError {
    fn from(e: SmError) -> Self {
        match e {
            SmError::MacMismatch => ChipError::MacMismatch,
            other => ChipError::SecureMessaging(other),
        }
    }
}

impl ChipError {
    /// A PACE, CA or AA error `e`: the chip failing to prove itself is the failed `check`
    /// (→ `chip.not_genuine`), anything else an error of the `protocol`.
    pub(crate) fn from_authentication(
        e: &impl std::fmt::Display,
        authenticity_failure: bool,
        check: &'static str,
        protocol: &'static str,
    ) -> Self {
        let reason = e.to_string();
        if authenticity_failure {
            ChipError::Authenticity {
                check,
                reason,
                report: None,
            }
        } else {
            ChipError::Protocol { protocol, reason }
        }
    }

    /// Every authenticity check's result, when an authenticity check failed during a read with
    /// authentication hooks: which checks passed before the failing one, and why it failed.
    pub fn authenticity_report(&self) -> Option<&PaReport> {
        match self {
            ChipError::Authenticity {
                report: Some(r), ..
            } => Some(r),
            _ => None,
        }
    }

    /// What this failure means at the desk.
    pub fn failure(&self) -> ChipFailure {
        match self {
            ChipError::NoCard => ChipFailure::NoCard,
            ChipError::CardLost | ChipError::SessionBroken => ChipFailure::CardLost,
            ChipError::Timeout => ChipFailure::Timeout,
            ChipError::Cancelled => ChipFailure::Cancelled,
            ChipError::WrongKey { .. } => ChipFailure::WrongKey,
            ChipError::Dg1Mismatch {
                via: KeyKind::Can, ..
            } => ChipFailure::WrongKey,
            ChipError::Dg1Mismatch {
                via: KeyKind::Mrz, ..
            } => ChipFailure::NotGenuine { check: "dg1" },
            // A genuine chip always sends DO'99' with exactly the status bytes, and DO'8E' over
            // them, in a protected response (ICAO 9303-11 §9.8): one that leaves either out or
            // malforms DO'99' is not genuine.
            ChipError::MacMismatch
            | ChipError::SecureMessaging(
                SmError::MissingStatusObject | SmError::BadStatusObject | SmError::MissingMac,
            ) => ChipFailure::NotGenuine {
                check: "secure_messaging",
            },
            ChipError::Lds { .. } => ChipFailure::NotGenuine { check: "lds" },
            ChipError::MissingFile(_) => ChipFailure::NotGenuine {
                check: "missing_file",
            },
            ChipError::Authenticity { check, .. } => ChipFailure::NotGenuine { check },
            ChipError::Downgrade(d) => ChipFailure::NotGenuine { check: d.check() },
            ChipError::Reader(TransportError::Reader(_)) => ChipFailure::ReaderFault,
            ChipError::Reader(_)
            | ChipError::NotEmrtd(_)
            | ChipError::AccessUnsupported(_)
            | ChipError::UnexpectedStatus { .. }
            | ChipError::FileTooLarge { .. }
            | ChipError::ReadProtocol { .. }
            | ChipError::Apdu(_)
            | ChipError::SecureMessaging(_)
            | ChipError::UnsupportedFormat { .. }
            | ChipError::Image(_)
            | ChipError::Protocol { .. }
            | ChipError::Crypto(_)
            | ChipError::Random(_) => ChipFailure::Unsupported,
        }
    }
}
