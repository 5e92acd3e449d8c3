//! What goes into the flow (events, with the time passed alongside) and what comes out (commands
//! for the daemon to carry out).

use std::time::Duration;

use idgate_api::{CheckResult, ChipAccess, CodeSource, Guidance, Step};
use idgate_mrz::AccessKey;

use crate::report::Report;

/// Identifies one run of a device job (an OCR run, a chip read, a face capture). Results carry
/// it back, so a late result from a run the flow has already given up on is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub u64);

/// What the chip step found on a chip that opened and was read to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipReport {
    pub access: ChipAccess,
    /// Files read, e.g. `EF.COM`, `EF.SOD`, `DG1`, `DG2`.
    pub files: Vec<String>,
    /// DG1 against the code step's fields (`NotRun` when only a CAN was given).
    pub dg1_matches_code: CheckResult,
    pub passive_auth: CheckResult,
    pub chip_auth: CheckResult,
    pub active_auth: CheckResult,
}

impl ChipReport {
    /// Whether this chip counts as genuine under the deployment's policy: Passive Authentication
    /// passed, DG1 equals the code (unless only a CAN was known), no authentication failed, and
    /// (if required) Chip or Active Authentication passed.
    pub fn is_genuine(&self, source: Option<CodeSource>, require_clone_protection: bool) -> bool {
        let dg1_ok = match self.dg1_matches_code {
            CheckResult::Passed => true,
            CheckResult::NotRun => source == Some(CodeSource::Can),
            CheckResult::Failed | CheckResult::NotSupported => false,
        };
        let none_failed =
            self.chip_auth != CheckResult::Failed && self.active_auth != CheckResult::Failed;
        let clone_protected = self.chip_auth == CheckResult::Passed
            || self.active_auth == CheckResult::Passed
            || !require_clone_protection;
        dg1_ok && self.passive_auth == CheckResult::Passed && none_failed && clone_protected
    }
}

/// The face worker's decision on one attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceVerdict {
    /// Best similarity of a live frame to the chip photo.
    pub score: f32,
    pub threshold: f32,
    pub matched: bool,
    /// Passive presentation-attack detection and, when it was asked, the challenge.
    pub liveness: CheckResult,
}

/// An input to the flow. Person-initiated events (from bus calls) are rejected with
/// [`crate::FlowError::WrongStep`] when they do not fit; device events from a stale run are
/// ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Begin (from idle or from a result). `camera`: the code may be read by OCR.
    Start {
        camera: bool,
    },
    /// OCR feedback: what the person should do (`code.show_page`, `code.hold_still`, …).
    CodeHint {
        run: RunId,
        guidance: Guidance,
        progress: f64,
    },
    /// OCR read an MRZ whose check digits hold.
    CodeRead {
        run: RunId,
        key: AccessKey,
    },
    /// The person typed valid fields (or a CAN).
    CodeEntered {
        key: AccessKey,
        source: CodeSource,
    },
    /// The person typed something invalid (the field errors went back in the bus reply).
    CodeRejected,
    /// The person chose to type the code instead.
    UseManualEntry,
    /// Reader feedback: `chip.place` (no card), `chip.keep_still` (card found, reading).
    ChipHint {
        run: RunId,
        guidance: Guidance,
    },
    ChipProgress {
        run: RunId,
        file: String,
        read: u32,
        total: u32,
        /// Of the whole read, 0..1.
        fraction: f64,
    },
    /// The read ended: a report, or the guidance id of the failure (`chip.wrong_code`,
    /// `chip.keep_still` for a lost card, `chip.not_genuine`, `chip.unsupported`, …).
    ChipDone {
        run: RunId,
        result: Result<ChipReport, Guidance>,
    },
    /// Camera feedback from the quality gates.
    FaceHint {
        run: RunId,
        guidance: Guidance,
        progress: f64,
    },
    /// The face worker asks for a liveness movement (`face.move_closer` / `face.move_back`).
    FaceChallenge {
        run: RunId,
        prompt: Guidance,
    },
    FaceDone {
        run: RunId,
        verdict: FaceVerdict,
    },
    /// A device the current step needs went away or failed for good (no job of a run involved:
    /// the device could not even be started).
    DeviceFault,
    /// The job of `run` failed for good on its device (camera gone, engine failed). Like
    /// [`Event::DeviceFault`], but tagged: a fault of a job from a run the flow has given up on —
    /// an earlier session's — is stale and ignored.
    JobFault {
        run: RunId,
    },
    /// Time passed (check deadlines).
    Tick,
    Retry,
    Cancel,
}

impl Event {
    /// A short name for errors and logs (never the payload: it may hold MRZ data).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Start { .. } => "Start",
            Event::CodeHint { .. } => "CodeHint",
            Event::CodeRead { .. } => "CodeRead",
            Event::CodeEntered { .. } => "CodeEntered",
            Event::CodeRejected => "CodeRejected",
            Event::UseManualEntry => "UseManualEntry",
            Event::ChipHint { .. } => "ChipHint",
            Event::ChipProgress { .. } => "ChipProgress",
            Event::ChipDone { .. } => "ChipDone",
            Event::FaceHint { .. } => "FaceHint",
            Event::FaceChallenge { .. } => "FaceChallenge",
            Event::FaceDone { .. } => "FaceDone",
            Event::DeviceFault => "DeviceFault",
            Event::JobFault { .. } => "JobFault",
            Event::Tick => "Tick",
            Event::Retry => "Retry",
            Event::Cancel => "Cancel",
        }
    }
}

/// A status line for the person: the step, a guidance code and progress within the step (0..1,
/// or -1 when not measurable).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    pub step: Step,
    pub guidance: Guidance,
    pub progress: f64,
}

/// An effect the daemon carries out, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    StartOcr {
        run: RunId,
    },
    StopOcr,
    StartChipRead {
        run: RunId,
        key: AccessKey,
    },
    StopChipRead,
    StartFace {
        run: RunId,
    },
    StopFace,
    /// Show a liveness prompt (the `Challenge` signal).
    Challenge(Guidance),
    /// Pass chip progress on (the `ChipProgress` signal).
    ChipProgress {
        file: String,
        read: u32,
        total: u32,
    },
    /// The `Status` signal (and the session's `Step`/`Attempts` properties).
    Status(Status),
    /// The verification ended (the `Finished` signal, the audit record).
    Finished(Box<Report>),
}

/// How long each step took, in order (steps may repeat: a wrong code goes back to the code step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTime {
    pub step: Step,
    pub took: Duration,
}
