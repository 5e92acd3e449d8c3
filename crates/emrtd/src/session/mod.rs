//! The read session: a sans-IO state machine from "card present" to "every file read".
//!
//! The caller asks [`ReadSession::poll`] what to do (send these bytes, wait for the card, done),
//! does it, and reports back with [`ReadSession::on_response`], [`ReadSession::on_transport_error`]
//! or [`ReadSession::on_card_present`]. The time is passed in; the session never blocks or sleeps.

mod file_read;
mod link;
mod options;
pub(crate) mod profile;
pub(crate) mod read_mode;
mod result;

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use crate::access::AccessKey;
use crate::auth::passive::Sod;
use crate::budget::{Budget, Clock};
use crate::error::{AccessProtocol, ChipError, Downgrade};
use crate::exchange::{CheckOutcome, Exchange, ExchangeContext, ExchangeOutcome, ExchangeStep};
use crate::iso7816::apdu::{CommandApdu, LengthForm, ResponseApdu};
use crate::iso7816::card;
use crate::iso7816::transport::TransportError;
use crate::lds::atr_info::AtrInfo;
use crate::lds::card_access::CardAccess;
use crate::lds::com::EfCom;
use crate::lds::dg1::Dg1;
use crate::lds::security_infos::{PaceInfo, SecurityInfos, pace_rank};
use crate::lds::{LdsFile, RawFiles};
use crate::session::profile::{ChipKind, ReadProfile};
use file_read::{FileRead, ReadNext, ReadOutcome};
use link::{Answer, ApduLink};
pub use options::ReadOptions;
pub(crate) use read_mode::{ReadMode, ReadModes};
pub use result::{ChipRead, ReadStats};

/// The eMRTD application identifier (ICAO 9303 Part 10 §3.10).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The order data groups are read in: small and security-relevant first (CA can upgrade secure
/// messaging before the big DG2), then the rest.
pub const READ_ORDER: [LdsFile; 8] = [
    LdsFile::DG1,
    LdsFile::DG14,
    LdsFile::DG15,
    LdsFile::Sod,
    LdsFile::DG2,
    LdsFile::DG11,
    LdsFile::DG12,
    LdsFile::DG7,
];

/// Secure messaging sessions the chip may drop before we give up.
const MAX_SM_BREAKS: u32 = 2;

/// What the caller should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes as one command APDU and report the answer.
    Transmit(Vec<u8>),
    /// The card is gone: reconnect when it is back ([`ReadSession::on_card_present`]).
    WaitForCard,
    /// Finished: take the result with [`ReadSession::take_result`].
    Done,
}

/// Where the read is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading EF.CardAccess and EF.ATR/INFO.
    ReadingMasterFile,
    /// Running access control.
    AccessControl(AccessProtocol),
    /// Selecting the eMRTD application.
    SelectingApplication,
    /// Reading the data groups and EF.SOD.
    ReadingFiles,
    /// Running an authentication exchange (its name).
    Authenticating(&'static str),
    /// Assembling the result (Passive Authentication runs here).
    Finishing,
}

/// Progress of one file, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The file being read.
    pub file: LdsFile,
    /// Bytes of it read so far.
    pub read: usize,
    /// Known once the file's TLV header is read.
    pub total: Option<usize>,
    /// Files finished.
    pub files_done: usize,
    /// Files planned in all.
    pub files_planned: usize,
}

/// Something the caller may want to show or act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The read entered a phase.
    Phase(Phase),
    /// A file read progressed.
    Progress(Progress),
    /// The card left the reader.
    CardLost,
    /// The card is back.
    CardBack,
    /// The chip kind is known: the driver may look up a read profile and apply it.
    ChipKind(ChipKind),
    /// A read size was refused; reading continues with this one.
    ReadMode(ReadMode),
}

