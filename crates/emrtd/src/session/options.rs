//! How to read: access control, authentication hooks, randomness, files, limits, read profile.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use idgate_mrz::ChipAccessKey;

use crate::access::{AccessSelector, BacOnly};
use crate::crypto::random::{OsRandom, RandomSource};
use crate::exchange::{AuthenticationHooks, NoAuthentication};
use crate::lds::LdsFile;
use crate::session::profile::{ReadProfile, ReadProfileStore};

/// How to read.
pub struct ReadOptions {
    /// Chooses the access control (BAC by default; `PreferPace` for PACE).
    pub access: Arc<dyn AccessSelector>,
    /// Chip/Active/Passive Authentication (none by default; `ChipAuthenticity`).
    pub hooks: Box<dyn AuthenticationHooks>,
    /// Randomness for nonces and keys.
    pub rng: Box<dyn RandomSource>,
    /// Data groups wanted besides the mandatory DG1, DG2 and EF.SOD (read if EF.COM or EF.SOD
    /// lists them). One that EF.SOD lists but the chip does not serve fails the read
    /// (`Downgrade::DataGroupNotRead`); one not asked for never counts.
    pub optional_files: Vec<LdsFile>,
    /// The whole read must end within this time: checked before every command, around Chip and
    /// Active Authentication (exchanges like any other), inside Passive Authentication (per DG
    /// hash chunk, CSCA, CRL and around EF.SOD's signature, when the session is polled with a
    /// clock: `ReadSession::poll_clocked`, as the driver does) and, by the driver, after it.
    pub deadline: Duration,
    /// Set from outside to stop the read: checked as the deadline is (inside Passive
    /// Authentication too); the read ends with `ChipError::Cancelled`.
    pub cancel: Option<Arc<AtomicBool>>,
    /// A card that left must be back within this time.
    pub card_return_timeout: Duration,
    /// Largest file accepted.
    pub max_file_len: usize,
    /// Issuing state from the code step: lets the read profile be looked up before DG1.
    pub issuing_state: Option<String>,
    /// The MRZ from the code step when the chip is opened with a CAN (DG1 is compared with it).
    pub expected_mrz: Option<ChipAccessKey>,
    /// Read sizes to start with (the driver fills this from `profiles`).
    pub profile: Option<ReadProfile>,
    /// Where the driver loads and saves read profiles.
    pub profiles: Option<Arc<dyn ReadProfileStore>>,
    /// Try READ BINARY with short file identifiers.
    pub use_sfi: bool,
    /// Read EF.CardAccess and EF.ATR/INFO before access control.
    pub read_master_file: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            access: Arc::new(BacOnly),
            hooks: Box::new(NoAuthentication),
            rng: Box::new(OsRandom),
            optional_files: vec![
                LdsFile::DG7,
                LdsFile::DG11,
                LdsFile::DG12,
                LdsFile::DG14,
                LdsFile::DG15,
            ],
            deadline: Duration::from_secs(60),
            cancel: None,
            card_return_timeout: Duration::from_secs(20),
            max_file_len: 512 * 1024,
            issuing_state: None,
            expected_mrz: None,
            profile: None,
            profiles: None,
            use_sfi: true,
            read_master_file: true,
        }
    }
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("optional_files", &self.optional_files)
            .field("deadline", &self.deadline)
            .field("card_return_timeout", &self.card_return_timeout)
            .field("max_file_len", &self.max_file_len)
            .field("issuing_state", &self.issuing_state)
            .field("profile", &self.profile)
            .field("use_sfi", &self.use_sfi)
            .finish_non_exhaustive()
    }
}
