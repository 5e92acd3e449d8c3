//! Devices that come and go, and the station recovering by itself — at the daemon level, through
//! the real components: `idgated-sim` with its private pcscd (the vpcd reader holding the virtual
//! passport) and its simulated camera, driven over a private bus as the TUI drives it.
//!
//! - **Reader unplugged mid-read.** A vpcd reader is a static `reader.conf.d` entry: pcscd lists
//!   it for as long as pcscd runs, and a card leaving the vpcd socket is a card removal, not a
//!   reader removal. So the honest way to make the reader itself vanish is to take away the pcscd
//!   that serves it: SIGTERM (pcscd shuts down and its readers go with it). The simulator is run
//!   with `--restart-pcscd-after`, so a new pcscd comes up on the same socket with the same
//!   reader configuration — the reader is plugged back in.
//! - **pcscd restarted.** SIGKILL between sessions (a crash); the new instance comes up on the
//!   same socket, and the next session must read the chip without restarting the station.
//! - **Camera unplugged and back.** The simulator is run with `--camera-plugged-while FILE`: its
//!   camera fails every read as a closed V4L2 device does while the file is gone, and its
//!   presence flag drops as the real camera monitor's does when the node goes.
//!
//! Each test prints a line of the fault table: fault → what the person saw → recovered in N s
//! (measured from the fault until a new session was verified; printed, not asserted on).

#[path = "../../daemon/tests/common/mod.rs"]
mod common;
mod support;

use std::time::{Duration, Instant};

use common::{Daemon, rt};
use futures_util::StreamExt;
use idgate_api::{SessionProxy, StationProxy, open_session};
use support::{child_pcscd, devices_ready, simulated};

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {sig} {pid}");
}

