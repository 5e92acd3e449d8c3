//! A private `pcscd` with `vsmartcard-vpcd` readers, one per process.
//!
//! pcsc-lite 1.9.9 fixes the daemon's socket at `/run/pcscd/pcscd.comm`, and only the client library
//! honours `PCSCLITE_CSOCK_NAME` — read once per process. So we start pcscd in a mount namespace of its
//! own where a private directory is bind-mounted over `/run/pcscd`, and point this process's client
//! library at the socket in that directory. The system's pcscd (if any) is never touched.
//!
//! Each vpcd entry in the private reader configuration opens two slots, on TCP ports `CHANNELID` and
//! `CHANNELID + 1`; tests lease one slot at a time so parallel tests never share a reader.

use std::collections::BTreeSet;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::TestbedError;
use crate::process::stop_child;

/// Environment variable libpcsclite reads (once) for the daemon socket path.
const CSOCK_ENV: &str = "PCSCLITE_CSOCK_NAME";
/// The vpcd driver Debian's `vsmartcard-vpcd` installs.
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// Slots (readers) per private pcscd: enough for the tests of one binary to run in parallel.
const DEFAULT_SLOTS: usize = 8;
/// How long pcscd may take to come up with all readers listed.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// One vpcd reader slot: the name PC/SC applications see, and the TCP port a virtual card connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcdSlot {
    pub reader_name: String,
    pub port: u16,
}

/// The process's private pcscd.
#[derive(Debug)]
pub struct Pcscd {
    dir: PathBuf,
    socket: PathBuf,
    slots: Vec<VpcdSlot>,
    free: Mutex<BTreeSet<usize>>,
    returned: Condvar,
    child: Mutex<Option<Child>>,
    /// The readers the configuration gives, for a restart.
    wanted: Vec<Entry>,
}

/// One vpcd entry of the private configuration: its friendly name and base port.
type Entry = (String, u16);

static PCSCD: OnceLock<Result<Pcscd, String>> = OnceLock::new();

/// The process's private pcscd, started on first use. Every PC/SC call in this process then goes to it.
///
/// Call it before anything else in the process uses PC/SC: libpcsclite reads the socket path once.
pub fn pcscd() -> Result<&'static Pcscd, TestbedError> {
    PCSCD
        .get_or_init(|| Pcscd::start(DEFAULT_SLOTS).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| TestbedError::Pcscd(e.clone()))
}

