//! What the front end knows about the station, in its own types: decoded from the bus by
//! `bus::decode`, shown by `view`, changed only by `app::update`.

use std::fmt;

use idgate_api::{Guidance, Lang};

/// The step the daemon's session is in (`Step` property and the `step` of every signal).
pub use idgate_api::Step;

/// A guidance code as the daemon sent it: known codes are shown in the person's language; an
/// unknown one (a newer daemon) is shown as `flow.update_needed`, never guessed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuidanceRef {
    Known(Guidance),
    Unknown(String),
}

impl GuidanceRef {
    /// `None` for the empty code, which the daemon sends when there is nothing to advise.
    pub fn parse(code: &str) -> Option<Self> {
        if code.is_empty() {
            return None;
        }
        Some(match code.parse::<Guidance>() {
            Ok(g) => GuidanceRef::Known(g),
            Err(_) => GuidanceRef::Unknown(code.to_owned()),
        })
    }

    pub fn text(&self, lang: Lang) -> &'static str {
        match self {
            GuidanceRef::Known(g) => g.text(lang),
            GuidanceRef::Unknown(_) => Guidance::FlowUpdateNeeded.text(lang),
        }
    }

    pub fn is(&self, g: Guidance) -> bool {
        matches!(self, GuidanceRef::Known(k) if *k == g)
    }

    /// Advice that means "this attempt failed" rather than "keep going like this".
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            GuidanceRef::Known(
                Guidance::CodeUnreadable
                    | Guidance::CodeFieldInvalid
                    | Guidance::ChipTimeout
                    | Guidance::ChipWrongCode
                    | Guidance::ChipUnsupported
                    | Guidance::ChipNotGenuine
                    | Guidance::FaceLivenessFailed
                    | Guidance::FaceNoMatch
                    | Guidance::FlowUpdateNeeded
                    | Guidance::FlowStationFault
                    | Guidance::FlowAlternatives
            ) | GuidanceRef::Unknown(_)
        )
    }
}

/// The last `Status` signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub step: Step,
    pub guidance: Option<GuidanceRef>,
    /// 0.0..=1.0 when the daemon knows it; negative or NaN means "not known".
    pub progress: f64,
}

/// A rectangle in preview-frame pixels (`(iiii)`: x, y, width, height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelBox {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// A small camera frame to show. Biometric data: never logged (Debug shows only the size).
#[derive(Clone, PartialEq)]
pub struct PreviewFrame {
    pub step: Step,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    pub boxes: Vec<PixelBox>,
}

/// Why a `Preview` signal was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame {width}x{height} needs {expected} RGB bytes, got {got}")]
    WrongLength {
        width: u32,
        height: u32,
        expected: usize,
        got: usize,
    },
    #[error("frame {width}x{height} is empty or larger than a preview may be")]
    BadSize { width: u32, height: u32 },
}

impl PreviewFrame {
    /// Previews are small by contract; anything over this is refused rather than scaled.
    pub const MAX_SIDE: u32 = 1024;

    pub fn new(
        step: Step,
        width: u32,
        height: u32,
        rgb: Vec<u8>,
        boxes: Vec<PixelBox>,
    ) -> Result<Self, FrameError> {
        if width == 0 || height == 0 || width > Self::MAX_SIDE || height > Self::MAX_SIDE {
            return Err(FrameError::BadSize { width, height });
        }
        let expected = width as usize * height as usize * 3;
        if rgb.len() != expected {
            return Err(FrameError::WrongLength {
                width,
                height,
                expected,
                got: rgb.len(),
            });
        }
        Ok(PreviewFrame {
            step,
            width,
            height,
            rgb,
            boxes,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel at (x, y), or black outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        if x >= self.width || y >= self.height {
            return [0, 0, 0];
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        match self.rgb.get(i..i + 3) {
            Some(&[r, g, b]) => [r, g, b],
            _ => [0, 0, 0],
        }
    }
}

impl fmt::Debug for PreviewFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreviewFrame")
            .field("step", &self.step)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("rgb", &"<redacted>")
            .field("boxes", &self.boxes.len())
            .finish()
    }
}

/// Bytes read so far of one file on the chip (`ChipProgress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProgress {
    pub file: String,
    pub read: u32,
    pub total: u32,
}

