//! An in-process [`Transport`] straight into the emulator (fast unit tests and benchmarks), and a
//! test clock it advances so timeouts are tested without waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idgate_emrtd::Clock;
use idgate_emrtd::{Transport, TransportError};

use crate::chip::VirtualPassport;

/// A clock that only moves when told (shared between transport and driver).
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<Instant>>);

impl Default for TestClock {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }
}

impl TestClock {
    pub fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.0
            .lock()
            .map(|n| *n)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// The emulator behind the [`Transport`] trait, with an optional APDU trace.
#[derive(Debug)]
pub struct InProcessTransport {
    chip: VirtualPassport,
    present: bool,
    clock: Option<TestClock>,
    /// How long a card that left stays away before it is put back.
    pub away: Duration,
    back_at: Option<Instant>,
    trace: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl InProcessTransport {
    pub fn new(chip: VirtualPassport) -> Self {
        Self {
            chip,
            present: true,
            clock: None,
            away: Duration::from_secs(1),
            back_at: None,
            trace: None,
        }
    }

    /// Time passes on `clock` (response delays, waiting for the card) instead of really.
    pub fn with_clock(mut self, clock: TestClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Records every command and response.
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    /// An empty reader (no card in the field).
    pub fn empty(mut self) -> Self {
        self.present = false;
        self.back_at = None;
        self
    }

    pub fn chip(&self) -> &VirtualPassport {
        &self.chip
    }

    pub fn chip_mut(&mut self) -> &mut VirtualPassport {
        &mut self.chip
    }

    pub fn trace(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.trace.as_deref().unwrap_or_default()
    }

    fn now(&self) -> Instant {
        match &self.clock {
            Some(c) => c.now(),
            None => Instant::now(),
        }
    }

    fn pass(&self, d: Duration) {
        match &self.clock {
            Some(c) => c.advance(d),
            None => std::thread::sleep(d),
        }
    }
}

impl Transport for InProcessTransport {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            return Err(TransportError::NoCard);
        }
        self.chip.reset();
        Ok(self.chip.atr())
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            return Err(TransportError::CardRemoved);
        }
        self.pass(self.chip.behaviour().response_delay);
        let response = self.chip.respond(apdu);
        if self.chip.take_lost() {
            self.present = false;
            self.back_at = Some(self.now() + self.away);
            return Err(TransportError::CardRemoved);
        }
        if let Some(trace) = &mut self.trace {
            trace.push((apdu.to_vec(), response.clone()));
        }
        Ok(response)
    }

    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            let Some(back_at) = self.back_at else {
                self.pass(wait);
                return Err(TransportError::NoCard);
            };
            let now = self.now();
            if now < back_at {
                self.pass(wait.min(back_at - now));
            }
            if self.now() < back_at {
                return Err(TransportError::NoCard);
            }
            self.present = true;
        }
        self.chip.reset();
        Ok(self.chip.atr())
    }
}
