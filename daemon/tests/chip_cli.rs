//! `idgated chip readers` against the real pcscd with vpcd readers (the testbed's private one) and
//! the virtual passport as the card.

use std::process::Command;
use std::time::{Duration, Instant};

use idgate_vpass::{Inserted, PassportProfile, VirtualPassport};

fn readers(
    socket: &std::path::Path,
    config: &std::path::Path,
) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_idgated"))
        .args(["chip", "readers", "--json", "--config"])
        .arg(config)
        .env("PCSCLITE_CSOCK_NAME", socket)
        .output()
        .expect("run idgated");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn readers_show_the_card_its_atr_and_that_vpcd_is_virtual_and_refused() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let lease = pcscd.lease(Duration::from_secs(30)).expect("reader");
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("idgated.toml");
    // A production configuration, told where this pcscd declares its readers.
    std::fs::write(
        &config,
        format!(
            "[reader]\nname_pattern = \"{}\"\npcscd_config = \"{}\"\n",
            lease.reader_name(),
            pcscd.config_dir().display()
        ),
    )
    .expect("config");

    let chip = VirtualPassport::new(&PassportProfile::specimen()).expect("chip");
    let atr: String = chip.atr().iter().map(|b| format!("{b:02X}")).collect();
    let _card = Inserted::insert(lease.vpcd_addr(), Box::new(chip)).expect("insert");

    // pcscd powers the card up shortly after vpcd connects.
    let until = Instant::now() + Duration::from_secs(10);
    let ours = loop {
        let (code, lines, err) = readers(pcscd.socket_path(), &config);
        assert_eq!(code, 0, "{err}");
        assert_eq!(lines.len(), pcscd.slots().len(), "every reader is listed");
        let ours = lines
            .into_iter()
            .find(|l| l["reader"] == lease.reader_name())
            .expect("the leased reader is listed");
        if ours["card"] == true || Instant::now() > until {
            break ours;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(ours["card"], true, "{ours}");
    assert_eq!(ours["state"], "present", "{ours}");
    assert_eq!(ours["atr"], atr.as_str(), "{ours}");
    assert_eq!(ours["virtual"], true, "{ours}");
    assert_eq!(
        ours["chosen"], false,
        "a virtual reader is not the station's: {ours}"
    );
    assert!(
        ours["refused"]
            .as_str()
            .is_some_and(|r| r.contains("allow_virtual")),
        "{ours}"
    );

    // Allowed, it is the one the station picks.
    std::fs::write(
        &config,
        format!(
            "[reader]\nname_pattern = \"{}\"\nallow_virtual = true\n",
            lease.reader_name()
        ),
    )
    .expect("config");
    let (_, lines, _) = readers(pcscd.socket_path(), &config);
    let chosen: Vec<_> = lines.iter().filter(|l| l["chosen"] == true).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0]["reader"], lease.reader_name());
    assert!(
        lines
            .iter()
            .filter(|l| l["reader"] != lease.reader_name())
            .all(|l| l["atr"].is_null()),
        "the other slots hold no card"
    );
}

#[test]
fn without_pcscd_the_command_says_so_and_exits_1() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("idgated.toml");
    std::fs::write(&config, "").expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_idgated"))
        .args(["chip", "readers", "--config"])
        .arg(&config)
        .env("PCSCLITE_CSOCK_NAME", dir.path().join("no-pcscd.comm"))
        .output()
        .expect("run idgated");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pcscd is not reachable"), "{err}");
}