/// Where the read is, with what only that stage needs (the way rustls types its handshake
/// states): an exchange lives in the stage that runs it and is dropped by leaving it.
enum Stage {
    /// Reading EF.CardAccess and EF.ATR/INFO (plain, before access control); `queue`: the files
    /// still to read.
    MasterFile {
        queue: VecDeque<LdsFile>,
    },
    /// SELECT the eMRTD application, then run `access` (BAC selects first) or, when `None`
    /// (after PACE), read the files.
    SelectApplet {
        access: Option<Box<dyn Exchange>>,
    },
    /// Access control; `select_after`: SELECT the application once it is done (PACE).
    Access {
        exchange: Box<dyn Exchange>,
        select_after: bool,
    },
    /// Reading the planned files.
    Files,
    /// An authentication exchange the hooks started after `file` was read.
    Hook {
        exchange: Box<dyn Exchange>,
        file: LdsFile,
    },
    /// The card left at `since`; `master_file`: the master-file reads to resume, when it left
    /// before access control.
    WaitCard {
        since: Instant,
        master_file: Option<VecDeque<LdsFile>>,
    },
    Finished,
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::MasterFile { queue } => write!(f, "MasterFile({queue:?})"),
            Stage::SelectApplet { access } => {
                write!(
                    f,
                    "SelectApplet(then {})",
                    access.as_ref().map_or("files", |e| e.name())
                )
            }
            Stage::Access { exchange, .. } => write!(f, "Access({})", exchange.name()),
            Stage::Files => f.write_str("Files"),
            Stage::Hook { exchange, file } => write!(f, "Hook({} after {file:?})", exchange.name()),
            Stage::WaitCard { .. } => f.write_str("WaitCard"),
            Stage::Finished => f.write_str("Finished"),
        }
    }
}

/// One chip read, from the ATR to the last file.
///
/// While the read runs, everything it needs — the access key, the options, the secure messaging
/// keys, the stage machine — lives in the `Reading` state; when the read ends the session becomes
/// `Done`, which holds only the result and the last events: the keys are dropped by leaving the
/// state, not cleared by hand.
pub struct ReadSession {
    state: SessionState,
}

// `Done` is reached once per read and never moved around: boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
enum SessionState {
    Reading(Box<Reading>),
    Done {
        result: Option<Result<ChipRead, ChipError>>,
        events: VecDeque<Event>,
        stats: ReadStats,
    },
}

impl fmt::Debug for ReadSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            SessionState::Reading(r) => r.fmt(f),
            SessionState::Done { stats, .. } => f
                .debug_struct("Done")
                .field("stats", stats)
                .finish_non_exhaustive(),
        }
    }
}

impl ReadSession {
    /// A read of the card whose ATR is `atr`, opened with `key`.
    pub fn new(atr: &[u8], key: AccessKey, opts: ReadOptions, now: Instant) -> Self {
        Self {
            state: SessionState::Reading(Box::new(Reading::new(atr, key, opts, now))),
        }
    }

    // Getters.

    /// The chip kind, once the issuing state is known (while reading).
    pub fn chip_kind(&self) -> Option<ChipKind> {
        match &self.state {
            SessionState::Reading(r) => r.chip_kind(),
            SessionState::Done { .. } => None,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> ReadStats {
        match &self.state {
            SessionState::Reading(r) => r.stats(),
            SessionState::Done { stats, .. } => *stats,
        }
    }

    /// Whether the read has ended (the result is ready, or was taken).
    pub fn is_done(&self) -> bool {
        matches!(self.state, SessionState::Done { .. })
    }

    // Inputs.

    /// The card answered.
    pub fn on_response(&mut self, bytes: &[u8], now: Instant) {
        if let SessionState::Reading(r) = &mut self.state {
            r.on_response(bytes, now);
        }
        self.settle();
    }

    /// The transport failed instead of answering.
    pub fn on_transport_error(&mut self, err: TransportError, now: Instant) {
        if let SessionState::Reading(r) = &mut self.state {
            r.on_transport_error(err, now);
        }
        self.settle();
    }

    /// The card is back (reconnected and reset): redo access control, keep what was read.
    pub fn on_card_present(&mut self, atr: &[u8], now: Instant) {
        if let SessionState::Reading(r) = &mut self.state {
            r.on_card_present(atr, now);
        }
        self.settle();
    }

    /// Starts from a remembered read profile (on [`Event::ChipKind`]).
    pub fn apply_profile(&mut self, profile: &ReadProfile) {
        if let SessionState::Reading(r) = &mut self.state {
            r.apply_profile(profile);
        }
    }

    // Outputs.

    /// What to do now. Work without chip I/O (Passive Authentication after the last file) sees
    /// the cancel flag but not the time passing while it runs: callers with a clock use
    /// [`poll_clocked`](Self::poll_clocked).
    pub fn poll(&mut self, now: Instant) -> Action {
        let action = match &mut self.state {
            SessionState::Reading(r) => r.poll(now, None),
            SessionState::Done { .. } => Action::Done,
        };
        self.settle();
        action
    }

    /// [`poll`](Self::poll) at `clock.now()`, reading `clock` again inside Passive Authentication
    /// so the deadline stays live through its hashes, chain, CRLs and signature.
    pub fn poll_clocked(&mut self, clock: &dyn Clock) -> Action {
        let action = match &mut self.state {
            SessionState::Reading(r) => r.poll(clock.now(), Some(clock)),
            SessionState::Done { .. } => Action::Done,
        };
        self.settle();
        action
    }

    /// The next event for the caller, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        match &mut self.state {
            SessionState::Reading(r) => r.poll_event(),
            SessionState::Done { events, .. } => events.pop_front(),
        }
    }