async fn until(what: &str, limit: Duration, mut ready: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !ready().await {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One session from `Start` to `Finished`: (statuses "step:code", outcome, result guidance).
/// `fault` is called once when the step `fault_at` is first shown (the chip step: once its read
/// is under way).
async fn run_session(
    session: &SessionProxy<'_>,
    fault_at: Option<&str>,
    mut fault: impl FnMut(),
) -> (Vec<String>, String, Option<String>) {
    let mut status = session.receive_status().await.expect("Status");
    let mut progress = session.receive_chip_progress().await.expect("ChipProgress");
    let mut finished = session.receive_finished().await.expect("Finished");
    session.start().await.expect("Start");
    let mut seen = Vec::new();
    let mut fault_done = fault_at.is_none();
    let limit = tokio::time::sleep(Duration::from_secs(240));
    tokio::pin!(limit);
    loop {
        tokio::select! {
            Some(s) = status.next() => {
                let a = s.args().expect("args");
                if !fault_done && fault_at == Some(a.step().as_str()) && a.step() != "chip" {
                    fault_done = true;
                    fault();
                }
                seen.push(format!("{}:{}", a.step(), a.code()));
            }
            // The chip fault goes in once the read is under way (its first progress report).
            Some(_) = progress.next() => {
                if !fault_done && fault_at == Some("chip") {
                    fault_done = true;
                    fault();
                }
            }
            Some(f) = finished.next() => {
                let a = f.args().expect("args");
                return (seen, a.outcome().clone(), a.checks().guidance.clone());
            }
            () = &mut limit => panic!("no result within 240 s; statuses: {seen:?}"),
        }
    }
}

/// One line of the fault table.
fn print_row(fault: &str, step: &str, run: &FaultRun) {
    let from = run
        .seen
        .iter()
        .position(|s| s.starts_with(step))
        .unwrap_or(0);
    eprintln!(
        "fault table: {fault} -> person saw {:?}, result {} ({}) {:.1} s after the fault -> recovered (next session verified) {:.1} s after the fault",
        after_fault(&run.seen, from),
        run.outcome,
        run.guidance.as_deref().unwrap_or("-"),
        run.result_after.unwrap_or_default().as_secs_f64(),
        run.recovered.as_secs_f64()
    );
}

/// The statuses from the faulted step on, repeats folded.
fn after_fault(seen: &[String], from: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &seen[from.min(seen.len())..] {
        if out.last() != Some(s) {
            out.push(s.clone());
        }
    }
    out
}

/// What one fault did: the statuses of the faulted session, its outcome and result guidance, how
/// long after the fault its result came, and how long until a new session was verified.
struct FaultRun {
    seen: Vec<String>,
    outcome: String,
    guidance: Option<String>,
    result_after: Option<Duration>,
    recovered: Duration,
}

/// Fault in one session (or between sessions), then a fresh session on the same daemon must be
/// verified.
async fn fault_then_next_session_verified(
    daemon: &Daemon,
    fault_at: Option<&str>,
    fault: impl FnOnce() + Send,
    back: impl AsyncFnOnce(&StationProxy<'_>),
) -> FaultRun {
    let conn = daemon.connect().await;
    let station = StationProxy::new(&conn).await.expect("station");
    until("devices ready", Duration::from_secs(60), async || {
        devices_ready(&station).await
    })
    .await;
    let mut fault = Some(fault);
    let mut at: Option<Instant> = None;
    let mut fire = || {
        if let Some(f) = fault.take() {
            at = Some(Instant::now());
            f();
        }
    };
    let (seen, outcome, guidance, finished_at) = if fault_at.is_some() {
        let path = station.claim().await.expect("claim");
        let session = open_session(&conn, path).await.expect("session");
        let (seen, outcome, guidance) = run_session(&session, fault_at, &mut fire).await;
        let finished_at = Instant::now();
        session.release().await.expect("release");
        (seen, outcome, guidance, Some(finished_at))
    } else {
        fire();
        (Vec::new(), String::new(), None, None)
    };
    let fault_at_time = at.expect("the fault happened");
    let result_after = finished_at.map(|f| f.saturating_duration_since(fault_at_time));
    back(&station).await;
    until(
        "devices back after the fault",
        Duration::from_secs(60),
        async || devices_ready(&station).await,
    )
    .await;
    let path = station.claim().await.expect("claim after the fault");
    let session = open_session(&conn, path).await.expect("session");
    let (next, outcome_next, _) = run_session(&session, None, || {}).await;
    assert_eq!(
        outcome_next, "verified",
        "the session after the fault: {next:?}"
    );
    session.release().await.expect("release");
    FaultRun {
        seen,
        outcome,
        guidance,
        result_after,
        recovered: fault_at_time.elapsed(),
    }
}

#[test]
fn reader_unplugged_mid_read_gives_guidance_and_the_next_session_reads_the_chip() {
    let daemon = simulated(&["--restart-pcscd-after", "3"]);
    let pcscd = child_pcscd(daemon.pid()).expect("the simulator's pcscd");
    rt().block_on(async {
        let run = fault_then_next_session_verified(
            &daemon,
            Some("chip"),
            move || signal(pcscd, "-TERM"),
            async |_| {},
        )
        .await;
        print_row(
            "reader gone mid-read (pcscd SIGTERM, back 3 s later)",
            "chip:",
            &run,
        );
        assert_eq!(run.outcome, "not_verified", "{:?}", run.seen);
        assert!(run.guidance.is_some(), "the result names its guidance");
        let again = child_pcscd(daemon.pid()).expect("a new pcscd");
        assert_ne!(again, pcscd, "a new pcscd instance served the next session");
    });
}

#[test]
fn pcscd_restarted_between_sessions_and_the_next_session_reads_the_chip() {
    let daemon = simulated(&["--restart-pcscd-after", "2"]);
    let pcscd = child_pcscd(daemon.pid()).expect("the simulator's pcscd");
    rt().block_on(async {
        let run = fault_then_next_session_verified(
            &daemon,
            None,
            move || signal(pcscd, "-KILL"),
            async |station| {
                // The reader is reported gone while pcscd is down, then back.
                until("reader reported gone", Duration::from_secs(10), async || {
                    !station.reader_present().await.unwrap_or(true)
                })
                .await;
            },
        )
        .await;
        eprintln!(
            "fault table: pcscd killed between sessions, new instance on the same socket 2 s later -> ReaderPresent false on the bus meanwhile -> recovered (next session verified) {:.1} s after the kill",
            run.recovered.as_secs_f64()
        );
        let again = child_pcscd(daemon.pid()).expect("a new pcscd");
        assert_ne!(again, pcscd);
    });
}

#[test]
fn camera_unplugged_in_the_face_step_and_back_the_next_session_is_verified() {
    let dir = tempfile::tempdir().expect("tmp");
    let plug = dir.path().join("camera-plugged");
    std::fs::write(&plug, b"").expect("plug");
    let arg: &'static str = Box::leak(plug.display().to_string().into_boxed_str());
    let args: &'static [&'static str] =
        Box::leak(vec!["--camera-plugged-while", arg].into_boxed_slice());
    let daemon = simulated(args);
    let unplug = plug.clone();
    rt().block_on(async {
        let run = fault_then_next_session_verified(
            &daemon,
            Some("face"),
            move || std::fs::remove_file(&unplug).expect("unplug"),
            async |station| {
                // The bus says the camera is gone (what a client shows the attendant).
                until(
                    "camera reported gone",
                    Duration::from_secs(10),
                    async || !station.camera_present().await.unwrap_or(true),
                )
                .await;
                std::fs::write(&plug, b"").expect("plug back");
            },
        )
        .await;
        print_row(
            "camera unplugged in the face step, plugged back once the bus said it was gone",
            "face:",
            &run,
        );
        assert_eq!(run.outcome, "not_verified", "{:?}", run.seen);
        assert!(run.guidance.is_some(), "the result names its guidance");
    });
}
