//! Sub-protocols the read session runs: access control (BAC, PACE) and chip authentication
//! (Chip Authentication, Active Authentication). Each is a small sans-IO state machine that
//! returns the next command and finally an outcome; the session does the secure messaging
//! wrapping, the transport and the error handling around it.

use std::fmt;

pub use crate::checks::{Check, CheckOutcome, CheckStatus};
use crate::checks::{ChipAuthenticationMappingData, PaReport};
use crate::crypto::random::RandomSource;
use crate::error::ChipError;
use crate::iso7816::apdu::{CommandApdu, ResponseApdu};
use crate::iso7816::sm::SecureMessaging;
use crate::lds::RawFiles;
use crate::lds::card_access::CardAccess;

/// What an exchange sees of the session.
pub struct ExchangeContext<'a> {
    /// Randomness for nonces and ephemeral keys (scripted in tests).
    pub rng: &'a mut dyn RandomSource,
    /// Every file read so far, raw (e.g. DG14 for Chip Authentication, DG15 for AA).
    pub files: &'a RawFiles,
    /// EF.CardAccess, parsed, when the chip has one.
    pub card_access: Option<&'a CardAccess>,
}

impl fmt::Debug for ExchangeContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeContext")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// The next move of an exchange.
#[derive(Debug)]
pub enum ExchangeStep {
    /// Send this plain command; the session wraps it in secure messaging when a session is active.
    Send(CommandApdu),
    /// The exchange is over.
    Done(ExchangeOutcome),
}

/// What an exchange achieved.
#[derive(Debug, Default)]
pub struct ExchangeOutcome {
    /// New secure messaging keys to use from the next command on (BAC, PACE, CA).
    pub secure_messaging: Option<SecureMessaging>,
    /// Checks this exchange performed (e.g. "Chip Authentication passed").
    pub checks: Vec<CheckOutcome>,
    /// PACE-CAM's evidence, handed to the hooks (which check it against DG14's key once DG14 is
    /// read) through the session rather than a shared slot.
    pub pace_cam: Option<ChipAuthenticationMappingData>,
}

/// A sub-protocol run by the session.
pub trait Exchange: Send {
    /// For logs and progress: "BAC", "PACE", "CA", "AA".
    fn name(&self) -> &'static str;

    /// Called first with `None`, then with the (unwrapped) response to each command it sent.
    /// Errors end the read (return [`ChipError::WrongKey`] for a refused password,
    /// [`ChipError::Authenticity`] when the chip fails to prove itself).
    fn advance(
        &mut self,
        response: Option<&ResponseApdu>,
        ctx: &mut ExchangeContext<'_>,
    ) -> Result<ExchangeStep, ChipError>;
}

/// Hooks for the authentication steps (Chip, Active and Passive Authentication) into the read.
pub trait AuthenticationHooks: Send {
    /// Called after `file` was read in full (raw bytes in `files`). Returning an exchange runs it
    /// right away, under the current secure messaging — e.g. Chip Authentication after DG14,
    /// Active Authentication after DG15.
    fn after_file(
        &mut self,
        file: crate::lds::LdsFile,
        files: &RawFiles,
    ) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        let _ = (file, files);
        Ok(None)
    }

    /// Called once every file is read, without chip I/O — Passive Authentication. The work checks
    /// `budget` (the read's deadline and cancel flag) as it goes and returns
    /// `ChipError::Timeout` / `ChipError::Cancelled` when it fails (API change, issue 17).
    fn after_read(
        &mut self,
        files: &RawFiles,
        budget: &crate::budget::Budget<'_>,
    ) -> Result<Vec<CheckOutcome>, ChipError> {
        let _ = (files, budget);
        Ok(Vec::new())
    }

    /// Called when any exchange (access control, CA, AA) finished: its checks and PACE-CAM's
    /// evidence, for the hooks to record.
    fn exchange_done(&mut self, outcome: &mut ExchangeOutcome) {
        let _ = outcome;
    }

    /// The authenticity report, put into the read's result ([`crate::ChipRead::authenticity`]).
    fn report(&self) -> Option<PaReport> {
        None
    }
}

/// No authentication beyond access control.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAuthentication;

impl AuthenticationHooks for NoAuthentication {}
