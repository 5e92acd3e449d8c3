//! The bus contract against a real daemon on a private dbus-daemon: claims, ownership, errors.

mod common;

use std::time::Duration;

use common::{Daemon, claim, free_within_a_second, rt};
use idgate_api::names::{BUS_NAME, SESSION_INTERFACE, STATION_PATH};
use idgate_api::{Error, ManualEntry, StationProxy, open_session};

#[test]
fn the_station_reports_its_contract_version_and_no_devices() {
    let daemon = Daemon::start();
    rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("proxy");
        assert_eq!(station.api_version().await.expect("ApiVersion"), 1);
        assert_eq!(
            station.version().await.expect("Version"),
            env!("CARGO_PKG_VERSION")
        );
        assert!(!station.busy().await.expect("Busy"));
        assert!(!station.reader_present().await.expect("ReaderPresent"));
        assert!(!station.camera_present().await.expect("CameraPresent"));
        assert!(!station.simulated().await.expect("Simulated"));
    });
}

#[test]
fn one_owner_at_a_time_and_release_frees_the_station() {
    let daemon = Daemon::start();
    rt().block_on(async {
        let a = daemon.connect().await;
        let b = daemon.connect().await;
        let station_a = StationProxy::new(&a).await.expect("proxy");
        let station_b = StationProxy::new(&b).await.expect("proxy");

        let path = station_a.claim().await.expect("first claim");
        assert_eq!(path.as_str(), "/io/idgate/Session/1");
        assert!(station_b.busy().await.expect("Busy"));

        match station_b.claim().await {
            Err(Error::AlreadyClaimed(_)) => {}
            other => panic!("expected AlreadyClaimed, got {other:?}"),
        }
        match station_a.claim().await {
            Err(Error::AlreadyClaimed(_)) => {}
            other => panic!("the owner cannot claim twice either, got {other:?}"),
        }

        // B cannot drive A's session.
        let foreign = open_session(&b, path.clone()).await.expect("proxy");
        match foreign.cancel().await {
            Err(Error::NotClaimed(_)) => {}
            other => panic!("expected NotClaimed, got {other:?}"),
        }
        match foreign.release().await {
            Err(Error::NotClaimed(_)) => {}
            other => panic!("expected NotClaimed, got {other:?}"),
        }

        let session = open_session(&a, path.clone()).await.expect("proxy");
        assert_eq!(session.step().await.expect("Step"), "idle");
        session.release().await.expect("release");
        assert!(!station_b.busy().await.expect("Busy"));
        // The released session object is gone.
        let err = a
            .call_method(
                Some(BUS_NAME),
                path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(SESSION_INTERFACE, "Step"),
            )
            .await
            .expect_err("object removed");
        assert!(format!("{err:?}").contains("UnknownObject"), "{err:?}");

        let path_b = station_b.claim().await.expect("claim after release");
        assert_eq!(path_b.as_str(), "/io/idgate/Session/2");
    });
}

#[test]
fn when_the_owner_leaves_the_bus_the_claim_ends_within_a_second() {
    let daemon = Daemon::start();
    rt().block_on(async {
        let watcher = daemon.connect().await;
        let station = StationProxy::new(&watcher).await.expect("proxy");
        {
            let owner = daemon.connect().await;
            claim(&owner).await;
            assert!(station.busy().await.expect("Busy"));
            owner.close().await.expect("close");
        }
        free_within_a_second(&station).await;
        station.claim().await.expect("free again");
    });
}

