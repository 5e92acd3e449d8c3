//! The state machine of one verification: idle → code → chip → face → result.
//!
//! Rules (after the design notes):
//! - every transition emits a [`Status`] with a stable guidance code;
//! - a step that times out is restarted, counting an attempt;
//! - when a step's attempts are used up the flow ends `not_verified` with its reasons and the
//!   deployment's alternatives;
//! - a chip that fails authenticity (`chip.not_genuine`) or cannot be read here
//!   (`chip.unsupported`) ends the flow at once with "ask staff": never retried silently;
//! - a code that does not open the chip (`chip.wrong_code`) sends the person back to the code step;
//! - cancel works in every running step.

use std::time::{Duration, Instant};

use idgate_api::{CheckResult, CodeSource, Guidance, Outcome, Step};

use crate::AccessKey;
use crate::config::{FlowConfig, StepLimits};
use crate::io::{Command, Event, FaceVerdict, RunId, Status, StepTime};
use crate::report::{Attempts, Report};

/// A person-initiated event that does not fit the current step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("{event} is not possible in the {step} step")]
    WrongStep { step: Step, event: &'static str },
}

/// Where the verification is, with what only that step needs (the way rustls types its handshake
/// states): the chip step holds the access key, so leaving it drops the key (zeroized by its type)
/// instead of clearing a field by hand.
#[derive(Debug)]
enum State {
    Idle,
    /// `manual`: waiting for typed fields (no OCR running, no timeout).
    Code {
        manual: bool,
    },
    /// Reading the chip with `key` (kept for another attempt in this step).
    Chip {
        key: AccessKey,
    },
    Face,
    Result(Outcome),
}

/// Progress changes smaller than this are not worth a `Status` signal.
const PROGRESS_STEP: f64 = 0.05;

/// One verification session. Feed it [`Event`]s with the current time; carry out the returned
/// [`Command`]s in order; call [`Flow::next_deadline`] to know when to send [`Event::Tick`].
#[derive(Debug)]
pub struct Flow {
    cfg: FlowConfig,
    state: State,
    camera: bool,
    next_run: u64,
    run: Option<RunId>,
    deadline: Option<Instant>,
    attempts: Attempts,
    reasons: Vec<Guidance>,
    started: Option<Instant>,
    step_since: Option<Instant>,
    steps: Vec<StepTime>,
    code_source: Option<CodeSource>,
    chip: Option<crate::io::ChipReport>,
    face: Option<FaceVerdict>,
    /// The camera's last quality hint in this face attempt: the likely reason if it times out.
    face_hint: Option<Guidance>,
    last_status: Option<Status>,
}

impl Flow {
    pub fn new(cfg: FlowConfig) -> Self {
        Self {
            cfg,
            state: State::Idle,
            camera: false,
            next_run: 0,
            run: None,
            deadline: None,
            attempts: Attempts::default(),
            reasons: Vec::new(),
            started: None,
            step_since: None,
            steps: Vec::new(),
            code_source: None,
            chip: None,
            face: None,
            face_hint: None,
            last_status: None,
        }
    }

    /// The flow of the station's next session, numbering its device runs after the `issued` runs
    /// of the sessions before it. Each claim gets a new flow; were its runs numbered from 1
    /// again, a job still ending from an earlier session (its chip read inside a last transmit,
    /// its photo on the way into the photo slot) would carry a run id of this one.
    pub fn continuing(cfg: FlowConfig, issued: u64) -> Self {
        let mut flow = Self::new(cfg);
        flow.next_run = issued;
        flow
    }

    /// How many run ids this flow, with the flows it continued, has issued.
    pub fn runs_issued(&self) -> u64 {
        self.next_run
    }

    pub fn config(&self) -> &FlowConfig {
        &self.cfg
    }

    pub fn step(&self) -> Step {
        match self.state {
            State::Idle => Step::Idle,
            State::Code { .. } => Step::Code,
            State::Chip { .. } => Step::Chip,
            State::Face => Step::Face,
            State::Result(_) => Step::Result,
        }
    }

    /// The attempt number in the current step (1 for the first try; 0 when idle or finished).
    pub fn attempts(&self) -> u32 {
        match self.state {
            State::Idle | State::Result(_) => 0,
            State::Code { .. } => self.attempts.code,
            State::Chip { .. } => self.attempts.chip,
            State::Face => self.attempts.face,
        }
    }

