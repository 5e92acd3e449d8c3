//! Chip, Active and Passive Authentication plugged into the read session (`AuthenticationHooks`):
//! after DG14 — verify PACE-CAM's evidence or run Chip Authentication; after DG15 — Active
//! Authentication; after the last file — Passive Authentication. Every result lands in one
//! [`PaReport`], returned inside the read's result (`ChipRead::authenticity`); any failure ends the
//! read with `ChipError::Authenticity` (→ `ChipFailure::NotGenuine`).
//!
//! Use: `ReadOptions { access: Arc::new(PreferPace), hooks: Box::new(ChipAuthenticity::new(trust,
//! SystemTime::now())), optional_files: vec![DG14, DG15, ..], .. }`; the read's
//! `authenticity` holds the report.
//!
//! API change: the report and PACE-CAM's evidence no longer travel in shared `Arc<Mutex>` slots
//! (`cam_evidence()`, `report()` after the read): the evidence comes to the hooks in the PACE
//! exchange's outcome, and the report goes out in the read's result.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::access::pace::ChipAuthenticationMappingData;
use crate::auth::active::{AaPublicKey, ActiveAuthError, ActiveAuthentication};
use crate::auth::chip::{
    ChipAuthError, ChipAuthOutcome, ChipAuthStep, ChipAuthentication, ChipKey,
};
use crate::auth::passive::{self, CheckResult, PaReport, TrustStore};
use crate::budget::Budget;
use crate::crypto::domain_params::Group;
use crate::crypto::random::RandomSource;
use crate::error::ChipError;
use crate::exchange::{
    AuthenticationHooks, Check, CheckOutcome, CheckStatus, Exchange, ExchangeContext,
    ExchangeOutcome, ExchangeStep,
};
use crate::iso7816::apdu::{CommandApdu, ResponseApdu};
use crate::iso7816::sm::{SecureMessaging, SmError};
use crate::lds::security_infos::SecurityInfos;
use crate::lds::{LdsFile, RawFiles};

/// The authentication hooks for one read.
pub struct ChipAuthenticity {
    trust: Arc<TrustStore>,
    now: SystemTime,
    /// PACE-CAM's evidence, until DG14 is read.
    cam: Option<ChipAuthenticationMappingData>,
    report: PaReport,
    dg14: Option<SecurityInfos>,
}

impl fmt::Debug for ChipAuthenticity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipAuthenticity")
            .field("cscas", &self.trust.cscas().len())
            .finish_non_exhaustive()
    }
}

impl ChipAuthenticity {
    /// Hooks trusting `trust`'s CSCAs, judging validity at `now`.
    pub fn new(trust: Arc<TrustStore>, now: SystemTime) -> Self {
        Self {
            trust,
            now,
            cam: None,
            report: PaReport::not_run(),
            dg14: None,
        }
    }

    fn set(&mut self, f: impl FnOnce(&mut PaReport)) {
        f(&mut self.report);
    }

    fn fail(
        &mut self,
        check: &'static str,
        reason: String,
        set: impl FnOnce(&mut PaReport, CheckResult),
    ) -> ChipError {
        self.set(|r| set(r, CheckResult::Fail(reason.clone())));
        ChipError::Authenticity {
            check,
            reason,
            report: Some(Box::new(self.report.clone())),
        }
    }

