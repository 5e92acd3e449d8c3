//! A minimal PC/SC transport for tests and benchmarks (the production one lives in the daemon):
//! the pcsc crate against the testbed's private pcscd.

use std::ffi::CString;
use std::time::{Duration, Instant};

use idgate_emrtd::{Transport, TransportError};

pub struct PcscTransport {
    ctx: pcsc::Context,
    reader: CString,
    card: Option<pcsc::Card>,
}

fn map(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard | pcsc::Error::ResetCard => {
            TransportError::CardRemoved
        }
        // vpcd reports a vanished card connection as "not transacted".
        pcsc::Error::NotTransacted => TransportError::CardRemoved,
        pcsc::Error::Timeout => TransportError::Timeout,
        other => TransportError::Reader(other.to_string()),
    }
}

impl PcscTransport {
    pub fn new(reader: &str) -> Self {
        Self {
            ctx: pcsc::Context::establish(pcsc::Scope::User).expect("establish"),
            reader: CString::new(reader).expect("no NUL"),
            card: None,
        }
    }

    pub fn present(&self, wait: Duration) -> bool {
        let mut states = [pcsc::ReaderState::new(
            self.reader.clone(),
            pcsc::State::UNAWARE,
        )];
        let deadline = Instant::now() + wait;
        loop {
            if self
                .ctx
                .get_status_change(Duration::from_millis(100), &mut states)
                .is_ok()
                && states[0].event_state().contains(pcsc::State::PRESENT)
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            states[0].sync_current_state();
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Transport for PcscTransport {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        let card = self
            .ctx
            .connect(&self.reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => TransportError::NoCard,
                other => map(other),
            })?;
        let atr = card.status2_owned().map_err(map)?.atr().to_vec();
        self.card = Some(card);
        Ok(atr)
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = self.card.as_ref().ok_or(TransportError::NoCard)?;
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let r = card.transmit(apdu, &mut buf).map_err(map)?;
        // vpcd answers a transfer whose card connection broke with zero bytes: the card is gone.
        if r.len() < 2 {
            return Err(TransportError::CardRemoved);
        }
        Ok(r.to_vec())
    }

    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.card = None;
        if !self.present(wait) {
            return Err(TransportError::NoCard);
        }
        self.connect()
    }
}
