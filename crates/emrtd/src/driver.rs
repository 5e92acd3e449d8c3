//! The blocking driver: loops a [`ReadSession`] over a [`Transport`] until the read ends.

use std::time::Duration;

use crate::access::AccessKey;
pub use crate::budget::{Clock, SystemClock};
use crate::error::ChipError;
use crate::iso7816::transport::{Transport, TransportError};
use crate::session::{Action, ChipRead, Event, ReadOptions, ReadSession};

/// How long one reconnect attempt waits for the card before the session is asked again (so the
/// session's timeouts are checked at least this often while the card is away).
pub const RECONNECT_WAIT: Duration = Duration::from_millis(250);

/// Reads the passport on `transport`'s card with `key`.
pub fn read_passport(
    transport: &mut dyn Transport,
    key: AccessKey,
    options: ReadOptions,
    clock: &dyn Clock,
) -> Result<ChipRead, ChipError> {
    read_passport_observed(transport, key, options, clock, &mut |_| {})
}

/// Like [`read_passport`], reporting every [`Event`] (progress, card lost/back) to `observer`.
pub fn read_passport_observed(
    transport: &mut dyn Transport,
    key: AccessKey,
    options: ReadOptions,
    clock: &dyn Clock,
    observer: &mut dyn FnMut(&Event),
) -> Result<ChipRead, ChipError> {
    let atr = match transport.connect() {
        Ok(atr) => atr,
        Err(TransportError::NoCard | TransportError::CardRemoved) => return Err(ChipError::NoCard),
        Err(TransportError::Timeout) => return Err(ChipError::Timeout),
        Err(e) => return Err(ChipError::Reader(e)),
    };
    let store = options.profiles.clone();
    let deadline = options.deadline;
    let started = clock.now();
    let mut session = ReadSession::new(&atr, key, options, started);
    let mut profile_applied = false;
    loop {
        while let Some(event) = session.poll_event() {
            if let (Event::ChipKind(kind), Some(store), false) = (&event, &store, profile_applied) {
                if let Some(profile) = store.load(kind) {
                    session.apply_profile(&profile);
                }
                profile_applied = true;
            }
            observer(&event);
        }
        match session.poll_clocked(clock) {
            Action::Transmit(apdu) => match transport.transmit(&apdu) {
                Ok(response) => session.on_response(&response, clock.now()),
                Err(e) => session.on_transport_error(e, clock.now()),
            },
            Action::WaitForCard => match transport.reconnect(RECONNECT_WAIT) {
                Ok(atr) => session.on_card_present(&atr, clock.now()),
                Err(e) if e.is_card_absent() => {}
                Err(e) => session.on_transport_error(e, clock.now()),
            },
            Action::Done => break,
        }
    }
    while let Some(event) = session.poll_event() {
        observer(&event);
    }
    let mut result = session.take_result().unwrap_or(Err(ChipError::Protocol {
        protocol: "session",
        reason: "ended without a result".into(),
    }));
    // The last step (Passive Authentication) ran after the session last saw the time: a result
    // that came too late is a timeout, as a read interrupted by the deadline is.
    if result.is_ok() && clock.now().saturating_duration_since(started) >= deadline {
        result = Err(ChipError::Timeout);
    }
    if let (Ok(read), Some(store)) = (&result, &store) {
        store.save(&read.chip_kind, read.profile);
    }
    result
}