#[test]
fn garbage_gets_named_errors_and_the_daemon_stays_up() {
    let mut daemon = Daemon::start();
    rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("proxy");

        // A session path that does not exist.
        let ghost = open_session(&conn, "/io/idgate/Session/99".try_into().expect("path"))
            .await
            .expect("proxy");
        let err = ghost.start().await.expect_err("no such object");
        assert!(format!("{err:?}").contains("UnknownObject"), "{err:?}");

        let path = station.claim().await.expect("claim");
        let session = open_session(&conn, path.clone()).await.expect("proxy");

        // Wrong argument types are refused by the bus layer with InvalidArgs.
        let err = conn
            .call_method(
                Some(BUS_NAME),
                path.as_str(),
                Some(SESSION_INTERFACE),
                "SubmitMrz",
                &(42u32,),
            )
            .await
            .expect_err("wrong type");
        assert!(format!("{err:?}").contains("InvalidArgs"), "{err:?}");

        // Without devices the flow cannot start.
        match session.start().await {
            Err(Error::NoDevice(m)) => assert!(m.contains("reader"), "{m}"),
            other => panic!("expected NoDevice, got {other:?}"),
        }
        // Calls that do not fit the step.
        match session.submit_manual(ManualEntry::default()).await {
            Err(Error::WrongStep(_)) => {}
            other => panic!("expected WrongStep, got {other:?}"),
        }
        match session.cancel().await {
            Err(Error::WrongStep(_)) => {}
            other => panic!("expected WrongStep, got {other:?}"),
        }
        match session.use_manual_entry().await {
            Err(Error::WrongStep(_)) => {}
            other => panic!("expected WrongStep, got {other:?}"),
        }
        // A huge string is refused by name, not processed.
        let huge = "P<".repeat(2_000_000);
        match session.submit_mrz(&huge).await {
            Err(Error::InvalidArgument(m)) => assert!(m.contains("too long"), "{m}"),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
        // Text that is not an MRZ.
        match session.submit_mrz("hello\nworld").await {
            Err(Error::InvalidArgument(m)) => assert!(m.starts_with("lines:"), "{m}"),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
        match session.submit_can("12a").await {
            Err(Error::WrongStep(_)) => {}
            other => panic!("expected WrongStep, got {other:?}"),
        }
        // Raw dictionaries with unknown keys or wrong value types name the field.
        let mut dict = std::collections::HashMap::new();
        dict.insert("nationality", zbus::Variant::from("UTO"));
        let err = conn
            .call_method(
                Some(BUS_NAME),
                path.as_str(),
                Some(SESSION_INTERFACE),
                "SubmitManual",
                &(dict,),
            )
            .await
            .expect_err("not in the code step");
        assert!(format!("{err:?}").contains("WrongStep"), "{err:?}");

        assert_eq!(station.api_version().await.expect("still serving"), 1);
    });
    assert!(daemon.alive(), "the daemon survived");
}

#[test]
fn calls_from_a_connection_without_a_claim_are_not_claimed() {
    let daemon = Daemon::start();
    rt().block_on(async {
        let owner = daemon.connect().await;
        let path = claim(&owner).await;
        let other = daemon.connect().await;
        let session = open_session(&other, path.clone()).await.expect("proxy");
        for result in [
            session.start().await,
            session.submit_mrz("x").await,
            session.submit_can("123456").await,
            session.use_manual_entry().await,
            session.retry().await,
            session.cancel().await,
            session.release().await,
        ] {
            match result {
                Err(Error::NotClaimed(_)) => {}
                other => panic!("expected NotClaimed, got {other:?}"),
            }
        }
        match session
            .submit_manual(ManualEntry {
                can: Some("123456".into()),
                ..ManualEntry::default()
            })
            .await
        {
            Err(Error::NotClaimed(_)) => {}
            other => panic!("expected NotClaimed, got {other:?}"),
        }
        // Properties stay readable (they carry no personal data).
        assert_eq!(session.step().await.expect("Step"), "idle");
        // Another connection's Release did not free the station: the owner still holds it.
        let station = StationProxy::new(&other).await.expect("station");
        assert!(station.busy().await.expect("Busy"));
        let mine = open_session(&owner, path).await.expect("proxy");
        mine.release().await.expect("the owner releases");
        free_within_a_second(&station).await;
    });
    let _ = STATION_PATH;
}

#[test]
fn the_station_pets_the_systemd_watchdog() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("notify");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let notify = path.to_str().expect("utf-8").to_owned();
    let _daemon = Daemon::start_with(common::Options {
        env: &[("NOTIFY_SOCKET", &notify), ("WATCHDOG_USEC", "400000")],
        ..common::Options::default()
    });
    let mut buf = [0u8; 64];
    for _ in 0..3 {
        let n = socket.recv(&mut buf).expect("a watchdog ping");
        assert_eq!(&buf[..n], b"WATCHDOG=1");
    }
}

#[test]
fn a_claim_with_no_activity_is_released_after_the_configured_time() {
    let daemon = Daemon::start_with(common::Options {
        extra_config: "[station]\nidle_release_secs = 2\n",
        ..common::Options::default()
    });
    rt().block_on(async {
        let owner = daemon.connect().await;
        let station = StationProxy::new(&owner).await.expect("station");
        let path = claim(&owner).await;
        let session = open_session(&owner, path).await.expect("proxy");
        // Activity keeps the claim: a call every second for three seconds.
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let _ = session.use_manual_entry().await;
            assert!(station.busy().await.expect("Busy"), "released while active");
        }
        // Then nothing: the station frees itself, though the owner is still on the bus.
        let quiet = std::time::Instant::now();
        while station.busy().await.expect("Busy") {
            assert!(
                quiet.elapsed() < Duration::from_secs(5),
                "still claimed after {:?} without activity",
                quiet.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The session object is gone with the claim.
        let err = session.start().await.expect_err("the idle session ended");
        assert!(format!("{err:?}").contains("UnknownObject"), "{err:?}");
        // The station can be claimed again.
        claim(&owner).await;
    });
}
