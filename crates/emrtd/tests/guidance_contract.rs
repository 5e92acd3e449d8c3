//! Every chip error maps to a guidance id the bus contract (idgate-api) knows, and the mapping is
//! the documented one (ARCHITECTURE.md, "Guidance mapping").

use std::str::FromStr;

use idgate_api::Guidance;
use idgate_emrtd::apdu::{ApduError, StatusWord};
use idgate_emrtd::crypto::CryptoError;
use idgate_emrtd::lds::{LdsError, LdsFile};
use idgate_emrtd::random::RandomError;
use idgate_emrtd::sm::SmError;
use idgate_emrtd::transport::TransportError;
use idgate_emrtd::{AccessProtocol, ChipError, KeyKind};

fn every_error() -> Vec<(ChipError, &'static str)> {
    vec![
        (ChipError::NoCard, "chip.place"),
        (ChipError::CardLost, "chip.keep_still"),
        (ChipError::SessionBroken, "chip.keep_still"),
        (ChipError::Timeout, "chip.timeout"),
        (
            ChipError::WrongKey {
                protocol: AccessProtocol::Bac,
            },
            "chip.wrong_code",
        ),
        (
            ChipError::Dg1Mismatch {
                field: "document number",
                via: KeyKind::Can,
            },
            "chip.wrong_code",
        ),
        (
            ChipError::Dg1Mismatch {
                field: "document number",
                via: KeyKind::Mrz,
            },
            "chip.not_genuine",
        ),
        (ChipError::MacMismatch, "chip.not_genuine"),
        (
            ChipError::Lds {
                file: LdsFile::DG1,
                error: LdsError::Invalid("x"),
            },
            "chip.not_genuine",
        ),
        (ChipError::MissingFile(LdsFile::Sod), "chip.not_genuine"),
        (
            ChipError::Authenticity {
                check: "PA",
                reason: "x".into(),
            },
            "chip.not_genuine",
        ),
        (
            ChipError::Reader(TransportError::Reader("unplugged".into())),
            "chip.unsupported",
        ),
        (
            ChipError::NotEmrtd(StatusWord::FILE_NOT_FOUND),
            "chip.unsupported",
        ),
        (ChipError::AccessUnsupported("x"), "chip.unsupported"),
        (
            ChipError::UnexpectedStatus {
                command: "READ BINARY",
                sw: StatusWord(0x6F00),
            },
            "chip.unsupported",
        ),
        (
            ChipError::FileTooLarge {
                file: LdsFile::DG2,
                len: 1,
                limit: 0,
            },
            "chip.unsupported",
        ),
        (
            ChipError::ReadProtocol {
                file: LdsFile::DG2,
                reason: "x",
            },
            "chip.unsupported",
        ),
        (
            ChipError::Apdu(ApduError::ResponseTooShort(0)),
            "chip.unsupported",
        ),
        (
            ChipError::SecureMessaging(SmError::MissingMac),
            "chip.unsupported",
        ),
        (
            ChipError::UnsupportedFormat {
                file: LdsFile::DG2,
                what: "x",
            },
            "chip.unsupported",
        ),
        (ChipError::Image("x".into()), "chip.unsupported"),
        (
            ChipError::Protocol {
                protocol: "PACE",
                reason: "x".into(),
            },
            "chip.unsupported",
        ),
        (
            ChipError::Crypto(CryptoError::BadPadding),
            "chip.unsupported",
        ),
        (
            ChipError::Random(RandomError("x".into())),
            "chip.unsupported",
        ),
    ]
}

#[test]
fn every_chip_error_has_a_known_guidance_id() {
    for (error, want) in every_error() {
        let id = error.guidance_id();
        assert_eq!(id, want, "{error}");
        let guidance =
            Guidance::from_str(id).unwrap_or_else(|_| panic!("{id} unknown to idgate-api"));
        assert_eq!(guidance.id(), id);
    }
}