/// How a session ended (`Finished.outcome`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeKind {
    Verified,
    NotVerified,
    Cancelled,
    /// A value this build does not know: shown as not verified.
    Other(String),
}

impl OutcomeKind {
    pub fn parse(s: &str) -> Self {
        match s.parse::<idgate_api::Outcome>() {
            Ok(idgate_api::Outcome::Verified) => OutcomeKind::Verified,
            Ok(idgate_api::Outcome::NotVerified) => OutcomeKind::NotVerified,
            Ok(idgate_api::Outcome::Cancelled) => OutcomeKind::Cancelled,
            Err(_) => OutcomeKind::Other(s.to_owned()),
        }
    }
}

/// What one check came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Passed,
    Failed,
    NotSupported,
    NotRun,
    /// Not a pass/fail check: a fact such as how the chip was opened.
    Info,
}

impl Verdict {
    /// From a `CheckResult` wire string; an unknown one is shown as information.
    pub fn parse(s: &str) -> Self {
        match s.parse::<idgate_api::CheckResult>() {
            Ok(idgate_api::CheckResult::Passed) => Verdict::Passed,
            Ok(idgate_api::CheckResult::Failed) => Verdict::Failed,
            Ok(idgate_api::CheckResult::NotSupported) => Verdict::NotSupported,
            Ok(idgate_api::CheckResult::NotRun) => Verdict::NotRun,
            Err(_) => Verdict::Info,
        }
    }
}

/// One line of `Finished.checks`, by its wire key (e.g. `chip.passive_auth`).
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub key: String,
    pub verdict: Verdict,
    pub detail: String,
}

/// The deployment's own alternatives text, in both languages when the daemon sent them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alternatives {
    pub en: Option<String>,
    pub da: Option<String>,
}

impl Alternatives {
    /// The text for `lang`: the daemon's, else the other language's, else the stock guidance.
    pub fn text(&self, lang: Lang) -> &str {
        let (mine, other) = match lang {
            Lang::En => (&self.en, &self.da),
            Lang::Da => (&self.da, &self.en),
        };
        match (mine, other) {
            (Some(t), _) => t,
            (None, _) => Guidance::FlowAlternatives.text(lang),
        }
    }
}

/// The end of a session, decoded from `Finished(s outcome, a{sv} checks)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub reasons: Vec<GuidanceRef>,
    pub checks: Vec<Check>,
    /// Attempts are exhausted: point the person to other ways.
    pub alternatives: Option<Alternatives>,
}

/// The manual entry, in the form the wire takes. MRZ data: Debug is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct ManualData {
    pub document_number: String,
    /// `DD.MM.YYYY`, as printed on the data page (the daemon also takes `YYMMDD`).
    pub birth_date: String,
    /// `DD.MM.YYYY`.
    pub expiry_date: String,
    pub can: Option<String>,
}

impl fmt::Debug for ManualData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ManualData(<redacted>)")
    }
}

/// A request to the station, produced by `update` and carried out by the bus task.
#[derive(Clone, PartialEq, Eq)]
pub enum Cmd {
    Start,
    SubmitMrz(String),
    SubmitManual(ManualData),
    SubmitCan(String),
    UseManualEntry,
    Retry,
    Cancel,
    Release,
}

