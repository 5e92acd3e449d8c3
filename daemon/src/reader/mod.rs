//! The NFC reader through PC/SC: a monitor thread that follows readers coming and going
//! (`SCardGetStatusChange` on `\\?PnP?\Notification`), and a blocking [`Transport`] for the chip
//! read that runs on its own thread.

mod monitor;
mod policy;
mod transport;

pub use monitor::{ReaderWatch, spawn_monitor};
pub use policy::{Choice, ReaderPolicy, vpcd_names};
pub use transport::{PcscTransport, wait_for_card};
