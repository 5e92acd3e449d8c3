//! emrtd's blocking [`Transport`] over a PC/SC card handle.

use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idgate_emrtd::{Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

/// Slice of time one wait for the card lasts, so a cancel is noticed quickly.
const WAIT_SLICE: Duration = Duration::from_millis(200);

/// One reader, one card connection (made on `connect`).
pub struct PcscTransport {
    ctx: Context,
    reader: CString,
    card: Option<Card>,
    cancel: Arc<AtomicBool>,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("connected", &self.card.is_some())
            .finish()
    }
}

impl PcscTransport {
    /// `cancel` makes every later call fail at once, so the read driver above ends quickly.
    pub fn new(reader: &str, cancel: Arc<AtomicBool>) -> Result<Self, TransportError> {
        let ctx = Context::establish(Scope::User).map_err(reader_error)?;
        let reader =
            CString::new(reader).map_err(|_| TransportError::Reader("bad reader name".into()))?;
        Ok(Self {
            ctx,
            reader,
            card: None,
            cancel,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    fn check_cancel(&self) -> Result<(), TransportError> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(TransportError::Reader("cancelled".into()))
        } else {
            Ok(())
        }
    }

    fn connect_card(&mut self) -> Result<Vec<u8>, TransportError> {
        self.card = None;
        let card = self
            .ctx
            // Exclusive for the read: no other PC/SC client may talk to the passport meanwhile
            // (it could reset the chip mid-session or read along).
            .connect(&self.reader, ShareMode::Exclusive, Protocols::ANY)
            .map_err(card_error)?;
        let atr = card.status2_owned().map_err(card_error)?.atr().to_vec();
        self.card = Some(card);
        Ok(atr)
    }
}

impl Transport for PcscTransport {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.check_cancel()?;
        self.connect_card()
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check_cancel()?;
        let card = self.card.as_ref().ok_or(TransportError::NoCard)?;
        match card.transmit(apdu, &mut self.buffer) {
            // No status word: the chip left the field mid-command (vpcd passes the empty answer
            // on), not a chip speaking a broken protocol.
            Ok(response) if response.len() < 2 => {
                self.card = None;
                Err(TransportError::CardRemoved)
            }
            Ok(response) => Ok(response.to_vec()),
            Err(e) => {
                let e = card_error(e);
                if e.is_card_absent() {
                    self.card = None;
                }
                Err(e)
            }
        }
    }

    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.check_cancel()?;
        if let Some(card) = self.card.as_mut() {
            if card
                .reconnect(ShareMode::Exclusive, Protocols::ANY, Disposition::ResetCard)
                .is_ok()
            {
                if let Ok(status) = card.status2_owned() {
                    return Ok(status.atr().to_vec());
                }
            }
            self.card = None;
        }
        wait_for_card(&self.ctx, &self.reader, wait, &self.cancel)?;
        self.connect_card()
    }
}

/// Waits up to `wait` for a card on `reader`. `NoCard` when none came.
pub fn wait_for_card(
    ctx: &Context,
    reader: &CString,
    wait: Duration,
    cancel: &AtomicBool,
) -> Result<(), TransportError> {
    let until = Instant::now() + wait;
    let mut states = [ReaderState::new(reader.clone(), State::UNAWARE)];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(TransportError::Reader("cancelled".into()));
        }
        let left = until.saturating_duration_since(Instant::now());
        match ctx.get_status_change(left.min(WAIT_SLICE), &mut states) {
            Ok(()) => {
                let state = states[0].event_state();
                if state.contains(State::PRESENT) && !state.contains(State::MUTE) {
                    return Ok(());
                }
                if state.intersects(State::UNKNOWN | State::UNAVAILABLE) {
                    return Err(TransportError::Reader("the reader went away".into()));
                }
                states[0].sync_current_state();
            }
            Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(reader_error(e)),
        }
        if Instant::now() >= until {
            return Err(TransportError::NoCard);
        }
    }
}

fn card_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::NoSmartcard => TransportError::NoCard,
        // vpcd and some contactless readers report a card that vanished mid-exchange as "not
        // transacted".
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::UnpoweredCard
        | pcsc::Error::NotTransacted => TransportError::CardRemoved,
        pcsc::Error::Timeout => TransportError::Timeout,
        pcsc::Error::InvalidParameter | pcsc::Error::InsufficientBuffer => {
            TransportError::Rejected(e.to_string())
        }
        other => reader_error(other),
    }
}

fn reader_error(e: pcsc::Error) -> TransportError {
    TransportError::Reader(e.to_string())
}
