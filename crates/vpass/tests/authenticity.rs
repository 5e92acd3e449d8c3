//! The reader against virtual passports personalised by the test PKI: the genuine one passes every
//! check; each tampered variant is caught by the check made for it and reported as not genuine.

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use idgate_emrtd::PreferPace;
use idgate_emrtd::emulator::SymmetricCipher;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::security_infos::{CaProtocol, PaceMapping};
use idgate_emrtd::{
    AccessKey, AccessProtocol, ChipError, ChipFailure, ChipRead, ReadOptions, SystemClock,
    read_passport,
};
use idgate_emrtd::{CheckResult, PaReport};
use idgate_vpass::security::{AaKind, SecurityOptions, Tamper};
use idgate_vpass::{InProcessTransport, PassportProfile};
use support::{
    assert_every_check_passed, pace_only, pace_with, personalised, personalised_with, specimen_key,
};

struct Outcome {
    read: Result<ChipRead, ChipError>,
    /// The read's authenticity report: from the result, or from the error when a check failed.
    report: PaReport,
}

/// A modern passport (PACE, CA, AA, valid chain) with one thing tampered, read.
fn read_tampered(tamper: Tamper) -> Outcome {
    read_with(&SecurityOptions {
        tamper,
        ..SecurityOptions::modern(now())
    })
}

fn read_with(opts: &SecurityOptions) -> Outcome {
    let mut profile = PassportProfile::specimen();
    // RSA-2048 Active Authentication needs extended length (its signature does not fit a short
    // response under secure messaging), as on real passports with such keys.
    profile.chip.extended_length = opts.active_auth == Some(AaKind::Rsa2048);
    let chip = personalised(&mut profile, opts).expect("personalise");
    let mut transport = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        optional_files: vec![LdsFile::DG11, LdsFile::DG12, LdsFile::DG14, LdsFile::DG15],
        ..ReadOptions::default()
    };
    let read = read_passport(&mut transport, specimen_key(), options, &SystemClock);
    let report = match &read {
        Ok(r) => r.authenticity.clone().expect("the hooks' report"),
        Err(e) => e
            .authenticity_report()
            .cloned()
            .unwrap_or_else(PaReport::not_run),
    };
    Outcome { read, report }
}

fn now() -> SystemTime {
    SystemTime::now()
}

fn assert_not_genuine(o: &Outcome, check: &'static str) {
    let Err(err) = o.read.as_ref() else {
        panic!("the read must fail: {}", o.report);
    };
    assert_eq!(err.failure(), ChipFailure::NotGenuine { check }, "{err}");
    // The failure carries the report, and the report agrees: the first failed check, in the
    // report's order (hashes, signature, chain, revocation, CA, AA), is the one named.
    let report = err
        .authenticity_report()
        .expect("a NotGenuine failure carries the report");
    assert_eq!(report, &o.report);
    assert_eq!(
        report.verdict(),
        Some(ChipFailure::NotGenuine { check }),
        "{report}"
    );
    assert_eq!(report.first_failure().map(|f| f.0), Some(check), "{report}");
}

#[test]
fn the_genuine_passport_passes_every_check() {
    let o = read_with(&SecurityOptions::modern(now()));
    let read = o.read.expect("genuine read");
    assert_eq!(read.access, AccessProtocol::Pace);
    assert_every_check_passed(&read, "genuine");
    for (name, result) in o.report.checks() {
        assert_eq!(result, &CheckResult::Pass, "{name}: {}", o.report);
    }
    assert_eq!(o.report.verdict(), None);
}

#[test]
fn altered_dg1_fails_the_hash_check() {
    let o = read_tampered(Tamper::AlteredDg1);
    assert_not_genuine(&o, "dg_hashes");
}

#[test]
fn a_sod_under_an_unknown_csca_fails_the_chain() {
    let o = read_tampered(Tamper::UnknownCsca);
    assert_not_genuine(&o, "ds_chain");
    // The untrusted DS key is never used: the signature check did not run.
    assert!(
        matches!(&o.report.sod_signature, CheckResult::NotSupported(r) if r.starts_with("not run")),
        "{}",
        o.report
    );
}

#[test]
fn an_expired_document_signer_fails_the_chain() {
    let o = read_tampered(Tamper::ExpiredDs);
    assert_not_genuine(&o, "ds_chain");
}

#[test]
fn a_revoked_document_signer_fails_revocation() {
    let o = read_tampered(Tamper::RevokedDs);
    assert_not_genuine(&o, "ds_revocation");
    assert_eq!(o.report.ds_chain, CheckResult::Pass, "{}", o.report);
}

#[test]
fn a_clone_without_the_active_authentication_key_is_caught() {
    let o = read_tampered(Tamper::WrongAaKey);
    assert_not_genuine(&o, "active_auth");
}