impl Pcscd {
    fn start(slots: usize) -> Result<Self, TestbedError> {
        if !Path::new(VPCD_DRIVER).exists() {
            return Err(TestbedError::Missing(format!(
                "{VPCD_DRIVER} (apt package vsmartcard-vpcd; run scripts/setup)"
            )));
        }
        which("pcscd")?;
        which("unshare")?;
        crate::process::remove_stale_dirs("pcscd");
        let dir = crate::process::private_dir("pcscd")?;
        let socket = dir.join("run").join("pcscd.comm");
        if let Some(existing) = std::env::var_os(CSOCK_ENV) {
            if Path::new(&existing) != socket {
                return Err(TestbedError::Pcscd(format!(
                    "{CSOCK_ENV} is already set to {} in this process: one private pcscd per process",
                    Path::new(&existing).display()
                )));
            }
        }
        // Ports can be taken between our probe and pcscd's bind; a few attempts make that harmless.
        let mut last_error = None;
        for _attempt in 0..5 {
            match Self::try_start(&dir, &socket, slots) {
                Ok((child, slot_list, wanted)) => {
                    let free = (0..slot_list.len()).collect();
                    return Ok(Self {
                        dir,
                        socket,
                        slots: slot_list,
                        free: Mutex::new(free),
                        returned: Condvar::new(),
                        child: Mutex::new(Some(child)),
                        wanted,
                    });
                }
                Err(e) => {
                    tracing::warn!("private pcscd did not come up, retrying: {e}");
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| TestbedError::Pcscd("no attempt made".into())))
    }

    fn try_start(
        dir: &Path,
        socket: &Path,
        slots: usize,
    ) -> Result<(Child, Vec<VpcdSlot>, Vec<Entry>), TestbedError> {
        let conf = dir.join("reader.conf.d");
        let run = dir.join("run");
        let drivers = dir.join("drivers");
        for d in [&conf, &run, &drivers] {
            if d.exists() {
                fs::remove_dir_all(d).map_err(|e| TestbedError::io(d, e))?;
            }
            fs::create_dir_all(d).map_err(|e| TestbedError::io(d, e))?;
        }
        let entries = slots.div_ceil(2);
        let bases = free_port_pairs(entries)?;
        let tag = format!("idgate-vpcd-{}", std::process::id());
        let mut wanted = Vec::new();
        for (i, base) in bases.iter().enumerate() {
            let friendly = format!("{tag}-{i}");
            // The vpcd driver keeps its connections in a static array indexed by slot only, so two
            // entries sharing one loaded copy of the driver would share sockets: each entry gets its
            // own copy of the library (a different inode, so the dynamic loader loads it separately).
            let driver = drivers.join(format!("libifdvpcd-{i}.so"));
            fs::copy(VPCD_DRIVER, &driver).map_err(|e| TestbedError::io(&driver, e))?;
            let entry = format!(
                "FRIENDLYNAME \"{friendly}\"\nDEVICENAME   /dev/null:{base}\nLIBPATH      {}\nCHANNELID    {base}\n",
                driver.display()
            );
            let path = conf.join(format!("vpcd-{i}"));
            fs::write(&path, entry).map_err(|e| TestbedError::io(&path, e))?;
            wanted.push((friendly.clone(), *base));
        }

        let (child, found) = Self::spawn_ready(dir, socket, &wanted)?;
        let mut found = found;
        found.truncate(slots);
        Ok((child, found, wanted))
    }

    /// Starts pcscd on the configuration in `dir` and waits until it lists every configured reader.
    fn spawn_ready(
        dir: &Path,
        socket: &Path,
        wanted: &[Entry],
    ) -> Result<(Child, Vec<VpcdSlot>), TestbedError> {
        let conf = dir.join("reader.conf.d");
        let run = dir.join("run");
        let entries = wanted.len();
        // In the new mount namespace, make /run/pcscd our private run directory, then become pcscd.
        let script = r#"set -e
if [ -d /run/pcscd ] || mkdir -p /run/pcscd 2>/dev/null; then
  mount --bind "$1" /run/pcscd
else
  mount -t tmpfs tmpfs /run && mkdir /run/pcscd && mount --bind "$1" /run/pcscd
fi
exec pcscd --foreground --config "$2" $3"#;
        let mut cmd = crate::process::private_mount_namespace(script);
        cmd.arg(&run)
            .arg(&conf)
            // IDGATE_TESTBED_PCSCD_DEBUG=1 logs every APDU to pcscd.log in the private directory.
            .arg(
                if std::env::var_os("IDGATE_TESTBED_PCSCD_DEBUG").is_some() {
                    "--debug --apdu"
                } else {
                    ""
                },
            )
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file(dir, "pcscd.log")?))
            .stderr(Stdio::from(log_file(dir, "pcscd.err")?));
        let mut child = crate::process::spawn_for_process_lifetime(cmd)
            .map_err(|e| TestbedError::Spawn("unshare/pcscd".into(), e))?;

        // Point this process's libpcsclite at the private socket before its first use.
        if std::env::var_os(CSOCK_ENV).is_none() {
            crate::process::set_env_once(CSOCK_ENV, socket.as_os_str());
        }

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().map_err(|e| TestbedError::io(dir, e))? {
                let err = fs::read_to_string(dir.join("pcscd.err")).unwrap_or_default();
                return Err(TestbedError::Pcscd(format!(
                    "pcscd exited with {status}: {}",
                    err.trim()
                )));
            }
            if socket.exists() {
                if let Ok(names) = list_readers() {
                    let mut found = Vec::new();
                    for (friendly, base) in wanted {
                        for (slot, port) in [(0u16, *base), (1, *base + 1)] {
                            let suffix = format!(" {slot:02}");
                            if let Some(name) = names.iter().find(|n| {
                                n.starts_with(&format!("{friendly} ")) && n.ends_with(&suffix)
                            }) {
                                found.push(VpcdSlot {
                                    reader_name: name.clone(),
                                    port,
                                });
                            }
                        }
                    }
                    if found.len() == entries * 2 {
                        return Ok((child, found));
                    }
                }
            }
            if Instant::now() > deadline {
                stop_child(&mut child);
                return Err(TestbedError::Timeout(format!(
                    "pcscd did not list {} vpcd readers within {READY_TIMEOUT:?}",
                    entries * 2
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Path of the private daemon's socket (what `PCSCLITE_CSOCK_NAME` points at).
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The private daemon's `--config` directory (its `reader.conf.d` entries, one per vpcd pair).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.join("reader.conf.d")
    }

    /// All slots of this pcscd.
    pub fn slots(&self) -> &[VpcdSlot] {
        &self.slots
    }

    /// Takes a free reader slot for the caller alone, waiting up to `timeout` for one.
    pub fn lease(&'static self, timeout: Duration) -> Result<ReaderLease, TestbedError> {
        let deadline = Instant::now() + timeout;
        let mut free = self.free.lock().map_err(|_| TestbedError::Poisoned)?;
        loop {
            if let Some(index) = free.pop_first() {
                return Ok(ReaderLease { pcscd: self, index });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TestbedError::Timeout("no free vpcd reader".into()));
            }
            free = self
                .returned
                .wait_timeout(free, left)
                .map_err(|_| TestbedError::Poisoned)?
                .0;
        }
    }

    /// Whether the daemon is still running (false once it died, was killed or was stopped).
    pub fn is_running(&self) -> bool {
        match self.child.lock() {
            Ok(mut child) => child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(None))),
            Err(_) => false,
        }
    }

