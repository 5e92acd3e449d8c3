//! Devices that go away at the daemon level, through the real components: the simulated station's
//! private pcscd (with the vpcd reader holding the virtual passport) is killed in the middle of
//! the chip read. The person gets a result with guidance — no hang — the station reports the
//! reader gone, and the station is free for the next person. The figures (what the person saw
//! after the fault, and how long until the result) are printed for the notes.

#[path = "../../daemon/tests/common/mod.rs"]
mod common;
mod support;

use std::time::{Duration, Instant};

use common::rt;
use futures_util::StreamExt;
use idgate_api::open_session;
use support::{child_pcscd, simulated};

#[test]
fn pcscd_killed_mid_read_ends_in_guidance_not_a_hang_and_the_station_stays_usable() {
    let daemon = simulated(&[]);
    let pcscd = child_pcscd(daemon.pid()).expect("the simulator's pcscd");
    rt().block_on(async {
        let (conn, station, session) = support::claim_when_ready(&daemon).await;
        let mut status = session.receive_status().await.expect("Status");
        let mut progress = session.receive_chip_progress().await.expect("ChipProgress");
        let mut finished = session.receive_finished().await.expect("Finished");
        session.start().await.expect("Start");
        // Wait for the chip read to be under way: its first progress report.
        tokio::time::timeout(Duration::from_secs(120), progress.next())
            .await
            .expect("the chip read started")
            .expect("ChipProgress");
        // The reader goes away mid-read: pcscd dies (SIGKILL, as a crash would).
        let killed = Instant::now();
        assert!(
            std::process::Command::new("kill")
                .args(["-9", &pcscd.to_string()])
                .status()
                .expect("kill")
                .success()
        );
        let mut seen = Vec::new();
        let outcome = loop {
            tokio::select! {
                Some(s) = status.next() => {
                    let a = s.args().expect("args");
                    seen.push(format!("{}:{}", a.step(), a.code()));
                }
                Some(f) = finished.next() => {
                    let a = f.args().expect("args");
                    break (a.outcome().clone(), a.checks().guidance.clone());
                }
                () = tokio::time::sleep_until((killed + Duration::from_secs(180)).into()) => {
                    panic!("no result 180 s after the fault; statuses: {seen:?}")
                }
            }
        };
        let took = killed.elapsed();
        eprintln!(
            "fault table: pcscd killed mid-read -> statuses of the session {seen:?}, result {outcome:?} {:.1} s after the kill",
            took.as_secs_f64()
        );
        assert_eq!(outcome.0, "not_verified", "{seen:?}");
        assert!(outcome.1.is_some(), "the result names its guidance");
        // The reader is reported gone, and the station can be released and claimed again.
        let gone = Instant::now();
        while station.reader_present().await.unwrap_or(true) {
            assert!(gone.elapsed() < Duration::from_secs(10), "reader still reported present");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        session.release().await.expect("release");
        let again = station.claim().await.expect("claim again");
        let session = open_session(&conn, again).await.expect("session");
        // Without a reader, Start is refused with a reason (the person is told, nothing hangs).
        let refused = session.start().await.expect_err("no reader");
        eprintln!("fault table: next Start without pcscd -> {refused:?}");
        assert!(format!("{refused:?}").contains("NoDevice"), "{refused:?}");
    });
}