    /// The result, once [`Action::Done`] was returned.
    pub fn take_result(&mut self) -> Option<Result<ChipRead, ChipError>> {
        match &mut self.state {
            SessionState::Done { result, .. } => result.take(),
            SessionState::Reading(_) => None,
        }
    }

    /// Leaves the reading state once the read has a result: the key, the options and the
    /// secure messaging keys are dropped with it.
    fn settle(&mut self) {
        if !matches!(&self.state, SessionState::Reading(r) if r.result.is_some()) {
            return;
        }
        let done = SessionState::Done {
            result: None,
            events: VecDeque::new(),
            stats: ReadStats::default(),
        };
        if let SessionState::Reading(mut r) = std::mem::replace(&mut self.state, done) {
            self.state = SessionState::Done {
                stats: r.stats(),
                events: std::mem::take(&mut r.events),
                result: r.result.take(),
            };
        }
    }
}

/// A read in progress: everything it needs, the access key and the secure messaging keys included.
struct Reading {
    key: AccessKey,
    opts: ReadOptions,
    started: Instant,
    historical: Vec<u8>,
    modes: ReadModes,
    use_sfi: bool,
    link: ApduLink,
    stage: Stage,
    access: Option<AccessProtocol>,
    /// The PACEInfo PACE ran with (`None` with BAC), for the DG14 downgrade check.
    pace_used: Option<PaceInfo>,
    /// The data groups EF.SOD lists, once it is read and parses.
    sod_listed: Option<Vec<u8>>,
    /// The file whose authentication exchange a card loss or an SM break interrupted: run again
    /// once files are read again.
    interrupted_hook: Option<LdsFile>,
    ready: Option<(CommandApdu, LengthForm)>,
    queue: VecDeque<(LdsFile, bool)>,
    current: Option<FileRead>,
    files: RawFiles,
    card_access: Option<CardAccess>,
    com: Option<EfCom>,
    issuing_state: Option<String>,
    checks: Vec<CheckOutcome>,
    events: VecDeque<Event>,
    stats: ReadStats,
    sm_breaks: u32,
    files_done: usize,
    files_planned: usize,
    result: Option<Result<ChipRead, ChipError>>,
}

