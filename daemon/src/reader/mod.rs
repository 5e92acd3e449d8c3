//! The NFC reader through PC/SC: a monitor thread that follows readers coming and going
//! (`SCardGetStatusChange` on `\\?PnP?\Notification`), and a blocking [`Transport`] for the chip
//! read that runs on its own thread.

mod monitor;
mod policy;
mod transport;

pub use monitor::{ReaderWatch, spawn_monitor};
pub use policy::{Choice, ReaderPolicy, vpcd_names};
pub use transport::{PcscTransport, wait_for_card};

/// The names of the readers pcscd lists (none is an empty list, not an error).
pub fn reader_names(ctx: &pcsc::Context) -> Result<Vec<String>, pcsc::Error> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .filter_map(|n| n.into_string().ok())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}
