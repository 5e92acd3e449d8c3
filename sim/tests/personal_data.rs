//! No personal data reaches disk or logs: after full simulated verifications — verified by camera,
//! verified with the MRZ typed, and not verified (someone else's face) — every byte the station
//! wrote is searched for the specimen's document number, names, dates and MRZ lines: its log at
//! debug level (what the journal would get), the audit store, and every file under the home,
//! state, cache, runtime and temporary directories it was given.
//!
//! The specimen is the simulator's (`sim/src/simulation.rs`, `specimen_fields`, whose MRZ is
//! `idgate_testbed::specimen::SPECIMEN_TD3`).

#[path = "../../daemon/tests/common/mod.rs"]
mod common;
mod support;

use std::path::Path;
use std::time::Duration;

use common::{Daemon, Options, rt, specimen_dir};
use futures_util::StreamExt;
use idgate_mrz::Mrz;
use idgate_testbed::specimen::SPECIMEN_TD3;

/// The specimen's MRZ, as the simulator prints and personalises it.
fn specimen() -> Mrz {
    Mrz::from_lines(&SPECIMEN_TD3).expect("the specimen parses")
}

/// Strings that must appear nowhere the station writes.
fn secrets() -> Vec<String> {
    let mrz = specimen();
    let mut out: Vec<String> = [
        "IDG004211",
        "SPECIMEN",
        "Specimen",
        "STATION<PERSON",
        "Station Person",
        "STATION PERSON",
        "610804",
        "1961-08-04",
        "350415",
        "2035-04-15",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for line in mrz.lines() {
        out.push(line.clone());
        // The MRZ without its filler tail, as a shorter log line would hold it.
        out.push(line.trim_end_matches('<').chars().take(30).collect());
    }
    out
}

/// Every file under `dir`, recursively, as (path, bytes).
fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => files(&path, out),
            Ok(t) if t.is_file() => {
                if let Ok(bytes) = std::fs::read(&path) {
                    out.push((path.display().to_string(), bytes));
                }
            }
            _ => {}
        }
    }
}

fn leaks(haystack: &[u8], secrets: &[String]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| haystack.windows(s.len()).any(|w| w == s.as_bytes()))
        .cloned()
        .collect()
}

/// One verification; `typed`: the code is typed (SubmitMrz) instead of read by the camera.
async fn verify(daemon: &Daemon, typed: Option<&str>) -> String {
    let (_conn, _station, session) = support::claim_when_ready(daemon).await;
    let mut finished = session.receive_finished().await.expect("Finished");
    session.start().await.expect("Start");
    if let Some(lines) = typed {
        session.use_manual_entry().await.expect("UseManualEntry");
        session.submit_mrz(lines).await.expect("SubmitMrz");
    }
    let f = tokio::time::timeout(Duration::from_secs(400), finished.next())
        .await
        .expect("a result")
        .expect("Finished");
    let outcome = f.args().expect("args").outcome().clone();
    session.release().await.expect("release");
    outcome
}

fn run_station(
    extra: &'static [&'static str],
    runs: &[Option<&str>],
) -> (Vec<String>, Vec<(String, Vec<u8>)>) {
    let root = tempfile::tempdir().expect("tmp");
    let log = root.path().join("idgated.log");
    let mut env_dirs = Vec::new();
    for name in ["home", "state", "cache", "runtime", "tmp"] {
        let d = root.path().join(name);
        std::fs::create_dir_all(&d).expect("dir");
        env_dirs.push(d.display().to_string());
    }
    let env: Vec<(&str, &str)> = vec![
        ("RUST_LOG", "debug"),
        ("HOME", &env_dirs[0]),
        ("XDG_STATE_HOME", &env_dirs[1]),
        ("XDG_CACHE_HOME", &env_dirs[2]),
        ("XDG_RUNTIME_DIR", &env_dirs[3]),
        ("TMPDIR", &env_dirs[4]),
    ];
    let audit = root.path().join("state/audit");
    let mut daemon = Daemon::start_with(Options {
        program: Some(Path::new(env!("CARGO_BIN_EXE_idgated-sim"))),
        own_pcscd: true,
        args: extra,
        env: &env,
        audit_path: Some(&audit),
        log: Some(&log),
        // One face attempt: a failed run ends sooner, the data it handles is the same.
        extra_config: "[face]\nattempts = 1\n",
        ..Options::default()
    });
    let outcomes = rt().block_on(async {
        let mut out = Vec::new();
        for typed in runs {
            out.push(verify(&daemon, *typed).await);
        }
        out
    });
    daemon.stop();
    let mut written = Vec::new();
    files(root.path(), &mut written);
    files(daemon.dir.path(), &mut written);
    (outcomes, written)
}

#[test]
fn no_document_number_name_date_or_mrz_line_in_anything_the_station_wrote() {
    assert!(
        specimen_dir().join("obama.jpg").exists(),
        "run scripts/setup first"
    );
    let secrets = secrets();
    let mrz = specimen().lines().join("\n");
    let (outcomes, mut written) = run_station(&[], &[None, Some(&mrz)]);
    assert_eq!(outcomes, ["verified", "verified"]);
    let (failed, more) = run_station(&["--mismatch"], &[None]);
    assert_eq!(failed, ["not_verified"]);
    written.extend(more);

    let log_bytes: usize = written
        .iter()
        .filter(|(p, _)| p.ends_with("idgated.log"))
        .map(|(_, b)| b.len())
        .sum();
    assert!(
        log_bytes > 10_000,
        "the debug log was written ({log_bytes} bytes)"
    );
    assert!(
        written.iter().any(|(p, _)| p.contains("/audit/")),
        "the audit store was written"
    );
    let mut found = Vec::new();
    for (path, bytes) in &written {
        let leaked = leaks(bytes, &secrets);
        if !leaked.is_empty() {
            found.push(format!("{path}: {leaked:?}"));
        }
    }
    eprintln!(
        "searched {} files ({} bytes; debug log {} bytes) for {} strings",
        written.len(),
        written.iter().map(|(_, b)| b.len()).sum::<usize>(),
        log_bytes,
        secrets.len()
    );
    assert!(
        found.is_empty(),
        "personal data written:\n{}",
        found.join("\n")
    );
}
