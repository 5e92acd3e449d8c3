//! A private `dbus-daemon` per test: its own socket, its own policy, gone when dropped.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::TestbedError;
use crate::process::{pdeathsig_command, stop_child};

const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running private bus. Dropping it stops the daemon and removes its directory.
#[derive(Debug)]
pub struct DbusDaemon {
    child: Child,
    address: String,
    dir: PathBuf,
}

impl DbusDaemon {
    /// A session-style bus that lets everyone own names and call anything: for tests of the API itself.
    pub fn start() -> Result<Self, TestbedError> {
        Self::start_with_policy(
            r#"<policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_requested_reply="true"/>
    <allow receive_type="*"/>
  </policy>"#,
        )
    }

    /// A bus whose configuration holds the given `<policy>` elements (and `<include>`s), e.g. the
    /// production system-bus policy from `dbus/`, to prove it loads and is enforced.
    pub fn start_with_policy(policy_xml: &str) -> Result<Self, TestbedError> {
        crate::pcscd::which("dbus-daemon")?;
        crate::process::remove_stale_dirs("dbus");
        let dir = crate::process::private_dir("dbus")?;
        let socket = dir.join("bus");
        let config = format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  {policy_xml}
</busconfig>
"#,
            socket.display()
        );
        let config_path = dir.join("bus.conf");
        fs::write(&config_path, config).map_err(|e| TestbedError::io(&config_path, e))?;

        let mut cmd = pdeathsig_command("dbus-daemon");
        cmd.arg("--nofork")
            .arg("--print-address=1")
            .arg(format!("--config-file={}", config_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| TestbedError::Spawn("dbus-daemon".into(), e))?;

        // The daemon prints its address once it listens: that is our readiness signal.
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| TestbedError::Dbus("no stdout from dbus-daemon".into()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) if !line.trim().is_empty() => Ok(Self {
                child,
                address: line.trim().to_owned(),
                dir,
            }),
            Ok(_) | Err(_) => {
                let mut err = String::new();
                if let Some(e) = child.stderr.take() {
                    let _ = BufReader::new(e).read_line(&mut err);
                }
                stop_child(&mut child);
                let _ = fs::remove_dir_all(&dir);
                Err(TestbedError::Dbus(format!(
                    "dbus-daemon did not start: {}",
                    err.trim()
                )))
            }
        }
    }

    /// The bus address, e.g. `unix:path=/tmp/idgate-testbed/dbus-123-0/bus,guid=…`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The directory holding the bus socket and configuration.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DbusDaemon {
    fn drop(&mut self) {
        stop_child(&mut self.child);
        let _ = fs::remove_dir_all(&self.dir);
    }
}
