//! Access control: the pluggable first step after the chip is found (BAC now, PACE from part 2).

pub mod bac;

use std::fmt;

use idgate_mrz::ChipAccessKey;
use zeroize::Zeroizing;

use crate::error::{AccessProtocol, ChipError, KeyKind};
use crate::exchange::Exchange;
use crate::lds::card_access::CardAccess;

/// The secret that opens the chip.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ information (document number, birth date, expiry date): BAC or PACE-MRZ.
    Mrz(ChipAccessKey),
    /// The 6-digit Card Access Number printed on the document: PACE-CAN only.
    Can(Can),
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
        }
    }
}

impl AccessKey {
    pub fn kind(&self) -> KeyKind {
        match self {
            AccessKey::Mrz(_) => KeyKind::Mrz,
            AccessKey::Can(_) => KeyKind::Can,
        }
    }

    /// The MRZ fields, when the key is MRZ-based.
    pub fn mrz(&self) -> Option<&ChipAccessKey> {
        match self {
            AccessKey::Mrz(k) => Some(k),
            AccessKey::Can(_) => None,
        }
    }
}

impl From<ChipAccessKey> for AccessKey {
    fn from(k: ChipAccessKey) -> Self {
        AccessKey::Mrz(k)
    }
}

/// A Card Access Number: six digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Can(Zeroizing<String>);

/// A CAN that is not six digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a CAN is six digits")]
pub struct CanFormatError;

impl Can {
    pub fn new(digits: &str) -> Result<Self, CanFormatError> {
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(Zeroizing::new(digits.to_owned())))
        } else {
            Err(CanFormatError)
        }
    }

    /// The PACE password bytes.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(<redacted>)")
    }
}

/// The access control the session will run.
pub struct AccessPlan {
    pub protocol: AccessProtocol,
    pub exchange: Box<dyn Exchange>,
    /// BAC runs inside the eMRTD application (SELECT it first); PACE runs on the master file
    /// and the application is selected afterwards, under secure messaging.
    pub select_applet_first: bool,
}

impl fmt::Debug for AccessPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessPlan")
            .field("protocol", &self.protocol)
            .field("exchange", &self.exchange.name())
            .field("select_applet_first", &self.select_applet_first)
            .finish()
    }
}

/// Chooses the access control for a chip from its EF.CardAccess (absent: BAC only).
pub trait AccessSelector: Send + Sync {
    fn select(
        &self,
        card_access: Option<&CardAccess>,
        key: &AccessKey,
    ) -> Result<AccessPlan, ChipError>;
}

/// BAC for every chip (the fallback every eMRTD with an MRZ key supports until PACE-only
/// documents; part 2 provides the selector that prefers PACE when EF.CardAccess offers it).
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
                exchange: Box::new(bac::Bac::new(k)),
                select_applet_first: true,
            }),
            AccessKey::Can(_) => Err(ChipError::AccessUnsupported(
                "a CAN opens a chip only with PACE",
            )),
        }
    }
}
