//! The read session: a sans-IO state machine from "card present" to "every file read".
//!
//! The caller asks [`ReadSession::poll`] what to do (send these bytes, wait for the card, done),
//! does it, and reports back with [`ReadSession::on_response`], [`ReadSession::on_transport_error`]
//! or [`ReadSession::on_card_present`]. The time is passed in; the session never blocks or sleeps.

mod file_read;
pub(crate) mod profile;
pub(crate) mod read_mode;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use idgate_mrz::ChipAccessKey;

use crate::access::{AccessKey, AccessSelector, BacOnly};
use crate::crypto::random::{OsRandom, RandomSource};
use crate::error::{AccessProtocol, ChipError, KeyKind};
use crate::exchange::{
    AuthenticationHooks, Check, CheckOutcome, Exchange, ExchangeContext, ExchangeOutcome,
    ExchangeStep, NoAuthentication,
};
use crate::iso7816::apdu::{CommandApdu, LengthForm, ResponseApdu};
use crate::iso7816::card;
use crate::iso7816::sm::SecureMessaging;
use crate::iso7816::transport::TransportError;
use crate::lds::atr_info::AtrInfo;
use crate::lds::card_access::CardAccess;
use crate::lds::com::EfCom;
use crate::lds::dg1::Dg1;
use crate::lds::dg2::{Dg2, Dg2Error, Dg2Unsupported};
use crate::lds::dg7::Dg7;
use crate::lds::dg11::Dg11;
use crate::lds::dg12::Dg12;
use crate::lds::image::{self, RgbImage};
use crate::lds::{LdsFile, RawFiles};
use crate::session::profile::{ChipKind, ReadProfile, ReadProfileStore};
use file_read::{FileRead, ReadNext, ReadOutcome};
pub(crate) use read_mode::{ReadMode, ReadModes};

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

/// Bound on commands for one read (a full read is ~100-150): a misbehaving chip cannot keep us busy.
const MAX_APDUS: u32 = 4000;
/// Bound on GET RESPONSE rounds for one command.
const MAX_GET_RESPONSE: u8 = 64;
/// Secure messaging sessions the chip may drop before we give up.
const MAX_SM_BREAKS: u32 = 2;

/// How to read.
pub struct ReadOptions {
    /// Chooses the access control (BAC by default; `PreferPace` for PACE).
    pub access: Arc<dyn AccessSelector>,
    /// Chip/Active/Passive Authentication (none by default; `ChipAuthenticity`).
    pub hooks: Box<dyn AuthenticationHooks>,
    /// Randomness for nonces and keys.
    pub rng: Box<dyn RandomSource>,
    /// Data groups wanted besides the mandatory DG1, DG2 and EF.SOD (read if EF.COM lists them).
    pub optional_files: Vec<LdsFile>,
    /// The whole read must end within this time.
    pub deadline: Duration,
    /// A card that left must be back within this time.
    pub card_return_timeout: Duration,
    /// Largest file accepted.
    pub max_file_len: usize,
    /// Issuing state from the code step: lets the read profile be looked up before DG1.
    pub issuing_state: Option<String>,
    /// The MRZ from the code step when the chip is opened with a CAN (DG1 is compared with it).
    pub expected_mrz: Option<ChipAccessKey>,
    /// Read sizes to start with (the driver fills this from `profiles`).
    pub profile: Option<ReadProfile>,
    /// Where the driver loads and saves read profiles.
    pub profiles: Option<Arc<dyn ReadProfileStore>>,
    /// Decode the facial image to RGB.
    pub decode_images: bool,
    /// Try READ BINARY with short file identifiers.
    pub use_sfi: bool,
    /// Read EF.CardAccess and EF.ATR/INFO before access control.
    pub read_master_file: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            access: Arc::new(BacOnly),
            hooks: Box::new(NoAuthentication),
            rng: Box::new(OsRandom),
            optional_files: vec![
                LdsFile::DG7,
                LdsFile::DG11,
                LdsFile::DG12,
                LdsFile::DG14,
                LdsFile::DG15,
            ],
            deadline: Duration::from_secs(60),
            card_return_timeout: Duration::from_secs(20),
            max_file_len: 512 * 1024,
            issuing_state: None,
            expected_mrz: None,
            profile: None,
            profiles: None,
            decode_images: true,
            use_sfi: true,
            read_master_file: true,
        }
    }
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("optional_files", &self.optional_files)
            .field("deadline", &self.deadline)
            .field("card_return_timeout", &self.card_return_timeout)
            .field("max_file_len", &self.max_file_len)
            .field("issuing_state", &self.issuing_state)
            .field("profile", &self.profile)
            .field("decode_images", &self.decode_images)
            .field("use_sfi", &self.use_sfi)
            .finish_non_exhaustive()
    }
}

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
    ReadingMasterFile,
    AccessControl(AccessProtocol),
    SelectingApplication,
    ReadingFiles,
    Authenticating(&'static str),
    Finishing,
}

