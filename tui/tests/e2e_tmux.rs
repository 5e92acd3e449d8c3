//! End to end, as a person at the desk: the real `idgate` binary in a tmux pane (keys in with
//! `send-keys`, the screen out with `capture-pane`), against the real `idgated` on a private
//! dbus-daemon.
//!
//! The daemon binary is `$IDGATED_BIN`, or `idgated` next to this crate's binary (built on demand);
//! the simulated station is `$IDGATED_SIM_BIN`, or `idgated-sim` likewise.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use idgate_testbed::DbusDaemon;

const IDGATE: &str = env!("CARGO_BIN_EXE_idgate");

/// A private tmux server running one pane of the given size; killed when dropped.
struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start(cols: u16, rows: u16, command: &[&str]) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir
            .path()
            .join(format!("tmux-{}", N.fetch_add(1, Ordering::SeqCst)));
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .args(["-e", "TERM=xterm-256color"])
            .args(command)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        // Keep the pane after the program exits, so its last screen can be read.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["set-option", "-g", "remain-on-exit", "on"])
            .status();
        Tmux { socket, _dir: dir }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success(), "send-keys {keys:?}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// Polls the screen until `pred` holds; panics with the last screen after `timeout`.
    fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}; the screen was:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(text, timeout, |s| s.contains(text))
    }

    fn pane_dead(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "-t", "0", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Runs idgate to completion with a hard limit, so a hang fails the test instead of blocking it.
fn run_idgate(args: &[&str], limit: Duration) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let mut child = Command::new(IDGATE)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("idgate starts");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
                start.elapsed(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("idgate {args:?} did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs idgate with `args` against a private bus on which no daemon ever appears.
fn run_idgate_without_a_daemon(args: &[&str]) -> (Option<i32>, String, Duration) {
    let bus = DbusDaemon::start().expect("private dbus-daemon");
    let mut all = vec!["--bus-address", bus.address()];
    all.extend_from_slice(args);
    run_idgate(&all, Duration::from_secs(10))
}

#[test]
fn without_a_daemon_it_says_how_to_start_one_and_exits() {
    let (code, stderr, took) = run_idgate_without_a_daemon(&["--timeout", "2"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("idgated is not running on the bus at"),
        "{stderr}"
    );
    assert!(stderr.contains("systemctl start idgated"), "{stderr}");
    assert!(stderr.contains("scripts/station"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn waiting_for_a_daemon_that_never_comes_ends_after_the_wait() {
    let (code, stderr, took) = run_idgate_without_a_daemon(&["--wait", "1"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(took >= Duration::from_secs(1), "gave up after {took:?}");
}

#[test]
fn an_unreachable_bus_is_reported_not_waited_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let address = format!("unix:path={}", dir.path().join("no-bus-here").display());
    let (code, stderr, _) = run_idgate(&["--bus-address", &address], Duration::from_secs(10));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect to the bus at"), "{stderr}");
}

/// A daemon binary built in the same target directory, or the one `$env_var` names.
/// `cargo test --workspace` has already built it; a `cargo test -p idgate` builds it here, once.
fn daemon_bin(package: &'static str, env_var: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    static BUILT: std::sync::Mutex<Vec<(&'static str, Result<PathBuf, String>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, r)) = built.iter().find(|(p, _)| *p == package) {
        return r.clone().unwrap_or_else(|e| panic!("{e}"));
    }
    let result = (|| {
        let p = PathBuf::from(IDGATE).with_file_name(package);
        if p.exists() {
            return Ok(p);
        }
        // Cargo sets $CARGO for the processes it runs; the test binaries run after its build lock is released.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", package, "--bin", package])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .map_err(|e| format!("cannot run cargo to build {package}: {e}"))?;
        if status.success() && p.exists() {
            Ok(p)
        } else {
            Err(format!(
                "{} is missing and `cargo build -p {package}` failed ({status})",
                p.display()
            ))
        }
    })();
    built.push((package, result.clone()));
    result.unwrap_or_else(|e| panic!("{e}"))
}

/// Which daemon a test runs.
#[derive(Debug, Clone, Copy)]
enum Devices {
    /// `idgated`: whatever this machine has (in tests: nothing).
    Real,
    /// `idgated-sim`: the simulated station.
    Simulated,
}

/// The daemon on a private bus; stopped (by its pid) when dropped.
struct Station {
    child: Child,
    bus: DbusDaemon,
    _log: tempfile::NamedTempFile,
    _dir: tempfile::TempDir,
}

impl Station {
    fn start(devices: Devices, extra: &[&str]) -> Station {
        let bus = DbusDaemon::start().expect("private dbus-daemon");
        let log = tempfile::NamedTempFile::new().expect("log file");
        // Its own audit store: the default under /var/lib is one per machine, and locked.
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("idgated.toml");
        std::fs::write(
            &config,
            // A private test bus has no polkitd: policy-only, said explicitly.
            format!(
                "[audit]\npath = {:?}\n[bus]\nauthorize = \"policy-only\"\n",
                dir.path().join("audit")
            ),
        )
        .expect("config");
        let mut cmd = Command::new(match devices {
            Devices::Real => daemon_bin("idgated", "IDGATED_BIN"),
            Devices::Simulated => daemon_bin("idgated-sim", "IDGATED_SIM_BIN"),
        });
        cmd.args(["run", "--bus-address", bus.address(), "--config"])
            .arg(&config)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("log"))
            .stderr(log.reopen().expect("log"));
        if std::env::var_os("IDGATE_SPECIMEN_DIR").is_none()
            && let Some(root) = std::env::var_os("IDGATE_ROOT")
        {
            cmd.env(
                "IDGATE_SPECIMEN_DIR",
                PathBuf::from(root).join(".idgate/specimen"),
            );
        }
        let child = cmd.spawn().expect("idgated starts");
        Station {
            child,
            bus,
            _log: log,
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._log.path()).unwrap_or_default()
    }

    /// Waits until the daemon owns its name on the bus; panics with its log otherwise.
    fn wait_ready(&mut self, timeout: Duration) {
        let start = Instant::now();
        loop {
            let out = Command::new("busctl")
                .arg(format!("--address={}", self.bus.address()))
                .args(["status", "io.idgate.Station"])
                .output()
                .expect("busctl runs");
            if out.status.success() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("idgated exited with {status}; its log:\n{}", self.log());
            }
            assert!(
                start.elapsed() < timeout,
                "idgated did not appear on the bus within {timeout:?}; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn front_end(station: &Station, cols: u16, rows: u16) -> Tmux {
    Tmux::start(
        cols,
        rows,
        &[
            IDGATE,
            "--bus-address",
            station.bus.address(),
            "--wait",
            "60",
            "--lang",
            "en",
        ],
    )
}

/// Steps through the flow the way a person does; returns the final screen.
fn walk_to_result(tui: &Tmux, station: &Station, limit: Duration) -> String {
    let start = Instant::now();
    tui.wait_text("Press Enter to start.", Duration::from_secs(90));
    // Like a person who waits until the station shows it is ready: the daemon serves the bus a moment
    // before its reader watcher has seen the (virtual) reader, and Start is refused until it has.
    wait_for_devices(station, Duration::from_secs(60));
    tui.send(&["Enter"]);
    loop {
        let s = tui.screen();
        if s.contains("Identity verified") || s.contains("Not verified") {
            return s;
        }
        assert!(
            !tui.pane_dead(),
            "idgate exited; screen:\n{s}\ndaemon log:\n{}",
            station.log()
        );
        assert!(
            start.elapsed() < limit,
            "no result within {limit:?}; screen:\n{s}\ndaemon log:\n{}",
            station.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Ctrl+Q, as a person leaving the desk; waits until idgate has exited.
fn quit(tui: &Tmux) {
    tui.send(&["C-q"]);
    tui.wait_for("idgate to exit", Duration::from_secs(10), |_| {
        tui.pane_dead()
    });
}

fn station_property(station: &Station, name: &str) -> String {
    let out = Command::new("busctl")
        .arg(format!("--address={}", station.bus.address()))
        .args([
            "get-property",
            "io.idgate.Station",
            "/io/idgate/Station",
            "io.idgate.Station1",
            name,
        ])
        .output()
        .expect("busctl runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wait_for_devices(station: &Station, limit: Duration) {
    let start = Instant::now();
    while station_property(station, "ReaderPresent") != "b true"
        || station_property(station, "CameraPresent") != "b true"
    {
        assert!(
            start.elapsed() < limit,
            "the station's devices never appeared; daemon log:\n{}",
            station.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_station_without_devices_says_so_and_quitting_releases_it() {
    let mut station = Station::start(Devices::Real, &[]);
    station.wait_ready(Duration::from_secs(30));
    let tui = front_end(&station, 80, 24);
    let s = tui.wait_text("Press Enter to start.", Duration::from_secs(60));
    assert!(s.contains("The chip reader is not connected"), "{s}");
    assert_eq!(
        station_property(&station, "Busy"),
        "b true",
        "the front end holds the claim"
    );
    tui.send(&["Enter"]);
    // Start is refused (NoDevice): the person reads what it means, staff the daemon's detail.
    let s = tui.wait_text(
        "! The chip reader or the camera is not",
        Duration::from_secs(20),
    );
    assert!(
        s.contains("Enter start"),
        "still on the welcome screen: {s}"
    );
    quit(&tui);
    let start = Instant::now();
    while station_property(&station, "Busy") != "b false" {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the claim was not released"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_person_is_verified_with_the_simulated_station() {
    let station = Station::start(Devices::Simulated, &[]);
    let tui = front_end(&station, 100, 30);
    let s = walk_to_result(&tui, &station, Duration::from_secs(240));
    assert!(s.contains("Identity verified"), "{s}");
    assert!(s.contains("✓ Face matches the chip photo: passed"), "{s}");
    quit(&tui);
}

#[test]
fn a_face_that_does_not_match_ends_with_the_alternatives() {
    let station = Station::start(Devices::Simulated, &["--mismatch"]);
    let tui = front_end(&station, 100, 30);
    let mut s = walk_to_result(&tui, &station, Duration::from_secs(240));
    // Each failed match may be retried until the daemon's attempts run out.
    for _ in 0..5 {
        if s.contains("Other ways") {
            break;
        }
        assert!(s.contains("Not verified"), "{s}");
        tui.send(&["r"]);
        tui.wait_for("the retry to start", Duration::from_secs(30), |x| {
            !x.contains("Not verified")
        });
        s = tui.wait_for("the next result", Duration::from_secs(240), |x| {
            x.contains("Not verified") || x.contains("Identity verified")
        });
    }
    assert!(s.contains("Not verified"), "{s}");
    assert!(
        s.contains("Your face could not be matched to your passport photo."),
        "{s}"
    );
    assert!(s.contains("Other ways"), "{s}");
    assert!(s.contains("citizen service"), "{s}");
}
