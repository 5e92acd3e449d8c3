//! A private dbus-daemon per test: it answers, and it is gone when dropped.

use std::process::Command;

use idgate_testbed::DbusDaemon;

fn busctl(address: &str, args: &[&str]) -> std::process::Output {
    Command::new("busctl")
        .arg(format!("--address={address}"))
        .args(args)
        .output()
        .expect("busctl runs")
}

#[test]
fn a_private_bus_answers_and_disappears_on_drop() {
    let bus = DbusDaemon::start().expect("private bus");
    let out = busctl(
        bus.address(),
        &[
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetId",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("s \""));

    let address = bus.address().to_owned();
    let dir = bus.dir().to_owned();
    drop(bus);
    assert!(!dir.exists(), "the bus directory is removed");
    let out = busctl(
        &address,
        &[
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetId",
        ],
    );
    assert!(!out.status.success(), "the bus is gone after drop");
}

#[test]
fn two_tests_get_two_different_buses() {
    let a = DbusDaemon::start().expect("bus a");
    let b = DbusDaemon::start().expect("bus b");
    assert_ne!(a.address(), b.address());
}

#[test]
fn a_policy_that_denies_owning_a_name_is_enforced() {
    let request_name = |address: &str| {
        busctl(
            address,
            &[
                "call",
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "RequestName",
                "su",
                "io.idgate.Station",
                "0",
            ],
        )
    };
    let open = DbusDaemon::start().expect("open bus");
    let out = request_name(open.address());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let locked = DbusDaemon::start_with_policy(
        r#"<policy context="default">
    <allow user="*"/>
    <allow send_destination="*"/>
    <allow receive_type="*"/>
    <deny own="io.idgate.Station"/>
  </policy>"#,
    )
    .expect("locked bus");
    let out = request_name(locked.address());
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Access denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