impl Cmd {
    pub fn kind(&self) -> CallKind {
        match self {
            Cmd::Start => CallKind::Start,
            Cmd::SubmitMrz(_) => CallKind::SubmitMrz,
            Cmd::SubmitManual(_) => CallKind::SubmitManual,
            Cmd::SubmitCan(_) => CallKind::SubmitCan,
            Cmd::UseManualEntry => CallKind::UseManualEntry,
            Cmd::Retry => CallKind::Retry,
            Cmd::Cancel => CallKind::Cancel,
            Cmd::Release => CallKind::Release,
        }
    }
}

impl fmt::Debug for Cmd {
    // The payloads are MRZ data: only the call's name is ever shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cmd::{:?}", self.kind())
    }
}

/// Which method a reply belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Start,
    SubmitMrz,
    SubmitManual,
    SubmitCan,
    UseManualEntry,
    Retry,
    Cancel,
    Release,
}

/// The named errors of the bus contract (`io.idgate.Error.*`), plus what the client itself sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotClaimed,
    AlreadyClaimed,
    InvalidArgument,
    NoDevice,
    /// The call does not fit the session's current step.
    WrongStep,
    Busy,
    Internal,
    /// No reply within the call timeout.
    Timeout,
    /// Any other D-Bus error (e.g. the daemon went away mid-call).
    Other,
}

impl ErrorKind {
    /// From a D-Bus error name such as `io.idgate.Error.InvalidArgument`.
    pub fn from_name(name: &str) -> Self {
        let Some(short) = name
            .strip_prefix(idgate_api::names::ERROR_PREFIX)
            .and_then(|s| s.strip_prefix('.'))
        else {
            return ErrorKind::Other;
        };
        match short {
            "NotClaimed" => ErrorKind::NotClaimed,
            "AlreadyClaimed" => ErrorKind::AlreadyClaimed,
            "InvalidArgument" => ErrorKind::InvalidArgument,
            "NoDevice" => ErrorKind::NoDevice,
            "WrongStep" => ErrorKind::WrongStep,
            "Busy" => ErrorKind::Busy,
            "Internal" => ErrorKind::Internal,
            _ => ErrorKind::Other,
        }
    }
}

/// A failed call: the kind and the daemon's message (which may name a manual-entry field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub kind: ErrorKind,
    pub message: String,
}

/// What the station tells the front end, as messages for `update`. `Debug` leaves out the MRZ
/// lines of `CodeLines` and the pixels of `Preview`.
#[derive(Clone, PartialEq)]
pub enum BusEvent {
    Status(Status),
    CodeLines {
        lines: Vec<String>,
        uncertain: Vec<String>,
    },
    ChipProgress(FileProgress),
    Preview(PreviewFrame),
    Challenge(Option<GuidanceRef>),
    Finished(Outcome),
    Step(Step),
    Attempts(u32),
    CallDone(CallKind),
    /// `SubmitManual` answered with problems per field (empty problems come as `CallDone`).
    ManualRejected(Vec<(idgate_api::ManualField, Option<idgate_api::FieldProblem>)>),
    CallFailed(CallKind, CallError),
    /// The station's devices came or went (`ReaderPresent`, `CameraPresent`).
    ReaderPresent(bool),
    CameraPresent(bool),
    /// The daemon left the bus or the connection broke.
    Lost(String),
}

