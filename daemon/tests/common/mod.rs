//! A real daemon on a private bus: `idgated run --bus-address` (or the simulator's
//! `idgated-sim run`, which `sim/tests` include this file for) as a child process, torn down on
//! drop. PC/SC is pointed at a socket of the test's own (none, or the testbed's private pcscd), so
//! a test never touches a system pcscd.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use idgate_api::StationProxy;
use idgate_api::names::BUS_NAME;
use idgate_testbed::DbusDaemon;

pub struct Daemon {
    child: Child,
    pub bus: DbusDaemon,
    pub dir: tempfile::TempDir,
    audit: PathBuf,
}

pub struct Options<'a> {
    /// The daemon program [default: this crate's `idgated`].
    pub program: Option<&'a Path>,
    /// Leave PC/SC alone (the simulated station starts its own private pcscd).
    pub own_pcscd: bool,
    pub pcsc_socket: Option<&'a Path>,
    pub reader_pattern: &'a str,
    /// `[reader] allow_virtual` [default: true — test readers are vpcd readers].
    pub allow_virtual_reader: bool,
    /// `[reader] pcscd_config` (where the virtual readers are declared) [default: pcscd's].
    pub pcscd_config: Option<&'a Path>,
    pub extra_config: &'a str,
    pub args: &'a [&'a str],
    pub env: &'a [(&'a str, &'a str)],
    /// The audit store [default: `audit` in the daemon's own temporary directory].
    pub audit_path: Option<&'a Path>,
    /// The daemon's stderr (its log) goes to this file [default: the test's stderr].
    pub log: Option<&'a Path>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            program: None,
            own_pcscd: false,
            pcsc_socket: None,
            reader_pattern: "*",
            allow_virtual_reader: true,
            pcscd_config: None,
            extra_config: "",
            args: &[],
            env: &[],
            audit_path: None,
            log: None,
        }
    }
}

impl Daemon {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    pub fn start_with(opts: Options<'_>) -> Self {
        let bus = DbusDaemon::start().expect("private dbus-daemon");
        let dir = tempfile::tempdir().expect("tmp");
        let audit = opts
            .audit_path
            .map_or_else(|| dir.path().join("audit"), Path::to_path_buf);
        let config = dir.path().join("idgated.toml");
        let pcscd_config = opts.pcscd_config.map_or_else(
            || "/etc/reader.conf.d".to_owned(),
            |p| p.display().to_string(),
        );
        std::fs::write(
            &config,
            format!(
                "[reader]\nname_pattern = \"{}\"\nallow_virtual = {}\npcscd_config = \"{}\"\n[audit]\npath = \"{}\"\n[chip]\ntrust_store = \"{}\"\n{}{}",
                opts.reader_pattern,
                opts.allow_virtual_reader,
                pcscd_config,
                audit.display(),
                dir.path().join("csca").display(),
                // A private test bus has no polkitd: the bus policy alone decides, said explicitly.
                if opts.extra_config.contains("[bus]") {
                    ""
                } else {
                    "[bus]\nauthorize = \"policy-only\"\n"
                },
                opts.extra_config
            ),
        )
        .expect("config");
        let socket: PathBuf = opts
            .pcsc_socket
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.path().join("no-pcscd.comm"));
        let program = opts.program.map_or_else(idgated_bin, Path::to_path_buf);
        let mut cmd = Command::new(program);
        cmd.arg("run")
            .arg("--config")
            .arg(&config)
            .arg("--bus-address")
            .arg(bus.address())
            .args(opts.args)
            .env("IDGATE_SPECIMEN_DIR", specimen_dir())
            .env("RUST_LOG", "info,sled=warn,zbus=warn")
            .stdout(Stdio::null())
            .stderr(match opts.log {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
                None => Stdio::inherit(),
            });
        for (k, v) in opts.env {
            cmd.env(k, v);
        }
        if opts.own_pcscd {
            cmd.env_remove("PCSCLITE_CSOCK_NAME");
        } else {
            cmd.env("PCSCLITE_CSOCK_NAME", socket);
        }
        let child = cmd.spawn().expect("spawn idgated");
        let daemon = Self {
            child,
            bus,
            dir,
            audit,
        };
        daemon.wait_ready();
        daemon
    }

    fn wait_ready(&self) {
        rt().block_on(async {
            let conn = zbus::connection::Builder::address(self.bus.address())
                .build()
                .await
                .expect("connect");
            let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("dbus proxy");
            let until = Instant::now() + Duration::from_secs(30);
            loop {
                let name = zbus::names::BusName::try_from(BUS_NAME).expect("name");
                if dbus.name_has_owner(name).await.unwrap_or(false) {
                    return;
                }
                assert!(Instant::now() < until, "idgated did not come up on the bus");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }

    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.bus.address())
            .build()
            .await
            .expect("client connection")
    }

    pub fn audit_path(&self) -> PathBuf {
        self.audit.clone()
    }

    /// Whether the daemon process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL and wait: no destructor, no flush, no clean shutdown.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM and wait: the daemon shuts down cleanly (flushes the audit store).
    pub fn stop(&mut self) {
        let pid = self.child.id() as i32;
        let _ = send_signal(pid, libc::SIGTERM);
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The specimen photos `scripts/setup` installs.
pub fn specimen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.idgate/specimen")
}

/// This crate's `idgated` (not built for crates that only include this file).
fn idgated_bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_idgated") {
        Some(bin) => PathBuf::from(bin),
        None => panic!("this crate has no idgated binary: pass Options::program"),
    }
}

/// Runs `idgated` with `args` and returns (exit code, stdout, stderr).
pub fn idgated(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(idgated_bin())
        .args(args)
        .output()
        .expect("run idgated");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `idgated` with `args`, its stdin, stdout and stderr piped to the test.
pub fn spawn_idgated(args: &[&str]) -> Child {
    Command::new(idgated_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run idgated")
}

/// Runs `idgated` with `args` as `idgated … | head -c0` runs it: its stdout closed before the
/// first line, then `stdin` written to it and closed. Returns (exit code, stderr).
pub fn idgated_into_a_closed_pipe(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    use std::io::Write as _;
    let mut child = spawn_idgated(args);
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A runtime for driving the async bus clients from a test.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Claims the station for `conn`: the path of its new session.
pub async fn claim(conn: &zbus::Connection) -> zbus::OwnedObjectPath {
    StationProxy::new(conn)
        .await
        .expect("station proxy")
        .claim()
        .await
        .expect("claim")
}

/// Waits until the station is free again; fails if the claim outlives its owner by a second.
pub async fn free_within_a_second(station: &StationProxy<'_>) {
    let left = Instant::now();
    while station.busy().await.expect("Busy") {
        assert!(
            left.elapsed() < Duration::from_secs(1),
            "still claimed {:?} after the owner left",
            left.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.alive() {
            self.stop();
        }
    }
}

fn send_signal(pid: i32, sig: i32) -> std::io::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other("kill failed"))
    }
}
