//! A record the store reported committed (flushed) survives SIGKILL of the writer.
//!
//! The writer is this test binary itself, run again as a child with only the hidden
//! `child_writer` test selected: the release `idgated` carries no test-only command.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use idgated::audit::{AuditRecord, AuditStore, Limits};

/// Set in the child: the store it writes to.
const CHILD_STORE: &str = "IDGATE_AUDIT_CRASH_CHILD_STORE";

fn limits() -> Limits {
    Limits {
        retention: Duration::from_secs(86_400),
        max_records: u64::MAX,
        max_bytes: u64::MAX,
    }
}

/// The writer: "started" then final record, as the daemon writes a session, printing
/// "committed ID" after each flush until killed.
#[test]
#[ignore = "run by committed_records_survive_sigkill_during_writes as its child"]
fn child_writer() {
    let Some(path) = std::env::var_os(CHILD_STORE) else {
        return;
    };
    let store = AuditStore::open(std::path::Path::new(&path), limits()).expect("open");
    let mut out = std::io::stdout().lock();
    for session in 0.. {
        let record = AuditRecord {
            session,
            started_unix_ms: idgated::audit::now_unix_ms(),
            ..AuditRecord::default()
        };
        let id = store.begin(record.clone()).expect("begin");
        writeln!(out, "committed {id}").expect("stdout");
        out.flush().expect("flush");
        let id = store
            .commit(AuditRecord {
                id,
                ended_unix_ms: idgated::audit::now_unix_ms(),
                outcome: "cancelled".into(),
                guidance: "flow.cancelled".into(),
                ..record
            })
            .expect("commit");
        writeln!(out, "committed {id}").expect("stdout");
        out.flush().expect("flush");
    }
}

/// Starts a writer, kills it with SIGKILL after `after` commits, returns the ids it reported.
fn kill_writer_after(path: &std::path::Path, after: usize) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_STORE, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("committed "));
    let mut committed = Vec::new();
    while committed.len() < after {
        let line = lines.next().expect("the writer stopped early");
        committed.push(line);
    }
    // std's Child::kill sends SIGKILL: no destructor, no flush, no clean shutdown.
    child.kill().expect("SIGKILL");
    // Lines already in the pipe were reported committed before the kill too.
    committed.extend(lines);
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the writer was killed, not finished");
    committed
        .into_iter()
        .filter_map(|l| l.strip_prefix("committed ").map(str::to_owned))
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
        let listing = store.list().expect("list");
        assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
        let ids: std::collections::HashSet<String> =
            listing.records.into_iter().map(|r| r.id).collect();
        let lost: Vec<&String> = all.iter().filter(|id| !ids.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "{} committed records lost: {lost:?}",
            lost.len()
        );
    }
    assert!(all.len() >= 470);
}
