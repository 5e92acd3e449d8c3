//! The whole station end to end with no hardware: `idgated-sim` (the real daemon with its private
//! pcscd and vpcd reader, the virtual passport inserted as the card, the simulated camera and
//! person), driven over a private bus through the typed proxies, exactly as the TUI drives it.
//!
//! Needs `scripts/setup` (ONNX Runtime, models, specimen photos) and the apt packages pcscd,
//! vsmartcard-vpcd, fonts-ocr-b.

#[path = "../../daemon/tests/common/mod.rs"]
mod common;
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Daemon, claim, free_within_a_second, rt};
use futures_util::StreamExt;
use idgate_api::{Checks, Outcome, SessionProxy, StationProxy, Step, open_session};
use support::simulated;

/// The daemon's audit records, read as `idgated audit list|export --json` prints them (from a
/// private copy of the store, so this works while the daemon holds it): one record a line, and
/// the text.
fn audit_records(daemon: &Daemon) -> (Vec<serde_json::Value>, String) {
    let listing = idgated::audit::read_snapshot(&daemon.audit_path()).expect("audit store");
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    let out: String = listing
        .records
        .iter()
        .map(|r| serde_json::to_string(r).expect("json") + "\n")
        .collect();
    let records = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    (records, out)
}

/// What a client saw of one verification.
struct Seen {
    statuses: Vec<(String, String)>,
    chip_progress: usize,
    code_lines: usize,
    challenges: Vec<String>,
    previews: usize,
    outcome: String,
    checks: Checks,
    /// When each step was first seen, from `Start` (measured, printed; never asserted on time).
    step_started: Vec<(String, Duration)>,
    /// `Start` → `Finished`.
    total: Duration,
}

async fn wait_for_devices(station: &StationProxy<'_>) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let reader = station.reader_present().await.expect("ReaderPresent");
        let camera = station.camera_present().await.expect("CameraPresent");
        if reader && camera {
            return;
        }
        assert!(
            Instant::now() < until,
            "devices not ready (reader {reader}, camera {camera})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn verify_once(session: &SessionProxy<'_>, limit: Duration) -> Seen {
    let mut status = session.receive_status().await.expect("Status");
    let mut finished = session.receive_finished().await.expect("Finished");
    let mut chip = session.receive_chip_progress().await.expect("ChipProgress");
    let mut lines = session.receive_code_lines().await.expect("CodeLines");
    let mut challenge = session.receive_challenge().await.expect("Challenge");
    let mut preview = session.receive_preview().await.expect("Preview");
    let started = Instant::now();
    session.start().await.expect("Start");
    let mut seen = Seen {
        statuses: Vec::new(),
        chip_progress: 0,
        code_lines: 0,
        challenges: Vec::new(),
        previews: 0,
        outcome: String::new(),
        checks: Checks::default(),
        step_started: Vec::new(),
        total: Duration::ZERO,
    };
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            // Biased, statuses first: the daemon sends the final Status before Finished and zbus
            // queues each signal on its stream in arrival order, so when Finished is ready the
            // last Status is ready too — an unbiased select could take Finished first and lose it.
            biased;
            () = &mut deadline => panic!("no result within {limit:?}; statuses so far: {:?}", seen.statuses),
            Some(s) = status.next() => {
                let a = s.args().expect("Status args");
                if !seen.step_started.iter().any(|(step, _)| step == a.step()) {
                    seen.step_started.push((a.step().clone(), started.elapsed()));
                }
                seen.statuses.push((a.step().clone(), a.code().clone()));
            }
            Some(_) = chip.next() => seen.chip_progress += 1,
            Some(_) = lines.next() => seen.code_lines += 1,
            Some(c) = challenge.next() => {
                seen.challenges.push(c.args().expect("args").code().clone());
            }
            Some(p) = preview.next() => {
                let a = p.args().expect("Preview args");
                assert!(*a.width() <= 160 && *a.height() <= 120);
                assert_eq!(a.rgb().len() as u32, a.width() * a.height() * 3);
                seen.previews += 1;
            }
            Some(f) = finished.next() => {
                let a = f.args().expect("Finished args");
                seen.outcome = a.outcome().clone();
                seen.checks = a.checks().clone();
                seen.total = started.elapsed();
                return seen;
            }
        }
    }
}