#[test]
fn a_chip_without_the_chip_authentication_key_is_caught() {
    let o = read_tampered(Tamper::FailedCa);
    assert_not_genuine(&o, "chip_auth");
}

#[test]
fn pace_variants_open_the_chip() {
    // ECDH GM on P-256 and brainpoolP256r1, DH GM on the 1024-bit group, ECDH IM, PACE-CAM.
    for (mapping, id) in [
        (PaceMapping::EcdhGeneric, 12),
        (PaceMapping::EcdhGeneric, 13),
        (PaceMapping::DhGeneric, 0),
        (PaceMapping::EcdhIntegrated, 13),
        (PaceMapping::EcdhChipAuthentication, 13),
        (PaceMapping::DhIntegrated, 0),
        (PaceMapping::EcdhGeneric, 17),
    ] {
        let o = read_with(&pace_only(mapping, id));
        let read = o.read.unwrap_or_else(|e| panic!("{mapping:?}/{id}: {e}"));
        assert_eq!(read.access, AccessProtocol::Pace);
        assert_eq!(
            o.report.chip_auth,
            CheckResult::Pass,
            "{mapping:?}: {}",
            o.report
        );
    }
}

#[test]
fn pace_cam_with_a_chip_lacking_the_key_is_caught() {
    let o = read_with(&SecurityOptions {
        tamper: Tamper::FailedCa,
        ..pace_only(PaceMapping::EcdhChipAuthentication, 13)
    });
    assert_not_genuine(&o, "chip_auth");
}

#[test]
fn rsa_active_authentication_and_rsa_document_signer() {
    let o = read_with(&SecurityOptions {
        active_auth: Some(AaKind::Rsa2048),
        // DG14 names its curve by OID here (the other tests use explicit parameters).
        explicit_curve_parameters: false,
        ds_key: idgate_vpass::pki::KeyKind::Rsa2048,
        chip_auth: Some((
            CaProtocol {
                ecdh: true,
                cipher: SymmetricCipher::Tdes,
            },
            idgate_emrtd::emulator::domain_params::NamedCurve::NistP256,
        )),
        ..SecurityOptions::modern(now())
    });
    o.read.as_ref().expect("read");
    for (name, result) in o.report.checks() {
        assert_eq!(result, &CheckResult::Pass, "{name}: {}", o.report);
    }
}

#[test]
fn without_pace_the_chip_is_opened_with_bac() {
    let o = read_with(&SecurityOptions {
        pace: Vec::new(),
        ..SecurityOptions::modern(now())
    });
    let read = o.read.expect("read");
    assert_eq!(read.access, AccessProtocol::Bac);
    assert_eq!(o.report.verdict(), None, "{}", o.report);
}

#[test]
fn pace_with_3des_and_aes_256_opens_the_chip() {
    for (mapping, cipher, id) in [
        (PaceMapping::EcdhGeneric, SymmetricCipher::Tdes, 13),
        (PaceMapping::EcdhGeneric, SymmetricCipher::Aes256, 15),
        (PaceMapping::EcdhIntegrated, SymmetricCipher::Aes192, 16),
    ] {
        let o = read_with(&pace_with(mapping, cipher, id));
        let read = o
            .read
            .unwrap_or_else(|e| panic!("{mapping:?}/{cipher:?}/{id}: {e}"));
        assert_eq!(read.access, AccessProtocol::Pace);
        assert_eq!(o.report.verdict(), None, "{}", o.report);
    }
}

#[test]
fn a_wrong_mrz_is_a_wrong_code_not_a_bac_fallback() {
    let opts = SecurityOptions::modern(now());
    let mut profile = PassportProfile::specimen();
    let chip = personalised(&mut profile, &opts).expect("personalise");
    let mut transport = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        ..ReadOptions::default()
    };
    // Birth date off by one day.
    let wrong = idgate_mrz::ChipAccessKey::new("L898902C3", "740813", "120415").expect("key");
    let err = read_passport(&mut transport, AccessKey::Mrz(wrong), options, &SystemClock)
        .err()
        .map(|e| e.failure());
    assert_eq!(err, Some(ChipFailure::WrongKey));
}

#[test]
fn a_can_opens_a_pace_chip() {
    let opts = SecurityOptions::modern(now());
    let mut profile = PassportProfile::specimen();
    let chip = personalised_with(&mut profile, &opts, |secrets| secrets.with_can("123456"))
        .expect("personalise");
    let mut transport = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        expected_mrz: Some(PassportProfile::specimen().access_key().expect("key")),
        ..ReadOptions::default()
    };
    let can = AccessKey::Can(idgate_emrtd::Can::parse("123456").expect("CAN"));
    let read = read_passport(&mut transport, can, options, &SystemClock).expect("read with CAN");
    assert_eq!(read.access, AccessProtocol::Pace);
    let report = read.authenticity.expect("the hooks' report");
    assert_eq!(report.verdict(), None, "{report}");
}
