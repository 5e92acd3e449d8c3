//! The front end's state and the one function that changes it: `update(Msg) -> Vec<Cmd>`.
//! Pure: no I/O, no clock (today's date and ticks come in as data), so every transition is a
//! plain unit test.

use idgate_api::{Guidance, Lang};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::manual::{Date, ManualForm};
use crate::model::{
    BusEvent, CallError, CallKind, Cmd, FileProgress, GuidanceRef, Outcome, PreviewFrame, Status,
    Step,
};

/// Which screen is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Welcome,
    Code,
    Chip,
    Face,
    Result,
    /// The daemon speaks another version of the bus contract.
    UpdateNeeded {
        daemon_api: u32,
    },
    /// The daemon left the bus or stopped answering.
    Lost {
        reason: String,
    },
}

/// What the daemon said about its devices when we connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationInfo {
    pub version: String,
    pub reader_present: bool,
    pub camera_present: bool,
    /// The daemon runs on simulated devices: staff see it in the title bar.
    pub simulated: bool,
    /// Settings that weaken the station (`setting: why`): a mark in the title bar, listed on
    /// the attendant's help screen.
    pub weakened: Vec<String>,
}

/// Everything the screen shows. `Debug` leaves out the MRZ lines read and the typed fields.
#[derive(Clone, PartialEq)]
pub struct App {
    pub lang: Lang,
    pub today: Date,
    pub phase: Phase,
    pub station: StationInfo,
    pub attempts: u32,
    pub status: Option<Status>,
    pub preview: Option<PreviewFrame>,
    /// MRZ lines read so far and, per line, a mark string (non-space = uncertain character).
    pub code_lines: Vec<String>,
    pub uncertain: Vec<String>,
    pub manual: Option<ManualForm>,
    pub chip_files: Vec<FileProgress>,
    pub challenge: Option<GuidanceRef>,
    pub outcome: Option<Outcome>,
    pub help: bool,
    /// A call is in flight: show "please wait" and ignore repeated presses.
    pub pending: Option<CallKind>,
    /// The last refused call, shown until the next change of step.
    pub notice: Option<CallError>,
    pub spinner: usize,
    pub quit: bool,
    /// This front end started the daemon's current verification. Until it has, the welcome
    /// screen ignores the session's signals (e.g. the `Finished("cancelled")` that follows an
    /// attendant's restart, or a result the person has already dismissed).
    pub started: bool,
    /// Set by every change that alters the screen; the loop draws and clears it.
    pub dirty: bool,
}

