//! What the simulator's end-to-end tests share: starting `idgated-sim` once `scripts/setup` has
//! run, waiting for its devices, and finding the pcscd it runs. Each test binary uses a part.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use idgate_api::{SessionProxy, StationProxy, open_session};

use crate::common::{Daemon, Options, specimen_dir};

/// Fails with the remedy when `scripts/setup` has not run: the ONNX Runtime and the specimen
/// photos the simulator needs.
pub fn require_setup() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for needed in [
        root.join(".idgate/onnxruntime/libonnxruntime.so"),
        specimen_dir().join("obama.jpg"),
    ] {
        assert!(
            needed.exists(),
            "{} is missing: run scripts/setup first",
            needed.display()
        );
    }
}

/// `idgated-sim` with its own pcscd and `args`, on a private bus.
pub fn simulated(args: &'static [&'static str]) -> Daemon {
    require_setup();
    Daemon::start_with(Options {
        program: Some(std::path::Path::new(env!("CARGO_BIN_EXE_idgated-sim"))),
        own_pcscd: true,
        args,
        ..Options::default()
    })
}

/// Whether the station shows both its reader and its camera.
pub async fn devices_ready(station: &StationProxy<'_>) -> bool {
    station.reader_present().await.unwrap_or(false)
        && station.camera_present().await.unwrap_or(false)
}

/// Waits (a minute at most) until the station shows its reader and its camera.
pub async fn wait_for_devices(station: &StationProxy<'_>) {
    let until = Instant::now() + Duration::from_secs(60);
    while !devices_ready(station).await {
        assert!(Instant::now() < until, "devices not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Connects to `daemon` as the front end does: waits for the reader and the camera, claims the
/// station and opens the new session. (The connection, returned too, must outlive the proxies.)
pub async fn claim_when_ready(
    daemon: &Daemon,
) -> (
    zbus::Connection,
    StationProxy<'static>,
    SessionProxy<'static>,
) {
    let conn = daemon.connect().await;
    let station = StationProxy::new(&conn).await.expect("station");
    wait_for_devices(&station).await;
    let path = station.claim().await.expect("claim");
    let session = open_session(&conn, path).await.expect("session");
    (conn, station, session)
}

/// The pcscd the simulator runs (its child, not a zombie left by an earlier one).
pub fn child_pcscd(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if comm.ends_with("(pcscd") && ppid == Some(parent) && !rest.starts_with('Z') {
            return Some(pid);
        }
    }
    None
}