impl fmt::Debug for BusEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusEvent::Status(s) => f.debug_tuple("Status").field(s).finish(),
            BusEvent::CodeLines { lines, uncertain } => f
                .debug_struct("CodeLines")
                .field("lines", &format_args!("<{} lines redacted>", lines.len()))
                .field("uncertain", &uncertain.len())
                .finish(),
            BusEvent::ChipProgress(p) => f.debug_tuple("ChipProgress").field(p).finish(),
            BusEvent::Preview(_) => f.write_str("Preview(<frame>)"),
            BusEvent::Challenge(c) => f.debug_tuple("Challenge").field(c).finish(),
            BusEvent::Finished(o) => f.debug_tuple("Finished").field(o).finish(),
            BusEvent::Step(s) => f.debug_tuple("Step").field(s).finish(),
            BusEvent::Attempts(n) => f.debug_tuple("Attempts").field(n).finish(),
            BusEvent::CallDone(k) => f.debug_tuple("CallDone").field(k).finish(),
            BusEvent::ManualRejected(p) => f.debug_tuple("ManualRejected").field(p).finish(),
            BusEvent::CallFailed(k, e) => f.debug_tuple("CallFailed").field(k).field(e).finish(),
            BusEvent::ReaderPresent(p) => f.debug_tuple("ReaderPresent").field(p).finish(),
            BusEvent::CameraPresent(p) => f.debug_tuple("CameraPresent").field(p).finish(),
            BusEvent::Lost(why) => f.debug_tuple("Lost").field(why).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lines_show_no_mrz_in_debug() {
        let event = BusEvent::CodeLines {
            lines: vec![
                "P<UTOSPECIMEN<<STATION<PERSON".into(),
                "IDG0042116UTO6108049M".into(),
            ],
            uncertain: vec![String::new(), String::new()],
        };
        let shown = format!("{event:?}");
        for secret in ["SPECIMEN", "IDG004211", "610804"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("2 lines redacted"), "{shown}");
    }

    #[test]
    fn error_names_map_to_kinds() {
        assert_eq!(
            ErrorKind::from_name("io.idgate.Error.InvalidArgument"),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            ErrorKind::from_name("io.idgate.Error.AlreadyClaimed"),
            ErrorKind::AlreadyClaimed
        );
        assert_eq!(
            ErrorKind::from_name("org.freedesktop.DBus.Error.ServiceUnknown"),
            ErrorKind::Other
        );
        assert_eq!(
            ErrorKind::from_name("io.idgate.ErrorX.Busy"),
            ErrorKind::Other
        );
    }

    #[test]
    fn a_frame_must_carry_exactly_its_pixels() {
        assert!(PreviewFrame::new(Step::Face, 2, 2, vec![0; 12], vec![]).is_ok());
        assert!(matches!(
            PreviewFrame::new(Step::Face, 2, 2, vec![0; 11], vec![]),
            Err(FrameError::WrongLength {
                expected: 12,
                got: 11,
                ..
            })
        ));
        assert!(PreviewFrame::new(Step::Face, 0, 2, vec![], vec![]).is_err());
        assert!(PreviewFrame::new(Step::Face, 4096, 1, vec![0; 4096 * 3], vec![]).is_err());
    }

    #[test]
    fn a_frame_reads_black_outside_itself() {
        let f = PreviewFrame::new(Step::Code, 1, 1, vec![1, 2, 3], vec![]).expect("frame");
        assert_eq!(f.pixel(0, 0), [1, 2, 3]);
        assert_eq!(f.pixel(1, 0), [0, 0, 0]);
    }

    #[test]
    fn mrz_data_never_shows_in_debug() {
        let m = ManualData {
            document_number: "L898902C3".into(),
            birth_date: "12.08.1974".into(),
            expiry_date: "15.04.2012".into(),
            can: None,
        };
        let shown = format!("{m:?} {:?}", Cmd::SubmitManual(m.clone()));
        assert!(!shown.contains("L898902C3"));
        assert!(!shown.contains("1974"));
        let f = PreviewFrame::new(Step::Face, 1, 1, vec![9, 9, 9], vec![]).expect("frame");
        assert!(!format!("{f:?}").contains("9, 9"));
    }

    #[test]
    fn unknown_codes_read_as_update_needed() {
        let g = GuidanceRef::parse("face.smile").expect("non-empty");
        assert_eq!(g.text(Lang::En), Guidance::FlowUpdateNeeded.text(Lang::En));
        assert_eq!(GuidanceRef::parse(""), None);
        assert!(
            GuidanceRef::parse("chip.place")
                .expect("code")
                .is(Guidance::ChipPlace)
        );
    }
}