    /// The outcome once finished.
    pub fn outcome(&self) -> Option<Outcome> {
        match self.state {
            State::Result(o) => Some(o),
            _ => None,
        }
    }

    /// Whether a verification is in progress (code, chip or face).
    pub fn is_running(&self) -> bool {
        matches!(
            self.state,
            State::Code { .. } | State::Chip { .. } | State::Face
        )
    }

    /// When the current attempt times out, if it can.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The last status emitted (for clients that connect late).
    pub fn last_status(&self) -> Option<Status> {
        self.last_status
    }

    /// Handles one event at time `now` and returns the effects to carry out, in order.
    pub fn handle(&mut self, now: Instant, event: Event) -> Result<Vec<Command>, FlowError> {
        let mut out = Vec::new();
        let name = event.name();
        let wrong = |state: &Self| FlowError::WrongStep {
            step: state.step(),
            event: name,
        };
        match (&self.state, event) {
            (State::Idle | State::Result(_), Event::Start { camera }) => {
                self.begin(now, camera, &mut out);
            }
            (State::Result(_), Event::Retry) => {
                let camera = self.camera;
                self.begin(now, camera, &mut out);
            }
            (_, Event::Start { .. }) => return Err(wrong(self)),
            (_, Event::Retry | Event::Cancel) if !self.is_running() => {
                return Err(wrong(self));
            }

            // --- code ---
            (
                State::Code { manual: false },
                Event::CodeHint {
                    run,
                    guidance,
                    progress,
                },
            ) => {
                if self.is_current(run) {
                    self.status(Step::Code, guidance, progress, false, &mut out);
                }
            }
            (State::Code { manual: false }, Event::CodeRead { run, key }) => {
                if self.is_current(run) {
                    out.push(Command::StopOcr);
                    self.code_source = Some(CodeSource::Camera);
                    self.enter_chip(now, key, Guidance::ChipPlace, &mut out);
                }
            }
            (State::Code { manual }, Event::CodeEntered { key, source }) => {
                if !manual {
                    out.push(Command::StopOcr);
                }
                self.code_source = Some(source);
                self.enter_chip(now, key, Guidance::ChipPlace, &mut out);
            }
            (State::Code { .. }, Event::CodeRejected) => {
                self.status(Step::Code, Guidance::CodeFieldInvalid, -1.0, true, &mut out);
            }
            (State::Code { manual }, Event::UseManualEntry) => {
                if !manual {
                    out.push(Command::StopOcr);
                }
                self.state = State::Code { manual: true };
                self.run = None;
                self.deadline = None;
                self.status(Step::Code, Guidance::CodeTypeIn, -1.0, true, &mut out);
            }
            (_, Event::CodeEntered { .. } | Event::CodeRejected | Event::UseManualEntry) => {
                return Err(wrong(self));
            }

            // --- chip ---
            (State::Chip { .. }, Event::ChipHint { run, guidance }) => {
                if self.is_current(run) {
                    let progress = self.last_status.map_or(0.0, |s| s.progress);
                    self.status(Step::Chip, guidance, progress, false, &mut out);
                }
            }
            (
                State::Chip { .. },
                Event::ChipProgress {
                    run,
                    file,
                    read,
                    total,
                    fraction,
                },
            ) => {
                if self.is_current(run) {
                    out.push(Command::ChipProgress { file, read, total });
                    let fraction = fraction.clamp(0.0, 1.0);
                    self.status(
                        Step::Chip,
                        Guidance::ChipKeepStill,
                        fraction,
                        false,
                        &mut out,
                    );
                }
            }
            (State::Chip { .. }, Event::ChipDone { run, result }) => {
                if self.is_current(run) {
                    self.run = None;
                    match result {
                        Ok(report) => {
                            let genuine = report
                                .is_genuine(self.code_source, self.cfg.require_clone_protection);
                            self.chip = Some(report);
                            if genuine {
                                self.enter_face(now, Guidance::FaceNone, &mut out);
                            } else {
                                self.reasons.push(Guidance::ChipNotGenuine);
                                self.finish_ask_staff(now, Guidance::ChipNotGenuine, &mut out);
                            }
                        }
                        Err(g) => self.chip_failed(now, g, &mut out),
                    }
                }
            }

            // --- face ---
            (
                State::Face,
                Event::FaceHint {
                    run,
                    guidance,
                    progress,
                },
            ) => {
                if self.is_current(run) {
                    self.face_hint = Some(guidance);
                    self.status(Step::Face, guidance, progress, false, &mut out);
                }
            }
            (State::Face, Event::FaceChallenge { run, prompt }) => {
                if self.is_current(run) {
                    // The movement takes its own time: the attempt's clock starts again.
                    self.deadline = Some(now + self.cfg.face.timeout);
                    out.push(Command::Challenge(prompt));
                    self.status(Step::Face, prompt, -1.0, true, &mut out);
                }
            }
            (State::Face, Event::FaceDone { run, verdict }) => {
                if self.is_current(run) {
                    self.run = None;
                    self.face = Some(verdict);
                    let live = verdict.liveness == CheckResult::Passed;
                    if verdict.matched && live {
                        self.finish(
                            now,
                            Outcome::Verified,
                            Guidance::FlowVerified,
                            false,
                            &mut out,
                        );
                    } else {
                        let mut why = Vec::new();
                        if !live {
                            why.push(Guidance::FaceLivenessFailed);
                        }
                        if !verdict.matched {
                            why.push(Guidance::FaceNoMatch);
                        }
                        self.face_failed(now, &why, &mut out);
                    }
                }
            }

            // --- any running step ---
            (_, Event::Tick) => {
                if self.deadline.is_some_and(|d| now >= d) {
                    self.timed_out(now, &mut out);
                }
            }
            (_, Event::JobFault { run }) if !self.is_current(run) => {}
            (_, Event::DeviceFault | Event::JobFault { .. }) => {
                if self.is_running() {
                    self.stop_devices(&mut out);
                    self.reasons.push(Guidance::FlowStationFault);
                    self.finish_ask_staff(now, Guidance::FlowStationFault, &mut out);
                }
            }
            (_, Event::Cancel) => {
                self.stop_devices(&mut out);
                self.finish(
                    now,
                    Outcome::Cancelled,
                    Guidance::FlowCancelled,
                    false,
                    &mut out,
                );
            }
            (_, Event::Retry) => {
                // A retry the person asked for is an attempt like any other: otherwise the
                // attempt limit (and the match threshold with it) could be worn down for free.
                self.stop_devices(&mut out);
                match self.state {
                    State::Code { .. } => {
                        self.code_attempt_failed(now, None, Guidance::CodeShowPage, &mut out)
                    }
                    State::Chip { .. } => {
                        self.restart_chip(now, None, Guidance::ChipPlace, &mut out)
                    }
                    State::Face => self.restart_face(now, &[], Guidance::FaceNone, &mut out),
                    State::Idle | State::Result(_) => {}
                }
            }

            // Device events of a step that is over, or of a run given up on: stale, ignored.
            (
                _,
                Event::CodeHint { .. }
                | Event::CodeRead { .. }
                | Event::ChipHint { .. }
                | Event::ChipProgress { .. }
                | Event::ChipDone { .. }
                | Event::FaceHint { .. }
                | Event::FaceChallenge { .. }
                | Event::FaceDone { .. },
            ) => {}
        }
        Ok(out)
    }

