//! The card behind a blocking transport: PC/SC in the daemon, the emulator in tests.

use std::time::Duration;

/// Why an APDU exchange with the card failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The reader's field is empty (PC/SC: no smart card). At the start of a read:
    /// [`ChipError::NoCard`](crate::ChipError::NoCard).
    #[error("no card in the field")]
    NoCard,
    /// The card left the field or was reset during an exchange (PC/SC: removed or reset card, or an
    /// answer of fewer than two bytes). The session waits for the card to return and resumes.
    #[error("the card was removed")]
    CardRemoved,
    /// The card did not answer within the transport's own limit: during a read the session treats
    /// it as a card that left the field; at connect it is
    /// [`ChipError::Timeout`](crate::ChipError::Timeout).
    #[error("the card did not answer in time")]
    Timeout,
    /// The reader refused to send this APDU (e.g. its driver has no extended length support).
    #[error("the reader refused the command: {0}")]
    Rejected(String),
    /// The reader or its driver failed (PC/SC service gone, reader unplugged, the wait cancelled):
    /// the desk's equipment, not the document
    /// ([`ChipFailure::ReaderFault`](crate::ChipFailure::ReaderFault)).
    #[error("reader failure: {0}")]
    Reader(String),
}

impl TransportError {
    /// The card is gone (or not there): the session waits for it and resumes.
    pub fn is_card_absent(&self) -> bool {
        matches!(
            self,
            TransportError::NoCard | TransportError::CardRemoved | TransportError::Timeout
        )
    }
}

/// A connection to a contactless card. Blocking; the session above it is sans-IO.
pub trait Transport {
    /// Connects to the card in the field and returns its ATR (for PC/SC contactless readers, the
    /// ATR built from the ATS historical bytes). `NoCard` when the field is empty.
    fn connect(&mut self) -> Result<Vec<u8>, TransportError>;

    /// Sends one command APDU, returns the whole response APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// After the card was lost: waits at most `wait` for a card, resets/reconnects it and returns
    /// its ATR. `NoCard` when none came back in that time (the caller asks again).
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError>;
}

/// A borrowed or boxed transport is a transport (the session takes either).
macro_rules! forward_transport {
    ($($wrapper:ty),*) => {$(
        impl<T: Transport + ?Sized> Transport for $wrapper {
            fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
                (**self).connect()
            }
            fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
                (**self).transmit(apdu)
            }
            fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
                (**self).reconnect(wait)
            }
        }
    )*};
}

forward_transport!(&mut T, Box<T>);
