//! The audit record. Its fields are chosen so that no personal data fits: ids, times, codes,
//! check results and device names only.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Hex of the store key (start time ‖ sequence); set by the store.
    pub id: String,
    /// The bus session number (`/io/idgate/Session/N`) within this daemon's run.
    pub session: u64,
    pub started_unix_ms: u64,
    pub ended_unix_ms: u64,
    /// `verified`, `not_verified` or `cancelled`.
    pub outcome: String,
    /// The final guidance code.
    pub guidance: String,
    /// Guidance codes of every failure, oldest first.
    pub reasons: Vec<String>,
    /// `owner_gone` when the client left the bus, `shutdown` when the daemon stopped, `idle`
    /// when the claim saw no activity for the idle limit, `client` for Cancel/Release; empty
    /// otherwise.
    pub cancelled_by: String,
    pub code_source: Option<String>,
    pub attempts_code: u32,
    pub attempts_chip: u32,
    pub attempts_face: u32,
    pub steps: Vec<StepEntry>,
    /// Statuses shown to the person, in order (capped).
    pub statuses: Vec<StatusEntry>,
    pub chip: Option<ChipChecks>,
    pub face: Option<FaceChecks>,
    pub devices: DeviceIds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepEntry {
    pub step: String,
    pub took_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEntry {
    /// Milliseconds after the start.
    pub at_ms: u64,
    pub step: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipChecks {
    pub access: String,
    pub files: Vec<String>,
    pub dg1_matches_code: String,
    pub passive_auth: String,
    pub chip_auth: String,
    pub active_auth: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceChecks {
    pub score: f32,
    pub threshold: f32,
    pub matched: bool,
    pub liveness: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceIds {
    pub reader: Option<String>,
    pub camera: Option<String>,
    pub simulated: bool,
}
