//! The idgate bus contract, shared by the daemon, the TUI and any other app on the bus:
//! well-known names, guidance codes, wire types, named errors and typed proxies.
//!
//! Only this crate is shared between `idgated` and `idgate`; it knows nothing of devices.
//!
//! # The contract (API version 1)
//!
//! `io.idgate.Station1` at `/io/idgate/Station` (bus name `io.idgate.Station`):
//! - `Claim() → o session` — one owner at a time, tied to the caller's unique bus name;
//!   `io.idgate.Error.AlreadyClaimed` otherwise. When the owner leaves the bus the session is
//!   cancelled and the devices released.
//! - properties `ReaderPresent b`, `CameraPresent b`, `Busy b`, `ApiVersion u`, `Version s`,
//!   `Simulated b`.
//!
//! `io.idgate.Session1` at `/io/idgate/Session/N`:
//! - methods `Start()`, `SubmitMrz(s lines)`, `SubmitManual(a{sv} fields) → a{ss} field_errors`,
//!   `SubmitCan(s)`, `UseManualEntry()`, `Retry()`, `Cancel()`, `Release()`;
//! - properties `Step s` (`idle|code|chip|face|result`), `Attempts u`;
//! - signals `Status(s step, s code, s text, d progress)`, `CodeLines(as lines, as marks)`,
//!   `ChipProgress(s file, u read, u total)`, `Preview(s step, u w, u h, ay rgb, a(iiii) boxes)`,
//!   `Challenge(s code)`, `Finished(s outcome, a{sv} checks)` (see [`Checks`] for the keys).
//!
//! Errors: `io.idgate.Error.{NotClaimed, AlreadyClaimed, InvalidArgument, NoDevice, WrongStep,
//! Busy, Internal}` ([`Error`]).
//!
//! Guidance ids ([`Guidance`]) are the `code` of every `Status` and the `reasons` of `Finished`.

pub mod error;
pub mod guidance;
pub mod names;
pub mod proxy;
pub mod wire;

pub use error::Error;
pub use guidance::{Guidance, Lang, UnknownGuidance};
pub use proxy::{SessionProxy, StationProxy, open_session};
pub use wire::{
    CheckResult, Checks, ChipAccess, CodeSource, FieldErrors, FieldProblem, ManualEntry,
    ManualEntryError, ManualField, Outcome, PreviewBox, Step, UnknownValue,
};