impl fmt::Debug for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reading")
            .field("stage", &self.stage)
            .field("access", &self.access)
            .field("files", &self.files)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Reading {
    /// A read of the card whose ATR is `atr`, opened with `key`.
    fn new(atr: &[u8], key: AccessKey, opts: ReadOptions, now: Instant) -> Self {
        let historical = card::historical_bytes(atr).unwrap_or_default().to_vec();
        let extended = card::extended_length_from_historical(&historical).unwrap_or(false);
        let mut modes = ReadModes::new(extended, None);
        let mut use_sfi = opts.use_sfi;
        if let Some(p) = &opts.profile {
            modes.apply(p);
            use_sfi &= p.short_file_ids;
        }
        let master_queue: VecDeque<LdsFile> = if opts.read_master_file {
            [LdsFile::CardAccess, LdsFile::AtrInfo].into()
        } else {
            VecDeque::new()
        };
        let issuing_state = opts.issuing_state.clone();
        let link = ApduLink::new(opts.max_file_len);
        let mut s = Self {
            key,
            opts,
            started: now,
            historical,
            modes,
            use_sfi,
            link,
            stage: Stage::MasterFile {
                queue: master_queue,
            },
            access: None,
            pace_used: None,
            sod_listed: None,
            interrupted_hook: None,
            ready: None,
            queue: [(LdsFile::Com, true)].into(),
            current: None,
            files: RawFiles::default(),
            card_access: None,
            com: None,
            issuing_state,
            checks: Vec::new(),
            events: VecDeque::new(),
            stats: ReadStats::default(),
            sm_breaks: 0,
            files_done: 0,
            files_planned: 1,
            result: None,
        };
        s.events.push_back(Event::Phase(Phase::ReadingMasterFile));
        if let Some(kind) = s.chip_kind() {
            s.events.push_back(Event::ChipKind(kind));
        }
        s
    }

    /// The chip kind, once the issuing state is known.
    fn chip_kind(&self) -> Option<ChipKind> {
        self.issuing_state.as_ref().map(|state| ChipKind {
            historical_bytes: self.historical.clone(),
            issuing_state: state.clone(),
        })
    }

    /// Starts from a remembered read profile (on [`Event::ChipKind`]).
    fn apply_profile(&mut self, profile: &ReadProfile) {
        self.modes.apply(profile);
        self.use_sfi &= profile.short_file_ids;
    }

    /// The next event for the caller, if any.
    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Counters so far.
    fn stats(&self) -> ReadStats {
        ReadStats {
            apdus: self.link.apdus(),
            ..self.stats
        }
    }

    fn fail(&mut self, mut e: ChipError) {
        // A failed authenticity check carries every check's result (which passed before it).
        // (A failure inside Chip or Active Authentication's exchange is recorded here.)
        if let ChipError::Authenticity {
            check,
            reason,
            report,
        } = &mut e
        {
            if report.is_none() {
                *report = self.opts.hooks.report().map(|mut r| {
                    r.record_failure(check, reason);
                    Box::new(r)
                });
            }
        }
        if self.result.is_none() {
            self.result = Some(Err(e));
        }
        self.stage = Stage::Finished;
        self.link.reset();
        self.ready = None;
    }

    /// What to do now; `clock` (when given) keeps the deadline live inside local work.
    fn poll(&mut self, now: Instant, clock: Option<&dyn Clock>) -> Action {
        if self.result.is_some() {
            return Action::Done;
        }
        if self.cancelled() {
            self.fail(ChipError::Cancelled);
            return Action::Done;
        }
        if now.saturating_duration_since(self.started) >= self.opts.deadline {
            self.fail(ChipError::Timeout);
            return Action::Done;
        }
        if let Stage::WaitCard { since, .. } = self.stage {
            if now.saturating_duration_since(since) >= self.opts.card_return_timeout {
                self.fail(ChipError::CardLost);
                return Action::Done;
            }
            return Action::WaitForCard;
        }
        if let Some(bytes) = self.link.pending() {
            return Action::Transmit(bytes);
        }
        // Each turn either readies a command, changes stage or finishes; stages are finite.
        for _ in 0..64 {
            if let Some((cmd, form)) = self.ready.take() {
                return match self.link.send(cmd, form) {
                    Ok(bytes) => Action::Transmit(bytes),
                    Err(e) => {
                        self.fail(e);
                        Action::Done
                    }
                };
            }
            if let Err(e) = self.plan(clock) {
                self.fail(e);
            }
            if self.result.is_some() {
                return Action::Done;
            }
            if matches!(self.stage, Stage::WaitCard { .. }) {
                return Action::WaitForCard;
            }
        }
        self.fail(ChipError::Protocol {
            protocol: "session",
            reason: "no progress".into(),
        });
        Action::Done
    }

    /// Readies the next command of the current stage, or moves to the next stage.
    fn plan(&mut self, clock: Option<&dyn Clock>) -> Result<(), ChipError> {
        match &mut self.stage {
            Stage::MasterFile { queue } => {
                if self.current.is_none() {
                    match queue.pop_front() {
                        Some(file) => {
                            self.current = Some(FileRead::new(file, true, self.opts.max_file_len))
                        }
                        None => return self.begin_access(),
                    }
                }
                self.ready_file_command(false)
            }
            Stage::SelectApplet { .. } => {
                self.ready = Some((
                    CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID),
                    LengthForm::Short,
                ));
                Ok(())
            }
            Stage::Access { .. } | Stage::Hook { .. } => {
                if let Some(outcome) = self.drive_exchange(None)? {
                    self.exchange_done(outcome)?;
                }
                Ok(())
            }
            Stage::Files => {
                if self.current.is_none() {
                    match self.queue.pop_front() {
                        Some((file, optional)) => {
                            self.current =
                                Some(FileRead::new(file, optional, self.opts.max_file_len));
                        }
                        None => {
                            self.finish(clock);
                            return Ok(());
                        }
                    }
                }
                self.ready_file_command(true)
            }
            Stage::WaitCard { .. } | Stage::Finished => Ok(()),
        }
    }

    fn ready_file_command(&mut self, protected: bool) -> Result<(), ChipError> {
        let Some(current) = self.current.as_mut() else {
            return Ok(());
        };
        let Some(mode) = self.modes.current(protected) else {
            return Err(ChipError::ReadProtocol {
                file: current.file,
                reason: "every read size was refused",
            });
        };
        let ReadNext::Send(cmd) = current.next(mode.le, self.use_sfi)?;
        let form = if cmd.ins == 0xB0 || cmd.ins == 0xB1 {
            mode.form
        } else {
            cmd.natural_form()
        };
        self.ready = Some((cmd, form));
        Ok(())
    }

    fn begin_access(&mut self) -> Result<(), ChipError> {
        let plan = self
            .opts
            .access
            .select(self.card_access.as_ref(), &self.key)?;
        self.access = Some(plan.protocol);
        self.pace_used = plan.pace;
        if plan.select_applet_first {
            self.stage = Stage::SelectApplet {
                access: Some(plan.exchange),
            };
            self.events
                .push_back(Event::Phase(Phase::SelectingApplication));
        } else {
            self.stage = Stage::Access {
                exchange: plan.exchange,
                select_after: true,
            };
            self.events
                .push_back(Event::Phase(Phase::AccessControl(plan.protocol)));
        }
        Ok(())
    }

    /// Runs the current stage's exchange one step; `Some(outcome)` when it finished.
    fn drive_exchange(
        &mut self,
        response: Option<&ResponseApdu>,
    ) -> Result<Option<ExchangeOutcome>, ChipError> {
        let (Stage::Access { exchange, .. } | Stage::Hook { exchange, .. }) = &mut self.stage
        else {
            return Err(ChipError::Protocol {
                protocol: "session",
                reason: "no exchange to run".into(),
            });
        };
        let mut ctx = ExchangeContext {
            rng: self.opts.rng.as_mut(),
            files: &self.files,
            card_access: self.card_access.as_ref(),
        };
        match exchange.advance(response, &mut ctx)? {
            ExchangeStep::Send(cmd) => {
                let form = cmd.natural_form();
                self.ready = Some((cmd, form));
                Ok(None)
            }
            ExchangeStep::Done(outcome) => Ok(Some(outcome)),
        }
    }

    /// The stage's exchange finished: leave the stage (dropping the exchange).
    fn exchange_done(&mut self, mut outcome: ExchangeOutcome) -> Result<(), ChipError> {
        self.opts.hooks.exchange_done(&mut outcome);
        for check in outcome.checks {
            if !self.checks.contains(&check) {
                self.checks.push(check);
            }
        }
        match std::mem::replace(&mut self.stage, Stage::Files) {
            Stage::Access { select_after, .. } => {
                let Some(sm) = outcome.secure_messaging else {
                    return Err(ChipError::Protocol {
                        protocol: "access control",
                        reason: "finished without secure messaging".into(),
                    });
                };
                self.link.set_secure_messaging(sm);
                if select_after {
                    self.stage = Stage::SelectApplet { access: None };
                    self.events
                        .push_back(Event::Phase(Phase::SelectingApplication));
                } else {
                    self.enter_files();
                }
            }
            _ => {
                if let Some(sm) = outcome.secure_messaging {
                    self.link.set_secure_messaging(sm);
                }
            }
        }
        Ok(())
    }

    /// Into file reading, or back into the authentication exchange a card loss interrupted.
    fn enter_files(&mut self) {
        self.stage = Stage::Files;
        self.events.push_back(Event::Phase(Phase::ReadingFiles));
        if let Some(file) = self.interrupted_hook.take() {
            if let Err(e) = self.start_hook(file) {
                self.fail(e);
            }
        }
    }

    fn start_hook(&mut self, file: LdsFile) -> Result<(), ChipError> {
        if let Some(exchange) = self.opts.hooks.after_file(file, &self.files)? {
            self.events
                .push_back(Event::Phase(Phase::Authenticating(exchange.name())));
            self.stage = Stage::Hook { exchange, file };
        }
        Ok(())
    }

    /// The card answered.
    fn on_response(&mut self, bytes: &[u8], now: Instant) {
        let _ = now;
        if self.result.is_some() {
            return;
        }
        match self.link.on_answer(bytes) {
            None | Some(Ok(Answer::Again)) => {}
            Some(Ok(Answer::SmBroken)) => self.session_broken(),
            Some(Ok(Answer::Complete {
                response,
                protected,
            })) => {
                if let Err(e) = self.dispatch(&response, protected) {
                    self.fail(e);
                }
            }
            Some(Err(e)) => self.fail(e),
        }
    }

    fn dispatch(&mut self, resp: &ResponseApdu, protected: bool) -> Result<(), ChipError> {
        match &mut self.stage {
            Stage::MasterFile { .. } => self.on_master_file(resp),
            Stage::SelectApplet { access } => {
                if !resp.sw.is_ok() {
                    return Err(ChipError::NotEmrtd(resp.sw));
                }
                match access.take() {
                    Some(exchange) => {
                        self.stage = Stage::Access {
                            exchange,
                            select_after: false,
                        };
                        if let Some(p) = self.access {
                            self.events.push_back(Event::Phase(Phase::AccessControl(p)));
                        }
                    }
                    None => self.enter_files(),
                }
                Ok(())
            }
            Stage::Access { .. } | Stage::Hook { .. } => {
                if let Some(outcome) = self.drive_exchange(Some(resp))? {
                    self.exchange_done(outcome)?;
                }
                Ok(())
            }
            Stage::Files => self.on_file(resp, protected),
            Stage::WaitCard { .. } | Stage::Finished => Ok(()),
        }
    }

    fn on_master_file(&mut self, resp: &ResponseApdu) -> Result<(), ChipError> {
        let Some(current) = self.current.as_mut() else {
            return Ok(());
        };
        // Files of the master file are optional: a chip refusing to select one has none. But an
        // EF.CardAccess that is there and cannot be read or parsed could hide PACE: refused
        // rather than read as "BAC only" (a downgrade) — unless the station runs BAC anyway.
        let file = current.file;
        let pace_wanted = self.opts.access.runs_pace_when_offered();
        let unreadable = |why: String| {
            if file == LdsFile::CardAccess && pace_wanted {
                Err(ChipError::Downgrade(Downgrade::CardAccessUnreadable(why)))
            } else {
                Ok(())
            }
        };
        match current.on_response(resp) {
            Ok(ReadOutcome::Continue) => {}
            Ok(ReadOutcome::Complete) => {
                let bytes = current.data.to_vec();
                self.stats.bytes_read += bytes.len();
                self.current = None;
                // Kept as read (`ChipRead::card_access_raw`), parsed or not.
                self.files.insert(file, bytes.clone());
                match file {
                    LdsFile::CardAccess => match CardAccess::parse(&bytes) {
                        Ok(ca) => self.card_access = Some(ca),
                        Err(e) => return unreadable(e.to_string()),
                    },
                    LdsFile::AtrInfo => {
                        if let Ok(info) = AtrInfo::parse(&bytes) {
                            let ext = info.extended_length.unwrap_or_else(|| {
                                card::extended_length_from_historical(&self.historical)
                                    .unwrap_or(false)
                            });
                            self.modes.update_capabilities(ext, info.max_response);
                        }
                    }
                    _ => {}
                }
            }
            Ok(ReadOutcome::StepDown) => {
                self.stats.step_downs += 1;
                match self.modes.step_down(false) {
                    Some(mode) => self.events.push_back(Event::ReadMode(mode)),
                    None => {
                        self.current = None;
                        return unreadable("every read size was refused".into());
                    }
                }
            }
            // Select by file identifier instead (formerly: the file was skipped, so a chip
            // without SFI support lost its EF.CardAccess and was read with BAC).
            Ok(ReadOutcome::SfiUnsupported) => self.use_sfi = false,
            Ok(ReadOutcome::Absent) => self.current = None,
            Err(e) => {
                // Refused before any of it was read: the chip has no such file.
                let selected = current.selected;
                self.current = None;
                if selected {
                    return unreadable(e.to_string());
                }
            }
        }
        Ok(())
    }

    fn on_file(&mut self, resp: &ResponseApdu, protected: bool) -> Result<(), ChipError> {
        let Some(current) = self.current.as_mut() else {
            return Ok(());
        };
        let before = current.data.len();
        match current.on_response(resp)? {
            ReadOutcome::Continue => {
                self.stats.bytes_read += current.data.len() - before;
                self.progress();
            }
            ReadOutcome::Complete => {
                self.stats.bytes_read += current.data.len() - before;
                self.progress();
                self.files_done += 1;
                if let Some(done) = self.current.take() {
                    let file = done.file;
                    self.files.insert(file, done.data.to_vec());
                    self.after_file(file)?;
                }
            }
            ReadOutcome::Absent => {
                let file = current.file;
                if !current.optional {
                    return Err(ChipError::MissingFile(file));
                }
                self.current = None;
                self.files_done += 1;
                if file == LdsFile::Com {
                    self.plan_files(None);
                }
            }
            ReadOutcome::SfiUnsupported => {
                self.use_sfi = false;
            }
            ReadOutcome::StepDown => {
                self.stats.step_downs += 1;
                match self.modes.step_down(protected) {
                    Some(mode) => self.events.push_back(Event::ReadMode(mode)),
                    None => {
                        return Err(ChipError::ReadProtocol {
                            file: current.file,
                            reason: "every read size was refused",
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn progress(&mut self) {
        if let Some(current) = &self.current {
            self.events.push_back(Event::Progress(Progress {
                file: current.file,
                read: current.data.len(),
                total: current.total,
                files_done: self.files_done,
                files_planned: self.files_planned,
            }));
        }
    }

    fn after_file(&mut self, file: LdsFile) -> Result<(), ChipError> {
        match file {
            LdsFile::Com => {
                let raw = self.files.get(file).unwrap_or_default();
                let com = EfCom::parse(raw).map_err(|error| ChipError::Lds { file, error })?;
                self.plan_files(Some(&com.data_groups));
                self.com = Some(com);
            }
            LdsFile::Sod => self.plan_from_sod(),
            LdsFile::Dg(1) if self.issuing_state.is_none() => {
                let raw = self.files.get(file).unwrap_or_default();
                let dg1 = Dg1::parse(raw).map_err(|error| ChipError::Lds { file, error })?;
                self.issuing_state = Some(dg1.issuing_state.clone());
                if let Some(kind) = self.chip_kind() {
                    self.events.push_back(Event::ChipKind(kind));
                }
            }
            _ => {}
        }
        self.start_hook(file)
    }

    /// The files to read after EF.COM (`listed` = its data groups; `None` when it is absent).
    fn plan_files(&mut self, listed: Option<&[LdsFile]>) {
        for file in READ_ORDER {
            let mandatory = matches!(file, LdsFile::Sod | LdsFile::Dg(1) | LdsFile::Dg(2));
            let wanted = mandatory || self.opts.optional_files.contains(&file);
            let present = file == LdsFile::Sod || listed.is_none_or(|l| l.contains(&file));
            if wanted && (present || mandatory) {
                self.queue.push_back((file, !mandatory));
            }
        }
        for file in &self.opts.optional_files {
            let listed_ok = listed.is_none_or(|l| l.contains(file));
            if !READ_ORDER.contains(file) && listed_ok {
                self.queue.push_back((*file, true));
            }
        }
        self.files_planned = self.files_done + self.queue.len();
    }

    /// Whether the read asks for `file`: DG1, DG2 and EF.SOD always, the rest when configured.
    fn requested(&self, file: LdsFile) -> bool {
        matches!(file, LdsFile::Sod | LdsFile::Dg(1) | LdsFile::Dg(2))
            || self.opts.optional_files.contains(&file)
    }

    /// EF.SOD is in: the data groups it lists that the read asks for are read even when EF.COM
    /// (which nothing signs) left them out, e.g. a DG15 hidden to avoid Active Authentication.
    /// Whether each was read is checked when the read ends ([`Downgrade::DataGroupNotRead`]).
    fn plan_from_sod(&mut self) {
        let Some(sod) = self.files.get(LdsFile::Sod) else {
            return;
        };
        // An EF.SOD that does not parse is Passive Authentication's to fail.
        let Ok(sod) = Sod::parse(sod) else {
            return;
        };
        let listed: Vec<u8> = sod.lds.data_group_hashes.iter().map(|h| h.number).collect();
        for n in &listed {
            let file = LdsFile::Dg(*n);
            let planned = self.files.contains(file)
                || self.current.as_ref().is_some_and(|c| c.file == file)
                || self.queue.iter().any(|(f, _)| *f == file);
            if self.requested(file) && !planned {
                self.queue.push_back((file, true));
                self.files_planned += 1;
            }
        }
        self.sod_listed = Some(listed);
    }

    /// The downgrade checks once every file is read (after Passive Authentication, so DG14 and
    /// EF.SOD are the issuer's when the read authenticates): every requested data group EF.SOD
    /// lists was read; DG14's PACEInfos agree with the access control that ran.
    fn check_downgrades(&self) -> Result<(), ChipError> {
        for n in self.sod_listed.iter().flatten() {
            let file = LdsFile::Dg(*n);
            if self.requested(file) && !self.files.contains(file) {
                return Err(ChipError::Downgrade(Downgrade::DataGroupNotRead(file)));
            }
        }
        let Some(dg14) = self.files.get(LdsFile::DG14) else {
            return Ok(());
        };
        if !self.opts.access.runs_pace_when_offered() {
            return Ok(());
        }
        let infos = SecurityInfos::parse_dg14(dg14).map_err(|_| ChipError::Lds {
            file: LdsFile::DG14,
            error: crate::lds::LdsError::Invalid("DG14 is not a SET OF SecurityInfo"),
        })?;
        let best = infos.best_pace();
        match (&self.pace_used, best) {
            // DG14 lists no PACE this station runs: BAC was the only way in.
            (None, None) => Ok(()),
            (None, Some(best)) => Err(ChipError::Downgrade(Downgrade::PaceNotUsed {
                listed: best.protocol,
                parameter_id: best.parameter_id,
            })),
            (Some(used), best) => {
                let listed = infos.pace_infos().next().is_none()
                    || infos.pace_infos().any(|p| {
                        p.protocol == used.protocol && p.parameter_id == used.parameter_id
                    });
                let weaker = best.is_some_and(|b| pace_rank(b) > pace_rank(used));
                if listed && !weaker {
                    Ok(())
                } else {
                    Err(ChipError::Downgrade(Downgrade::PaceMismatch {
                        used: used.protocol,
                        used_parameter_id: used.parameter_id,
                    }))
                }
            }
        }
    }

    /// The transport failed instead of answering.
    fn on_transport_error(&mut self, err: TransportError, now: Instant) {
        let refused = self.link.on_failure();
        if self.result.is_some() {
            return;
        }
        if err.is_card_absent() {
            return self.card_lost(now);
        }
        if let (TransportError::Rejected(_), Some(refused)) = (&err, &refused) {
            let reading = matches!(self.stage, Stage::Files | Stage::MasterFile { .. })
                && self.current.is_some()
                && refused.form == LengthForm::Extended;
            if reading {
                self.link.undo_refused(refused);
                self.stats.step_downs += 1;
                match self.modes.step_down(refused.protected) {
                    Some(mode) => self.events.push_back(Event::ReadMode(mode)),
                    None => self.fail(ChipError::Reader(err)),
                }
                return;
            }
        }
        self.fail(ChipError::Reader(err));
    }

    fn card_lost(&mut self, now: Instant) {
        self.link.reset();
        self.ready = None;
        let master_file = self.leave_interrupted();
        self.stage = Stage::WaitCard {
            since: now,
            master_file,
        };
        if let Some(current) = self.current.as_mut() {
            current.reselect();
        }
        self.events.push_back(Event::CardLost);
    }

    /// Leaves the stage a card loss or an SM break interrupted (its exchange is dropped): what
    /// must be done again is kept — the master-file reads still to do (returned), the
    /// authentication exchange of a file ([`Self::interrupted_hook`]).
    fn leave_interrupted(&mut self) -> Option<VecDeque<LdsFile>> {
        match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::MasterFile { queue } => Some(queue),
            Stage::WaitCard { master_file, .. } => master_file,
            Stage::Hook { file, .. } => {
                self.interrupted_hook = Some(file);
                None
            }
            Stage::SelectApplet { .. } | Stage::Access { .. } | Stage::Files | Stage::Finished => {
                None
            }
        }
    }

    /// The card is back (reconnected and reset): redo access control, keep what was read.
    fn on_card_present(&mut self, atr: &[u8], now: Instant) {
        let _ = (atr, now);
        let Stage::WaitCard { master_file, .. } = &mut self.stage else {
            return;
        };
        let master_file = master_file.take();
        self.stats.resumes += 1;
        self.events.push_back(Event::CardBack);
        self.restart(master_file);
    }

    /// Starts again where the chip needs it: the master file's remaining reads, or access control.
    fn restart(&mut self, master_file: Option<VecDeque<LdsFile>>) {
        if let Some(current) = self.current.as_mut() {
            current.reselect();
        }
        if let Some(queue) = master_file {
            self.stage = Stage::MasterFile { queue };
            return;
        }
        if let Err(e) = self.begin_access() {
            self.fail(e);
        }
    }

    /// The chip dropped secure messaging (6987/6988): start over with access control.
    fn session_broken(&mut self) {
        self.sm_breaks += 1;
        if self.sm_breaks > MAX_SM_BREAKS {
            return self.fail(ChipError::SessionBroken);
        }
        self.link.reset();
        self.ready = None;
        self.stats.resumes += 1;
        let master_file = self.leave_interrupted();
        self.restart(master_file);
    }

    /// Whether the read was cancelled from outside (`ReadOptions::cancel`).
    fn cancelled(&self) -> bool {
        self.opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn finish(&mut self, clock: Option<&dyn Clock>) {
        self.events.push_back(Event::Phase(Phase::Finishing));
        let deadline = self.started + self.opts.deadline;
        let cancel = self.opts.cancel.clone();
        let budget = match clock {
            Some(clock) => Budget::until(clock, deadline),
            None => Budget::unlimited(),
        }
        .with_cancel(cancel.as_deref());
        let mut result = self.build_result(&budget);
        // Passive Authentication ran in between: a read stopped meanwhile has no result. (The
        // deadline needs the time after it: the driver checks that.)
        if self.cancelled() {
            result = Err(ChipError::Cancelled);
        }
        self.stage = Stage::Finished;
        self.link.reset();
        self.result = Some(result);
    }
}