    fn after_dg14(&mut self, dg14: &[u8]) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        let infos = SecurityInfos::parse_dg14(dg14).map_err(|e| ChipError::Protocol {
            protocol: "DG14",
            reason: e.to_string(),
        })?;
        self.dg14 = Some(infos.clone());
        let selected = crate::auth::chip::select(&infos);
        // PACE-CAM already proved the key: check its evidence against DG14's key (ICAO 9303 Part 11
        // §4.4.3.5.2) instead of running Chip Authentication again.
        if let Some(cam) = self.cam.take() {
            let point = infos
                .chip_auth_public_keys()
                .filter(|k| k.ecdh)
                .filter_map(|k| ChipKey::from_info(k).ok())
                .find(
                    |k| matches!(&k.group, Group::Ec { curve, .. } if curve.curve() == cam.curve()),
                );
            let Some(key) = point else {
                return Err(self.fail(
                    "chip_auth",
                    "PACE-CAM was used but DG14 has no matching key".into(),
                    |r, c| r.chip_auth = c,
                ));
            };
            return match cam.verify(&key.public) {
                Ok(()) => {
                    self.set(|r| r.chip_auth = CheckResult::Pass);
                    Ok(None)
                }
                Err(e) => Err(self.fail("chip_auth", e.to_string(), |r, c| r.chip_auth = c)),
            };
        }
        match selected {
            Ok((protocol, key)) => Ok(Some(AuthExchange::new(ChipAuthentication::new(
                protocol, key,
            )))),
            Err(ChipAuthError::NotOffered) => {
                self.set(|r| {
                    r.chip_auth =
                        CheckResult::NotSupported("DG14 offers no Chip Authentication".into())
                });
                Ok(None)
            }
            Err(e) => {
                self.set(|r| r.chip_auth = CheckResult::NotSupported(e.to_string()));
                Ok(None)
            }
        }
    }

    fn after_dg15(&mut self, dg15: &[u8]) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        let key = match AaPublicKey::from_dg15(dg15) {
            Ok(k) => k,
            Err(ActiveAuthError::Unsupported(r)) => {
                self.set(|rep| rep.active_auth = CheckResult::NotSupported(r));
                return Ok(None);
            }
            Err(e) => return Err(self.fail("active_auth", e.to_string(), |r, c| r.active_auth = c)),
        };
        let algorithm = self
            .dg14
            .as_ref()
            .and_then(|i| i.active_auth().map(|a| a.signature_algorithm));
        Ok(Some(AuthExchange::new(ActiveAuthentication::new(
            key, algorithm,
        ))))
    }
}

impl AuthenticationHooks for ChipAuthenticity {
    fn after_file(
        &mut self,
        file: LdsFile,
        files: &RawFiles,
    ) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        match (file, files.get(file)) {
            (LdsFile::Dg(14), Some(dg14)) => self.after_dg14(dg14),
            (LdsFile::Dg(15), Some(dg15)) => self.after_dg15(dg15),
            _ => Ok(None),
        }
    }

    fn after_read(
        &mut self,
        files: &RawFiles,
        budget: &Budget<'_>,
    ) -> Result<Vec<CheckOutcome>, ChipError> {
        // Interrupted: the read ends with Timeout/Cancelled and the report keeps PA "not run".
        let pa = passive::verify_files(files, &self.trust, self.now, budget)?;
        self.set(|r| {
            r.dg_hashes = pa.dg_hashes.clone();
            r.sod_signature = pa.sod_signature.clone();
            r.ds_chain = pa.ds_chain.clone();
            r.ds_revocation = pa.ds_revocation.clone();
            r.pki = pa.pki.clone();
            if !files.contains(LdsFile::DG15)
                && matches!(r.active_auth, CheckResult::NotSupported(_))
            {
                r.active_auth = CheckResult::NotSupported("the chip has no DG15".into());
            }
            if !files.contains(LdsFile::DG14) && matches!(r.chip_auth, CheckResult::NotSupported(_))
            {
                r.chip_auth = CheckResult::NotSupported("the chip has no DG14".into());
            }
        });
        let report = self.report.clone();
        if let Some((check, reason)) = report.first_failure() {
            return Err(ChipError::Authenticity {
                check,
                reason: reason.to_string(),
                report: Some(Box::new(report.clone())),
            });
        }
        let status = |c: &CheckResult, check| match c {
            CheckResult::Pass => CheckOutcome::passed(check),
            _ => CheckOutcome::not_offered(check),
        };
        let pa_ok = report.dg_hashes.is_pass()
            && report.sod_signature.is_pass()
            && report.ds_chain.is_pass();
        Ok(vec![
            if pa_ok {
                CheckOutcome::passed(Check::PassiveAuthentication)
            } else {
                CheckOutcome::not_offered(Check::PassiveAuthentication)
            },
            status(&report.chip_auth, Check::ChipAuthentication),
            status(&report.active_auth, Check::ActiveAuthentication),
        ])
    }

    fn exchange_done(&mut self, outcome: &mut ExchangeOutcome) {
        if let Some(cam) = outcome.pace_cam.take() {
            self.cam = Some(cam);
        }
        for c in &outcome.checks {
            if c.status != CheckStatus::Passed {
                continue;
            }
            match c.check {
                Check::ChipAuthentication => self.report.chip_auth = CheckResult::Pass,
                Check::ActiveAuthentication => self.report.active_auth = CheckResult::Pass,
                _ => {}
            }
        }
    }

    fn report(&self) -> Option<PaReport> {
        Some(self.report.clone())
    }
}

