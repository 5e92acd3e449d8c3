//! Logging: tracing with an EnvFilter (`RUST_LOG`, default `info,sled=warn`), to the journal when
//! it is there, else to stderr. Nothing that identifies a person is ever logged: callers log
//! session numbers, steps and guidance codes only.

use std::io::IsTerminal;
use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const DEFAULT_FILTER: &str = "info,sled=warn";
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// Installs the global subscriber. Returns where logs go, for the first log line.
pub fn init() -> &'static str {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // tracing_journald::layer() fails without the socket (containers, CI): fall back to stderr.
    let journald = if Path::new(JOURNAL_SOCKET).exists() {
        tracing_journald::layer().ok()
    } else {
        None
    };
    match journald {
        Some(layer) => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(layer.with_syslog_identifier("idgated".into()))
                .try_init();
            "journal"
        }
        None => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(std::io::stderr().is_terminal())
                        .with_writer(std::io::stderr),
                )
                .try_init();
            "stderr"
        }
    }
}
