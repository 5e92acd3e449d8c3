//! The summary of a finished verification: what the `Finished` signal and the audit record carry.
//! It holds no MRZ field, name or image by construction.

use std::time::Duration;

use idgate_api::{CheckResult, Checks, CodeSource, Guidance, Outcome};

use crate::config::Alternatives;
use crate::io::{ChipReport, FaceVerdict, StepTime};

/// Attempts used per step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    pub code: u32,
    pub chip: u32,
    pub face: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub outcome: Outcome,
    /// The final status code (`flow.verified`, `flow.alternatives`, `chip.not_genuine`, …).
    pub guidance: Guidance,
    /// Every failure on the way, oldest first.
    pub reasons: Vec<Guidance>,
    /// Present when the person should be pointed to other ways.
    pub alternatives: Option<Alternatives>,
    pub code_source: Option<CodeSource>,
    pub chip: Option<ChipReport>,
    pub face: Option<FaceVerdict>,
    pub attempts: Attempts,
    /// From `Start` to the end.
    pub duration: Duration,
    pub steps: Vec<StepTime>,
}

impl Report {
    /// The `Finished` signal's dictionary (the daemon adds `audit_id`).
    pub fn to_checks(&self) -> Checks {
        let s = |c: CheckResult| Some(c.as_str().to_owned());
        let chip = self.chip.as_ref();
        let face = self.face.as_ref();
        Checks {
            reasons: Some(self.reasons.iter().map(|g| g.id().to_owned()).collect()),
            guidance: Some(self.guidance.id().to_owned()),
            alternatives_en: self.alternatives.as_ref().map(|a| a.en.clone()),
            alternatives_da: self.alternatives.as_ref().map(|a| a.da.clone()),
            code_source: self.code_source.map(|c| c.as_str().to_owned()),
            chip_access: chip.map(|c| c.access.as_str().to_owned()),
            chip_files: chip.map(|c| c.files.clone()),
            chip_dg1_matches_code: chip.and_then(|c| s(c.dg1_matches_code)),
            chip_passive_auth: chip.and_then(|c| s(c.passive_auth)),
            chip_chip_auth: chip.and_then(|c| s(c.chip_auth)),
            chip_active_auth: chip.and_then(|c| s(c.active_auth)),
            face_score: face.map(|f| f64::from(f.score)),
            face_threshold: face.map(|f| f64::from(f.threshold)),
            face_match: face.and_then(|f| {
                s(if f.matched {
                    CheckResult::Passed
                } else {
                    CheckResult::Failed
                })
            }),
            face_liveness: face.and_then(|f| s(f.liveness)),
            attempts_code: Some(self.attempts.code),
            attempts_chip: Some(self.attempts.chip),
            attempts_face: Some(self.attempts.face),
            duration_ms: Some(u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX)),
            audit_id: None,
        }
    }
}
