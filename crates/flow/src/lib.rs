//! idgate-flow: one identity verification as a sans-IO state machine.
//!
//! ```text
//! Idle ─► Code ─► Chip ─► Face ─► Result(verified | not_verified | cancelled)
//! ```
//! The daemon feeds [`Event`]s (bus calls, device results, ticks) together with the current time
//! into [`Flow::handle`] and carries out the returned [`Command`]s (start/stop OCR, chip read and
//! face capture; emit status; finish). The flow never touches a device, a clock or the bus, so
//! its rules are tested here as plain specifications (`tests/`).
//!
//! The key that opens the chip is [`idgate_mrz::AccessKey`] (re-exported here), the one type the
//! code step builds and emrtd consumes. API change: it replaces this crate's former `ChipKey`.

mod config;
mod io;
mod machine;
mod report;

pub use idgate_mrz::AccessKey;

pub use config::{Alternatives, FlowConfig, StepLimits};
pub use io::{ChipReport, Command, Event, FaceVerdict, RunId, Status, StepTime};
pub use machine::{Flow, FlowError};
pub use report::{Attempts, Report};
