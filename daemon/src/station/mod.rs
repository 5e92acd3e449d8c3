//! The station actor: the one task that owns the claim, the flow and the devices. Bus adapters
//! and device workers talk to it only through channels, so no lock is held across a bus call.

mod claim;
mod session_log;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use idgate_api::names::SESSION_PATH_PREFIX;
use idgate_api::{CodeSource, Error, FieldProblem, Lang, ManualEntry, ManualField, Step};
use idgate_flow::{AccessKey, Command, Event, Flow, FlowConfig, FlowError, Status};
use idgate_mrz::Mrz;
use idgate_mrz::manual::{self, Can};
use tokio::sync::mpsc;
use zbus::names::OwnedUniqueName;
use zbus::object_server::SignalEmitter;
use zbus::{Connection, OwnedObjectPath};

use crate::audit::{self, AuditStore};

use crate::bus::{
    Authority, Request, SessionCall, SessionIface, SessionProps, SessionReply, Shared,
    StationIface, StationProps,
};
use crate::contract;
use crate::devices::{DeviceEvent, Devices};
use session_log::SessionLog;

/// Longest text accepted from a caller (an MRZ is at most 3 × 44 characters plus newlines).
const MAX_TEXT: usize = 256;

/// Why a session ended without a result from the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndedBy {
    Client,
    OwnerGone,
    Shutdown,
    /// No activity for `[station] idle_release_secs`.
    Idle,
}

#[derive(Debug)]
struct Claimed {
    session: u64,
    owner: OwnedUniqueName,
    path: OwnedObjectPath,
    flow: Flow,
    props: Shared<SessionProps>,
    log: SessionLog,
    watcher: tokio::task::JoinHandle<()>,
    /// The owner's last call or the flow's last status: the claim is released when it is older
    /// than the idle limit.
    last_activity: tokio::time::Instant,
}

/// Told every status the station shows the person (see [`crate::serve::Backend::observer`]).
pub type StatusObserver = Box<dyn Fn(&Status) + Send + Sync>;

/// Everything the actor needs at start.
pub struct StationParts {
    pub conn: Connection,
    pub flow: FlowConfig,
    pub lang: Lang,
    pub devices: Devices,
    pub device_events: mpsc::UnboundedReceiver<DeviceEvent>,
    pub requests: mpsc::Receiver<Request>,
    pub request_tx: mpsc::Sender<Request>,
    pub station_props: Shared<StationProps>,
    /// The audit store; a session it cannot record is not verified.
    pub audit: AuditStore,
    /// How session calls are authorised (the station object's calls use the same).
    pub authority: Authority,
    pub observer: Option<StatusObserver>,
    /// A claim without activity for this long is released.
    pub idle_release: std::time::Duration,
}

impl std::fmt::Debug for StationParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StationParts")
            .field("devices", &self.devices)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

pub struct Station {
    conn: Connection,
    flow_cfg: FlowConfig,
    lang: Lang,
    devices: Devices,
    device_events: mpsc::UnboundedReceiver<DeviceEvent>,
    requests: mpsc::Receiver<Request>,
    request_tx: mpsc::Sender<Request>,
    station_props: Shared<StationProps>,
    audit: AuditStore,
    authority: Authority,
    claim: Option<Claimed>,
    next_session: u64,
    /// Device run ids issued by the sessions so far: the next session's runs come after them, so
    /// a job still ending from an earlier session can never pass for one of the current one.
    runs_issued: u64,
    watchdog: Option<crate::notify::Watchdog>,
    observer: Option<StatusObserver>,
    idle_release: std::time::Duration,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("devices", &self.devices)
            .field("claim", &self.claim)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

impl Station {
    pub fn new(parts: StationParts) -> Self {
        Self {
            conn: parts.conn,
            flow_cfg: parts.flow,
            lang: parts.lang,
            devices: parts.devices,
            device_events: parts.device_events,
            requests: parts.requests,
            request_tx: parts.request_tx,
            station_props: parts.station_props,
            audit: parts.audit,
            authority: parts.authority,
            claim: None,
            next_session: 1,
            runs_issued: 0,
            watchdog: crate::notify::Watchdog::from_env(),
            observer: parts.observer,
            idle_release: parts.idle_release,
        }
    }