/// Progress of one file, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub file: LdsFile,
    pub read: usize,
    /// Known once the file's TLV header is read.
    pub total: Option<usize>,
    pub files_done: usize,
    pub files_planned: usize,
}

/// Something the caller may want to show or act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Phase(Phase),
    Progress(Progress),
    CardLost,
    CardBack,
    /// The chip kind is known: the driver may look up a read profile and apply it.
    ChipKind(ChipKind),
    /// A read size was refused; reading continues with this one.
    ReadMode(ReadMode),
}

/// Counters of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Command APDUs sent (including GET RESPONSE).
    pub apdus: u32,
    /// File bytes read.
    pub bytes_read: usize,
    /// Times the read resumed after the card came back or SM broke.
    pub resumes: u32,
    /// Read sizes refused.
    pub step_downs: u32,
}

/// Everything read from the chip.
pub struct ChipRead {
    pub access: AccessProtocol,
    /// EF.CardAccess parsed, when present (raw bytes in `raw`).
    pub card_access: Option<CardAccess>,
    pub com: Option<EfCom>,
    pub dg1: Dg1,
    pub dg2: Dg2,
    /// DG2's first facial image, decoded (when `decode_images`).
    pub face: Option<RgbImage>,
    pub dg7: Option<Dg7>,
    pub dg11: Option<Dg11>,
    pub dg12: Option<Dg12>,
    /// Every file exactly as read (EF.SOD, DG14, DG15 and the rest, for Passive Authentication).
    pub raw: RawFiles,
    /// Checks performed (access control, DG1 = code, CA, AA and PA).
    pub checks: Vec<CheckOutcome>,
    /// Every authenticity check's result with its reason, from the read's hooks (`None` without
    /// authentication hooks). API change: formerly read from the hooks' shared slot afterwards.
    pub authenticity: Option<crate::auth::passive::PaReport>,
    pub chip_kind: ChipKind,
    /// The read sizes that worked (the driver stores it under `chip_kind`).
    pub profile: ReadProfile,
    pub stats: ReadStats,
}

impl fmt::Debug for ChipRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipRead")
            .field("access", &self.access)
            .field("raw", &self.raw)
            .field("checks", &self.checks)
            .field("chip_kind", &self.chip_kind)
            .field("profile", &self.profile)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl ChipRead {
    pub fn sod(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::Sod)
    }
    pub fn dg14(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::DG14)
    }
    pub fn dg15(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::DG15)
    }
    pub fn card_access_raw(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::CardAccess)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    MasterFile,
    Access,
    SelectApplet,
    Files,
    Hook,
    WaitCard,
    Finished,
}

struct InFlight {
    plain: CommandApdu,
    form: LengthForm,
    protected: bool,
    bytes: Vec<u8>,
    sent: bool,
    collected: Vec<u8>,
    rounds: u8,
    resent: bool,
    ssc_before: Vec<u8>,
}

/// One chip read, from the ATR to the last file.
pub struct ReadSession {
    key: AccessKey,
    opts: ReadOptions,
    started: Instant,
    historical: Vec<u8>,
    modes: ReadModes,
    use_sfi: bool,
    sm: Option<SecureMessaging>,
    stage: Stage,
    master_file_done: bool,
    access: Option<AccessProtocol>,
    select_first: bool,
    exchange: Option<Box<dyn Exchange>>,
    hook_file: Option<LdsFile>,
    ready: Option<(CommandApdu, LengthForm)>,
    inflight: Option<InFlight>,
    master_queue: VecDeque<LdsFile>,
    queue: VecDeque<(LdsFile, bool)>,
    current: Option<FileRead>,
    files: RawFiles,
    card_access: Option<CardAccess>,
    com: Option<EfCom>,
    issuing_state: Option<String>,
    checks: Vec<CheckOutcome>,
    events: VecDeque<Event>,
    stats: ReadStats,
    lost_since: Option<Instant>,
    sm_breaks: u32,
    files_done: usize,
    files_planned: usize,
    result: Option<Result<ChipRead, ChipError>>,
}