#[test]
fn a_person_is_verified_end_to_end_through_pcscd_vpcd_and_the_virtual_passport() {
    let mut daemon = simulated(&[]);
    let seen = rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("station");
        assert!(station.simulated().await.expect("Simulated"));
        wait_for_devices(&station).await;
        let path = station.claim().await.expect("claim");
        // Another client on the bus listens to the session's signals.
        let spy_conn = daemon.connect().await;
        let spy = open_session(&spy_conn, path.clone()).await.expect("spy");
        let mut spy_status = spy.receive_status().await.expect("Status");
        let mut spy_lines = spy.receive_code_lines().await.expect("CodeLines");
        let mut spy_preview = spy.receive_preview().await.expect("Preview");

        let session = open_session(&conn, path).await.expect("session");
        let seen = verify_once(&session, Duration::from_secs(240)).await;
        assert_eq!(session.step().await.expect("Step"), Step::Result.as_str());

        // Session signals are unicast to the owner: MRZ lines and frames reach no one else.
        let quiet = Duration::from_millis(300);
        assert!(
            tokio::time::timeout(quiet, spy_status.next())
                .await
                .is_err()
        );
        assert!(tokio::time::timeout(quiet, spy_lines.next()).await.is_err());
        assert!(
            tokio::time::timeout(quiet, spy_preview.next())
                .await
                .is_err()
        );
        session.release().await.expect("release");
        seen
    });
    eprintln!("statuses: {:?}", seen.statuses);
    // The figure the issue asks for (Start → Finished, with the deliberate "place the passport"
    // pause), printed for the notes; a timed assertion would flake on a loaded machine.
    eprintln!(
        "end to end (Start -> Finished): {:.2} s; steps first seen at {}",
        seen.total.as_secs_f64(),
        seen.step_started
            .iter()
            .map(|(step, at)| format!("{step} {:.2} s", at.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(
        seen.outcome,
        Outcome::Verified.as_str(),
        "{:?}",
        seen.checks
    );

    // The person went through every step, in order, and ended verified.
    let steps: Vec<&str> = seen.statuses.iter().map(|(s, _)| s.as_str()).collect();
    let first = |s: &str| steps.iter().position(|x| *x == s).unwrap_or(usize::MAX);
    assert!(first("code") < first("chip") && first("chip") < first("face"));
    assert_eq!(
        seen.statuses.last(),
        Some(&("result".to_owned(), "flow.verified".to_owned()))
    );
    assert!(seen.code_lines > 0, "the OCR lines were shown");
    assert!(seen.chip_progress > 0, "the chip read reported progress");
    assert!(seen.previews > 0, "camera previews were sent");

    let c = &seen.checks;
    assert_eq!(c.code_source.as_deref(), Some("camera"));
    assert_eq!(c.chip_access.as_deref(), Some("pace"));
    assert_eq!(c.chip_dg1_matches_code.as_deref(), Some("passed"));
    assert_eq!(c.chip_passive_auth.as_deref(), Some("passed"));
    assert_eq!(c.chip_chip_auth.as_deref(), Some("passed"));
    assert_eq!(c.face_match.as_deref(), Some("passed"));
    assert_eq!(c.face_liveness.as_deref(), Some("passed"));
    assert!(c.face_score.unwrap_or(0.0) >= c.face_threshold.unwrap_or(1.0));
    assert_eq!(c.reasons.as_deref(), Some(&[][..]));
    let audit_id = c.audit_id.clone().expect("an audit record was committed");

    // The audit record is there after the daemon stops, and holds no personal data.
    daemon.stop();
    let (records, out) = audit_records(&daemon);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], audit_id.as_str());
    assert_eq!(records[0]["outcome"], "verified");
    assert_eq!(records[0]["devices"]["simulated"], true);
    // The files the station read: what the verification needs, no other personal data (the
    // virtual passport carries DG11 with an address and phone number too).
    let files: Vec<&str> = records[0]["chip"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    for needed in ["DG1", "DG2", "EF.SOD", "DG14", "DG15"] {
        assert!(files.contains(&needed), "{needed} not read: {files:?}");
    }
    for unneeded in ["DG7", "DG11", "DG12"] {
        assert!(!files.contains(&unneeded), "{unneeded} was read: {files:?}");
    }
    for secret in ["IDG004211", "SPECIMEN", "Specimen", "610804", "350415"] {
        assert!(!out.contains(secret), "audit export leaks {secret}");
    }
}

#[test]
fn a_different_live_face_ends_not_verified_with_the_reasons_and_the_alternatives() {
    let daemon = simulated(&["--mismatch"]);
    let seen = rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("station");
        wait_for_devices(&station).await;
        let path = station.claim().await.expect("claim");
        let session = open_session(&conn, path).await.expect("session");
        verify_once(&session, Duration::from_secs(400)).await
    });
    eprintln!("statuses: {:?}", seen.statuses);
    assert_eq!(seen.outcome, Outcome::NotVerified.as_str());
    let c = &seen.checks;
    assert_eq!(c.guidance.as_deref(), Some("flow.alternatives"));
    let reasons = c.reasons.clone().unwrap_or_default();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().all(|r| r == "face.no_match"), "{reasons:?}");
    assert!(c.alternatives_en.as_deref().is_some_and(|t| !t.is_empty()));
    assert!(c.alternatives_da.as_deref().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        c.chip_passive_auth.as_deref(),
        Some("passed"),
        "the chip itself was fine"
    );
    assert_eq!(c.face_match.as_deref(), Some("failed"));
    assert!(c.face_score.unwrap_or(1.0) < c.face_threshold.unwrap_or(0.0));
}

