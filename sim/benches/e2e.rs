//! Benchmark: the simulated station end to end, as a person at the desk meets it — `Start` (the
//! TUI's Enter) to `Finished` — through the real daemon (`idgated-sim`), its private pcscd with
//! vpcd and the virtual passport, the simulated camera and person, on a private bus.
//!
//! Prints per run: the whole verification, when each step began, and the chip read itself as the
//! daemon logged it (APDUs, bytes, milliseconds the card was read, per-APDU round trip); then the
//! medians. The chip step includes the simulated person's deliberate 1.5 s "place the passport"
//! pause. Figures are printed, never asserted: a timed test would flake on a loaded machine.
//!
//! `cargo bench -p idgated-sim --bench e2e [-- RUNS]` (release build; needs `scripts/setup`).

#[path = "../../daemon/tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Daemon, Options, rt};
use futures_util::StreamExt;
use idgate_api::{Outcome, StationProxy, open_session};

struct Run {
    total: Duration,
    steps: Vec<(String, Duration)>,
    outcome: String,
}

struct ChipRead {
    apdus: u64,
    bytes: u64,
    ms: u64,
}

fn main() {
    // `cargo bench` passes `--bench`; the first plain number is the run count.
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let log = tempfile::NamedTempFile::new().expect("log file");
    let mut daemon = Daemon::start_with(Options {
        program: Some(std::path::Path::new(env!("CARGO_BIN_EXE_idgated-sim"))),
        own_pcscd: true,
        log: Some(log.path()),
        ..Options::default()
    });
    let results = rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("station");
        let until = Instant::now() + Duration::from_secs(30);
        while !(station.reader_present().await.unwrap_or(false)
            && station.camera_present().await.unwrap_or(false))
        {
            assert!(Instant::now() < until, "the simulated devices did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut results = Vec::new();
        for _ in 0..runs {
            let path = station.claim().await.expect("claim");
            let session = open_session(&conn, path).await.expect("session");
            let mut status = session.receive_status().await.expect("Status");
            let mut finished = session.receive_finished().await.expect("Finished");
            let started = Instant::now();
            session.start().await.expect("Start");
            let mut steps: Vec<(String, Duration)> = Vec::new();
            let outcome = loop {
                tokio::select! {
                    Some(s) = status.next() => {
                        let a = s.args().expect("Status args");
                        if !steps.iter().any(|(step, _)| step == a.step()) {
                            steps.push((a.step().clone(), started.elapsed()));
                        }
                    }
                    Some(f) = finished.next() => {
                        break f.args().expect("Finished args").outcome().clone();
                    }
                    () = tokio::time::sleep(Duration::from_secs(120)) => panic!("no result in 120 s"),
                }
            };
            results.push(Run {
                total: started.elapsed(),
                steps,
                outcome,
            });
            session.release().await.expect("release");
        }
        results
    });
    daemon.stop();
    let text = std::fs::read_to_string(log.path()).expect("daemon log");
    let reads: Vec<ChipRead> = text
        .lines()
        .filter(|l| l.contains("chip read done"))
        .filter_map(|l| {
            Some(ChipRead {
                apdus: field(l, "apdus")?,
                bytes: field(l, "bytes")?,
                ms: field(l, "ms")?,
            })
        })
        .collect();

    println!("simulated station, Start -> Finished, {runs} runs (release build)");
    for (i, run) in results.iter().enumerate() {
        let steps = run
            .steps
            .iter()
            .map(|(s, at)| format!("{s} {:.2}", at.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ");
        let chip = reads.get(i).map_or_else(
            || "no chip read logged".to_owned(),
            |r| {
                format!(
                    "chip read {} ms, {} APDUs, {} bytes, {:.2} ms/APDU",
                    r.ms,
                    r.apdus,
                    r.bytes,
                    r.ms as f64 / r.apdus.max(1) as f64
                )
            },
        );
        println!(
            "run {}: {} in {:.2} s (steps began at s: {steps}); {chip}",
            i + 1,
            run.outcome,
            run.total.as_secs_f64()
        );
    }
    let totals: Vec<f64> = results.iter().map(|r| r.total.as_secs_f64()).collect();
    let chip_ms: Vec<f64> = reads.iter().map(|r| r.ms as f64).collect();
    let per_apdu: Vec<f64> = reads
        .iter()
        .map(|r| r.ms as f64 / r.apdus.max(1) as f64)
        .collect();
    println!(
        "median: end to end {:.2} s; chip read {:.0} ms; {:.2} ms per APDU; verified {}/{}",
        median(&totals),
        median(&chip_ms),
        median(&per_apdu),
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Verified.as_str())
            .count(),
        results.len()
    );
}

/// `key=value` from a tracing line.
fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?
        .parse()
        .ok()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
