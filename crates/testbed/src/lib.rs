//! The real test bench: a private `pcscd` with `vsmartcard-vpcd` readers, private `dbus-daemon`s
//! and a private `polkitd`, for tests and for the simulated station. Daemons start on demand, wait
//! for readiness with timeouts, and die with their owner (on drop, on panic, and on a crash
//! through PDEATHSIG).
//! A test never touches a pcscd or bus it did not start.
//!
//! ```no_run
//! let pcscd = idgate_testbed::pcscd()?;                       // once per process
//! let reader = pcscd.lease(std::time::Duration::from_secs(30))?; // this test's own reader
//! let bus = idgate_testbed::DbusDaemon::start()?;              // this test's own bus
//! # let _ = (reader.reader_name(), reader.vpcd_port(), bus.address());
//! # Ok::<(), idgate_testbed::TestbedError>(())
//! ```
//!
//! There is no `/dev/video*` on CI machines: the camera is exercised through the replay source.

mod dbus;
pub mod fuzz;
mod pcscd;
pub mod pki;
mod polkitd;
mod process;
pub mod specimen;

use std::path::Path;

pub use dbus::DbusDaemon;
pub use pcscd::{Pcscd, ReaderLease, VpcdSlot, pcscd};
pub use polkitd::{PolkitSetup, Polkitd};

/// Why the bench could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum TestbedError {
    #[error("missing on this machine: {0}")]
    Missing(String),
    #[error("cannot start {0}: {1}")]
    Spawn(String, #[source] std::io::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("private pcscd: {0}")]
    Pcscd(String),
    #[error("private dbus-daemon: {0}")]
    Dbus(String),
    #[error("private polkitd: {0}")]
    Polkitd(String),
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("a test panicked while holding the reader pool")]
    Poisoned,
    #[error("CMS: {0}")]
    Cms(String),
}

impl TestbedError {
    fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
