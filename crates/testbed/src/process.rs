//! Child processes that cannot outlive their test, and the private directories they work in.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::TestbedError;

/// A command whose child gets SIGKILL when the thread that spawned it dies, so a crashed or aborted
/// test never leaves a daemon behind. (Linux ties PDEATHSIG to the spawning *thread*: long-lived
/// daemons are spawned from a thread that lives as long as they should.)
pub(crate) fn pdeathsig_command(program: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    #[allow(unsafe_code)]
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// `sh -c SCRIPT sh ARGS…` in a private mount namespace (`unshare --mount`, private propagation):
/// the script bind-mounts private directories over system paths that only its daemon then sees.
/// Without root, a user namespace maps us to root inside so the mounts are allowed.
pub(crate) fn private_mount_namespace(script: &str) -> Command {
    let mut cmd = pdeathsig_command("unshare");
    if !is_root() {
        cmd.arg("--user").arg("--map-root-user");
    }
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
        "sh",
    ]);
    cmd
}

/// SIGTERM, a moment's grace, then SIGKILL; always reaps the child.
pub(crate) fn stop_child(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        #[allow(unsafe_code)]
        // SAFETY: kill(2) on our own child's pid; the child is not reaped yet, so the pid is still ours.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

pub(crate) fn is_root() -> bool {
    #[allow(unsafe_code)]
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe {
        libc::geteuid() == 0
    }
}

/// Sets an environment variable once, at start-up of the test bench.
pub(crate) fn set_env_once(key: &str, value: &OsStr) {
    #[allow(unsafe_code)]
    // SAFETY: called once, from the bench's initialisation, before this process makes its first PC/SC
    // call; libpcsclite reads this variable only when it first connects, so no reader races the write.
    unsafe {
        std::env::set_var(key, value);
    }
}

fn root_dir() -> PathBuf {
    std::env::temp_dir().join("idgate-testbed")
}

/// A fresh directory for this process's daemons: `$TMPDIR/idgate-testbed/<kind>-<pid>-<n>`.
pub(crate) fn private_dir(kind: &str) -> Result<PathBuf, TestbedError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = root_dir().join(format!("{kind}-{}-{n}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| TestbedError::io(&dir, e))?;
    }
    fs::create_dir_all(&dir).map_err(|e| TestbedError::io(&dir, e))?;
    Ok(dir)
}

/// Removes directories left by earlier processes that have since died (a killed test run).
pub(crate) fn remove_stale_dirs(kind: &str) {
    let Ok(entries) = fs::read_dir(root_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&format!("{kind}-")))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Spawns `cmd` from a thread that lives as long as the process, so the child's PDEATHSIG fires when
/// the process ends — not when the (short-lived) test thread that asked for it finishes.
pub(crate) fn spawn_for_process_lifetime(mut cmd: Command) -> std::io::Result<Child> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("testbed-holder".into())
        .spawn(move || {
            let _ = tx.send(cmd.spawn());
            loop {
                std::thread::park();
            }
        })?;
    rx.recv()
        .map_err(|_| std::io::Error::other("testbed holder thread died"))?
}
