//! What the audit record of a session is built from: start time and the statuses shown.

use std::time::Instant;

use idgate_flow::{Report, Status};

use crate::audit::{self, AuditRecord, ChipChecks, DeviceIds, FaceChecks, StatusEntry, StepEntry};

/// Statuses kept per session (a stuck camera could otherwise grow the record without bound).
const MAX_STATUSES: usize = 200;

#[derive(Debug)]
pub struct SessionLog {
    session: u64,
    started: Option<(Instant, u64)>,
    statuses: Vec<StatusEntry>,
    cancelled_by: &'static str,
    /// The id of the "started" record the final record replaces.
    audit_id: Option<String>,
}

impl SessionLog {
    pub fn new(session: u64) -> Self {
        Self {
            session,
            started: None,
            statuses: Vec::new(),
            cancelled_by: "",
            audit_id: None,
        }
    }

    /// The "started" record of a verification that starts now (the store sets its outcome).
    pub fn begin(&mut self, devices: &DeviceIds) -> AuditRecord {
        let now = audit::now_unix_ms();
        self.started = Some((Instant::now(), now));
        self.statuses.clear();
        self.cancelled_by = "";
        self.audit_id = None;
        AuditRecord {
            session: self.session,
            started_unix_ms: now,
            devices: devices.clone(),
            ..AuditRecord::default()
        }
    }

    pub fn set_audit_id(&mut self, id: String) {
        self.audit_id = Some(id);
    }

    pub fn status(&mut self, status: &Status) {
        let now = Instant::now();
        let (t0, _) = *self.started.get_or_insert((now, audit::now_unix_ms()));
        if self.statuses.len() < MAX_STATUSES {
            self.statuses.push(StatusEntry {
                at_ms: millis(now.saturating_duration_since(t0)),
                step: status.step.as_str().to_owned(),
                code: status.guidance.id().to_owned(),
            });
        }
    }

    pub fn cancelled_by(&mut self, by: &'static str) {
        self.cancelled_by = by;
    }

    /// The record of the verification that just finished; the log starts afresh after it.
    pub fn record(&mut self, report: &Report, devices: &DeviceIds) -> AuditRecord {
        let ended = audit::now_unix_ms();
        let started = self
            .started
            .take()
            .map_or(ended.saturating_sub(millis(report.duration)), |(_, ms)| ms);
        let cancelled_by = match (report.outcome, self.cancelled_by) {
            (idgate_api::Outcome::Cancelled, "") => "client",
            (idgate_api::Outcome::Cancelled, by) => by,
            _ => "",
        };
        let record = AuditRecord {
            id: self.audit_id.take().unwrap_or_default(),
            session: self.session,
            started_unix_ms: started,
            ended_unix_ms: ended,
            outcome: report.outcome.as_str().to_owned(),
            guidance: report.guidance.id().to_owned(),
            reasons: report.reasons.iter().map(|g| g.id().to_owned()).collect(),
            cancelled_by: cancelled_by.to_owned(),
            code_source: report.code_source.map(|c| c.as_str().to_owned()),
            attempts_code: report.attempts.code,
            attempts_chip: report.attempts.chip,
            attempts_face: report.attempts.face,
            steps: report
                .steps
                .iter()
                .map(|s| StepEntry {
                    step: s.step.as_str().to_owned(),
                    took_ms: millis(s.took),
                })
                .collect(),
            statuses: std::mem::take(&mut self.statuses),
            chip: report.chip.as_ref().map(|c| ChipChecks {
                access: c.access.as_str().to_owned(),
                files: c.files.clone(),
                dg1_matches_code: c.dg1_matches_code.as_str().to_owned(),
                passive_auth: c.passive_auth.as_str().to_owned(),
                chip_auth: c.chip_auth.as_str().to_owned(),
                active_auth: c.active_auth.as_str().to_owned(),
            }),
            face: report.face.map(|f| FaceChecks {
                score: f.score,
                threshold: f.threshold,
                matched: f.matched,
                liveness: f.liveness.as_str().to_owned(),
            }),
            devices: devices.clone(),
        };
        self.cancelled_by = "";
        record
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
