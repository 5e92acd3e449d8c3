//! The audit log: one record per finished session in a `sled` store.
//!
//! A record holds times, steps, outcomes, guidance codes, check results and device ids — never
//! MRZ fields, names, images or templates (the record type has no field that could hold them).
//! [`AuditStore::commit`] returns only after `flush`, so a record reported committed survives a
//! crash (`tests/audit_crash.rs` kills a writer with SIGKILL to prove it).

mod record;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use record::{AuditRecord, ChipChecks, DeviceIds, FaceChecks, StatusEntry, StepEntry};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit store {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("audit store: {0}")]
    Store(#[from] sled::Error),
    #[error("audit record {key}: {source}")]
    Decode {
        key: String,
        source: serde_json::Error,
    },
    #[error("audit record: {0}")]
    Encode(serde_json::Error),
}

/// Retention and size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub retention: Duration,
    pub max_records: u64,
    pub max_bytes: u64,
}

/// The store. It is opened for each commit or listing and closed again, so `idgated audit list`
/// can read it while the daemon runs (sled allows one process at a time; a busy store is
/// retried for a few seconds).
#[derive(Debug, Clone)]
pub struct AuditStore {
    path: PathBuf,
    limits: Limits,
}

/// How long to wait for another process (the daemon, or the CLI) to close the store.
const LOCK_WAIT: Duration = Duration::from_secs(5);

impl AuditStore {
    /// Checks the store can be opened (creating it if needed) and returns a handle.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, AuditError> {
        let store = Self {
            path: path.to_path_buf(),
            limits,
        };
        drop(store.db()?);
        Ok(store)
    }

    fn db(&self) -> Result<sled::Db, AuditError> {
        let started = std::time::Instant::now();
        loop {
            let opened = sled::Config::new()
                .path(&self.path)
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
                        path: self.path.display().to_string(),
                        source,
                    });
                }
            }
        }
    }

    /// Stores the record under a new time-ordered id, flushes to disk, and returns the id.
    /// Blocking (disk I/O): call it from a blocking thread.
    pub fn commit(&self, record: AuditRecord) -> Result<String, AuditError> {
        self.writer()?.commit(record)
    }

    /// Holds the store open for many commits in a row. Reopening per commit is right for the
    /// daemon (one commit per session) but not for a batch: sled releases its file lock only when
    /// its background threads wind down, so back-to-back reopens in one process contend with
    /// their own predecessor.
    pub fn writer(&self) -> Result<AuditWriter, AuditError> {
        Ok(AuditWriter {
            db: self.db()?,
            limits: self.limits,
        })
    }

    /// All records, oldest first.
    pub fn list(&self) -> Result<Vec<AuditRecord>, AuditError> {
        self.db()?
            .iter()
            .map(|item| {
                let (key, value) = item?;
                serde_json::from_slice(&value).map_err(|source| AuditError::Decode {
                    key: hex_key(&key),
                    source,
                })
            })
            .collect()
    }

    /// Removes records past retention, then the oldest while over the count or size limit.
    pub fn trim(&self, now_unix_ms: u64) -> Result<usize, AuditError> {
        trim(&self.db()?, &self.limits, now_unix_ms)
    }
}

/// The store held open; see [`AuditStore::writer`]. Dropping it closes the store.
#[derive(Debug)]
pub struct AuditWriter {
    db: sled::Db,
    limits: Limits,
}

impl AuditWriter {
    /// As [`AuditStore::commit`]: returns only once the record is flushed to disk.
    pub fn commit(&self, mut record: AuditRecord) -> Result<String, AuditError> {
        let seq = self.db.generate_id()?;
        let key = record_key(record.started_unix_ms, seq);
        let id = hex_key(&key);
        record.id = id.clone();
        let value = serde_json::to_vec(&record).map_err(AuditError::Encode)?;
        self.db.insert(key, value)?;
        self.db.flush()?;
        trim(&self.db, &self.limits, now_unix_ms())?;
        Ok(id)
    }
}

fn trim(db: &sled::Db, limits: &Limits, now_unix_ms: u64) -> Result<usize, AuditError> {
    {
        let retention_ms = u64::try_from(limits.retention.as_millis()).unwrap_or(u64::MAX);
        let cutoff = now_unix_ms.saturating_sub(retention_ms);
        let mut removed = 0;
        // sled's files shrink only as its log is compacted, so when over size a tenth of the
        // records go at once rather than one per commit.
        let mut size_quota = if db.size_on_disk()? > limits.max_bytes {
            (db.len() / 10).max(1)
        } else {
            0
        };
        // Keys start with the big-endian start time, so iteration is oldest first.
        while let Some((key, _)) = db.first()? {
            let too_old = key_time(&key).is_some_and(|t| t < cutoff);
            let too_many = db.len() as u64 > limits.max_records;
            if !(too_old || too_many || size_quota > 0) {
                break;
            }
            size_quota = size_quota.saturating_sub(1);
            db.remove(key)?;
            removed += 1;
        }
        if removed > 0 {
            db.flush()?;
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

fn key_time(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

fn hex_key(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
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
    fn a_commit_waits_for_a_store_held_open_elsewhere() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = AuditStore::open(dir.path(), limits()).expect("open");
        let held = store.writer().expect("held open");
        let waiting = {
            let store = store.clone();
            std::thread::spawn(move || store.commit(record(now_unix_ms())))
        };
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let committed = waiting.join().expect("thread");
        assert!(committed.is_ok(), "{committed:?}");
        assert_eq!(store.list().expect("list").len(), 1);
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
        let list = store.list().expect("list");
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
        let list = store.list().expect("list");
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
        let store = AuditStore::open(dir.path(), limits()).expect("reopen");
        assert_eq!(store.list().expect("list")[0].id, id);
    }
}