    fn is_current(&self, run: RunId) -> bool {
        self.run == Some(run)
    }

    fn new_run(&mut self) -> RunId {
        self.next_run += 1;
        let run = RunId(self.next_run);
        self.run = Some(run);
        run
    }

    fn limits(&self, step: Step) -> StepLimits {
        match step {
            Step::Chip => self.cfg.chip,
            Step::Face => self.cfg.face,
            _ => self.cfg.code,
        }
    }

    fn status(
        &mut self,
        step: Step,
        guidance: Guidance,
        progress: f64,
        force: bool,
        out: &mut Vec<Command>,
    ) {
        let status = Status {
            step,
            guidance,
            progress,
        };
        let worth_it = match self.last_status {
            None => true,
            Some(last) => {
                force
                    || last.step != step
                    || last.guidance != guidance
                    || (progress - last.progress).abs() >= PROGRESS_STEP
                    || (progress >= 1.0 && last.progress < 1.0)
            }
        };
        if worth_it {
            self.last_status = Some(status);
            out.push(Command::Status(status));
        }
    }

    /// Closes the timing of the step being left.
    fn leave_step(&mut self, now: Instant) {
        if let Some(since) = self.step_since.take() {
            self.steps.push(StepTime {
                step: self.step(),
                took: now.saturating_duration_since(since),
            });
        }
    }