    /// Serves until the request channel closes.
    pub async fn run(mut self) {
        // Petting from this loop proves the actor itself is alive, not just the process.
        let mut pet = tokio::time::interval(
            self.watchdog
                .as_ref()
                .map_or(std::time::Duration::from_secs(3600), |w| w.interval),
        );
        loop {
            let deadline = self
                .claim
                .as_ref()
                .and_then(|c| c.flow.next_deadline())
                .map(tokio::time::Instant::from_std);
            let idle_at = self
                .claim
                .as_ref()
                .map(|c| c.last_activity + self.idle_release);
            tokio::select! {
                request = self.requests.recv() => match request {
                    Some(Request::Shutdown) | None => break,
                    Some(request) => self.on_request(request).await,
                },
                Some(event) = self.device_events.recv() => self.on_device(event).await,
                () = sleep_until(deadline) => self.feed(Event::Tick).await,
                () = sleep_until(idle_at) => {
                    if let Some(c) = &self.claim {
                        tracing::info!(session = c.session, idle_secs = self.idle_release.as_secs(), "claim idle; releasing");
                    }
                    self.end_claim(EndedBy::Idle).await;
                }
                _ = pet.tick(), if self.watchdog.is_some() => {
                    if let Some(w) = &self.watchdog {
                        w.pet();
                    }
                }
            }
        }
        if self.claim.is_some() {
            self.end_claim(EndedBy::Shutdown).await;
        }
        self.devices.shutdown();
    }

    async fn on_request(&mut self, request: Request) {
        match request {
            Request::Claim { caller, reply } => {
                let result = self.claim(caller).await;
                let _ = reply.send(result);
            }
            Request::Session {
                session,
                caller,
                call,
                reply,
            } => {
                let result = self.session_call(session, caller, call).await;
                let _ = reply.send(result);
            }
            Request::OwnerGone { session } => {
                if self.claim.as_ref().is_some_and(|c| c.session == session) {
                    tracing::info!(session, "claim owner left the bus; cancelling");
                    self.end_claim(EndedBy::OwnerGone).await;
                }
            }
            // Handled by the loop in `run`.
            Request::Shutdown => {}
        }
    }

    async fn claim(&mut self, caller: OwnedUniqueName) -> Result<OwnedObjectPath, Error> {
        if let Some(c) = &self.claim {
            return Err(Error::AlreadyClaimed(format!(
                "session {} holds the station",
                c.session
            )));
        }
        let session = self.next_session;
        self.next_session += 1;
        let path = OwnedObjectPath::try_from(format!("{SESSION_PATH_PREFIX}/{session}"))
            .map_err(|e| Error::Internal(e.to_string()))?;
        let props = Arc::new(Mutex::new(SessionProps {
            step: Step::Idle,
            attempts: 0,
        }));
        let iface = SessionIface::new(
            session,
            self.request_tx.clone(),
            props.clone(),
            self.authority,
        );
        self.conn
            .object_server()
            .at(&path, iface)
            .await
            .map_err(|e| Error::Internal(format!("cannot serve the session: {e}")))?;
        let watcher = claim::watch_owner(
            self.conn.clone(),
            caller.clone(),
            session,
            self.request_tx.clone(),
        );
        self.claim = Some(Claimed {
            session,
            owner: caller,
            path: path.clone(),
            flow: Flow::continuing(self.flow_cfg.clone(), self.runs_issued),
            props,
            log: SessionLog::new(session),
            watcher,
            last_activity: tokio::time::Instant::now(),
        });
        self.set_station(|p| p.busy = true).await;
        tracing::info!(session, "station claimed");
        Ok(path)
    }

