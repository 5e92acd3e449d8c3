//! PACE plugged into the read session: an [`Exchange`] around [`Pace`] and the access selector that
//! prefers PACE whenever EF.CardAccess offers a variant we run, BAC only when it offers none.

use std::fmt;

use super::{Pace, PacePassword, PaceStep};
use crate::access::{AccessKey, AccessPlan, AccessSelector, BacOnly};
use crate::error::{AccessProtocol, ChipError};
use crate::exchange::{
    Check, CheckOutcome, Exchange, ExchangeContext, ExchangeOutcome, ExchangeStep,
};
use crate::iso7816::apdu::ResponseApdu;
use crate::lds::card_access::CardAccess;
use crate::lds::security_infos::SecurityInfos;

/// PACE as a session exchange.
pub(crate) struct PaceExchange {
    pace: Pace,
    started: bool,
}

impl fmt::Debug for PaceExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaceExchange({:?})", self.pace)
    }
}

impl PaceExchange {
    pub(crate) fn new(pace: Pace) -> Self {
        Self {
            pace,
            started: false,
        }
    }
}

impl Exchange for PaceExchange {
    fn name(&self) -> &'static str {
        "PACE"
    }

    fn advance(
        &mut self,
        response: Option<&ResponseApdu>,
        ctx: &mut ExchangeContext<'_>,
    ) -> Result<ExchangeStep, ChipError> {
        let Some(response) = response else {
            if self.started {
                return Err(ChipError::Protocol {
                    protocol: "PACE",
                    reason: "restarted without a response".into(),
                });
            }
            self.started = true;
            return Ok(ExchangeStep::Send(self.pace.start()));
        };
        match self.pace.on_response(response, ctx.rng)? {
            PaceStep::Send(c) => Ok(ExchangeStep::Send(c)),
            PaceStep::Done(outcome) => {
                let sm = outcome.secure_messaging()?;
                Ok(ExchangeStep::Done(ExchangeOutcome {
                    secure_messaging: Some(sm),
                    checks: vec![CheckOutcome::passed(Check::Pace)],
                    pace_cam: outcome.chip_authentication_mapping.clone(),
                }))
            }
        }
    }
}

/// PACE when EF.CardAccess offers a variant we run (never falling back after a PACE failure: a
/// failure ends the read with its own error); BAC when the chip offers no PACE, or only variants
/// this implementation lacks and the key is the MRZ.
///
/// API change: `PreferPace::new(cam_evidence)` became `PreferPace` (a unit value): PACE-CAM's
/// evidence now reaches the hooks in the exchange's outcome.
#[derive(Debug, Default, Clone, Copy)]
pub struct PreferPace;

impl AccessSelector for PreferPace {
    fn select(
        &self,
        card_access: Option<&CardAccess>,
        key: &AccessKey,
    ) -> Result<AccessPlan, ChipError> {
        // Unreadable PACEInfos never get here as "no PACE" (a fall back to BAC): the session
        // refuses an EF.CardAccess that does not parse (`Downgrade::CardAccessUnreadable`).
        let none = SecurityInfos::default();
        let infos = card_access.map_or(&none, |ca| ca.security_infos());
        let Some(info) = infos.best_pace() else {
            if infos.pace_infos().next().is_some() && matches!(key, AccessKey::Can(_)) {
                return Err(ChipError::AccessUnsupported(
                    "the chip offers only PACE variants this station cannot run",
                ));
            }
            return BacOnly.select(card_access, key);
        };
        let password = match key {
            AccessKey::Mrz(k) => PacePassword::mrz(k),
            AccessKey::Can(c) => PacePassword::can(c.digits())?,
        };
        let pace = Pace::new(info, &password)?;
        Ok(AccessPlan {
            protocol: AccessProtocol::Pace,
            pace: Some(info.clone()),
            exchange: Box::new(PaceExchange::new(pace)),
            select_applet_first: false,
        })
    }
}