    fn begin(&mut self, now: Instant, camera: bool, out: &mut Vec<Command>) {
        let cfg = self.cfg.clone();
        let next_run = self.next_run;
        *self = Flow::new(cfg);
        // Run ids keep growing across verifications, so a result from the previous one is stale.
        self.next_run = next_run;
        self.camera = camera;
        self.started = Some(now);
        self.enter_code(now, Guidance::CodeShowPage, out);
    }

    fn enter_code(&mut self, now: Instant, guidance: Guidance, out: &mut Vec<Command>) {
        self.leave_step(now);
        self.step_since = Some(now);
        self.attempts.code += 1;
        self.start_code_run(now, out);
        let guidance = self.code_prompt(guidance);
        self.status(Step::Code, guidance, -1.0, true, out);
    }

    /// Without a camera there is no page to show: the person is asked to type the code.
    fn code_prompt(&self, guidance: Guidance) -> Guidance {
        if !self.camera && guidance == Guidance::CodeShowPage {
            Guidance::CodeTypeIn
        } else {
            guidance
        }
    }

    /// The camera reads the code (an OCR run with its deadline), or without one the person types it.
    fn start_code_run(&mut self, now: Instant, out: &mut Vec<Command>) {
        if self.camera {
            self.state = State::Code { manual: false };
            let run = self.new_run();
            self.deadline = Some(now + self.cfg.code.timeout);
            out.push(Command::StartOcr { run });
        } else {
            self.state = State::Code { manual: true };
            self.run = None;
            self.deadline = None;
        }
    }

    fn enter_chip(
        &mut self,
        now: Instant,
        key: AccessKey,
        guidance: Guidance,
        out: &mut Vec<Command>,
    ) {
        self.leave_step(now);
        self.step_since = Some(now);
        self.attempts.chip += 1;
        self.start_chip_run(now, &key, guidance, out);
        self.state = State::Chip { key };
    }

    fn start_chip_run(
        &mut self,
        now: Instant,
        key: &AccessKey,
        guidance: Guidance,
        out: &mut Vec<Command>,
    ) {
        let run = self.new_run();
        self.deadline = Some(now + self.cfg.chip.timeout);
        out.push(Command::StartChipRead {
            run,
            key: key.clone(),
        });
        self.status(Step::Chip, guidance, 0.0, true, out);
    }

    fn enter_face(&mut self, now: Instant, guidance: Guidance, out: &mut Vec<Command>) {
        self.leave_step(now);
        self.step_since = Some(now);
        self.state = State::Face;
        self.attempts.face += 1;
        self.start_face_run(now, guidance, out);
    }

    fn start_face_run(&mut self, now: Instant, guidance: Guidance, out: &mut Vec<Command>) {
        let run = self.new_run();
        self.deadline = Some(now + self.cfg.face.timeout);
        self.face_hint = None;
        out.push(Command::StartFace { run });
        self.status(Step::Face, guidance, 0.0, true, out);
    }

    fn stop_devices(&mut self, out: &mut Vec<Command>) {
        match self.state {
            State::Code { manual: false } => out.push(Command::StopOcr),
            State::Chip { .. } => out.push(Command::StopChipRead),
            State::Face => out.push(Command::StopFace),
            State::Code { manual: true } | State::Idle | State::Result(_) => {}
        }
        self.run = None;
        self.deadline = None;
    }

    fn timed_out(&mut self, now: Instant, out: &mut Vec<Command>) {
        self.stop_devices(out);
        match self.state {
            State::Code { .. } => self.code_attempt_failed(
                now,
                Some(Guidance::CodeUnreadable),
                Guidance::CodeUnreadable,
                out,
            ),
            State::Chip { .. } => {
                self.restart_chip(now, Some(Guidance::ChipTimeout), Guidance::ChipTimeout, out)
            }
            State::Face => {
                // The last quality hint says best why no good frame came (dark, too far, …).
                let why = self.face_hint.unwrap_or(Guidance::FaceNone);
                self.restart_face(now, &[why], why, out)
            }
            State::Idle | State::Result(_) => {}
        }
    }

