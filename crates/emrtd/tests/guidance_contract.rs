//! Every chip error maps to its documented typed failure (ARCHITECTURE.md, "Guidance mapping");
//! the daemon's `contract` module maps each failure to the bus contract's guidance.

use idgate_emrtd::CryptoError;
use idgate_emrtd::RandomError;
use idgate_emrtd::TransportError;
use idgate_emrtd::iso7816::apdu::{ApduError, StatusWord};
use idgate_emrtd::iso7816::sm::SmError;
use idgate_emrtd::lds::{LdsError, LdsFile};
use idgate_emrtd::{AccessProtocol, ChipError, ChipFailure, Downgrade, KeyKind};

fn every_error() -> Vec<(ChipError, ChipFailure)> {
    vec![
        (ChipError::NoCard, ChipFailure::NoCard),
        (ChipError::CardLost, ChipFailure::CardLost),
        (ChipError::SessionBroken, ChipFailure::CardLost),
        (ChipError::Timeout, ChipFailure::Timeout),
        (ChipError::Cancelled, ChipFailure::Cancelled),
        (
            ChipError::Downgrade(Downgrade::CardAccessUnreadable("x".into())),
            ChipFailure::NotGenuine {
                check: "card_access",
            },
        ),
        (
            ChipError::Downgrade(Downgrade::DataGroupNotRead(LdsFile::DG15)),
            ChipFailure::NotGenuine {
                check: "dg_not_read",
            },
        ),
        (
            ChipError::WrongKey {
                protocol: AccessProtocol::Bac,
            },
            ChipFailure::WrongKey,
        ),
        (
            ChipError::Dg1Mismatch {
                field: "document number",
                via: KeyKind::Can,
            },
            ChipFailure::WrongKey,
        ),
        (
            ChipError::Dg1Mismatch {
                field: "document number",
                via: KeyKind::Mrz,
            },
            ChipFailure::NotGenuine { check: "dg1" },
        ),
        (
            ChipError::MacMismatch,
            ChipFailure::NotGenuine {
                check: "secure_messaging",
            },
        ),
        (
            ChipError::Lds {
                file: LdsFile::DG1,
                error: LdsError::Invalid("x"),
            },
            ChipFailure::NotGenuine { check: "lds" },
        ),
        (
            ChipError::MissingFile(LdsFile::Sod),
            ChipFailure::NotGenuine {
                check: "missing_file",
            },
        ),
        (
            ChipError::Authenticity {
                check: "PA",
                reason: "x".into(),
                report: None,
            },
            ChipFailure::NotGenuine { check: "PA" },
        ),
        (
            ChipError::Reader(TransportError::Reader("unplugged".into())),
            ChipFailure::ReaderFault,
        ),
        (
            ChipError::NotEmrtd(StatusWord::FILE_NOT_FOUND),
            ChipFailure::Unsupported,
        ),
        (ChipError::AccessUnsupported("x"), ChipFailure::Unsupported),
        (
            ChipError::UnexpectedStatus {
                command: "READ BINARY",
                sw: StatusWord(0x6F00),
            },
            ChipFailure::Unsupported,
        ),
        (
            ChipError::FileTooLarge {
                file: LdsFile::DG2,
                len: 1,
                limit: 0,
            },
            ChipFailure::Unsupported,
        ),
        (
            ChipError::ReadProtocol {
                file: LdsFile::DG2,
                reason: "x",
            },
            ChipFailure::Unsupported,
        ),
        (
            ChipError::Apdu(ApduError::ResponseTooShort(0)),
            ChipFailure::Unsupported,
        ),
        (
            // Every success answer under secure messaging is MACed (ICAO 9303-11 §9.8).
            ChipError::SecureMessaging(SmError::MissingMac),
            ChipFailure::NotGenuine {
                check: "secure_messaging",
            },
        ),
        (
            ChipError::UnsupportedFormat {
                file: LdsFile::DG2,
                what: "x",
            },
            ChipFailure::Unsupported,
        ),
        (ChipError::Image("x".into()), ChipFailure::Unsupported),
        (
            ChipError::Protocol {
                protocol: "PACE",
                reason: "x".into(),
            },
            ChipFailure::Unsupported,
        ),
        (
            ChipError::Crypto(CryptoError::BadPadding),
            ChipFailure::Unsupported,
        ),
        (
            ChipError::Random(RandomError("x".into())),
            ChipFailure::Unsupported,
        ),
    ]
}

#[test]
fn every_chip_error_has_its_documented_failure() {
    for (error, want) in every_error() {
        assert_eq!(error.failure(), want, "{error}");
    }
}