    async fn session_call(
        &mut self,
        session: u64,
        caller: OwnedUniqueName,
        call: SessionCall,
    ) -> Result<SessionReply, Error> {
        match self.claim.as_mut() {
            Some(c) if c.session == session && c.owner == caller => {
                c.last_activity = tokio::time::Instant::now();
            }
            Some(c) if c.session == session => {
                return Err(Error::NotClaimed(
                    "this session belongs to another connection".into(),
                ));
            }
            _ => return Err(Error::NotClaimed("this session has ended".into())),
        }
        tracing::debug!(session, call = call.name(), "session call");
        match call {
            SessionCall::Start => {
                let status = self.devices.status();
                if !status.reader_present {
                    return Err(Error::NoDevice("no card reader is connected".into()));
                }
                if !status.camera_present {
                    return Err(Error::NoDevice("no camera is available".into()));
                }
                self.expect_step(Step::Idle, "Start")
                    .or_else(|_| self.expect_step(Step::Result, "Start"))?;
                // The "started" record is on disk before any device runs: a daemon killed from
                // here on leaves a record of this session.
                self.begin_audit().await?;
                let camera = self.devices.ocr_available();
                self.feed_checked(Event::Start { camera }).await?;
            }
            SessionCall::SubmitMrz(text) => {
                let key = parse_mrz(&text)?;
                self.feed_checked(Event::CodeEntered {
                    key,
                    source: CodeSource::Manual,
                })
                .await?;
            }
            SessionCall::SubmitManual(dict) => {
                self.expect_step(Step::Code, "SubmitManual")?;
                let entry = ManualEntry::from_dict(&dict)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                return match validate_manual(&entry, today()?) {
                    Ok((key, source)) => {
                        self.feed_checked(Event::CodeEntered { key, source })
                            .await?;
                        Ok(SessionReply::FieldErrors(HashMap::new()))
                    }
                    Err(errors) => {
                        self.feed_checked(Event::CodeRejected).await?;
                        Ok(SessionReply::FieldErrors(errors))
                    }
                };
            }
            SessionCall::SubmitCan(text) => {
                self.expect_step(Step::Code, "SubmitCan")?;
                if text.len() > MAX_TEXT {
                    return Err(Error::InvalidArgument("can: too long".into()));
                }
                let can = Can::parse(&text).map_err(|e| {
                    Error::InvalidArgument(format!(
                        "can: {}",
                        contract::field_problem(e.problem).as_str()
                    ))
                })?;
                self.feed_checked(Event::CodeEntered {
                    key: AccessKey::Can(can),
                    source: CodeSource::Can,
                })
                .await?;
            }
            SessionCall::UseManualEntry => self.feed_checked(Event::UseManualEntry).await?,
            SessionCall::Retry => self.feed_checked(Event::Retry).await?,
            SessionCall::Cancel => self.feed_checked(Event::Cancel).await?,
            SessionCall::Release => self.end_claim(EndedBy::Client).await,
        }
        Ok(SessionReply::Done)
    }

    fn expect_step(&self, step: Step, call: &str) -> Result<(), Error> {
        let now = self.claim.as_ref().map(|c| c.flow.step());
        if now == Some(step) {
            Ok(())
        } else {
            Err(Error::WrongStep(format!(
                "{call} is only possible in the {step} step (now: {})",
                now.map_or("none", |s| s.as_str())
            )))
        }
    }

    /// Feeds a person-initiated event; a misfit becomes `WrongStep`.
    async fn feed_checked(&mut self, event: Event) -> Result<(), Error> {
        let Some(c) = self.claim.as_mut() else {
            return Err(Error::NotClaimed("no session".into()));
        };
        match c.flow.handle(Instant::now(), event) {
            Ok(commands) => {
                self.execute(commands).await;
                Ok(())
            }
            Err(FlowError::WrongStep { step, event }) => Err(Error::WrongStep(format!(
                "{event} is not possible in the {step} step"
            ))),
        }
    }

    /// Feeds a device event or tick; misfits are dropped (they are stale by construction).
    async fn feed(&mut self, event: Event) {
        let Some(c) = self.claim.as_mut() else {
            return;
        };
        if let Ok(commands) = c.flow.handle(Instant::now(), event) {
            self.execute(commands).await;
        }
    }

    async fn on_device(&mut self, event: DeviceEvent) {
        match event {
            DeviceEvent::Flow(event) => self.feed(event).await,
            DeviceEvent::ReaderPresent(present) => {
                self.set_station(|p| p.reader_present = present).await;
            }
            DeviceEvent::CameraPresent(present) => {
                self.set_station(|p| p.camera_present = present).await;
            }
            DeviceEvent::CodeLines { run, lines, marks } => {
                if self.is_current_run(run) {
                    if let Some(emitter) = self.emitter() {
                        let _ = SessionIface::code_lines(&emitter, &lines, &marks).await;
                    }
                }
            }
            DeviceEvent::Preview(preview) => {
                if self.is_current_run(preview.run) {
                    if let Some(emitter) = self.emitter() {
                        let _ = SessionIface::preview(
                            &emitter,
                            preview.step.as_str(),
                            preview.width,
                            preview.height,
                            &preview.rgb,
                            &preview.boxes,
                        )
                        .await;
                    }
                }
            }
        }
    }

