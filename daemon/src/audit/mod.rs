//! The audit log: one record per session in a `sled` store.
//!
//! A record holds times, steps, outcomes, guidance codes, check results and device ids — never
//! MRZ fields, names, images or templates (the record type has no field that could hold them).
//!
//! The daemon is the store's only writer and holds it open for its whole run ([`AuditStore`]):
//! a "started" record is committed before any device runs ([`AuditStore::begin`]) and replaced
//! by the final one when the session ends ([`AuditStore::commit`]); both return only after
//! `flush`, so a session killed at any point leaves a record that says how far it got
//! (`tests/audit_crash.rs`, `sim/tests/audit_soak.rs`). Readers (`idgated audit list|export`)
//! never take the store's lock: they open a private copy ([`read_snapshot`]), so a reader can
//! neither block the daemon nor be blocked by it. A record that does not decode is reported and
//! skipped, never the end of a listing.

mod record;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use record::{AuditRecord, ChipChecks, DeviceIds, FaceChecks, StatusEntry, StepEntry};

/// The outcome of a record whose session is still running (or was, when the daemon died).
pub const STARTED: &str = "started";
/// What a "started" record becomes when the daemon finds it at its next start: the session
/// never finished (the daemon was killed, or the power went).
pub const INTERRUPTED: &str = "interrupted";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit store {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("audit store: {0}")]
    Store(#[from] sled::Error),
    #[error("audit store copy {path}: {source}")]
    Copy {
        path: String,
        source: std::io::Error,
    },
    #[error("audit record: {0}")]
    Encode(serde_json::Error),
    #[error("audit record id {0:?} is not one of this store's ids")]
    BadId(String),
}

/// Retention and size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub retention: Duration,
    pub max_records: u64,
    pub max_bytes: u64,
}

/// A record the store holds but that does not decode (a damaged or foreign value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub key: String,
    pub error: String,
}

/// What a listing found: the records, oldest first, and the keys it had to skip.
#[derive(Debug, Default)]
pub struct Listing {
    pub records: Vec<AuditRecord>,
    pub unreadable: Vec<Unreadable>,
}

/// The store, held open by its one writer (the daemon). Cloning shares the open store.
#[derive(Debug, Clone)]
pub struct AuditStore {
    db: sled::Db,
    limits: Limits,
    /// Records in the store, counted once at open and kept current (sled's `len` is a scan).
    count: Arc<AtomicU64>,
}

/// How long to wait for another process to close the store (a previous daemon winding down).
const LOCK_WAIT: Duration = Duration::from_secs(5);

fn open_db(path: &Path) -> Result<sled::Db, AuditError> {
    let started = std::time::Instant::now();
    loop {
        let opened = sled::Config::new()
            .path(path)
            // Bounded page cache: the store is small and the station needs its memory.
            .cache_capacity(8 * 1024 * 1024)
            .open();
        match opened {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e)) if is_lock_busy(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(source) => {
                return Err(AuditError::Open {
                    path: path.display().to_string(),
                    source,
                });
            }
        }
    }
}

