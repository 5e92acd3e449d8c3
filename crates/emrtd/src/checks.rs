//! What a read verifies: the checks in a read's result, the authenticity report with a result per
//! check, and the PACE-CAM evidence that travels from access control to Chip Authentication.
//!
//! Below `exchange`, `access` and `auth` (all of them name these types), above only `error` and
//! `crypto`: so no protocol module imports another one's results.

use std::fmt;

use elliptic_curve::subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::domain_params::NamedCurve;
use crate::crypto::domain_params::ec;

/// What a failed read means at the desk. Each variant is one piece of guidance the station gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChipFailure {
    /// No card on the reader when the read started (→ "place the passport").
    NoCard,
    /// The card left mid-read and did not come back in time, or the reader keeps losing it
    /// (→ "keep it still").
    CardLost,
    /// The read's overall deadline passed.
    Timeout,
    /// The read was stopped from outside (`ReadOptions::cancel`): the flow moved on.
    Cancelled,
    /// The key does not open this chip, or the code and the passport do not belong together.
    WrongKey,
    /// The chip or its data is not what the issuer made; `check` names what showed it (`dg1`,
    /// `secure_messaging`, `lds`, `missing_file`, a downgrade (`card_access`, `dg14_pace`,
    /// `dg_not_read`), or the failed authentication check:
    /// `dg_hashes`, `sod_signature`, `ds_chain`, `ds_revocation`, `chip_auth`, `active_auth`, …).
    NotGenuine {
        /// The check that showed it.
        check: &'static str,
    },
    /// What this station cannot handle but a genuine document may carry.
    Unsupported,
    /// The reader itself failed: the station's fault, not the document's.
    ReaderFault,
}

/// A check the chip step performed, for the result and the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// Basic Access Control (ICAO 9303-11 §4.3).
    Bac,
    /// PACE (ICAO 9303-11 §4.4).
    Pace,
    /// Chip Authentication (ICAO 9303-11 §6.2) or PACE-CAM.
    ChipAuthentication,
    /// Active Authentication (ICAO 9303-11 §6.1).
    ActiveAuthentication,
    /// Passive Authentication (ICAO 9303-11 §5).
    PassiveAuthentication,
    /// DG1 equals the MRZ from the code step.
    Dg1MatchesCode,
}

/// How a check ended (failures are errors, they never reach a result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckStatus {
    /// The chip proved it.
    Passed,
    /// The chip does not offer it (e.g. no DG15: no Active Authentication).
    NotOffered,
}

/// A check and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckOutcome {
    /// Which check.
    pub check: Check,
    /// How it ended.
    pub status: CheckStatus,
}

impl CheckOutcome {
    /// `check` passed.
    pub fn passed(check: Check) -> Self {
        Self {
            check,
            status: CheckStatus::Passed,
        }
    }

    /// The chip does not offer `check`.
    pub fn not_offered(check: Check) -> Self {
        Self {
            check,
            status: CheckStatus::NotOffered,
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckResult {
    /// The check ran and the document passed it.
    Pass,
    /// The check ran and the document failed it.
    Fail(String),
    /// The check could not run (not offered by the chip, not configured, unsupported algorithm).
    NotSupported(String),
}

impl CheckResult {
    /// The check ran and the document failed it.
    pub fn is_fail(&self) -> bool {
        matches!(self, CheckResult::Fail(_))
    }

    /// The check ran and the document passed it.
    pub fn is_pass(&self) -> bool {
        matches!(self, CheckResult::Pass)
    }
}

/// One named step of a certificate path or master-list check (`ds_key_usage`, `csca_validity`,
/// `crl_validity`, `ml_signer_anchor`, …): which step decided is part of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCheck {
    /// The step's stable name (snake case).
    pub name: &'static str,
    /// How it ended.
    pub result: CheckResult,
}

impl NamedCheck {
    /// `name` ended with `result`.
    pub fn new(name: &'static str, result: CheckResult) -> Self {
        Self { name, result }
    }
}

/// The first failed step of `steps`, as `"name: reason"`.
pub fn first_failed_step(steps: &[NamedCheck]) -> Option<String> {
    steps.iter().find_map(|s| match &s.result {
        CheckResult::Fail(r) => Some(format!("{}: {r}", s.name)),
        _ => None,
    })
}

/// Every authenticity check of the chip step, each on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaReport {
    /// Each data group read hashes to EF.SOD's value.
    pub dg_hashes: CheckResult,
    /// EF.SOD's signature verifies with the DS certificate (and messageDigest matches).
    pub sod_signature: CheckResult,
    /// The DS certificate chains to a trusted CSCA and both are valid now.
    pub ds_chain: CheckResult,
    /// The DS certificate is not on the CSCA's CRL.
    pub ds_revocation: CheckResult,
    /// Chip Authentication (or PACE-CAM) proved the chip holds DG14's key.
    pub chip_auth: CheckResult,
    /// Active Authentication proved the chip holds DG15's key.
    pub active_auth: CheckResult,
    /// The steps behind `ds_chain` and `ds_revocation`, each by name, in the order they ran:
    /// `ds_issuer`, `ds_validity`, `ds_basic_constraints`, `ds_key_usage`, `csca_validity`,
    /// `csca_basic_constraints`, `csca_key_usage`, `csca_revocation`, `crl_validity`. Empty when
    /// the chain was not checked. (Detail only: the six checks above are the contract.)
    pub pki: Vec<NamedCheck>,
}

impl PaReport {
    /// Every check "not run" yet (the state before Passive, Chip and Active Authentication).
    pub fn not_run() -> Self {
        let not_run = || CheckResult::NotSupported("not run".into());
        PaReport {
            dg_hashes: not_run(),
            sod_signature: not_run(),
            ds_chain: not_run(),
            ds_revocation: not_run(),
            chip_auth: not_run(),
            active_auth: not_run(),
            pki: Vec::new(),
        }
    }