    fn is_current_run(&self, run: idgate_flow::RunId) -> bool {
        self.devices.is_current_run(run)
    }

    /// Session signals go to the owner only (unicast): CodeLines carries MRZ characters and
    /// Preview camera frames, which no other client on the bus may receive.
    fn emitter(&self) -> Option<SignalEmitter<'static>> {
        let c = self.claim.as_ref()?;
        let owner = zbus::names::BusName::Unique(c.owner.as_ref().to_owned());
        SignalEmitter::new(&self.conn, c.path.clone())
            .ok()
            .map(|e| e.set_destination(owner).into_owned())
    }

    async fn execute(&mut self, mut commands: Vec<Command>) {
        // The result is audited before anything of it is shown: a result that cannot be
        // recorded is not delivered as it was (see `fail_closed`).
        let mut audit_id = None;
        if let Some(report) = commands.iter().find_map(|c| match c {
            Command::Finished(report) => Some(report.clone()),
            _ => None,
        }) {
            audit_id = self.audit_result(&report).await;
            if audit_id.is_none() {
                fail_closed(&mut commands);
            }
        }
        // Properties first: a client reacting to Status or Finished reads the new Step.
        self.sync_session_props().await;
        for command in commands {
            match command {
                Command::StartOcr { run } => self.devices.start_ocr(run),
                Command::StopOcr => self.devices.stop_ocr(),
                Command::StartChipRead { run, key } => self.devices.start_chip(run, key),
                Command::StopChipRead => self.devices.stop_chip(),
                Command::StartFace { run } => self.devices.start_face(run),
                Command::StopFace => self.devices.stop_face(),
                Command::Challenge(prompt) => {
                    if let Some(emitter) = self.emitter() {
                        let _ = SessionIface::challenge(&emitter, prompt.id()).await;
                    }
                }
                Command::ChipProgress { file, read, total } => {
                    if let Some(emitter) = self.emitter() {
                        let _ = SessionIface::chip_progress(&emitter, &file, read, total).await;
                    }
                }
                Command::Status(status) => self.status(status).await,
                Command::Finished(report) => self.finished(*report, audit_id.take()).await,
            }
        }
    }

    async fn status(&mut self, status: Status) {
        let Some(c) = self.claim.as_mut() else {
            return;
        };
        c.log.status(&status);
        c.last_activity = tokio::time::Instant::now();
        if let Some(observer) = &self.observer {
            observer(&status);
        }
        tracing::info!(
            session = c.session,
            step = status.step.as_str(),
            code = status.guidance.id(),
            "status"
        );
        if let Some(emitter) = self.emitter() {
            let _ = SessionIface::status(
                &emitter,
                status.step.as_str(),
                status.guidance.id(),
                status.guidance.text(self.lang),
                status.progress,
            )
            .await;
        }
    }

    async fn finished(&mut self, report: idgate_flow::Report, audit_id: Option<String>) {
        let Some(c) = self.claim.as_mut() else {
            return;
        };
        self.devices.forget_chip_photo();
        tracing::info!(
            session = c.session,
            outcome = report.outcome.as_str(),
            code = report.guidance.id(),
            "finished"
        );
        let mut checks = report.to_checks();
        checks.audit_id = audit_id;
        if let Some(emitter) = self.emitter() {
            let _ = SessionIface::finished(&emitter, report.outcome.as_str(), &checks).await;
        }
    }

    /// Commits the "started" record of the session; an error the person sees as a station fault
    /// when the store cannot take it (nothing has run yet).
    async fn begin_audit(&mut self) -> Result<(), Error> {
        let Some(c) = self.claim.as_mut() else {
            return Err(Error::NotClaimed("no session".into()));
        };
        let record = c.log.begin(&self.devices.ids());
        let store = self.audit.clone();
        let committed = tokio::task::spawn_blocking(move || store.begin(record)).await;
        match committed {
            Ok(Ok(id)) => {
                c.log.set_audit_id(id);
                Ok(())
            }
            Ok(Err(e)) => {
                tracing::error!(
                    session = c.session,
                    "audit store refused the session start: {e}"
                );
                Err(Error::Internal(AUDIT_DOWN.into()))
            }
            Err(e) => {
                tracing::error!(session = c.session, "audit writer failed: {e}");
                Err(Error::Internal(AUDIT_DOWN.into()))
            }
        }
    }