impl fmt::Debug for ReadSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadSession")
            .field("stage", &self.stage)
            .field("access", &self.access)
            .field("files", &self.files)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl ReadSession {
    /// A read of the card whose ATR is `atr`, opened with `key`.
    pub fn new(atr: &[u8], key: AccessKey, opts: ReadOptions, now: Instant) -> Self {
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
        let mut s = Self {
            key,
            opts,
            started: now,
            historical,
            modes,
            use_sfi,
            sm: None,
            stage: Stage::MasterFile,
            master_file_done: false,
            access: None,
            select_first: true,
            exchange: None,
            hook_file: None,
            ready: None,
            inflight: None,
            master_queue,
            queue: [(LdsFile::Com, true)].into(),
            current: None,
            files: RawFiles::default(),
            card_access: None,
            com: None,
            issuing_state,
            checks: Vec::new(),
            events: VecDeque::new(),
            stats: ReadStats::default(),
            lost_since: None,
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
    pub fn chip_kind(&self) -> Option<ChipKind> {
        self.issuing_state.as_ref().map(|state| ChipKind {
            historical_bytes: self.historical.clone(),
            issuing_state: state.clone(),
        })
    }

    /// Starts from a remembered read profile (on [`Event::ChipKind`]).
    pub fn apply_profile(&mut self, profile: &ReadProfile) {
        self.modes.apply(profile);
        self.use_sfi &= profile.short_file_ids;
    }

    /// The next event for the caller, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    pub fn is_done(&self) -> bool {
        self.result.is_some()
    }

    /// The result, once [`Action::Done`] was returned.
    pub fn take_result(&mut self) -> Option<Result<ChipRead, ChipError>> {
        self.result.take()
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
        self.sm = None;
        self.exchange = None;
        self.ready = None;
        self.inflight = None;
    }

    /// What to do now.
    pub fn poll(&mut self, now: Instant) -> Action {
        if self.result.is_some() {
            return Action::Done;
        }
        if now.saturating_duration_since(self.started) >= self.opts.deadline {
            self.fail(ChipError::Timeout);
            return Action::Done;
        }
        if self.stage == Stage::WaitCard {
            let since = self.lost_since.unwrap_or(now);
            if now.saturating_duration_since(since) >= self.opts.card_return_timeout {
                self.fail(ChipError::CardLost);
                return Action::Done;
            }
            return Action::WaitForCard;
        }
        if let Some(inf) = &mut self.inflight {
            inf.sent = true;
            return Action::Transmit(inf.bytes.clone());
        }
        // Each turn either readies a command, changes stage or finishes; stages are finite.
        for _ in 0..64 {
            if let Some((cmd, form)) = self.ready.take() {
                return match self.launch(cmd, form) {
                    Ok(bytes) => Action::Transmit(bytes),
                    Err(e) => {
                        self.fail(e);
                        Action::Done
                    }
                };
            }
            if let Err(e) = self.plan() {
                self.fail(e);
            }
            if self.result.is_some() {
                return Action::Done;
            }
            if self.stage == Stage::WaitCard {
                return Action::WaitForCard;
            }
        }
        self.fail(ChipError::Protocol {
            protocol: "session",
            reason: "no progress".into(),
        });
        Action::Done
    }

    fn launch(&mut self, cmd: CommandApdu, form: LengthForm) -> Result<Vec<u8>, ChipError> {
        self.stats.apdus += 1;
        if self.stats.apdus > MAX_APDUS {
            return Err(ChipError::Protocol {
                protocol: "session",
                reason: "too many commands".into(),
            });
        }
        let (bytes, protected, ssc_before) = match self.sm.as_mut() {
            Some(sm) => {
                let ssc_before = sm.ssc().to_vec();
                let wrapped = sm.protect_command(&cmd, form)?;
                (wrapped.encode(form)?, true, ssc_before)
            }
            None => (cmd.encode(form)?, false, Vec::new()),
        };
        self.inflight = Some(InFlight {
            plain: cmd,
            form,
            protected,
            bytes: bytes.clone(),
            sent: true,
            collected: Vec::new(),
            rounds: 0,
            resent: false,
            ssc_before,
        });
        Ok(bytes)
    }

    /// Readies the next command of the current stage, or moves to the next stage.
    fn plan(&mut self) -> Result<(), ChipError> {
        match self.stage {
            Stage::MasterFile => {
                if self.current.is_none() {
                    match self.master_queue.pop_front() {
                        Some(file) => {
                            self.current = Some(FileRead::new(file, true, self.opts.max_file_len))
                        }
                        None => {
                            self.master_file_done = true;
                            return self.begin_access();
                        }
                    }
                }
                self.ready_file_command(false)
            }
            Stage::SelectApplet => {
                self.ready = Some((
                    CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID),
                    LengthForm::Short,
                ));
                Ok(())
            }
            Stage::Access | Stage::Hook => {
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
                            self.finish();
                            return Ok(());
                        }
                    }
                }
                self.ready_file_command(true)
            }
            Stage::WaitCard | Stage::Finished => Ok(()),
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
        self.select_first = plan.select_applet_first;
        self.exchange = Some(plan.exchange);
        if self.select_first {
            self.stage = Stage::SelectApplet;
            self.events
                .push_back(Event::Phase(Phase::SelectingApplication));
        } else {
            self.stage = Stage::Access;
            self.events
                .push_back(Event::Phase(Phase::AccessControl(plan.protocol)));
        }
        Ok(())
    }

    /// Runs the current exchange one step; `Some(outcome)` when it finished.
    fn drive_exchange(
        &mut self,
        response: Option<&ResponseApdu>,
    ) -> Result<Option<ExchangeOutcome>, ChipError> {
        let Some(mut exchange) = self.exchange.take() else {
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
                self.exchange = Some(exchange);
                Ok(None)
            }
            ExchangeStep::Done(outcome) => Ok(Some(outcome)),
        }
    }

    fn exchange_done(&mut self, mut outcome: ExchangeOutcome) -> Result<(), ChipError> {
        self.opts.hooks.exchange_done(&mut outcome);
        for check in outcome.checks {
            if !self.checks.contains(&check) {
                self.checks.push(check);
            }
        }
        match self.stage {
            Stage::Access => {
                let Some(sm) = outcome.secure_messaging else {
                    return Err(ChipError::Protocol {
                        protocol: "access control",
                        reason: "finished without secure messaging".into(),
                    });
                };
                self.sm = Some(sm);
                if self.select_first {
                    self.enter_files();
                } else {
                    self.stage = Stage::SelectApplet;
                    self.events
                        .push_back(Event::Phase(Phase::SelectingApplication));
                }
            }
            _ => {
                if let Some(sm) = outcome.secure_messaging {
                    self.sm = Some(sm);
                }
                self.hook_file = None;
                self.stage = Stage::Files;
            }
        }
        Ok(())
    }

    /// Into file reading, or back into the authentication hook a card loss interrupted.
    fn enter_files(&mut self) {
        self.stage = Stage::Files;
        self.events.push_back(Event::Phase(Phase::ReadingFiles));
        if let Some(file) = self.hook_file {
            if let Err(e) = self.start_hook(file) {
                self.fail(e);
            }
        }
    }

    fn start_hook(&mut self, file: LdsFile) -> Result<(), ChipError> {
        match self.opts.hooks.after_file(file, &self.files)? {
            Some(exchange) => {
                self.events
                    .push_back(Event::Phase(Phase::Authenticating(exchange.name())));
                self.exchange = Some(exchange);
                self.hook_file = Some(file);
                self.stage = Stage::Hook;
            }
            None => self.hook_file = None,
        }
        Ok(())
    }

    /// The card answered.
    pub fn on_response(&mut self, bytes: &[u8], now: Instant) {
        let _ = now;
        let Some(mut inf) = self.inflight.take() else {
            return;
        };
        if self.result.is_some() {
            return;
        }
        let resp = match ResponseApdu::parse(bytes) {
            Ok(r) => r,
            Err(e) => return self.fail(e.into()),
        };
        if let Some(n) = resp.sw.more_data() {
            inf.collected.extend_from_slice(&resp.data);
            inf.rounds += 1;
            if inf.rounds > MAX_GET_RESPONSE || inf.collected.len() > self.opts.max_file_len {
                return self.fail(ChipError::Protocol {
                    protocol: "GET RESPONSE",
                    reason: "the chip never stops offering more data".into(),
                });
            }
            inf.bytes = CommandApdu::new(0x00, 0xC0, 0x00, 0x00)
                .with_le(n)
                .to_bytes();
            inf.sent = false;
            self.stats.apdus += 1;
            self.inflight = Some(inf);
            return;
        }
        let mut data = std::mem::take(&mut inf.collected);
        data.extend_from_slice(&resp.data);
        let full = ResponseApdu::new(data, resp.sw);
        if !inf.protected && !inf.resent {
            if let Some(n) = full.sw.exact_length() {
                // 6Cxx: same command, exact Le (plain commands only; under SM the Le is inside).
                inf.plain.le = Some(n);
                match inf.plain.encode(inf.plain.natural_form()) {
                    Ok(b) => inf.bytes = b,
                    Err(e) => return self.fail(e.into()),
                }
                inf.resent = true;
                inf.sent = false;
                self.stats.apdus += 1;
                self.inflight = Some(inf);
                return;
            }
        }
        let plain = if inf.protected {
            let Some(sm) = self.sm.as_mut() else {
                return self.fail(ChipError::Protocol {
                    protocol: "session",
                    reason: "protected answer without a session".into(),
                });
            };
            match sm.unprotect_response(&full) {
                Ok(p) => p,
                Err(e) => return self.fail(e.into()),
            }
        } else {
            full
        };
        if inf.protected && plain.sw.is_sm_error() {
            return self.session_broken();
        }
        if let Err(e) = self.dispatch(&plain, &inf) {
            self.fail(e);
        }
    }

    fn dispatch(&mut self, resp: &ResponseApdu, inf: &InFlight) -> Result<(), ChipError> {
        match self.stage {
            Stage::MasterFile => self.on_master_file(resp),
            Stage::SelectApplet => {
                if !resp.sw.is_ok() {
                    return Err(ChipError::NotEmrtd(resp.sw));
                }
                if self.sm.is_none() {
                    self.stage = Stage::Access;
                    if let Some(p) = self.access {
                        self.events.push_back(Event::Phase(Phase::AccessControl(p)));
                    }
                } else {
                    self.enter_files();
                }
                Ok(())
            }
            Stage::Access | Stage::Hook => {
                if let Some(outcome) = self.drive_exchange(Some(resp))? {
                    self.exchange_done(outcome)?;
                }
                Ok(())
            }
            Stage::Files => self.on_file(resp, inf.protected),
            Stage::WaitCard | Stage::Finished => Ok(()),
        }
    }

    fn on_master_file(&mut self, resp: &ResponseApdu) -> Result<(), ChipError> {
        let Some(current) = self.current.as_mut() else {
            return Ok(());
        };
        // Files of the master file are optional: any failure means "not there".
        match current.on_response(resp) {
            Ok(ReadOutcome::Continue) => {}
            Ok(ReadOutcome::Complete) => {
                let file = current.file;
                let bytes = current.data.to_vec();
                self.stats.bytes_read += bytes.len();
                match file {
                    LdsFile::CardAccess => self.card_access = CardAccess::parse(&bytes).ok(),
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
                self.files.insert(file, bytes);
                self.current = None;
            }
            Ok(ReadOutcome::StepDown) => {
                self.stats.step_downs += 1;
                match self.modes.step_down(false) {
                    Some(mode) => self.events.push_back(Event::ReadMode(mode)),
                    None => self.current = None,
                }
            }
            Ok(ReadOutcome::SfiUnsupported) | Ok(ReadOutcome::Absent) | Err(_) => {
                self.current = None;
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

    /// The transport failed instead of answering.
    pub fn on_transport_error(&mut self, err: TransportError, now: Instant) {
        let inf = self.inflight.take();
        if self.result.is_some() {
            return;
        }
        if err.is_card_absent() {
            return self.card_lost(now);
        }
        if let (TransportError::Rejected(_), Some(inf)) = (&err, &inf) {
            let reading = matches!(self.stage, Stage::Files | Stage::MasterFile)
                && self.current.is_some()
                && inf.form == LengthForm::Extended;
            if reading {
                // The command never reached the card: the card's SSC did not move, so ours must not.
                if let Some(sm) = self.sm.as_mut() {
                    sm.restore_ssc(&inf.ssc_before);
                }
                self.stats.step_downs += 1;
                match self.modes.step_down(inf.protected) {
                    Some(mode) => self.events.push_back(Event::ReadMode(mode)),
                    None => self.fail(ChipError::Reader(err)),
                }
                return;
            }
        }
        self.fail(ChipError::Reader(err));
    }

    fn card_lost(&mut self, now: Instant) {
        self.sm = None;
        self.exchange = None;
        self.ready = None;
        self.lost_since = Some(now);
        self.stage = Stage::WaitCard;
        if let Some(current) = self.current.as_mut() {
            current.reselect();
        }
        self.events.push_back(Event::CardLost);
    }

    /// The card is back (reconnected and reset): redo access control, keep what was read.
    pub fn on_card_present(&mut self, atr: &[u8], now: Instant) {
        let _ = (atr, now);
        if self.stage != Stage::WaitCard {
            return;
        }
        self.lost_since = None;
        self.stats.resumes += 1;
        self.events.push_back(Event::CardBack);
        self.restart();
    }

    fn restart(&mut self) {
        if let Some(current) = self.current.as_mut() {
            current.reselect();
        }
        if !self.master_file_done {
            self.stage = Stage::MasterFile;
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
        self.sm = None;
        self.exchange = None;
        self.ready = None;
        self.stats.resumes += 1;
        self.restart();
    }

    fn finish(&mut self) {
        self.events.push_back(Event::Phase(Phase::Finishing));
        let result = self.build_result();
        self.stage = Stage::Finished;
        self.sm = None;
        self.result = Some(result);
    }

    fn build_result(&mut self) -> Result<ChipRead, ChipError> {
        let pa_checks = self.opts.hooks.after_read(&self.files)?;
        self.checks.extend(pa_checks);
        let lds = |file: LdsFile| move |error| ChipError::Lds { file, error };
        let dg1_raw = self
            .files
            .get(LdsFile::DG1)
            .ok_or(ChipError::MissingFile(LdsFile::DG1))?;
        let dg1 = Dg1::parse(dg1_raw).map_err(lds(LdsFile::DG1))?;
        let expected = match &self.key {
            AccessKey::Mrz(k) => Some(k),
            AccessKey::Can(_) => self.opts.expected_mrz.as_ref(),
        };
        if let Some(expected) = expected {
            if let Err(field) = dg1.matches(expected) {
                return Err(ChipError::Dg1Mismatch {
                    field: field.name(),
                    via: KeyKind::of(&self.key),
                });
            }
            self.checks
                .push(CheckOutcome::passed(Check::Dg1MatchesCode));
        }
        if !self.files.contains(LdsFile::Sod) {
            return Err(ChipError::MissingFile(LdsFile::Sod));
        }
        let dg2_raw = self
            .files
            .get(LdsFile::DG2)
            .ok_or(ChipError::MissingFile(LdsFile::DG2))?;
        let dg2 = Dg2::parse(dg2_raw).map_err(|e| match e {
            Dg2Error::Malformed(error) => ChipError::Lds {
                file: LdsFile::DG2,
                error,
            },
            Dg2Error::Unsupported(what) => ChipError::UnsupportedFormat {
                file: LdsFile::DG2,
                what: match what {
                    Dg2Unsupported::Iso39794Extension(_) => "ISO/IEC 39794-5 extension",
                    Dg2Unsupported::UnknownImageType(_) => "facial image type",
                },
            },
        })?;
        let face = match (self.opts.decode_images, dg2.faces.first()) {
            (true, Some(f)) => {
                Some(image::decode(&f.data).map_err(|e| ChipError::Image(e.to_string()))?)
            }
            _ => None,
        };
        let dg7 = self
            .files
            .get(LdsFile::DG7)
            .map(Dg7::parse)
            .transpose()
            .map_err(lds(LdsFile::DG7))?;
        let dg11 = self
            .files
            .get(LdsFile::DG11)
            .map(Dg11::parse)
            .transpose()
            .map_err(lds(LdsFile::DG11))?;
        let dg12 = self
            .files
            .get(LdsFile::DG12)
            .map(Dg12::parse)
            .transpose()
            .map_err(lds(LdsFile::DG12))?;
        let access = self.access.ok_or(ChipError::Protocol {
            protocol: "session",
            reason: "finished without access control".into(),
        })?;
        let chip_kind = ChipKind {
            historical_bytes: self.historical.clone(),
            issuing_state: self
                .issuing_state
                .clone()
                .unwrap_or_else(|| dg1.issuing_state.clone()),
        };
        Ok(ChipRead {
            access,
            card_access: self.card_access.take(),
            com: self.com.take(),
            dg1,
            dg2,
            face,
            dg7,
            dg11,
            dg12,
            raw: std::mem::take(&mut self.files),
            checks: std::mem::take(&mut self.checks),
            authenticity: self.opts.hooks.report(),
            chip_kind,
            profile: self.modes.profile(self.use_sfi),
            stats: self.stats,
        })
    }
}