#[test]
fn typed_code_with_field_errors_then_the_owner_leaves_mid_read_and_the_station_is_free_within_a_second()
 {
    let mut daemon = simulated(&[]);
    rt().block_on(async {
        let watcher = daemon.connect().await;
        let station = StationProxy::new(&watcher).await.expect("station");
        wait_for_devices(&station).await;
        {
            let owner = daemon.connect().await;
            let path = claim(&owner).await;
            let session = open_session(&owner, path).await.expect("session");
            let mut status = session.receive_status().await.expect("Status");
            let mut chip = session.receive_chip_progress().await.expect("ChipProgress");
            session.start().await.expect("Start");
            session.use_manual_entry().await.expect("UseManualEntry");
            assert_eq!(session.step().await.expect("Step"), "code");

            // Malformed dictionaries get InvalidArgument naming the field.
            let raw = |dict: HashMap<&'static str, zbus::Variant<'static>>| {
                let owner = owner.clone();
                let path = session.inner().path().to_owned();
                async move {
                    owner
                        .call_method(
                            Some(idgate_api::names::BUS_NAME),
                            &path,
                            Some(idgate_api::names::SESSION_INTERFACE),
                            "SubmitManual",
                            &(dict,),
                        )
                        .await
                        .expect_err("refused")
                        .to_string()
                }
            };
            let err = raw(HashMap::from([(
                "birth_date",
                zbus::Variant::from(610804u32),
            )]))
            .await;
            assert!(
                err.contains("InvalidArgument") && err.contains("birth_date"),
                "{err}"
            );
            let err = raw(HashMap::from([("nationality", zbus::Variant::from("UTO"))])).await;
            assert!(
                err.contains("InvalidArgument") && err.contains("nationality"),
                "{err}"
            );
            let huge = "9".repeat(100_000);
            let errors = session
                .submit_manual(idgate_api::ManualEntry {
                    document_number: Some(huge),
                    ..Default::default()
                })
                .await
                .expect("reply");
            assert_eq!(
                errors.get("document_number").map(String::as_str),
                Some("length")
            );

            // 31 April is not a date: the reply names the field and the problem.
            let mut entry = idgate_api::ManualEntry {
                document_number: Some("IDG004211".into()),
                birth_date: Some("04.08.1961".into()),
                expiry_date: Some("31.04.2035".into()),
                can: None,
            };
            let errors = session.submit_manual(entry.clone()).await.expect("reply");
            assert_eq!(
                errors,
                HashMap::from([("expiry_date".to_owned(), "not_a_date".to_owned())])
            );
            // The right date opens the chip step.
            entry.expiry_date = Some("15.04.2035".into());
            let errors = session.submit_manual(entry).await.expect("reply");
            assert!(errors.is_empty(), "{errors:?}");
            let mut codes = Vec::new();
            let until = Instant::now() + Duration::from_secs(30);
            while !codes.iter().any(|c: &String| c.starts_with("chip.")) {
                assert!(Instant::now() < until, "no chip step: {codes:?}");
                let s = status.next().await.expect("status");
                codes.push(s.args().expect("args").code().clone());
            }
            assert!(codes.contains(&"code.type_in".to_owned()), "{codes:?}");
            assert!(
                codes.contains(&"code.field_invalid".to_owned()),
                "{codes:?}"
            );
            // The read is under way; then the owner's connection goes.
            chip.next().await.expect("chip progress");
            owner.close().await.expect("close");
        }
        free_within_a_second(&station).await;
        // The devices are free: the next person can claim and start at once.
        let path = station.claim().await.expect("claim after the owner left");
        let session = open_session(&watcher, path).await.expect("session");
        session.start().await.expect("Start again");
        assert_eq!(session.step().await.expect("Step"), "code");
        session.release().await.expect("release");
    });
    // Staff read the audit log while the daemon runs (the store is open only while writing).
    let (records, out) = audit_records(&daemon);
    assert_eq!(records.len(), 2, "{out}");
    assert_eq!(records[0]["outcome"], "cancelled");
    assert_eq!(records[0]["cancelled_by"], "owner_gone");
    assert_eq!(records[0]["code_source"], "manual");
    assert_eq!(records[1]["cancelled_by"], "client");
    assert!(daemon.alive());
    daemon.stop();
}

#[test]
fn stopping_the_daemon_mid_verification_cancels_and_audits_it() {
    let mut daemon = simulated(&[]);
    rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("station");
        wait_for_devices(&station).await;
        let session = open_session(&conn, station.claim().await.expect("claim"))
            .await
            .expect("session");
        let mut finished = session.receive_finished().await.expect("Finished");
        session.start().await.expect("Start");
        daemon.stop();
        // The owner hears the end before the daemon leaves the bus.
        let f = tokio::time::timeout(Duration::from_secs(5), finished.next())
            .await
            .expect("Finished before exit")
            .expect("signal");
        assert_eq!(f.args().expect("args").outcome(), "cancelled");
    });
    let (records, out) = audit_records(&daemon);
    assert_eq!(records.len(), 1, "one record: {out}");
    assert_eq!(records[0]["outcome"], "cancelled");
    assert_eq!(records[0]["cancelled_by"], "shutdown");
}