    /// Writes the final record (replacing the "started" one) on a blocking thread and returns
    /// its id; `None` when it could not be written.
    async fn audit_result(&mut self, report: &idgate_flow::Report) -> Option<String> {
        let c = self.claim.as_mut()?;
        let session = c.session;
        let record = c.log.record(report, &self.devices.ids());
        let store = self.audit.clone();
        match tokio::task::spawn_blocking(move || store.commit(record)).await {
            Ok(Ok(id)) => Some(id),
            Ok(Err(e)) => {
                tracing::error!(session, "audit record not written, result withheld: {e}");
                None
            }
            Err(e) => {
                tracing::error!(session, "audit writer failed, result withheld: {e}");
                None
            }
        }
    }

    async fn sync_session_props(&mut self) {
        let Some(c) = self.claim.as_ref() else {
            return;
        };
        let new = SessionProps {
            step: c.flow.step(),
            attempts: c.flow.attempts(),
        };
        let changed = match c.props.lock() {
            Ok(mut p) => {
                let changed = (p.step != new.step, p.attempts != new.attempts);
                *p = new;
                changed
            }
            Err(_) => (false, false),
        };
        if changed == (false, false) {
            return;
        }
        let path = c.path.clone();
        if let Ok(iface) = self
            .conn
            .object_server()
            .interface::<_, SessionIface>(&path)
            .await
        {
            let emitter = iface.signal_emitter().clone();
            let guard = iface.get().await;
            if changed.0 {
                let _ = guard.step_changed(&emitter).await;
            }
            if changed.1 {
                let _ = guard.attempts_changed(&emitter).await;
            }
        }
    }

    /// Cancels whatever runs, stops the devices, removes the session object, frees the station.
    async fn end_claim(&mut self, by: EndedBy) {
        if let Some(c) = self.claim.as_mut() {
            if c.flow.is_running() {
                match c.flow.handle(Instant::now(), Event::Cancel) {
                    Ok(commands) => {
                        match by {
                            EndedBy::OwnerGone => c.log.cancelled_by("owner_gone"),
                            EndedBy::Shutdown => c.log.cancelled_by("shutdown"),
                            EndedBy::Idle => c.log.cancelled_by("idle"),
                            EndedBy::Client => {}
                        }
                        self.execute(commands).await;
                    }
                    Err(e) => tracing::warn!("cancel on release: {e}"),
                }
            }
        }
        self.devices.stop_all();
        self.devices.forget_chip_photo();
        let Some(c) = self.claim.take() else {
            return;
        };
        self.runs_issued = c.flow.runs_issued();
        c.watcher.abort();
        let _ = self
            .conn
            .object_server()
            .remove::<SessionIface, _>(&c.path)
            .await;
        tracing::info!(session = c.session, "station released");
        self.set_station(|p| p.busy = false).await;
    }

    /// Updates the station's property snapshot and signals what changed.
    async fn set_station(&self, change: impl FnOnce(&mut StationProps)) {
        let (before, after) = match self.station_props.lock() {
            Ok(mut p) => {
                let before = p.clone();
                change(&mut p);
                (before, p.clone())
            }
            Err(_) => return,
        };
        let Ok(iface) = self
            .conn
            .object_server()
            .interface::<_, StationIface>(idgate_api::names::STATION_PATH)
            .await
        else {
            return;
        };
        let emitter = iface.signal_emitter().clone();
        let guard = iface.get().await;
        if before.busy != after.busy {
            let _ = guard.busy_changed(&emitter).await;
        }
        if before.reader_present != after.reader_present {
            let _ = guard.reader_present_changed(&emitter).await;
        }
        if before.camera_present != after.camera_present {
            let _ = guard.camera_present_changed(&emitter).await;
        }
    }
}

/// Why Start is refused when the audit store cannot take a record.
const AUDIT_DOWN: &str = "the audit log cannot be written; the station cannot verify anyone";