/// Input to `update`. `Debug` shows no typed character (keys typed into the form are MRZ data).
#[derive(Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize,
    Tick,
    Bus(BusEvent),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Key(key) => match key.code {
                KeyCode::Char(_) => write!(f, "Key(Char(<redacted>), {:?})", key.modifiers),
                code => write!(f, "Key({code:?}, {:?})", key.modifiers),
            },
            Msg::Resize => f.write_str("Resize"),
            Msg::Tick => f.write_str("Tick"),
            Msg::Bus(event) => f.debug_tuple("Bus").field(event).finish(),
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("lang", &self.lang)
            .field("phase", &self.phase)
            .field("station", &self.station)
            .field("attempts", &self.attempts)
            .field("status", &self.status)
            .field(
                "code_lines",
                &format_args!("<{} lines redacted>", self.code_lines.len()),
            )
            .field("manual", &self.manual.as_ref().map(|_| "<redacted>"))
            .field("outcome", &self.outcome)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl App {
    pub fn new(lang: Lang, today: Date, station: StationInfo) -> Self {
        App {
            lang,
            today,
            phase: Phase::Welcome,
            station,
            attempts: 0,
            status: None,
            preview: None,
            code_lines: Vec::new(),
            uncertain: Vec::new(),
            manual: None,
            chip_files: Vec::new(),
            challenge: None,
            outcome: None,
            help: false,
            pending: None,
            notice: None,
            spinner: 0,
            quit: false,
            started: false,
            dirty: true,
        }
    }

    /// Something on screen moves (a spinner) and needs ticks; otherwise the loop sleeps.
    pub fn animating(&self) -> bool {
        if self.pending.is_some() {
            return true;
        }
        match self.phase {
            Phase::Chip => self.chip_files.is_empty(),
            Phase::Code | Phase::Face => self.preview.is_none() && self.manual.is_none(),
            _ => false,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Tick => {
                if self.animating() {
                    self.spinner = self.spinner.wrapping_add(1);
                    self.dirty = true;
                }
                Vec::new()
            }
            Msg::Resize => {
                self.dirty = true;
                Vec::new()
            }
            Msg::Key(key) => {
                if key.kind != KeyEventKind::Press {
                    return Vec::new();
                }
                self.dirty = true;
                self.on_key(key)
            }
            Msg::Bus(ev) => {
                // A preview nobody can see (the form is open) must not cost a redraw.
                let unseen = matches!(ev, BusEvent::Preview(_)) && self.manual.is_some();
                if !unseen {
                    self.dirty = true;
                    self.on_bus(ev);
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Keys that work everywhere, even in the form and under the help overlay.
        match key.code {
            KeyCode::Char('q' | 'c') if ctrl => {
                self.quit = true;
                return vec![Cmd::Release];
            }
            KeyCode::Char('r') if ctrl => return self.attendant_restart(),
            KeyCode::F(1) => {
                self.help = !self.help;
                return Vec::new();
            }
            KeyCode::F(2) => {
                self.lang = match self.lang {
                    Lang::En => Lang::Da,
                    Lang::Da => Lang::En,
                };
                return Vec::new();
            }
            _ => {}
        }
        if self.help {
            if matches!(key.code, KeyCode::Esc | KeyCode::Char('?')) {
                self.help = false;
            }
            return Vec::new();
        }
        if self.manual.is_some() && self.phase == Phase::Code {
            return self.on_form_key(key);
        }
        if key.code == KeyCode::Char('?') {
            self.help = true;
            return Vec::new();
        }
        match (&self.phase, key.code) {
            (Phase::Welcome, KeyCode::Enter) => self.call(Cmd::Start),
            (Phase::Code, KeyCode::Char('m' | 'M')) => {
                self.manual = Some(ManualForm::new());
                self.call(Cmd::UseManualEntry)
            }
            (Phase::Code | Phase::Chip | Phase::Face, KeyCode::Char('r' | 'R')) => {
                self.call(Cmd::Retry)
            }
            (Phase::Result, KeyCode::Char('r' | 'R')) if self.can_retry_result() => {
                self.call(Cmd::Retry)
            }
            (Phase::Result, KeyCode::Enter) => {
                // The session is over and waits in its result step; the next Start begins anew.
                self.reset_to_welcome();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_form_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let today = self.today;
        let Some(form) = self.manual.as_mut() else {
            return Vec::new();
        };
        if form.sending {
            // Typing on while the station checks would change what it is checking.
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc => {
                self.manual = None;
                // Back to the camera: the daemon resumes reading the code.
                return self.call(Cmd::Retry);
            }
            KeyCode::Tab | KeyCode::Down => form.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => form.move_focus(false),
            KeyCode::Backspace => form.backspace(),
            KeyCode::Enter => {
                if let Some(cmd) = form.submit(today) {
                    form.sending = true;
                    return self.call(cmd);
                }
            }
            KeyCode::Char(c) => form.type_char(c),
            _ => {}
        }
        Vec::new()
    }

    fn call(&mut self, cmd: Cmd) -> Vec<Cmd> {
        if self.pending.is_some() {
            return Vec::new();
        }
        self.pending = Some(cmd.kind());
        self.notice = None;
        if matches!(cmd, Cmd::Start | Cmd::Retry) {
            self.started = true;
        }
        vec![cmd]
    }

    fn can_retry_result(&self) -> bool {
        matches!(&self.outcome, Some(o) if o.kind != crate::model::OutcomeKind::Verified)
            && !self.show_alternatives()
    }

    fn attendant_restart(&mut self) -> Vec<Cmd> {
        if matches!(self.phase, Phase::UpdateNeeded { .. } | Phase::Lost { .. }) {
            return Vec::new();
        }
        self.reset_to_welcome();
        vec![Cmd::Cancel]
    }

    fn reset_to_welcome(&mut self) {
        let (lang, today, station) = (self.lang, self.today, self.station.clone());
        *self = App::new(lang, today, station);
    }

    fn on_bus(&mut self, ev: BusEvent) {
        let session_state = matches!(
            ev,
            BusEvent::Status(_)
                | BusEvent::Step(_)
                | BusEvent::CodeLines { .. }
                | BusEvent::ChipProgress(_)
                | BusEvent::Preview(_)
                | BusEvent::Challenge(_)
                | BusEvent::Finished(_)
        );
        if session_state && !self.started {
            return;
        }
        match ev {
            BusEvent::Status(status) => {
                self.enter_step(status.step);
                match &status.guidance {
                    Some(g) if g.is(Guidance::FaceMoveCloser) || g.is(Guidance::FaceMoveBack) => {
                        self.challenge = Some(g.clone());
                    }
                    Some(g) if g.is_failure() => self.challenge = None,
                    _ => {}
                }
                self.status = Some(status);
            }
            BusEvent::Step(step) => self.enter_step(step),
            BusEvent::Attempts(n) => self.attempts = n,
            BusEvent::ReaderPresent(p) => self.station.reader_present = p,
            BusEvent::CameraPresent(p) => self.station.camera_present = p,
            BusEvent::CodeLines { lines, uncertain } => {
                self.code_lines = lines;
                self.uncertain = uncertain;
            }
            BusEvent::ChipProgress(p) => {
                self.enter_step(Step::Chip);
                match self.chip_files.iter_mut().find(|f| f.file == p.file) {
                    Some(f) => *f = p,
                    None => self.chip_files.push(p),
                }
            }
            BusEvent::Preview(frame) => {
                if self.phase_for(frame.step) == Some(self.phase.clone()) {
                    self.preview = Some(frame);
                }
            }
            BusEvent::Challenge(c) => self.challenge = c,
            BusEvent::Finished(outcome) => {
                self.enter_step(Step::Result);
                self.outcome = Some(outcome);
            }
            BusEvent::CallDone(kind) => {
                if self.pending == Some(kind) {
                    self.pending = None;
                }
                if kind == CallKind::SubmitManual || kind == CallKind::SubmitCan {
                    // Accepted: the daemon moves on to the chip.
                    self.manual = None;
                }
            }
            BusEvent::ManualRejected(problems) => {
                if self.pending == Some(CallKind::SubmitManual) {
                    self.pending = None;
                }
                if let Some(form) = self.manual.as_mut() {
                    form.reject(&problems);
                }
            }
            BusEvent::CallFailed(kind, err) => {
                if self.pending == Some(kind) {
                    self.pending = None;
                }
                if let Some(form) = self.manual.as_mut() {
                    form.sending = false;
                }
                // A cancel or release that finds nothing to end is not news to anyone.
                if kind != CallKind::Cancel && kind != CallKind::Release {
                    self.notice = Some(err);
                }
            }
            BusEvent::Lost(reason) => {
                self.phase = Phase::Lost { reason };
                self.pending = None;
                self.manual = None;
                self.help = false;
            }
        }
    }

    fn phase_for(&self, step: Step) -> Option<Phase> {
        match step {
            Step::Idle => Some(Phase::Welcome),
            Step::Code => Some(Phase::Code),
            Step::Chip => Some(Phase::Chip),
            Step::Face => Some(Phase::Face),
            Step::Result => Some(Phase::Result),
        }
    }

    /// Moves to the screen of `step`; per-step state is dropped when the step changes.
    fn enter_step(&mut self, step: Step) {
        if matches!(self.phase, Phase::UpdateNeeded { .. } | Phase::Lost { .. }) {
            return;
        }
        let Some(next) = self.phase_for(step) else {
            return;
        };
        if next == self.phase {
            return;
        }
        // The daemon has moved on, so whatever we were waiting for has happened.
        if self.pending == Some(CallKind::Start) || next != Phase::Welcome {
            self.pending = None;
        }
        self.preview = None;
        self.challenge = None;
        self.notice = None;
        self.status = None;
        if next != Phase::Code {
            self.manual = None;
        }
        if next == Phase::Code || next == Phase::Welcome {
            self.code_lines.clear();
            self.uncertain.clear();
        }
        if next != Phase::Chip {
            self.chip_files.clear();
        }
        if next != Phase::Result {
            self.outcome = None;
        }
        self.phase = next;
    }

    /// The guidance to show now, if any.
    pub fn guidance(&self) -> Option<&GuidanceRef> {
        self.status.as_ref().and_then(|s| s.guidance.as_ref())
    }

    /// True when the alternatives must be offered.
    pub fn show_alternatives(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| {
            o.alternatives.is_some() || o.reasons.iter().any(|r| r.is(Guidance::FlowAlternatives))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alternatives, Check, ErrorKind, OutcomeKind, Verdict};
    use idgate_api::{FieldProblem, ManualField};

    #[test]
    fn typed_characters_and_read_lines_stay_out_of_debug() {
        let typed = Msg::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE));
        assert!(!format!("{typed:?}").contains('7'), "{typed:?}");
        let mut a = app();
        a.code_lines = vec!["IDG0042116UTO6108049M".into()];
        let shown = format!("{a:?}");
        assert!(!shown.contains("IDG004211"), "{shown}");
    }

    fn app() -> App {
        App::new(
            Lang::En,
            Date::new(2026, 11, 27).expect("date"),
            StationInfo {
                version: "0.1.0".into(),
                reader_present: true,
                camera_present: true,
                simulated: false,
                weakened: Vec::new(),
            },
        )
    }

    /// An app whose person has pressed Enter: the session's signals are for it.
    fn started() -> App {
        let mut a = app();
        a.update(key(KeyCode::Enter));
        a.update(Msg::Bus(BusEvent::CallDone(CallKind::Start)));
        a
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn ctrl(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    fn status(step: Step, code: &str) -> Msg {
        Msg::Bus(BusEvent::Status(Status {
            step,
            guidance: GuidanceRef::parse(code),
            progress: -1.0,
        }))
    }

    fn type_str(a: &mut App, s: &str) {
        for c in s.chars() {
            a.update(key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn enter_on_the_welcome_screen_starts_a_session_once() {
        let mut a = app();
        assert_eq!(a.update(key(KeyCode::Enter)), vec![Cmd::Start]);
        assert_eq!(a.pending, Some(CallKind::Start));
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            vec![],
            "no second Start while waiting"
        );
        a.update(status(Step::Code, "code.show_page"));
        assert_eq!(a.phase, Phase::Code);
        assert_eq!(a.pending, None);
    }

    #[test]
    fn the_daemons_step_decides_the_screen() {
        let mut a = started();
        for (step, phase) in [
            (Step::Code, Phase::Code),
            (Step::Chip, Phase::Chip),
            (Step::Face, Phase::Face),
            (Step::Result, Phase::Result),
            (Step::Idle, Phase::Welcome),
        ] {
            a.update(Msg::Bus(BusEvent::Step(step)));
            assert_eq!(a.phase, phase);
        }
    }

    #[test]
    fn m_opens_manual_entry_and_tells_the_daemon() {
        let mut a = started();
        a.update(status(Step::Code, "code.show_page"));
        assert_eq!(a.update(key(KeyCode::Char('m'))), vec![Cmd::UseManualEntry]);
        assert!(a.manual.is_some());
        a.update(Msg::Bus(BusEvent::CallDone(CallKind::UseManualEntry)));
        // Letters typed now go into the form, not to the key bindings.
        type_str(&mut a, "mr");
        assert_eq!(a.manual.as_ref().expect("form").fields[0].value(), "MR");
    }

    #[test]
    fn a_complete_form_is_submitted_and_a_rejection_marks_the_field() {
        let mut a = started();
        a.update(status(Step::Code, ""));
        a.update(key(KeyCode::Char('m')));
        a.update(Msg::Bus(BusEvent::CallDone(CallKind::UseManualEntry)));
        type_str(&mut a, "L898902C3");
        a.update(key(KeyCode::Tab));
        type_str(&mut a, "12081974");
        a.update(key(KeyCode::Tab));
        type_str(&mut a, "15042032");
        let cmds = a.update(key(KeyCode::Enter));
        assert!(matches!(cmds.as_slice(), [Cmd::SubmitManual(_)]));
        assert!(a.manual.as_ref().expect("form").sending);
        type_str(&mut a, "9");
        assert_eq!(
            a.manual.as_ref().expect("form").fields[2].value(),
            "15042032"
        );
        a.update(Msg::Bus(BusEvent::ManualRejected(vec![(
            ManualField::DocumentNumber,
            Some(FieldProblem::Characters),
        )])));
        assert_eq!(a.pending, None);
        let form = a.manual.as_ref().expect("form");
        assert!(!form.sending);
        assert_eq!(form.focus, 0);
        assert!(form.fields[0].shown_error(a.today).is_some());
        assert_eq!(a.notice, None, "the field carries the message");
    }

    #[test]
    fn esc_leaves_the_form_and_resumes_the_camera() {
        let mut a = started();
        a.update(status(Step::Code, ""));
        a.update(key(KeyCode::Char('m')));
        a.update(Msg::Bus(BusEvent::CallDone(CallKind::UseManualEntry)));
        assert_eq!(a.update(key(KeyCode::Esc)), vec![Cmd::Retry]);
        assert!(a.manual.is_none());
    }

    #[test]
    fn chip_progress_is_kept_per_file() {
        let mut a = started();
        a.update(status(Step::Chip, "chip.place"));
        for (file, read) in [("EF.COM", 20), ("DG1", 40), ("DG1", 93)] {
            a.update(Msg::Bus(BusEvent::ChipProgress(FileProgress {
                file: file.into(),
                read,
                total: 93,
            })));
        }
        assert_eq!(a.chip_files.len(), 2);
        assert_eq!(a.chip_files[1].read, 93);
        a.update(status(Step::Face, "face.none"));
        assert!(a.chip_files.is_empty());
    }

    #[test]
    fn previews_of_another_step_are_dropped() {
        let mut a = started();
        a.update(status(Step::Face, "face.none"));
        let frame = |step| PreviewFrame::new(step, 1, 1, vec![0, 0, 0], vec![]).expect("frame");
        a.update(Msg::Bus(BusEvent::Preview(frame(Step::Code))));
        assert!(a.preview.is_none());
        a.update(Msg::Bus(BusEvent::Preview(frame(Step::Face))));
        assert!(a.preview.is_some());
    }

    #[test]
    fn device_changes_reach_the_welcome_screen_before_any_start() {
        let mut a = app();
        a.update(Msg::Bus(BusEvent::ReaderPresent(false)));
        a.update(Msg::Bus(BusEvent::CameraPresent(false)));
        assert!(!a.station.reader_present && !a.station.camera_present);
        a.update(Msg::Bus(BusEvent::ReaderPresent(true)));
        assert!(a.station.reader_present);
    }

    #[test]
    fn previews_behind_the_form_cost_no_redraw() {
        let mut a = started();
        a.update(status(Step::Code, ""));
        a.update(key(KeyCode::Char('m')));
        a.dirty = false;
        let f = PreviewFrame::new(Step::Code, 1, 1, vec![0, 0, 0], vec![]).expect("frame");
        a.update(Msg::Bus(BusEvent::Preview(f)));
        assert!(!a.dirty);
        assert!(a.preview.is_none());
    }

    #[test]
    fn the_liveness_prompt_shows_only_while_asked() {
        let mut a = started();
        a.update(status(Step::Face, "face.hold_still"));
        assert_eq!(a.challenge, None);
        a.update(Msg::Bus(BusEvent::Challenge(GuidanceRef::parse(
            "face.move_closer",
        ))));
        assert!(
            a.challenge
                .as_ref()
                .is_some_and(|c| c.is(Guidance::FaceMoveCloser))
        );
        a.update(Msg::Bus(BusEvent::Challenge(None)));
        assert_eq!(a.challenge, None);
    }

    #[test]
    fn finished_shows_the_result_and_enter_returns_to_welcome() {
        let mut a = started();
        a.update(status(Step::Face, ""));
        a.update(Msg::Bus(BusEvent::Finished(Outcome {
            kind: OutcomeKind::NotVerified,
            reasons: vec![GuidanceRef::Known(Guidance::FaceNoMatch)],
            checks: vec![Check {
                key: "face.match".into(),
                verdict: Verdict::Failed,
                detail: String::new(),
            }],
            alternatives: Some(Alternatives::default()),
        })));
        assert_eq!(a.phase, Phase::Result);
        assert!(a.show_alternatives());
        assert_eq!(
            a.update(key(KeyCode::Char('r'))),
            vec![],
            "no retry after the last attempt"
        );
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            vec![],
            "Start will begin anew"
        );
        assert_eq!(a.phase, Phase::Welcome);
        assert!(a.outcome.is_none());
    }

    #[test]
    fn a_failed_result_with_attempts_left_can_be_retried() {
        let mut a = started();
        a.update(Msg::Bus(BusEvent::Finished(Outcome {
            kind: OutcomeKind::NotVerified,
            reasons: vec![GuidanceRef::Known(Guidance::FaceLivenessFailed)],
            checks: vec![],
            alternatives: None,
        })));
        assert!(!a.show_alternatives());
        assert_eq!(a.update(key(KeyCode::Char('r'))), vec![Cmd::Retry]);
    }

    #[test]
    fn the_attendant_key_cancels_from_any_step_even_while_typing() {
        let mut a = started();
        a.update(status(Step::Code, ""));
        a.update(key(KeyCode::Char('m')));
        type_str(&mut a, "X");
        assert_eq!(a.update(ctrl('r')), vec![Cmd::Cancel]);
        assert_eq!(a.phase, Phase::Welcome);
        assert!(a.manual.is_none());
    }

    #[test]
    fn quitting_releases_the_station() {
        let mut a = app();
        assert_eq!(a.update(ctrl('q')), vec![Cmd::Release]);
        assert!(a.quit);
    }

    #[test]
    fn help_opens_and_closes_and_swallows_keys() {
        let mut a = app();
        a.update(key(KeyCode::F(1)));
        assert!(a.help);
        assert_eq!(
            a.update(key(KeyCode::Enter)),
            vec![],
            "Enter does not start under help"
        );
        a.update(key(KeyCode::Esc));
        assert!(!a.help);
        a.update(key(KeyCode::Char('?')));
        assert!(a.help);
    }

    #[test]
    fn f2_switches_the_language() {
        let mut a = app();
        a.update(key(KeyCode::F(2)));
        assert_eq!(a.lang, Lang::Da);
        a.update(key(KeyCode::F(2)));
        assert_eq!(a.lang, Lang::En);
    }

    #[test]
    fn a_refused_call_is_shown_and_cleared_by_the_next_step() {
        let mut a = started();
        a.update(status(Step::Chip, "chip.timeout"));
        assert_eq!(a.update(key(KeyCode::Char('r'))), vec![Cmd::Retry]);
        a.update(Msg::Bus(BusEvent::CallFailed(
            CallKind::Retry,
            CallError {
                kind: ErrorKind::Busy,
                message: "busy".into(),
            },
        )));
        assert_eq!(a.notice.as_ref().map(|n| n.kind), Some(ErrorKind::Busy));
        assert_eq!(a.pending, None);
        a.update(status(Step::Face, ""));
        assert_eq!(a.notice, None);
    }

    #[test]
    fn losing_the_daemon_is_final() {
        let mut a = started();
        a.update(status(Step::Chip, ""));
        a.update(Msg::Bus(BusEvent::Lost("gone".into())));
        a.update(status(Step::Face, ""));
        assert_eq!(
            a.phase,
            Phase::Lost {
                reason: "gone".into()
            }
        );
        assert_eq!(a.update(ctrl('r')), vec![]);
    }

    #[test]
    fn the_welcome_screen_ignores_the_session_until_the_person_starts() {
        let mut a = started();
        a.update(status(Step::Chip, "chip.place"));
        assert_eq!(a.update(ctrl('r')), vec![Cmd::Cancel]);
        a.update(Msg::Bus(BusEvent::Finished(Outcome {
            kind: OutcomeKind::Cancelled,
            reasons: vec![],
            checks: vec![],
            alternatives: None,
        })));
        assert_eq!(
            a.phase,
            Phase::Welcome,
            "the cancel's echo does not leave the welcome screen"
        );
        a.update(key(KeyCode::Enter));
        a.update(status(Step::Code, "code.show_page"));
        assert_eq!(a.phase, Phase::Code);
    }

    #[test]
    fn a_liveness_prompt_in_a_status_is_shown_and_a_failure_clears_it() {
        let mut a = started();
        a.update(status(Step::Face, "face.move_back"));
        assert!(
            a.challenge
                .as_ref()
                .is_some_and(|c| c.is(Guidance::FaceMoveBack))
        );
        a.update(status(Step::Face, "face.liveness_failed"));
        assert_eq!(a.challenge, None);
    }

    #[test]
    fn ticks_redraw_only_while_something_moves() {
        let mut a = started();
        a.dirty = false;
        a.update(Msg::Tick);
        assert!(!a.dirty, "the welcome screen is still");
        a.update(status(Step::Chip, "chip.place"));
        a.dirty = false;
        a.update(Msg::Tick);
        assert!(
            a.dirty,
            "the chip screen spins while waiting for the passport"
        );
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut a = app();
        let mut release = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(a.update(Msg::Key(release)), vec![]);
    }
}