/// What Chip and Active Authentication share as exchanges: one command to start, responses until
/// done, and the result in one slot of the report.
trait AuthProtocol: Send {
    type Error: fmt::Display + Into<ChipError>;
    /// What the protocol yields when it succeeds.
    type Done;
    const NAME: &'static str;
    const CHECK: Check;

    fn start(&mut self, rng: &mut dyn RandomSource) -> Result<CommandApdu, Self::Error>;
    /// The error for a second start.
    fn restarted() -> Self::Error;
    fn on_response(&mut self, r: &ResponseApdu) -> Result<AuthStep<Self::Done>, Self::Error>;
    /// The secure messaging session success brings (CA's new keys), if any.
    fn secure_messaging(done: Self::Done) -> Result<Option<SecureMessaging>, SmError>;
}

enum AuthStep<D> {
    Send(CommandApdu),
    Done(D),
}

impl AuthProtocol for ChipAuthentication {
    type Error = ChipAuthError;
    type Done = ChipAuthOutcome;
    const NAME: &'static str = "CA";
    const CHECK: Check = Check::ChipAuthentication;

    fn start(&mut self, rng: &mut dyn RandomSource) -> Result<CommandApdu, ChipAuthError> {
        ChipAuthentication::start(self, rng)
    }
    fn restarted() -> ChipAuthError {
        ChipAuthError::Malformed("restarted".into())
    }
    fn on_response(
        &mut self,
        r: &ResponseApdu,
    ) -> Result<AuthStep<ChipAuthOutcome>, ChipAuthError> {
        Ok(match ChipAuthentication::on_response(self, r)? {
            ChipAuthStep::Send(c) => AuthStep::Send(c),
            ChipAuthStep::Done(out) => AuthStep::Done(out),
        })
    }
    fn secure_messaging(out: ChipAuthOutcome) -> Result<Option<SecureMessaging>, SmError> {
        out.secure_messaging().map(Some)
    }
}

impl AuthProtocol for ActiveAuthentication {
    type Error = ActiveAuthError;
    type Done = ();
    const NAME: &'static str = "AA";
    const CHECK: Check = Check::ActiveAuthentication;

    fn start(&mut self, rng: &mut dyn RandomSource) -> Result<CommandApdu, ActiveAuthError> {
        ActiveAuthentication::start(self, rng)
    }
    fn restarted() -> ActiveAuthError {
        ActiveAuthError::BadSignature("restarted".into())
    }
    fn on_response(&mut self, r: &ResponseApdu) -> Result<AuthStep<()>, ActiveAuthError> {
        self.finish(r).map(AuthStep::Done)
    }
    fn secure_messaging((): ()) -> Result<Option<SecureMessaging>, SmError> {
        Ok(None)
    }
}

/// CA or AA run as an exchange of the read session; success comes back to the hooks in the
/// exchange's outcome, failure ends the read with the protocol's error.
struct AuthExchange<P> {
    protocol: P,
    started: bool,
}

impl<P> AuthExchange<P> {
    fn new(protocol: P) -> Box<Self> {
        Box::new(Self {
            protocol,
            started: false,
        })
    }
}

impl<P: AuthProtocol> Exchange for AuthExchange<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn advance(
        &mut self,
        response: Option<&ResponseApdu>,
        ctx: &mut ExchangeContext<'_>,
    ) -> Result<ExchangeStep, ChipError> {
        let step = match response {
            None if !self.started => {
                self.started = true;
                self.protocol.start(ctx.rng).map(AuthStep::Send)
            }
            None => Err(P::restarted()),
            Some(r) => self.protocol.on_response(r),
        };
        match step {
            Ok(AuthStep::Send(c)) => Ok(ExchangeStep::Send(c)),
            Ok(AuthStep::Done(done)) => {
                let sm = P::secure_messaging(done)?;
                Ok(ExchangeStep::Done(ExchangeOutcome {
                    secure_messaging: sm,
                    checks: vec![CheckOutcome::passed(P::CHECK)],
                    pace_cam: None,
                }))
            }
            Err(e) => Err(e.into()),
        }
    }
}