/// A result that could not be audited is not delivered as it was: the person sees a station
/// fault and the outcome is "not verified" whatever the checks said.
fn fail_closed(commands: &mut [Command]) {
    use idgate_api::{Guidance, Outcome};
    for command in commands {
        match command {
            Command::Status(status) if status.step == Step::Result => {
                status.guidance = Guidance::FlowStationFault;
            }
            Command::Finished(report) => {
                report.outcome = Outcome::NotVerified;
                report.guidance = Guidance::FlowStationFault;
                report.reasons.push(Guidance::FlowStationFault);
                report.alternatives = None;
            }
            _ => {}
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Parses a submitted MRZ (2 or 3 lines) into the chip key.
fn parse_mrz(text: &str) -> Result<AccessKey, Error> {
    if text.len() > MAX_TEXT {
        return Err(Error::InvalidArgument("lines: too long for an MRZ".into()));
    }
    let mrz = Mrz::parse(text.trim()).map_err(|e| {
        // The error names the field and check digit, never the characters read.
        Error::InvalidArgument(format!("lines: {e}"))
    })?;
    Ok(AccessKey::Mrz(mrz.access_key()))
}

/// Checks typed fields: a CAN alone, or number + birth + expiry.
fn validate_manual(
    entry: &ManualEntry,
    today: idgate_mrz::Date,
) -> Result<(AccessKey, CodeSource), HashMap<String, String>> {
    let mut errors = HashMap::new();
    let too_long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > MAX_TEXT);
    for (field, value) in [
        (ManualField::DocumentNumber, &entry.document_number),
        (ManualField::BirthDate, &entry.birth_date),
        (ManualField::ExpiryDate, &entry.expiry_date),
        (ManualField::Can, &entry.can),
    ] {
        if too_long(value) {
            errors.insert(
                field.as_str().to_owned(),
                FieldProblem::Length.as_str().to_owned(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mrz_fields_given = entry.document_number.is_some()
        || entry.birth_date.is_some()
        || entry.expiry_date.is_some();
    if let (Some(can), false) = (&entry.can, mrz_fields_given) {
        return match Can::parse(can) {
            Ok(can) => Ok((AccessKey::Can(can), CodeSource::Can)),
            Err(e) => {
                errors.insert(
                    ManualField::Can.as_str().to_owned(),
                    contract::field_problem(e.problem).as_str().to_owned(),
                );
                Err(errors)
            }
        };
    }
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    match manual::access_key(
        &field(&entry.document_number),
        &field(&entry.birth_date),
        &field(&entry.expiry_date),
        today,
    ) {
        Ok(key) => Ok((AccessKey::Mrz(key), CodeSource::Manual)),
        Err(all) => {
            for e in all.0 {
                if let Some(field) = contract::manual_field(e.field) {
                    errors.insert(
                        field.as_str().to_owned(),
                        contract::field_problem(e.problem).as_str().to_owned(),
                    );
                }
            }
            Err(errors)
        }
    }
}

/// Today's date (UTC) for the plausibility checks of typed dates.
fn today() -> Result<idgate_mrz::Date, Error> {
    let secs = i64::try_from(audit::now_unix_ms() / 1000).unwrap_or(i64::MAX);
    idgate_mrz::Date::from_unix_seconds(secs)
        .ok_or_else(|| Error::Internal("the system clock is not set".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgate_api::{Guidance, Outcome};

    fn verified_batch() -> Vec<Command> {
        vec![
            Command::StopFace,
            Command::Status(Status {
                step: Step::Result,
                guidance: Guidance::FlowVerified,
                progress: 1.0,
            }),
            Command::Finished(Box::new(idgate_flow::Report {
                outcome: Outcome::Verified,
                guidance: Guidance::FlowVerified,
                reasons: Vec::new(),
                alternatives: None,
                code_source: Some(CodeSource::Camera),
                chip: None,
                face: None,
                attempts: Default::default(),
                duration: std::time::Duration::from_secs(20),
                steps: Vec::new(),
            })),
        ]
    }

    #[test]
    fn a_result_that_could_not_be_audited_is_a_station_fault_not_a_verification() {
        let mut commands = verified_batch();
        fail_closed(&mut commands);
        let Command::Status(status) = &commands[1] else {
            panic!("status kept in place");
        };
        assert_eq!(status.guidance, Guidance::FlowStationFault);
        let Command::Finished(report) = &commands[2] else {
            panic!("finished kept in place");
        };
        assert_eq!(report.outcome, Outcome::NotVerified);
        assert_eq!(report.guidance, Guidance::FlowStationFault);
        assert_eq!(report.reasons, [Guidance::FlowStationFault]);
        assert_eq!(commands[0], Command::StopFace);
    }
}
