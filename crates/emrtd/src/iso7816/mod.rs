//! ISO/IEC 7816-4 as ICAO Doc 9303 Part 10 §3 and Part 11 §9.8 use it: command and response APDUs,
//! BER-TLV, the card's answer to reset, the transport that moves APDUs, and secure messaging.

pub mod apdu;
pub mod card;
pub mod sm;
pub mod tlv;
pub mod transport;
