//! The audit log: one record per finished session in a `sled` store.
//!
//! A record holds times, steps, outcomes, guidance codes, check results and device ids — never
//! MRZ fields, names, images or templates (the record type has no field that could hold them).
//! [`AuditStore::commit`] returns only after `flush`, so a record reported committed survives a
//! crash (`tests/audit_crash.rs` kills a writer with SIGKILL to prove it).

mod record;

use std::path::Path;
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

/// The store. Cheap to clone (sled handles are shared).
#[derive(Debug, Clone)]
pub struct AuditStore {
    db: sled::Db,
    limits: Limits,
}

impl AuditStore {
    pub fn open(path: &Path, limits: Limits) -> Result<Self, AuditError> {
        let db = sled::Config::new()
            .path(path)
            // Bounded page cache: the store is small and the station has other uses for memory.
            .cache_capacity(8 * 1024 * 1024)
            .open()
            .map_err(|source| AuditError::Open {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self { db, limits })
    }

    /// Stores the record under a new time-ordered id, flushes to disk, and returns the id.
    /// Blocking (disk I/O): call it from a blocking thread.
    pub fn commit(&self, mut record: AuditRecord) -> Result<String, AuditError> {
        let seq = self.db.generate_id()?;
        let key = record_key(record.started_unix_ms, seq);
        let id = hex_key(&key);
        record.id = id.clone();
        let value = serde_json::to_vec(&record).map_err(AuditError::Encode)?;
        self.db.insert(key, value)?;
        self.db.flush()?;
        self.trim(now_unix_ms())?;
        Ok(id)
    }

    /// All records, oldest first.
    pub fn list(&self) -> Result<Vec<AuditRecord>, AuditError> {
        self.db
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

    pub fn len(&self) -> usize {
        self.db.len()
    }

    pub fn is_empty(&self) -> bool {
        self.db.is_empty()
    }

    /// Removes records past retention, then the oldest while over the count or size limit.
    pub fn trim(&self, now_unix_ms: u64) -> Result<usize, AuditError> {
        let retention_ms = u64::try_from(self.limits.retention.as_millis()).unwrap_or(u64::MAX);
        let cutoff = now_unix_ms.saturating_sub(retention_ms);
        let mut removed = 0;
        // sled's files shrink only as its log is compacted, so when over size a tenth of the
        // records go at once rather than one per commit.
        let mut size_quota = if self.db.size_on_disk()? > self.limits.max_bytes {
            (self.db.len() / 10).max(1)
        } else {
            0
        };
        // Keys start with the big-endian start time, so iteration is oldest first.
        while let Some((key, _)) = self.db.first()? {
            let too_old = key_time(&key).is_some_and(|t| t < cutoff);
            let too_many = self.db.len() as u64 > self.limits.max_records;
            if !(too_old || too_many || size_quota > 0) {
                break;
            }
            size_quota = size_quota.saturating_sub(1);
            self.db.remove(key)?;
            removed += 1;
        }
        if removed > 0 {
            self.db.flush()?;
        }
        Ok(removed)
    }
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
