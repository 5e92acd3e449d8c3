//! The command line as admins and scripts use it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{idgated, idgated_into_a_closed_pipe, specimen_dir};

fn specimen(name: &str) -> String {
    specimen_dir().join(name).display().to_string()
}

/// `idgated selftest` with `config` (written to `dir`), a private bus of its own and no pcscd:
/// its exit code and the table it prints.
fn selftest(dir: &Path, config: &str) -> (Option<i32>, String) {
    let cfg = dir.join("c.toml");
    std::fs::write(&cfg, config).expect("write");
    let bus = idgate_testbed::DbusDaemon::start().expect("bus");
    let out = Command::new(env!("CARGO_BIN_EXE_idgated"))
        .args([
            "selftest",
            "--config",
            cfg.to_str().expect("utf-8"),
            "--bus-address",
            bus.address(),
        ])
        .env("PCSCLITE_CSOCK_NAME", dir.join("no-pcscd"))
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn config_check_accepts_the_example_and_names_the_line_of_a_typo() {
    let example = format!("{}/idgated.example.toml", env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = idgated(&["config", "check", &example]);
    assert_eq!(code, 0);
    assert!(out.ends_with(": ok\n"), "{out}");

    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[face]\nattempts = 3\nmatch_treshold = 0.4\n").expect("write");
    let (code, _, err) = idgated(&["config", "check", bad.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert!(err.contains("match_treshold"), "{err}");
}

#[test]
fn face_compare_prints_json_and_exits_3_without_a_face() {
    let (code, out, err) = idgated(&[
        "face",
        "compare",
        &specimen("obama.jpg"),
        &specimen("obama2.jpg"),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["same"], true);
    assert!(v["score"].as_f64().unwrap_or(0.0) > v["threshold"].as_f64().unwrap_or(1.0));

    let (_, out, _) = idgated(&[
        "face",
        "compare",
        &specimen("obama.jpg"),
        &specimen("biden.jpg"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["same"], false);

    let dir = tempfile::tempdir().expect("tmp");
    let blank = dir.path().join("blank.png");
    image::RgbImage::from_pixel(200, 200, image::Rgb([128, 128, 128]))
        .save(&blank)
        .expect("png");
    let (code, out, _) = idgated(&[
        "face",
        "compare",
        blank.to_str().expect("utf-8"),
        &specimen("obama.jpg"),
    ]);
    assert_eq!(code, 3);
    assert!(out.contains("no_face"), "{out}");
    let (code, _, _) = idgated(&["face", "check", blank.to_str().expect("utf-8")]);
    assert_eq!(code, 3);
}

#[test]
fn face_compare_checks_one_photo_against_several_one_json_line_each() {
    let dir = tempfile::tempdir().expect("tmp");
    let notes = dir.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo").expect("write");
    let notes = notes.to_str().expect("utf-8");
    let (code, out, err) = idgated(&[
        "face",
        "compare",
        &specimen("obama.jpg"),
        &specimen("obama2.jpg"),
        &specimen("biden.jpg"),
        notes,
    ]);
    // One image could not be compared: exit 3, after every line was printed.
    assert_eq!(code, 3, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0]["file"], specimen("obama2.jpg"));
    assert_eq!(lines[0]["same"], true);
    assert_eq!(lines[1]["file"], specimen("biden.jpg"));
    assert_eq!(lines[1]["same"], false);
    assert!(lines[1]["threshold"].as_f64().is_some(), "{out}");
    assert_eq!(lines[2]["file"], notes);
    assert_eq!(lines[2]["error"], "unreadable");
    assert!(
        lines[2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not an image")),
        "{out}"
    );
}

#[test]
fn selftest_prints_a_table_and_fails_without_a_trust_store() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, table) = selftest(
        dir.path(),
        &format!(
            "[chip]\ntrust_store = \"{}\"\n[audit]\npath = \"{}\"\n[bus]\nauthorize = \"policy-only\"\n",
            dir.path().join("none").display(),
            dir.path().join("audit").display()
        ),
    );
    assert_eq!(code, Some(1), "{table}");
    for line in [
        "ok    onnx runtime",
        "ok    face engine",
        "FAIL  pcscd",
        "FAIL  trust store",
        "ok    bus           connected; io.idgate.Station is not running",
        // Policy-only only when configured, and then named as a weakening.
        "ok    polkit        not used",
        "warn  weakened      bus.authorize: policy-only",
        "ok    audit store",
    ] {
        assert!(table.contains(line), "missing {line:?} in\n{table}");
    }
    assert_eq!(table.matches("sha256 ok").count(), 4, "{table}");
}

#[test]
fn selftest_fails_when_calls_are_to_be_authorised_by_a_polkit_that_is_not_there() {
    let dir = tempfile::tempdir().expect("tmp");
    // The private bus has no polkitd on it: every call would be denied (fail closed).
    let (code, table) = selftest(dir.path(), "[bus]\nauthorize = \"polkit\"\n");
    assert_eq!(code, Some(1), "{table}");
    let line = table
        .lines()
        .find(|l| l.contains("polkit"))
        .unwrap_or_else(|| panic!("no polkit line in\n{table}"));
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains("every call would be denied"), "{line}");
}

#[test]
fn json_output_ends_quietly_when_the_reader_goes_away() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("audit");
    let store = store.to_str().expect("utf-8");
    write_records(Path::new(store), 3000);
    for args in [
        &["audit", "export", "--json", "--path", store][..],
        &["audit", "list", "--json", "--path", store][..],
    ] {
        // Like `idgated audit export --json | head -c0`: the pipe closes before the first line,
        // and thousands of records do not fit its buffer.
        let (code, stderr) = idgated_into_a_closed_pipe(args, b"");
        assert!(stderr.is_empty(), "{args:?} on a closed pipe: {stderr}");
        assert_eq!(code, Some(0), "{args:?}");
    }
}

fn audit_limits() -> idgated::audit::Limits {
    idgated::audit::Limits {
        retention: std::time::Duration::from_secs(86_400),
        max_records: u64::MAX,
        max_bytes: u64::MAX,
    }
}

fn record(session: u64) -> idgated::audit::AuditRecord {
    idgated::audit::AuditRecord {
        session,
        started_unix_ms: idgated::audit::now_unix_ms(),
        ended_unix_ms: idgated::audit::now_unix_ms(),
        outcome: "cancelled".into(),
        guidance: "flow.cancelled".into(),
        ..Default::default()
    }
}

/// `count` records written as the daemon writes them; the store is returned still open.
fn write_records(path: &Path, count: u64) -> idgated::audit::AuditStore {
    let store = idgated::audit::AuditStore::open(path, audit_limits()).expect("store");
    for n in 0..count {
        store.commit(record(n)).expect("commit");
    }
    store
}

#[test]
fn the_audit_cli_reads_while_the_daemon_holds_the_store_and_never_blocks_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("audit");
    // Held open (and locked) as the running daemon holds it.
    let store = write_records(&path, 3);
    let started = std::time::Instant::now();
    let (code, out, err) = idgated(&[
        "audit",
        "list",
        "--json",
        "--path",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the reader waited for the writer's lock: {:?}",
        started.elapsed()
    );
    // The writer was not held up either.
    store
        .commit(record(4))
        .expect("commit while a reader has read");
}

#[test]
fn a_damaged_audit_record_is_named_and_skipped_not_the_end_of_the_listing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("audit");
    {
        let store = write_records(&path, 2);
        drop(store);
    }
    {
        // A value that is not a record, between and after good ones (damaged disk, foreign writer).
        // sled lets go of its lock once the writer's flusher thread has wound down.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let db = loop {
            match sled::open(&path) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < until => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("sled: {e}"),
            }
        };
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&1u64.to_be_bytes());
        db.insert(key, &b"\xff not json"[..]).expect("insert");
        db.flush().expect("flush");
    }
    for command in ["list", "export"] {
        let (code, out, err) = idgated(&[
            "audit",
            command,
            "--json",
            "--path",
            path.to_str().expect("utf-8"),
        ]);
        assert_eq!(code, 3, "{command}: {err}");
        assert_eq!(out.lines().count(), 2, "{command}: {out}");
        assert!(
            err.contains("00000000000000010000000000000000") && err.contains("skipped"),
            "{command}: {err}"
        );
    }
}

