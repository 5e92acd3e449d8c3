//! The audit trail never loses a session: the simulated station (the real daemon, private pcscd +
//! vpcd, the virtual passport, the replay camera) runs verifications back to back and is killed
//! with SIGKILL at a random point, again and again, while another thread keeps listing the store
//! as `idgated audit list` does. After each restart every accepted `Start` has its record: the
//! final one for every `Finished` the client saw, an "interrupted" one for the session the kill
//! cut short. No record lost, none unreadable.
//!
//! Rounds (kills): `IDGATE_SOAK_ROUNDS` (default 2, a short pass for CI); the seed of the kill
//! times: `IDGATE_SOAK_SEED` (printed, so a failing run can be repeated). The figures are printed.

#[path = "../../daemon/tests/common/mod.rs"]
mod common;
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Daemon, Options, rt, specimen_dir};
use futures_util::StreamExt;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: kill times only need to be spread and repeatable from the printed seed.
struct KillTimes(u64);

impl KillTimes {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % max
    }
}

#[derive(Debug, Default)]
struct Figures {
    kills: u64,
    starts: u64,
    finished: Vec<String>,
    /// Kills while a session was running (its record must say "interrupted").
    cut_short: u64,
    /// Kills while a Start call was on its way: its record may or may not exist.
    start_in_flight: u64,
}

/// Runs verifications until `kill_after`, then SIGKILLs the daemon — with this client still on
/// the bus, so the station never sees its owner leave — and notes the session's state in `fig`.
async fn verify_until(daemon: &mut Daemon, kill_after: Duration, fig: &mut Figures) {
    let (_conn, _station, session) = support::claim_when_ready(daemon).await;
    let mut finished = session.receive_finished().await.expect("Finished");
    let in_flight = Arc::new(AtomicBool::new(false));
    let running = Arc::new(AtomicBool::new(false));
    let run = async {
        loop {
            in_flight.store(true, Ordering::SeqCst);
            let started = session.start().await;
            in_flight.store(false, Ordering::SeqCst);
            started.expect("Start");
            fig.starts += 1;
            running.store(true, Ordering::SeqCst);
            let f = finished.next().await.expect("Finished");
            running.store(false, Ordering::SeqCst);
            let checks = f.args().expect("args").checks().clone();
            fig.finished.push(
                checks
                    .audit_id
                    .expect("a finished session has its audit id"),
            );
        }
    };
    let _ = tokio::time::timeout(kill_after, run).await;
    daemon.kill();
    if in_flight.load(Ordering::SeqCst) {
        fig.start_in_flight += 1;
    } else if running.load(Ordering::SeqCst) {
        fig.cut_short += 1;
    }
}

#[test]
fn sigkill_at_random_points_of_many_verifications_loses_no_audit_record() {
    assert!(
        specimen_dir().join("obama.jpg").exists(),
        "run scripts/setup first"
    );
    let rounds = env_u64("IDGATE_SOAK_ROUNDS", 2);
    let seed = env_u64(
        "IDGATE_SOAK_SEED",
        (u64::from(std::process::id()) * 0x9E37_79B9) | 1,
    );
    eprintln!("soak: {rounds} rounds, IDGATE_SOAK_SEED={seed}");
    let mut times = KillTimes(seed);
    let store = tempfile::tempdir().expect("tmp");
    let audit = store.path().join("audit");

    // `idgated audit list` all along, through every kill (it reads a copy of the store).
    let stop = Arc::new(AtomicBool::new(false));
    let listings = Arc::new(AtomicU64::new(0));
    let reader = {
        let (stop, listings, audit) = (stop.clone(), listings.clone(), audit.clone());
        std::thread::spawn(move || {
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match idgated::audit::read_snapshot(&audit) {
                    Ok(l) if l.unreadable.is_empty() => {
                        listings.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(l) => failures.push(format!("unreadable {:?}", l.unreadable)),
                    Err(e) => failures.push(e.to_string()),
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            failures
        })
    };

    let mut fig = Figures::default();
    let began = Instant::now();
    let start = || {
        Daemon::start_with(Options {
            program: Some(std::path::Path::new(env!("CARGO_BIN_EXE_idgated-sim"))),
            own_pcscd: true,
            audit_path: Some(&audit),
            ..Options::default()
        })
    };
    for _ in 0..rounds {
        let mut daemon = start();
        // Anywhere from the first step to a few verifications in (one takes ~10-20 s here).
        let kill_after = Duration::from_millis(200 + times.next_ms(40_000));
        rt().block_on(verify_until(&mut daemon, kill_after, &mut fig));
        fig.kills += 1;
    }
    // The restart is what marks the cut-short sessions: the station as a person finds it next.
    let mut daemon = start();
    daemon.stop();
    stop.store(true, Ordering::Relaxed);
    let reader_failures = reader.join().expect("reader thread");

    let listing = idgated::audit::read_snapshot(&audit).expect("read the store");
    let outcomes: Vec<&str> = listing.records.iter().map(|r| r.outcome.as_str()).collect();
    let count = |o: &str| outcomes.iter().filter(|x| **x == o).count() as u64;
    let ids: HashSet<&str> = listing.records.iter().map(|r| r.id.as_str()).collect();
    let lost_finished: Vec<&String> = fig
        .finished
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    let found = listing.records.len() as u64;
    eprintln!(
        "soak figures: {} verifications started, {} finished, {} SIGKILLs ({} mid-session, {} during Start), \
         {} concurrent listings; records expected {}{}, found {} ({} verified, {} not verified, {} interrupted, \
         {} still 'started'; all: {:?}), unreadable {}, finished records lost {}; {:.0} s",
        fig.starts,
        fig.finished.len(),
        fig.kills,
        fig.cut_short,
        fig.start_in_flight,
        listings.load(Ordering::Relaxed),
        fig.starts,
        if fig.start_in_flight > 0 {
            format!("(+{} possible)", fig.start_in_flight)
        } else {
            String::new()
        },
        found,
        count("verified"),
        count("not_verified"),
        count("interrupted"),
        count("started"),
        outcomes,
        listing.unreadable.len(),
        lost_finished.len(),
        began.elapsed().as_secs_f64()
    );
    assert!(
        reader_failures.is_empty(),
        "listings failed: {reader_failures:?}"
    );
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    assert!(
        lost_finished.is_empty(),
        "finished sessions lost: {lost_finished:?}"
    );
    assert!(
        (fig.starts..=fig.starts + fig.start_in_flight).contains(&found),
        "{} sessions started, {found} records",
        fig.starts
    );
    assert_eq!(
        count("started"),
        0,
        "the restart marks every cut-short session"
    );
    // A kill between the final commit and the client's `Finished` leaves a final record the client
    // never saw: the session is recorded as it ended, which is right.
    let ended_unseen = listing
        .records
        .iter()
        .filter(|r| r.outcome != "interrupted" && !fig.finished.contains(&r.id))
        .count() as u64;
    assert!(
        (fig.cut_short..=fig.cut_short + fig.start_in_flight)
            .contains(&(count("interrupted") + ended_unseen)),
        "{} sessions cut short, {} interrupted records, {ended_unseen} ended unseen; outcomes {outcomes:?}",
        fig.cut_short,
        count("interrupted")
    );
    for id in &fig.finished {
        let record = listing
            .records
            .iter()
            .find(|r| &r.id == id)
            .expect("present");
        assert!(
            ["verified", "not_verified", "cancelled"].contains(&record.outcome.as_str()),
            "{id}: {}",
            record.outcome
        );
    }
}
