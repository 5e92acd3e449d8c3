//! Every standardized domain parameter set opens the virtual passport with PACE and every standard
//! curve carries Chip Authentication: ICAO Doc 9303 Part 11 §9.5.1 (Table "standardized domain
//! parameters", the same as BSI TR-03110 Part 3 Table A.2): ids 0–2 are the RFC 5114 MODP groups
//! (1024-bit/160-bit, 2048/224, 2048/256), 8 secp192r1, 9 brainpoolP192r1, 10 secp224r1,
//! 11 brainpoolP224r1, 12 secp256r1, 13 brainpoolP256r1, 14 brainpoolP320r1, 15 secp384r1,
//! 16 brainpoolP384r1, 17 brainpoolP512r1, 18 secp521r1.
//!
//! The chip side (vpass, on emrtd's emulator module) and the reader side meet only through the
//! APDUs, so a wrong constant on either side (a curve coefficient, a generator, an order) makes the
//! PACE tokens or the CA key agreement disagree and the read fail — the curves' own vectors are in
//! crates/emrtd (RFC 5639 / SEC 2 constants and the ICAO worked examples).

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use idgate_emrtd::emulator::SymmetricCipher;
use idgate_emrtd::emulator::domain_params::NamedCurve;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::security_infos::{CaProtocol, PaceMapping};
use idgate_emrtd::{
    AccessProtocol, CheckResult, PaReport, PreferPace, ReadOptions, SystemClock, read_passport,
};
use idgate_vpass::security::SecurityOptions;
use idgate_vpass::{InProcessTransport, PassportProfile};
use support::{pace_only, personalised, specimen_key};

/// Reads a passport personalised with `opts`; the read must succeed. Returns how the chip was
/// opened and the authenticity report.
fn read(opts: &SecurityOptions, what: &str) -> (AccessProtocol, PaReport) {
    let mut profile = PassportProfile::specimen();
    // A 2048-bit DH public key (256 bytes) does not fit a short APDU: chips with the 2048-bit
    // groups (ids 1, 2) offer extended length, as real ones must.
    profile.chip.extended_length = opts.pace.iter().any(|(_, id)| matches!(id, 1 | 2));
    let chip = personalised(&mut profile, opts).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut transport = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        ..ReadOptions::default()
    };
    let read = read_passport(&mut transport, specimen_key(), options, &SystemClock)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let report = read.authenticity.clone().expect("the hooks' report");
    (read.access, report)
}

#[test]
fn pace_generic_mapping_opens_the_chip_with_every_standardized_parameter_id() {
    for id in [0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
        let mapping = if id <= 2 {
            PaceMapping::DhGeneric
        } else {
            PaceMapping::EcdhGeneric
        };
        // The chip offers only this protocol, so a PACE read used exactly this parameter set.
        let (access, report) = read(&pace_only(mapping, id), &format!("GM id {id}"));
        assert_eq!(access, AccessProtocol::Pace, "id {id}");
        assert_eq!(report.verdict(), None, "id {id}: {report}");
    }
}

#[test]
fn pace_integrated_mapping_opens_the_chip_on_the_small_and_odd_sized_curves() {
    // Integrated Mapping maps a nonce onto the curve (ICAO 9303-11 §4.4.3.3.2): the field size
    // matters, so the 192-, 224- and 320-bit curves are tried besides the DH group. secp224r1 (id
    // 10) is not among them: the point encoding of ICAO 9303-11 Appendix B.2 needs p ≡ 3 (mod 4)
    // and secp224r1's prime is 1 (mod 4), so ECDH-IM is not defined on it.
    for (mapping, id) in [
        (PaceMapping::DhIntegrated, 2),
        (PaceMapping::EcdhIntegrated, 8),
        (PaceMapping::EcdhIntegrated, 9),
        (PaceMapping::EcdhIntegrated, 11),
        (PaceMapping::EcdhIntegrated, 14),
    ] {
        let (access, report) = read(&pace_only(mapping, id), &format!("IM id {id}"));
        assert_eq!(access, AccessProtocol::Pace, "{mapping:?} id {id}");
        assert_eq!(report.verdict(), None, "{mapping:?} id {id}: {report}");
    }
}

#[test]
fn chip_authentication_passes_on_every_standard_curve_named_or_explicit() {
    let curves = [
        NamedCurve::NistP192,
        NamedCurve::BrainpoolP192r1,
        NamedCurve::NistP224,
        NamedCurve::BrainpoolP224r1,
        NamedCurve::NistP256,
        NamedCurve::BrainpoolP256r1,
        NamedCurve::BrainpoolP320r1,
        NamedCurve::NistP384,
        NamedCurve::BrainpoolP384r1,
        NamedCurve::BrainpoolP512r1,
        NamedCurve::NistP521,
    ];
    for curve in curves {
        for explicit in [true, false] {
            let opts = SecurityOptions {
                chip_auth: Some((
                    CaProtocol {
                        ecdh: true,
                        cipher: SymmetricCipher::Aes128,
                    },
                    curve,
                )),
                explicit_curve_parameters: explicit,
                ..SecurityOptions::modern(SystemTime::now())
            };
            let what = format!("CA {curve:?} explicit={explicit}");
            let (_, report) = read(&opts, &what);
            assert_eq!(report.chip_auth, CheckResult::Pass, "{what}: {report}");
            assert_eq!(report.verdict(), None, "{what}: {report}");
        }
    }
}