    /// Starts a new pcscd on the same socket and reader configuration (so the same reader names
    /// and vpcd ports), as socket activation brings pcscd back after it died. A running daemon is
    /// stopped first. Returns once the new one lists every reader.
    pub fn restart(&self) -> Result<(), TestbedError> {
        let mut child = self.child.lock().map_err(|_| TestbedError::Poisoned)?;
        if let Some(mut c) = child.take() {
            stop_child(&mut c);
        }
        let (mut new, found) = Self::spawn_ready(&self.dir, &self.socket, &self.wanted)?;
        if let Some(missing) = self.slots.iter().find(|s| !found.contains(s)) {
            stop_child(&mut new);
            return Err(TestbedError::Pcscd(format!(
                "the restarted pcscd does not list {}",
                missing.reader_name
            )));
        }
        *child = Some(new);
        Ok(())
    }

    /// Stops the daemon (normally it dies with the process).
    pub fn stop(&self) {
        if let Ok(mut child) = self.child.lock() {
            if let Some(mut c) = child.take() {
                stop_child(&mut c);
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One vpcd reader slot, the caller's alone until dropped.
#[derive(Debug)]
pub struct ReaderLease {
    pcscd: &'static Pcscd,
    index: usize,
}

impl ReaderLease {
    pub fn slot(&self) -> &VpcdSlot {
        &self.pcscd.slots[self.index]
    }
    /// The reader's name as PC/SC applications see it.
    pub fn reader_name(&self) -> &str {
        &self.slot().reader_name
    }
    /// The TCP port a virtual card connects to (on 127.0.0.1).
    pub fn vpcd_port(&self) -> u16 {
        self.slot().port
    }
    /// `127.0.0.1:PORT`, ready for `idgate_vpass::Inserted::insert`.
    pub fn vpcd_addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.vpcd_port()))
    }
}

impl Drop for ReaderLease {
    fn drop(&mut self) {
        if let Ok(mut free) = self.pcscd.free.lock() {
            free.insert(self.index);
            self.pcscd.returned.notify_one();
        }
    }
}

fn list_readers() -> Result<Vec<String>, pcsc::Error> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User)?;
    let mut buf = vec![0u8; 16 * 1024];
    let names = ctx.list_readers(&mut buf)?;
    Ok(names.map(|n| n.to_string_lossy().into_owned()).collect())
}

/// Finds `n` pairs of consecutive free TCP ports (vpcd listens on all interfaces).
fn free_port_pairs(n: usize) -> Result<Vec<u16>, TestbedError> {
    let mut out: Vec<u16> = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n {
        tries += 1;
        if tries > 200 {
            return Err(TestbedError::Pcscd(
                "no free TCP port pairs for vpcd".into(),
            ));
        }
        let probe =
            TcpListener::bind(("0.0.0.0", 0)).map_err(|e| TestbedError::io("0.0.0.0:0", e))?;
        let port = probe
            .local_addr()
            .map_err(|e| TestbedError::io("0.0.0.0:0", e))?
            .port();
        drop(probe);
        let Some(next) = port.checked_add(1) else {
            continue;
        };
        if out
            .iter()
            .any(|&b| b.abs_diff(port) < 2 || b.abs_diff(next) < 2)
        {
            continue;
        }
        if TcpListener::bind(("0.0.0.0", port)).is_ok()
            && TcpListener::bind(("0.0.0.0", next)).is_ok()
        {
            out.push(port);
        }
    }
    Ok(out)
}

fn log_file(dir: &Path, name: &str) -> Result<fs::File, TestbedError> {
    let path = dir.join(name);
    fs::File::create(&path).map_err(|e| TestbedError::io(&path, e))
}

pub(crate) fn which(program: &str) -> Result<PathBuf, TestbedError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin"].map(PathBuf::from);
    std::env::split_paths(&path)
        .chain(extra)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| TestbedError::Missing(format!("{program} (run scripts/setup)")))
}
