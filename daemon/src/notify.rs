//! The systemd watchdog (`WatchdogSec=` in idgated.service): the station actor sends
//! `WATCHDOG=1` on `$NOTIFY_SOCKET` at half the interval, so a stuck actor gets the daemon
//! restarted. Hand-written: it is one datagram, not worth a dependency.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

#[derive(Debug)]
pub struct Watchdog {
    socket: UnixDatagram,
    addr: SocketAddr,
    /// How often to pet: half of `WATCHDOG_USEC`.
    pub interval: Duration,
}

impl Watchdog {
    /// From systemd's environment; `None` when no watchdog is asked for (or it is another
    /// process's, per `WATCHDOG_PID`).
    pub fn from_env() -> Option<Self> {
        let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
        if let Ok(pid) = std::env::var("WATCHDOG_PID") {
            if pid.parse::<u32>().ok()? != std::process::id() {
                return None;
            }
        }
        let path = std::env::var("NOTIFY_SOCKET").ok()?;
        let addr = match path.strip_prefix('@') {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(name.as_bytes()).ok()?
            }
            None => SocketAddr::from_pathname(&path).ok()?,
        };
        let socket = UnixDatagram::unbound().ok()?;
        let interval = Duration::from_micros(usec / 2).max(Duration::from_millis(50));
        Some(Self {
            socket,
            addr,
            interval,
        })
    }

    pub fn pet(&self) {
        if let Err(e) = self.socket.send_to_addr(b"WATCHDOG=1", &self.addr) {
            tracing::warn!("watchdog notification failed: {e}");
        }
    }
}