impl AuditStore {
    /// Opens (creating if needed) and locks the store for writing.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, AuditError> {
        let db = open_db(path)?;
        let count = db.len() as u64;
        Ok(Self {
            db,
            limits,
            count: Arc::new(AtomicU64::new(count)),
        })
    }

    /// Marks the "started" records a previous run left (it was killed mid-session) as
    /// interrupted; returns how many. Called once at the daemon's start.
    pub fn close_interrupted(&self, now_unix_ms: u64) -> Result<usize, AuditError> {
        let mut closed = 0;
        for item in self.db.iter() {
            let (key, value) = item?;
            let Ok(mut record) = serde_json::from_slice::<AuditRecord>(&value) else {
                continue;
            };
            if record.outcome != STARTED {
                continue;
            }
            record.outcome = INTERRUPTED.into();
            record.guidance = "flow.station_fault".into();
            record.ended_unix_ms = record.ended_unix_ms.max(now_unix_ms);
            record.id = hex_key(&key);
            let value = serde_json::to_vec(&record).map_err(AuditError::Encode)?;
            self.db.insert(key, value)?;
            closed += 1;
        }
        if closed > 0 {
            self.db.flush()?;
        }
        Ok(closed)
    }

    /// Commits the "started" record of a session (outcome [`STARTED`]) and returns its id; the
    /// final record replaces it ([`Self::commit`] with the same id). Blocking (disk I/O).
    pub fn begin(&self, mut record: AuditRecord) -> Result<String, AuditError> {
        record.outcome = STARTED.into();
        record.id = String::new();
        self.commit(record)
    }

    /// Stores the record — under its `id` when it has one (replacing the "started" record),
    /// else under a new time-ordered id — flushes to disk, and returns the id. Blocking.
    pub fn commit(&self, mut record: AuditRecord) -> Result<String, AuditError> {
        let key = if record.id.is_empty() {
            let key = record_key(record.started_unix_ms, self.db.generate_id()?);
            record.id = hex_key(&key);
            key
        } else {
            parse_key(&record.id).ok_or_else(|| AuditError::BadId(record.id.clone()))?
        };
        let value = serde_json::to_vec(&record).map_err(AuditError::Encode)?;
        if self.db.insert(key, value)?.is_none() {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        self.db.flush()?;
        self.trim(now_unix_ms())?;
        Ok(record.id)
    }

    /// All records, oldest first, with the ones that do not decode reported and skipped.
    pub fn list(&self) -> Result<Listing, AuditError> {
        listing(&self.db)
    }

    /// Records in the store (kept current, not counted).
    pub fn len(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes records past retention, then the oldest while over the count or size limit.
    pub fn trim(&self, now_unix_ms: u64) -> Result<usize, AuditError> {
        let limits = &self.limits;
        let retention_ms = u64::try_from(limits.retention.as_millis()).unwrap_or(u64::MAX);
        let cutoff = now_unix_ms.saturating_sub(retention_ms);
        let mut removed = 0;
        // sled's files shrink only as its log is compacted, so when over size a tenth of the
        // records go at once rather than one per commit.
        let mut size_quota =
            if limits.max_bytes != u64::MAX && self.db.size_on_disk()? > limits.max_bytes {
                (self.len() / 10).max(1)
            } else {
                0
            };
        // Keys start with the big-endian start time, so iteration is oldest first.
        while let Some((key, _)) = self.db.first()? {
            let too_old = key_time(&key).is_some_and(|t| t < cutoff);
            let too_many = self.len() > limits.max_records;
            if !(too_old || too_many || size_quota > 0) {
                break;
            }
            size_quota = size_quota.saturating_sub(1);
            if self.db.remove(key)?.is_some() {
                self.count.fetch_sub(1, Ordering::Relaxed);
            }
            removed += 1;
        }
        if removed > 0 {
            self.db.flush()?;
        }
        Ok(removed)
    }
}

/// Whether opening failed only because another handle holds the store's file lock. sled 0.34
/// reports it as `ErrorKind::Other` with the OS error in the message, not as `WouldBlock`; in one
/// process the lock also outlives a dropped handle until sled's background flusher has exited.
fn is_lock_busy(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock
        || e.to_string().starts_with("could not acquire lock on")
}

fn listing(db: &sled::Db) -> Result<Listing, AuditError> {
    let mut out = Listing::default();
    for item in db.iter() {
        let (key, value) = item?;
        match decode_record(&value) {
            Ok(record) => out.records.push(record),
            Err(error) => out.unreadable.push(Unreadable {
                key: hex_key(&key),
                error,
            }),
        }
    }
    Ok(out)
}

/// One stored value as a record, or why it is not one (its text never quoted: a damaged value
/// could hold anything).
pub fn decode_record(value: &[u8]) -> Result<AuditRecord, String> {
    serde_json::from_slice::<AuditRecord>(value).map_err(|e| {
        format!(
            "not a record ({:?} at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })
}

/// Reads the store at `path` without taking its lock: its files are copied to a private
/// temporary directory and the copy is opened (sled recovers a copy taken mid-write as it
/// recovers from a crash: to the last flushed state). The copy is removed afterwards.
pub fn read_snapshot(path: &Path) -> Result<Listing, AuditError> {
    let copy_err = |p: &Path| {
        let p = p.display().to_string();
        move |source| AuditError::Copy { path: p, source }
    };
    if !path.join("conf").exists() && !path.join("db").exists() {
        // Nothing written yet: an empty listing, not a new store created by a reader.
        return Ok(Listing::default());
    }
    // A copy can catch the writer between two writes of one flush and then does not open (the
    // soak saw 1 in ~5000 listings); a fresh copy a moment later does.
    let mut attempt = 0;
    loop {
        let tmp = tempfile::Builder::new()
            .prefix("idgate-audit-")
            .tempdir()
            .map_err(copy_err(path))?;
        let copy = tmp.path().join("store");
        copy_dir(path, &copy).map_err(copy_err(path))?;
        let read = open_db(&copy).and_then(|db| listing(&db));
        match read {
            Err(AuditError::Open { .. } | AuditError::Store(_)) if attempt < SNAPSHOT_RETRIES => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// Fresh copies tried when a copy does not open.
const SNAPSHOT_RETRIES: u32 = 5;

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target: PathBuf = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            match std::fs::copy(entry.path(), &target) {
                Ok(_) => {}
                // sled removes old snapshot files as it writes new ones.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// Milliseconds since the Unix epoch.
pub fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn record_key(started_unix_ms: u64, seq: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&started_unix_ms.to_be_bytes());
    key[8..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn parse_key(id: &str) -> Option<[u8; 16]> {
    let bytes = hex::decode(id).ok()?;
    bytes.try_into().ok()
}

fn key_time(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

fn hex_key(key: &[u8]) -> String {
    hex::encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            retention: Duration::from_secs(90 * 86_400),
            max_records: 1000,
            max_bytes: 256 * 1024 * 1024,
        }
    }

    fn record(started: u64) -> AuditRecord {
        AuditRecord {
            started_unix_ms: started,
            ended_unix_ms: started + 5000,
            outcome: "verified".into(),
            guidance: "flow.verified".into(),
            ..AuditRecord::default()
        }
    }

    #[test]
    fn opening_waits_for_a_store_still_held_by_a_previous_daemon() {
        let dir = tempfile::tempdir().expect("tmp");
        let previous = AuditStore::open(dir.path(), limits()).expect("open");
        previous.commit(record(now_unix_ms())).expect("commit");
        let path = dir.path().to_path_buf();
        let next = std::thread::spawn(move || AuditStore::open(&path, limits()));
        std::thread::sleep(Duration::from_millis(300));
        drop(previous);
        let next = next.join().expect("thread");
        let next = match next {
            Ok(store) => store,
            Err(e) => panic!("the next daemon did not wait for the lock: {e}"),
        };
        assert_eq!(next.list().expect("list").records.len(), 1);
    }

    #[test]
    fn sleds_lock_error_is_recognised() {
        let sled_style = std::io::Error::other(
            "could not acquire lock on \"/tmp/x/db\": Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" }",
        );
        assert!(is_lock_busy(&sled_style));
        assert!(is_lock_busy(&std::io::ErrorKind::WouldBlock.into()));
        assert!(!is_lock_busy(&std::io::ErrorKind::PermissionDenied.into()));
    }

    #[test]
    fn records_come_back_oldest_first_with_their_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(dir.path(), limits()).expect("open");
        let now = now_unix_ms();
        let late = store.commit(record(now - 1000)).expect("commit");
        let early = store.commit(record(now - 2000)).expect("commit");
        let list = store.list().expect("list").records;
        assert_eq!(
            list.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            [early.as_str(), late.as_str()]
        );
        assert_eq!(list[0].outcome, "verified");
    }

    #[test]
    fn records_past_retention_are_removed() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(
            dir.path(),
            Limits {
                retention: Duration::from_secs(86_400),
                ..limits()
            },
        )
        .expect("open");
        let now = now_unix_ms();
        store.commit(record(now - 3 * 86_400_000)).expect("old");
        store.commit(record(now - 1000)).expect("new");
        let list = store.list().expect("list").records;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].started_unix_ms, now - 1000);
    }

    #[test]
    fn the_oldest_records_go_when_over_the_count_limit() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(
            dir.path(),
            Limits {
                max_records: 3,
                ..limits()
            },
        )
        .expect("open");
        let now = now_unix_ms();
        for i in 0..5 {
            store.commit(record(now - 10_000 + i)).expect("commit");
        }
        let starts: Vec<u64> = store
            .list()
            .expect("list")
            .records
            .iter()
            .map(|r| r.started_unix_ms)
            .collect();
        assert_eq!(starts, [now - 9998, now - 9997, now - 9996]);
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().expect("tmp");
        let id = {
            let store = AuditStore::open(dir.path(), limits()).expect("open");
            store.commit(record(now_unix_ms())).expect("commit")
        };
        // sled lets go of its lock once its flusher thread has wound down.
        let store = AuditStore::open(dir.path(), limits()).expect("reopen");
        assert_eq!(store.list().expect("list").records[0].id, id);
    }

    #[test]
    fn a_record_that_does_not_decode_is_reported_and_the_rest_listed() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(dir.path(), limits()).expect("open");
        let now = now_unix_ms();
        let first = store.commit(record(now - 3000)).expect("commit");
        // A damaged value between two good ones (as a torn disk or a foreign writer leaves it).
        store
            .db
            .insert(record_key(now - 2000, 999), &b"{\"id\": 7, garbage"[..])
            .expect("insert");
        let last = store.commit(record(now - 1000)).expect("commit");
        let listing = store.list().expect("list");
        let ids: Vec<&str> = listing.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, [first.as_str(), last.as_str()]);
        assert_eq!(listing.unreadable.len(), 1);
        assert_eq!(
            listing.unreadable[0].key,
            hex_key(&record_key(now - 2000, 999))
        );
    }

    #[test]
    fn the_final_record_replaces_the_started_one_and_leftovers_become_interrupted() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(dir.path(), limits()).expect("open");
        let now = now_unix_ms();
        let finished = store.begin(record(now - 2000)).expect("begin");
        let killed = store.begin(record(now - 1000)).expect("begin");
        let listed = store.list().expect("list").records;
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|r| r.outcome == STARTED));
        let mut last = record(now - 2000);
        last.id = finished.clone();
        assert_eq!(store.commit(last).expect("commit"), finished);
        assert_eq!(store.len(), 2, "replaced, not added");
        assert_eq!(store.close_interrupted(now).expect("close"), 1);
        let listed = store.list().expect("list").records;
        let outcome = |id: &str| {
            listed
                .iter()
                .find(|r| r.id == id)
                .map(|r| (r.outcome.clone(), r.guidance.clone()))
        };
        assert_eq!(
            outcome(&finished),
            Some(("verified".into(), "flow.verified".into()))
        );
        assert_eq!(
            outcome(&killed),
            Some((INTERRUPTED.into(), "flow.station_fault".into()))
        );
    }

    #[test]
    fn a_reader_neither_waits_for_nor_blocks_the_writer() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(dir.path(), limits()).expect("open");
        let id = store.commit(record(now_unix_ms())).expect("commit");
        // The writer holds the store (and its lock) open; a reader still gets every record at once.
        let started = std::time::Instant::now();
        let listing = read_snapshot(dir.path()).expect("snapshot");
        assert!(started.elapsed() < LOCK_WAIT);
        assert_eq!(listing.records.len(), 1);
        assert_eq!(listing.records[0].id, id);
        // ... and the writer goes on while and after the reader read.
        store
            .commit(record(now_unix_ms()))
            .expect("commit after a read");
        assert_eq!(read_snapshot(dir.path()).expect("again").records.len(), 2);
    }

    #[test]
    fn a_reader_does_not_create_a_store_where_there_is_none() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("audit");
        assert!(read_snapshot(&missing).expect("empty").records.is_empty());
        assert!(!missing.exists());
    }

    #[test]
    fn the_count_is_kept_not_scanned() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(
            dir.path(),
            Limits {
                max_records: 4,
                ..limits()
            },
        )
        .expect("open");
        let now = now_unix_ms();
        for i in 0..7 {
            store.commit(record(now - 10_000 + i)).expect("commit");
            assert_eq!(store.len(), store.db.len() as u64);
        }
        assert_eq!(store.len(), 4);
    }
}