    /// Ends a code attempt; restarts the step or, with no attempts left, gives up.
    fn code_attempt_failed(
        &mut self,
        now: Instant,
        reason: Option<Guidance>,
        guidance: Guidance,
        out: &mut Vec<Command>,
    ) {
        self.reasons.extend(reason);
        if self.another_attempt(now, Step::Code, out) {
            self.start_code_run(now, out);
            let guidance = self.code_prompt(guidance);
            self.status(Step::Code, guidance, -1.0, true, out);
        }
    }

    fn chip_failed(&mut self, now: Instant, failure: Guidance, out: &mut Vec<Command>) {
        match failure {
            // Authenticity or an unreadable document: staff must look, never a silent retry.
            Guidance::ChipNotGenuine | Guidance::ChipUnsupported | Guidance::FlowStationFault => {
                self.reasons.push(failure);
                self.finish_ask_staff(now, failure, out);
            }
            // The key is wrong: the code must be read or typed again.
            Guidance::ChipWrongCode => {
                self.reasons.push(failure);
                let chip_left = self.attempts.chip < self.limits(Step::Chip).attempts;
                let code_left = self.attempts.code < self.limits(Step::Code).attempts;
                if !(chip_left && code_left) {
                    self.finish_with_alternatives(now, out);
                } else {
                    self.enter_code(now, Guidance::ChipWrongCode, out);
                }
            }
            // Card lost, read too slow, anything else the person can fix by trying again.
            other => self.restart_chip(now, Some(other), other, out),
        }
    }

    fn restart_chip(
        &mut self,
        now: Instant,
        reason: Option<Guidance>,
        guidance: Guidance,
        out: &mut Vec<Command>,
    ) {
        self.reasons.extend(reason);
        // Only the chip step holds a key; outside it the chip cannot be read again.
        let State::Chip { key } = &self.state else {
            self.finish_with_alternatives(now, out);
            return;
        };
        let key = key.clone();
        if self.another_attempt(now, Step::Chip, out) {
            self.start_chip_run(now, &key, guidance, out);
        }
    }

    fn face_failed(&mut self, now: Instant, why: &[Guidance], out: &mut Vec<Command>) {
        let first = why.first().copied().unwrap_or(Guidance::FaceNoMatch);
        self.restart_face(now, why, first, out);
    }

    fn restart_face(
        &mut self,
        now: Instant,
        reasons: &[Guidance],
        guidance: Guidance,
        out: &mut Vec<Command>,
    ) {
        self.reasons.extend_from_slice(reasons);
        if self.another_attempt(now, Step::Face, out) {
            self.start_face_run(now, guidance, out);
        }
    }

    /// Counts one more attempt at `step` when the configuration allows it; with none left,
    /// finishes pointing the person to the alternatives. Whether the step may try again.
    fn another_attempt(&mut self, now: Instant, step: Step, out: &mut Vec<Command>) -> bool {
        let limit = self.limits(step).attempts;
        let used = match step {
            Step::Chip => &mut self.attempts.chip,
            Step::Face => &mut self.attempts.face,
            _ => &mut self.attempts.code,
        };
        if *used < limit {
            *used += 1;
            return true;
        }
        self.finish_with_alternatives(now, out);
        false
    }

    fn finish_ask_staff(&mut self, now: Instant, guidance: Guidance, out: &mut Vec<Command>) {
        self.finish(now, Outcome::NotVerified, guidance, false, out);
    }

    /// Not verified after the attempts ran out: the person is pointed to other ways.
    fn finish_with_alternatives(&mut self, now: Instant, out: &mut Vec<Command>) {
        self.finish(
            now,
            Outcome::NotVerified,
            Guidance::FlowAlternatives,
            true,
            out,
        );
    }

    fn finish(
        &mut self,
        now: Instant,
        outcome: Outcome,
        guidance: Guidance,
        alternatives: bool,
        out: &mut Vec<Command>,
    ) {
        self.leave_step(now);
        self.state = State::Result(outcome);
        self.run = None;
        self.deadline = None;
        self.status(Step::Result, guidance, 1.0, true, out);
        let report = Report {
            outcome,
            guidance,
            reasons: self.reasons.clone(),
            alternatives: alternatives.then(|| self.cfg.alternatives.clone()),
            code_source: self.code_source,
            chip: self.chip.clone(),
            face: self.face,
            attempts: self.attempts,
            duration: self
                .started
                .map_or(Duration::ZERO, |s| now.saturating_duration_since(s)),
            steps: self.steps.clone(),
        };
        out.push(Command::Finished(Box::new(report)));
    }
}
