//! A private `polkitd` on a private bus, for tests of polkit authorisation.
//!
//! polkitd reads its actions and rules from fixed directories and has no option to move them, so
//! (as for pcscd) it runs in a mount namespace of its own where private directories are
//! bind-mounted over `/usr/share/polkit-1/actions`, `/usr/share/polkit-1/rules.d` and
//! `/etc/polkit-1/rules.d`. Accounts the tests need (the daemon's user, the group `idgate`) are
//! added to private copies of `/etc/passwd` and `/etc/group` bind-mounted the same way: only this
//! polkitd sees them. It reaches the bus through `DBUS_SYSTEM_BUS_ADDRESS` (GDBus honours it).
//!
//! polkitd must start as root: it switches to the `polkitd` user itself. That switch clears
//! PDEATHSIG, but polkitd exits when its bus goes away, and the bus dies with the test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::TestbedError;
use crate::process::stop_child;

/// Debian's `polkitd` package puts the daemon here.
const POLKITD: &str = "/usr/lib/polkit-1/polkitd";
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// polkitd logs this line (without `--no-debug`) once it serves the Authority.
const READY_LINE: &str = "Acquired the name org.freedesktop.PolicyKit1";

/// What the private polkitd knows: action files, rules files, and extra accounts.
#[derive(Debug, Clone, Default)]
pub struct PolkitSetup {
    /// `.policy` files, copied into its actions directory.
    pub actions: Vec<PathBuf>,
    /// `.rules` files, copied into its rules directory.
    pub rules: Vec<PathBuf>,
    /// Lines appended to its copy of `/etc/passwd` (`name:x:uid:gid:gecos:home:shell`).
    pub passwd_lines: Vec<String>,
    /// Lines appended to its copy of `/etc/group` (`name:x:gid:member,member`).
    pub group_lines: Vec<String>,
}

/// A running private polkitd. Dropping it stops the daemon and removes its directory.
#[derive(Debug)]
pub struct Polkitd {
    child: Child,
    dir: PathBuf,
}

impl Polkitd {
    /// Starts polkitd on the bus at `bus_address` and waits until it owns
    /// `org.freedesktop.PolicyKit1`.
    pub fn start(bus_address: &str, setup: &PolkitSetup) -> Result<Self, TestbedError> {
        if !Path::new(POLKITD).is_file() {
            return Err(TestbedError::Missing(format!(
                "{POLKITD} (apt package polkitd; run scripts/setup)"
            )));
        }
        if !crate::process::is_root() {
            return Err(TestbedError::Polkitd(
                "polkitd must start as root (it switches to the polkitd user itself)".into(),
            ));
        }
        crate::pcscd::which("unshare")?;
        crate::process::remove_stale_dirs("polkitd");
        let dir = crate::process::private_dir("polkitd")?;
        let actions = dir.join("actions");
        let rules = dir.join("rules.d");
        let etc_rules = dir.join("etc-rules.d");
        for d in [&actions, &rules, &etc_rules] {
            fs::create_dir_all(d).map_err(|e| TestbedError::io(d, e))?;
        }
        copy_into(&setup.actions, &actions)?;
        copy_into(&setup.rules, &rules)?;
        let passwd = account_file(&dir, "/etc/passwd", &setup.passwd_lines)?;
        let group = account_file(&dir, "/etc/group", &setup.group_lines)?;
        // polkitd drops to its own user before it reads anything.
        set_mode(&dir, 0o755)?;

        let script = r#"set -e
mount --bind "$1" /usr/share/polkit-1/actions
mount --bind "$2" /usr/share/polkit-1/rules.d
mkdir -p /etc/polkit-1/rules.d
mount --bind "$3" /etc/polkit-1/rules.d
mount --bind "$4" /etc/passwd
mount --bind "$5" /etc/group
exec "$6""#;
        let log = dir.join("polkitd.log");
        let out = fs::File::create(&log).map_err(|e| TestbedError::io(&log, e))?;
        let err = out.try_clone().map_err(|e| TestbedError::io(&log, e))?;
        let mut cmd = crate::process::private_mount_namespace(script);
        cmd.args([&actions, &rules, &etc_rules, &passwd, &group])
            .arg(POLKITD)
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus_address)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = cmd
            .spawn()
            .map_err(|e| TestbedError::Spawn("unshare/polkitd".into(), e))?;
        let mut polkitd = Self { child, dir };
        polkitd.wait_ready()?;
        Ok(polkitd)
    }

    fn wait_ready(&mut self) -> Result<(), TestbedError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if self.log().contains(READY_LINE) {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .try_wait()
                .map_err(|e| TestbedError::io(&self.dir, e))?
            {
                return Err(TestbedError::Polkitd(format!(
                    "polkitd exited with {status}: {}",
                    self.log().trim()
                )));
            }
            if Instant::now() > deadline {
                return Err(TestbedError::Timeout(format!(
                    "polkitd did not take its bus name within {READY_TIMEOUT:?}: {}",
                    self.log().trim()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything polkitd printed so far (rules loaded, warnings, rule errors).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("polkitd.log")).unwrap_or_default()
    }

    /// Stops the daemon now (it is also stopped on drop).
    pub fn stop(&mut self) {
        stop_child(&mut self.child);
    }
}

impl Drop for Polkitd {
    fn drop(&mut self) {
        stop_child(&mut self.child);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn copy_into(files: &[PathBuf], dir: &Path) -> Result<(), TestbedError> {
    for file in files {
        let name = file
            .file_name()
            .ok_or_else(|| TestbedError::Polkitd(format!("{} is not a file", file.display())))?;
        let to = dir.join(name);
        fs::copy(file, &to).map_err(|e| TestbedError::io(file, e))?;
        set_mode(&to, 0o644)?;
    }
    Ok(())
}

/// A copy of the system's account file with `extra` lines appended.
fn account_file(dir: &Path, system: &str, extra: &[String]) -> Result<PathBuf, TestbedError> {
    let mut text = fs::read_to_string(system).map_err(|e| TestbedError::io(system, e))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    let name = Path::new(system)
        .file_name()
        .ok_or_else(|| TestbedError::Polkitd(format!("{system} has no file name")))?;
    let path = dir.join(name);
    fs::write(&path, text).map_err(|e| TestbedError::io(&path, e))?;
    set_mode(&path, 0o644)?;
    Ok(path)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), TestbedError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| TestbedError::io(path, e))
}
