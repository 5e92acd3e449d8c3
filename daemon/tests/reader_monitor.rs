//! The reader monitor against a real pcscd with vpcd readers (the testbed's private one): the
//! configured name pattern decides which reader is the station's.

mod common;

use std::time::{Duration, Instant};

use common::{Daemon, Options, rt};
use idgate_api::StationProxy;

fn reader_present(daemon: &Daemon, wait: Duration) -> bool {
    rt().block_on(async {
        let conn = daemon.connect().await;
        let station = StationProxy::new(&conn).await.expect("proxy");
        let until = Instant::now() + wait;
        loop {
            if station.reader_present().await.expect("ReaderPresent") {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

#[test]
fn the_reader_matching_the_pattern_is_found_and_no_other() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let lease = pcscd.lease(Duration::from_secs(30)).expect("reader");
    let socket = pcscd.socket_path().to_path_buf();

    let exact = lease.reader_name().to_owned();
    let daemon = Daemon::start_with(Options {
        pcsc_socket: Some(&socket),
        reader_pattern: &exact,
        ..Options::default()
    });
    assert!(
        reader_present(&daemon, Duration::from_secs(10)),
        "{exact} not found"
    );
    drop(daemon);

    let daemon = Daemon::start_with(Options {
        pcsc_socket: Some(&socket),
        reader_pattern: "ACS ACR1252*",
        ..Options::default()
    });
    assert!(
        !reader_present(&daemon, Duration::from_secs(2)),
        "a reader that does not match the pattern must not be used"
    );
}

#[test]
fn a_virtual_reader_is_refused_unless_the_configuration_allows_it() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let lease = pcscd.lease(Duration::from_secs(30)).expect("reader");
    let socket = pcscd.socket_path().to_path_buf();
    let name = lease.reader_name().to_owned();

    // As a production station is configured: vpcd's "Virtual PCD" takes its card from a socket.
    let daemon = Daemon::start_with(Options {
        pcsc_socket: Some(&socket),
        reader_pattern: &name,
        allow_virtual_reader: false,
        // The testbed declares its vpcd readers under names of its own, as an admin could.
        pcscd_config: Some(&pcscd.config_dir()),
        ..Options::default()
    });
    assert!(
        !reader_present(&daemon, Duration::from_secs(3)),
        "{name} is virtual and must not be the station's reader by default"
    );
    drop(daemon);

    let daemon = Daemon::start_with(Options {
        pcsc_socket: Some(&socket),
        reader_pattern: &name,
        allow_virtual_reader: true,
        ..Options::default()
    });
    assert!(
        reader_present(&daemon, Duration::from_secs(10)),
        "allowed by [reader] allow_virtual"
    );
}