    /// Whether any check failed.
    pub fn any_fail(&self) -> bool {
        self.checks().iter().any(|(_, c)| c.is_fail())
    }

    /// The named checks, in a fixed order.
    pub fn checks(&self) -> [(&'static str, &CheckResult); 6] {
        [
            ("dg_hashes", &self.dg_hashes),
            ("sod_signature", &self.sod_signature),
            ("ds_chain", &self.ds_chain),
            ("ds_revocation", &self.ds_revocation),
            ("chip_auth", &self.chip_auth),
            ("active_auth", &self.active_auth),
        ]
    }

    /// `Some(NotGenuine { check })`, naming the first failed check, when any check failed: the
    /// document must not pass silently.
    pub fn verdict(&self) -> Option<ChipFailure> {
        self.first_failure()
            .map(|(check, _)| ChipFailure::NotGenuine { check })
    }

    /// Records `check` (one of [`Self::checks`]' names) as failed for `reason`; another name (an
    /// access control's, e.g. "pace") leaves the report as it is.
    pub fn record_failure(&mut self, check: &str, reason: &str) {
        let slot = match check {
            "dg_hashes" => &mut self.dg_hashes,
            "sod_signature" => &mut self.sod_signature,
            "ds_chain" => &mut self.ds_chain,
            "ds_revocation" => &mut self.ds_revocation,
            "chip_auth" => &mut self.chip_auth,
            "active_auth" => &mut self.active_auth,
            _ => return,
        };
        *slot = CheckResult::Fail(reason.to_string());
    }

    /// The first failed check and its reason.
    pub fn first_failure(&self) -> Option<(&'static str, &str)> {
        self.checks().into_iter().find_map(|(name, c)| match c {
            CheckResult::Fail(r) => Some((name, r.as_str())),
            _ => None,
        })
    }
}

impl fmt::Display for PaReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, c) in self.checks() {
            match c {
                CheckResult::Pass => writeln!(f, "{name}: pass")?,
                CheckResult::Fail(r) => writeln!(f, "{name}: FAIL ({r})")?,
                CheckResult::NotSupported(r) => writeln!(f, "{name}: not checked ({r})")?,
            }
        }
        for step in &self.pki {
            match &step.result {
                CheckResult::Pass => writeln!(f, "  {}: pass", step.name)?,
                CheckResult::Fail(r) => writeln!(f, "  {}: FAIL ({r})", step.name)?,
                CheckResult::NotSupported(r) => writeln!(f, "  {}: not checked ({r})", step.name)?,
            }
        }
        Ok(())
    }
}

/// What PACE-CAM proved, to be checked against DG14's Chip Authentication public key once DG14 is
/// read and passively authenticated (ICAO 9303 Part 11 §4.4.3.5.2).
#[derive(Clone)]
pub struct ChipAuthenticationMappingData {
    pub(crate) curve: NamedCurve,
    pub(crate) chip_mapping_public: Vec<u8>,
    pub(crate) ca_data: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ChipAuthenticationMappingData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipAuthenticationMappingData({:?})", self.curve)
    }
}

impl ChipAuthenticationMappingData {
    /// Verifies PK_Map,IC = CA_IC · PK_IC for the chip's static public key (SEC1 point).
    pub fn verify(&self, chip_static_public: &[u8]) -> Result<(), CamMismatch> {
        let group = ec::group(self.curve);
        let expected = group
            .mul(chip_static_public, &self.ca_data)
            .map_err(|_| CamMismatch)?;
        if bool::from(expected.ct_eq(&self.chip_mapping_public)) {
            Ok(())
        } else {
            Err(CamMismatch)
        }
    }

    /// The curve the mapping ran on (DG14's key must be on it).
    pub fn curve(&self) -> NamedCurve {
        self.curve
    }
}

/// PACE-CAM's mapping key is not the one DG14's Chip Authentication key gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("PACE-CAM: the chip's mapping key does not match its Chip Authentication key")]
pub struct CamMismatch;
