//! `idgated` is not dumpable, whatever starts it (PR_SET_DUMPABLE 0, not only systemd's
//! LimitCORE=0): no core file, no ptrace by the same user, and /proc/PID/* owned by root.
//!
//! Run as the unprivileged user `daemon` (setpriv), where the difference shows: a dumpable process's
//! /proc/PID/status belongs to its own uid.

use std::io::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn uid_of(user: &str) -> u32 {
    let out = Command::new("id").args(["-u", user]).output().expect("id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("uid")
}

#[test]
fn idgated_is_not_dumpable_even_outside_systemd() {
    let uid = uid_of("daemon");
    assert_ne!(uid, 0);
    // `mrz check` waits for MRZ lines on stdin: the process is alive while stdin stays open.
    let mut child = Command::new("setpriv")
        .args(["--reuid", &uid.to_string(), "--regid", &uid.to_string()])
        .args(["--clear-groups", "--pdeathsig", "SIGKILL"])
        .arg(env!("CARGO_BIN_EXE_idgated"))
        .args(["mrz", "check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn idgated under setpriv");
    let status = format!("/proc/{}/status", child.id());
    // Wait until the process runs idgated (setpriv has exec'd and main has started).
    let until = Instant::now() + Duration::from_secs(10);
    let owner = loop {
        let real_uid = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(str::to_owned))
            .unwrap_or_default();
        let exe = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap_or_default();
        if real_uid.contains(&uid.to_string()) && exe.ends_with("idgated") {
            // Give main its first instructions (the prctl is the first thing it does).
            std::thread::sleep(Duration::from_millis(300));
            break std::fs::metadata(&status).expect("status").uid();
        }
        assert!(Instant::now() < until, "idgated did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(b"\n");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        owner,
        0,
        "/proc/PID/status of idgated running as uid {uid} belongs to uid {owner}: it is dumpable ({})",
        String::from_utf8_lossy(&out.stderr)
    );
}
