//! A record the store reported committed (flushed) survives SIGKILL of the writer.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use idgated::audit::{AuditStore, Limits};

fn limits() -> Limits {
    Limits {
        retention: Duration::from_secs(86_400),
        max_records: u64::MAX,
        max_bytes: u64::MAX,
    }
}

/// Starts a writer, kills it with SIGKILL after `after` commits, returns the ids it reported.
fn kill_writer_after(path: &std::path::Path, after: usize) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idgated"))
        .args(["audit", "stress", "--count", "1000000", "--path"])
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut committed = Vec::new();
    while committed.len() < after {
        let line = lines
            .next()
            .expect("the writer stopped early")
            .expect("line");
        committed.push(line);
    }
    // std's Child::kill sends SIGKILL: no destructor, no flush, no clean shutdown.
    child.kill().expect("SIGKILL");
    // Lines already in the pipe were reported committed before the kill too.
    committed.extend(lines.map_while(Result::ok));
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the writer was killed, not finished");
    committed
        .into_iter()
        .map(|l| {
            l.strip_prefix("committed ")
                .unwrap_or_else(|| panic!("unexpected output {l:?}"))
                .to_owned()
        })
        .collect()
}

#[test]
fn committed_records_survive_sigkill_during_writes() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut all = Vec::new();
    // Three crashes into the same store: each reopen must also recover the earlier ones.
    for after in [50, 300, 120] {
        all.extend(kill_writer_after(dir.path(), after));
        let store = AuditStore::open(dir.path(), limits()).expect("reopen after SIGKILL");
        let ids: std::collections::HashSet<String> = store
            .list()
            .expect("every record decodes")
            .into_iter()
            .map(|r| r.id)
            .collect();
        let lost: Vec<&String> = all.iter().filter(|id| !ids.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "{} committed records lost: {lost:?}",
            lost.len()
        );
    }
    assert!(all.len() >= 470);
}
