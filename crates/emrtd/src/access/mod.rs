//! Access control: the pluggable first step after the chip is found (BAC or PACE).

pub mod bac;
pub(crate) mod pace;

use std::fmt;

use crate::error::{AccessProtocol, ChipError, KeyKind};
use crate::exchange::Exchange;
use crate::lds::card_access::CardAccess;
use crate::lds::security_infos::PaceInfo;

/// The secret that opens the chip, and the card access number: defined once, with the MRZ
/// (`idgate_mrz`), and used here as they are.
pub use idgate_mrz::{AccessKey, Can};

impl KeyKind {
    /// Which kind of secret `key` is.
    pub fn of(key: &AccessKey) -> Self {
        match key {
            AccessKey::Mrz(_) => KeyKind::Mrz,
            AccessKey::Can(_) => KeyKind::Can,
        }
    }
}

/// The access control the session will run.
pub struct AccessPlan {
    /// Which access control the exchange runs: reported in the read's phase events and in
    /// `ChipRead::access`.
    pub protocol: AccessProtocol,
    /// The PACEInfo PACE runs with (`None` for BAC): the read compares it with DG14's PACEInfos
    /// (a downgrade check). API change (issue 17): new field.
    pub pace: Option<PaceInfo>,
    /// The sub-protocol itself; the session sends its commands unwrapped and takes the secure
    /// messaging it ends with.
    pub exchange: Box<dyn Exchange>,
    /// BAC runs inside the eMRTD application (SELECT it first); PACE runs on the master file
    /// and the application is selected afterwards, under secure messaging.
    pub select_applet_first: bool,
}

impl fmt::Debug for AccessPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessPlan")
            .field("protocol", &self.protocol)
            .field("pace", &self.pace)
            .field("exchange", &self.exchange.name())
            .field("select_applet_first", &self.select_applet_first)
            .finish()
    }
}

/// Chooses the access control for a chip from its EF.CardAccess (absent: BAC only).
pub trait AccessSelector: Send + Sync {
    /// The plan for a chip with this EF.CardAccess (`None`: the chip has none) opened with `key`;
    /// `Err` when no access control this reader runs can use the key on this chip (e.g. a CAN
    /// without PACE).
    fn select(
        &self,
        card_access: Option<&CardAccess>,
        key: &AccessKey,
    ) -> Result<AccessPlan, ChipError>;

    /// Whether this selector runs PACE whenever the chip offers a variant the station supports.
    /// When it does, a read opened with BAC (or a weaker PACE) while DG14 lists a supported PACE
    /// protocol is a downgrade and fails; a BAC-only policy ([`BacOnly`]) is the station's own
    /// choice and is not checked.
    fn runs_pace_when_offered(&self) -> bool {
        true
    }
}

/// BAC for every chip (the fallback every eMRTD with an MRZ key supports until PACE-only
/// documents; `PreferPace` prefers PACE when EF.CardAccess offers it).
#[derive(Debug, Default, Clone, Copy)]
pub struct BacOnly;

impl AccessSelector for BacOnly {
    fn select(
        &self,
        _card_access: Option<&CardAccess>,
        key: &AccessKey,
    ) -> Result<AccessPlan, ChipError> {
        match key {
            AccessKey::Mrz(k) => Ok(AccessPlan {
                protocol: AccessProtocol::Bac,
                pace: None,
                exchange: Box::new(bac::Bac::new(k)),
                select_applet_first: true,
            }),
            AccessKey::Can(_) => Err(ChipError::AccessUnsupported(
                "a CAN opens a chip only with PACE",
            )),
        }
    }

    fn runs_pace_when_offered(&self) -> bool {
        false
    }
}
