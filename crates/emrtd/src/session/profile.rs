//! Per-chip-kind read memory: which APDU sizes worked, so the next passport of the same kind
//! starts with them instead of stepping down again. Keyed by the ATR historical bytes and the
//! issuing state — never by anything personal.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

/// A kind of chip: same historical bytes from the same issuer.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChipKind {
    /// The ATR historical bytes.
    pub historical_bytes: Vec<u8>,
    /// Three-letter issuing state code from the MRZ (e.g. `D`, `NLD`, `UTO`).
    pub issuing_state: String,
}

impl ChipKind {
    /// A stable string key, e.g. `8073000040/UTO`.
    pub fn key(&self) -> String {
        let hex: String = self
            .historical_bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        format!("{hex}/{}", self.issuing_state)
    }
}

impl fmt::Debug for ChipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipKind({})", self.key())
    }
}

/// What worked for reading files from a chip kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadProfile {
    /// Extended length READ BINARY worked.
    pub extended_length: bool,
    /// The largest plain Le that worked for protected reads.
    pub max_read: u32,
    /// READ BINARY with a short file identifier worked.
    pub short_file_ids: bool,
}

impl ReadProfile {
    /// Six bytes for a persistent store.
    pub fn to_bytes(self) -> [u8; 6] {
        let le = self.max_read.to_be_bytes();
        [
            1,
            u8::from(self.extended_length),
            u8::from(self.short_file_ids),
            le[1],
            le[2],
            le[3],
        ]
    }

    /// From [`Self::to_bytes`]; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [1, ext, sfi, a, b, c] if *ext <= 1 && *sfi <= 1 => Some(Self {
                extended_length: *ext == 1,
                max_read: u32::from_be_bytes([0, *a, *b, *c]),
                short_file_ids: *sfi == 1,
            }),
            _ => None,
        }
    }
}

/// Where read profiles are kept (the daemon persists them in sled).
pub trait ReadProfileStore: Send + Sync {
    /// The profile stored for `kind`, if any.
    fn load(&self, kind: &ChipKind) -> Option<ReadProfile>;
    /// Stores `profile` for `kind`.
    fn save(&self, kind: &ChipKind, profile: ReadProfile);
}

/// Read profiles in memory.
#[derive(Debug, Default)]
pub struct MemoryProfileStore {
    map: Mutex<HashMap<ChipKind, ReadProfile>>,
}

impl ReadProfileStore for MemoryProfileStore {
    fn load(&self, kind: &ChipKind) -> Option<ReadProfile> {
        self.map.lock().ok()?.get(kind).copied()
    }

    fn save(&self, kind: &ChipKind, profile: ReadProfile) {
        if let Ok(mut map) = self.map.lock() {
            map.insert(kind.clone(), profile);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_round_trip_through_bytes_and_store() {
        let p = ReadProfile {
            extended_length: false,
            max_read: 0xC0,
            short_file_ids: true,
        };
        assert_eq!(ReadProfile::from_bytes(&p.to_bytes()), Some(p));
        assert_eq!(ReadProfile::from_bytes(&[2, 0, 0, 0, 0, 0]), None);
        let kind = ChipKind {
            historical_bytes: vec![0x80, 0x73],
            issuing_state: "UTO".into(),
        };
        assert_eq!(kind.key(), "8073/UTO");
        let store = MemoryProfileStore::default();
        assert_eq!(store.load(&kind), None);
        store.save(&kind, p);
        assert_eq!(store.load(&kind), Some(p));
    }
}
