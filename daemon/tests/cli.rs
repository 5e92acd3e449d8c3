//! The command line as admins and scripts use it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{idgated, specimen_dir};

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
            "[chip]\ntrust_store = \"{}\"\n[audit]\npath = \"{}\"\n",
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
        // A private bus given with --bus-address is policy-only unless configured otherwise.
        "ok    polkit        not used",
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
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("audit");
    let store = store.to_str().expect("utf-8");
    let (code, _, err) = idgated(&["audit", "stress", "--path", store, "--count", "3000"]);
    assert_eq!(code, 0, "{err}");
    for args in [
        &["audit", "export", "--json", "--path", store][..],
        &["audit", "list", "--json", "--path", store][..],
    ] {
        // Like `idgated audit export --json | head -c0`: the pipe closes before the first line,
        // and thousands of records do not fit its buffer.
        let mut child = Command::new(env!("CARGO_BIN_EXE_idgated"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?} on a closed pipe: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}