#[test]
fn the_release_binary_has_no_test_only_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("audit");
    let (code, _, err) = idgated(&["audit", "stress", "--path", path.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unrecognized subcommand"), "{err}");
    assert!(!path.exists(), "it wrote a store");
}

#[test]
fn config_check_and_selftest_name_every_weakening_setting_with_an_exit_code_of_their_own() {
    let dir = tempfile::tempdir().expect("tmp");
    let weak = "[face]\nmatch_threshold = 0.0\npad_threshold = 0.0\nchallenge = false\n\
                [chip]\nrequire_clone_protection = false\n\
                [camera]\nallow_virtual = true\n\
                [bus]\nauthorize = \"policy-only\"\n";
    let file = dir.path().join("weak.toml");
    std::fs::write(&file, weak).expect("write");
    let (code, out, err) = idgated(&["config", "check", file.to_str().expect("utf-8")]);
    assert_eq!(code, 4, "{out}{err}");
    let settings = [
        "face.match_threshold",
        "face.pad_threshold",
        "face.challenge",
        "chip.require_clone_protection",
        "camera.allow_virtual",
        "bus.authorize",
    ];
    for setting in settings {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("warning: {setting}: "))),
            "{setting} not named:\n{out}"
        );
    }
    assert!(!out.contains(": ok"), "{out}");
    let (_, table) = selftest(
        dir.path(),
        &format!(
            "{weak}[audit]\npath = \"{}\"\n",
            dir.path().join("audit").display()
        ),
    );
    for setting in settings {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("warn  weakened") && l.contains(setting)),
            "{setting} not in\n{table}"
        );
    }
    // The defaults (and --bus-address alone) weaken nothing: polkit stays on.
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "").expect("write");
    let (code, out, _) = idgated(&["config", "check", plain.to_str().expect("utf-8")]);
    assert_eq!((code, out.trim_end().ends_with(": ok")), (0, true), "{out}");
    let (_, table) = selftest(dir.path(), "");
    let polkit = table
        .lines()
        .find(|l| l.contains("polkit"))
        .unwrap_or_default();
    assert!(!polkit.contains("not used"), "{table}");
}
