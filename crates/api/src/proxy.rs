//! Typed client proxies for `io.idgate.Station1` and `io.idgate.Session1`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), idgate_api::Error> {
//! use idgate_api::{SessionProxy, StationProxy};
//! let conn = zbus::Connection::system().await?;
//! let station = StationProxy::new(&conn).await?;
//! let path = station.claim().await?;
//! let session = SessionProxy::builder(&conn).path(path).build().await?;
//! session.start().await?;
//! # Ok(()) }
//! ```

use zbus::OwnedObjectPath;

use crate::error::Error;
use crate::wire::{Checks, FieldErrors, ManualEntry, PreviewBox};

/// `io.idgate.Station1` at `/io/idgate/Station`: the station and its devices.
#[zbus::proxy(
    interface = "io.idgate.Station1",
    default_service = "io.idgate.Station",
    default_path = "/io/idgate/Station"
)]
pub trait Station {
    /// Claims the station for the caller's connection and returns the new session's path.
    /// `AlreadyClaimed` while another connection owns a session. The claim ends with
    /// `Session1.Release`, or when the caller's connection leaves the bus.
    fn claim(&self) -> Result<OwnedObjectPath, Error>;

    /// A reader matching the configured name pattern is connected.
    #[zbus(property)]
    fn reader_present(&self) -> Result<bool, Error>;

    /// A camera is available (a V4L2 device, or the replay source when simulating).
    #[zbus(property)]
    fn camera_present(&self) -> Result<bool, Error>;

    /// Some connection holds a claim.
    #[zbus(property)]
    fn busy(&self) -> Result<bool, Error>;

    /// The bus contract version ([`crate::names::API_VERSION`]); front ends compare it and show
    /// `flow.update_needed` when it differs.
    #[zbus(property(emits_changed_signal = "const"))]
    fn api_version(&self) -> Result<u32, Error>;

    /// The daemon's package version.
    #[zbus(property(emits_changed_signal = "const"))]
    fn version(&self) -> Result<String, Error>;

    /// The station runs on simulated devices (`idgated run --simulate`).
    #[zbus(property(emits_changed_signal = "const"))]
    fn simulated(&self) -> Result<bool, Error>;

    /// Settings that weaken the station (`setting: why`); empty on a station as shipped.
    #[zbus(property(emits_changed_signal = "const"))]
    fn weakened(&self) -> Result<Vec<String>, Error>;
}

/// `io.idgate.Session1` at `/io/idgate/Session/N`: one verification, owned by one connection.
/// Only the owner may call its methods (`NotClaimed` otherwise). Build it with
/// `SessionProxy::builder(&conn).path(path).build()`.
#[zbus::proxy(
    interface = "io.idgate.Session1",
    default_service = "io.idgate.Station"
)]
pub trait Session {
    /// Begins the code step with the camera OCR (manual entry remains possible; without OCR it
    /// is awaited). Also restarts from the result step. `NoDevice` when the reader or the camera
    /// is missing; `WrongStep` while a verification is running.
    fn start(&self) -> Result<(), Error>;

    /// Submits the MRZ as text (2 or 3 lines joined by `\n`), e.g. from a document scanner.
    /// `InvalidArgument` when it does not parse or a check digit fails.
    fn submit_mrz(&self, lines: &str) -> Result<(), Error>;

    /// Submits typed fields (see [`ManualEntry`]). Returns field → [`crate::FieldProblem`] id;
    /// empty means accepted and the chip step begins. `InvalidArgument` for unknown keys or
    /// non-string values (the message names the field).
    fn submit_manual(&self, fields: ManualEntry) -> Result<FieldErrors, Error>;

    /// Submits a 6-digit card access number (PACE-only documents). `InvalidArgument` otherwise.
    fn submit_can(&self, can: &str) -> Result<(), Error>;

    /// Stops the camera OCR and waits for `SubmitManual` (the person chose to type the code).
    fn use_manual_entry(&self) -> Result<(), Error>;

    /// Repeats the current step now (e.g. after `chip.timeout`), or from the result step starts a
    /// new verification.
    fn retry(&self) -> Result<(), Error>;

    /// Cancels the verification: `Finished("cancelled", …)` follows. The claim stays.
    fn cancel(&self) -> Result<(), Error>;

    /// Cancels if running, ends the claim and removes the session object.
    fn release(&self) -> Result<(), Error>;

    /// The current step: `idle`, `code`, `chip`, `face` or `result` ([`crate::Step`]).
    #[zbus(property)]
    fn step(&self) -> Result<String, Error>;

    /// Attempts used in the current step.
    #[zbus(property)]
    fn attempts(&self) -> Result<u32, Error>;

    /// Every transition and hint: step, guidance id, its text in the station's language, and the
    /// progress within the step (0..1, or -1 when not measurable).
    #[zbus(signal)]
    fn status(&self, step: String, code: String, text: String, progress: f64) -> zbus::Result<()>;

    /// The MRZ lines the OCR has read so far; `uncertain_marks` has one line per line with `^`
    /// under characters that are not yet confirmed by enough frames (space elsewhere).
    /// Carries MRZ data: clients must not log it.
    #[zbus(signal)]
    fn code_lines(&self, lines: Vec<String>, uncertain_marks: Vec<String>) -> zbus::Result<()>;

    /// Chip reading: the file being read (`EF.COM`, `DG2`, …), bytes read and its size.
    #[zbus(signal)]
    fn chip_progress(&self, file: String, read: u32, total: u32) -> zbus::Result<()>;

    /// A small live frame (≤ 160×120 RGB8, ≤ 10 per second) with boxes (MRZ zone or face) for
    /// the camera steps. Never the chip's photo.
    #[zbus(signal)]
    fn preview(
        &self,
        step: String,
        width: u32,
        height: u32,
        rgb: Vec<u8>,
        boxes: Vec<PreviewBox>,
    ) -> zbus::Result<()>;

    /// A liveness prompt (`face.move_closer` / `face.move_back`), sent only when the daemon asks.
    #[zbus(signal)]
    fn challenge(&self, code: String) -> zbus::Result<()>;

    /// The end of a verification: `verified`, `not_verified` or `cancelled`, and what was checked.
    #[zbus(signal)]
    fn finished(&self, outcome: String, checks: Checks) -> zbus::Result<()>;
}

/// Opens the session object `path` (as returned by `Station1.Claim`).
pub async fn open_session(
    conn: &zbus::Connection,
    path: OwnedObjectPath,
) -> Result<SessionProxy<'static>, Error> {
    Ok(SessionProxy::builder(conn).path(path).build().await?)
}
