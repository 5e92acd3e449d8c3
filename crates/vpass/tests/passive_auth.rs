//! Passive Authentication (ICAO 9303 Part 11 §5, Part 10 §4.6.2) of EF.SODs the test PKI signs with
//! a brainpoolP256r1 Document Signer under a brainpoolP256r1 CSCA (the curves many issuers use):
//! what the SOD lists, signature and chain, expiry, hashes, and corruptions that must never verify.
//! (No issuer's EF.SOD is in the repository; the CSCA master list tests are in idgate-emrtd.)

use std::time::{Duration, SystemTime};

use idgate_emrtd::emulator::passive::{self, HashAlgorithm, Sod};
use idgate_emrtd::{CheckResult, TrustStore};
use idgate_vpass::pki::{Csca, KeyKind, sod};

const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

struct Signed {
    ef_sod: Vec<u8>,
    dgs: Vec<(u8, Vec<u8>)>,
    trust: TrustStore,
    now: SystemTime,
}

impl Signed {
    fn dgs(&self) -> Vec<(u8, &[u8])> {
        self.dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect()
    }
}

/// A SOD over DG1, DG2, DG11, DG14; the DS is valid for two more years.
fn signed() -> Signed {
    let now = SystemTime::now();
    let mut csca = Csca::generate(
        "UT",
        "CSCA Utopia",
        KeyKind::EcdsaBrainpoolP256r1,
        (now - YEAR, now + 20 * YEAR),
    )
    .expect("csca");
    let ds = csca
        .issue_document_signer(
            "DS Utopia",
            KeyKind::EcdsaBrainpoolP256r1,
            (now - YEAR, now + 2 * YEAR),
        )
        .expect("ds");
    let dgs: Vec<(u8, Vec<u8>)> = vec![
        (1, b"\x61\x05\x5F\x1F\x02<<".to_vec()),
        (2, b"\x75\x03\x7F\x61\x00".to_vec()),
        (11, b"\x6B\x02\x5C\x00".to_vec()),
        (14, b"\x6E\x02\x31\x00".to_vec()),
    ];
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let ef_sod = sod::sign_sod(&ds, HashAlgorithm::Sha256, &refs).expect("sod");
    let mut trust = TrustStore::new();
    trust.add_csca(csca.certificate.clone());
    Signed {
        ef_sod,
        dgs,
        trust,
        now,
    }
}

#[test]
fn the_sod_lists_its_data_groups_and_hash() {
    let s = signed();
    let sod = Sod::parse(&s.ef_sod).expect("parses");
    let listed: Vec<u8> = sod.lds.data_group_hashes.iter().map(|h| h.number).collect();
    assert_eq!(listed, vec![1, 2, 11, 14]);
    assert_eq!(sod.hash_algorithm, HashAlgorithm::Sha256);
}

#[test]
fn hashes_signature_and_chain_verify() {
    let s = signed();
    let report = passive::verify(&s.ef_sod, &s.dgs(), &s.trust, s.now);
    assert_eq!(report.dg_hashes, CheckResult::Pass, "{report}");
    assert_eq!(report.sod_signature, CheckResult::Pass, "{report}");
    assert_eq!(report.ds_chain, CheckResult::Pass, "{report}");
    assert!(!report.any_fail(), "{report}");
}

#[test]
fn without_data_groups_the_hash_check_cannot_run_and_says_so() {
    let s = signed();
    let report = passive::verify(&s.ef_sod, &[], &s.trust, s.now);
    assert_eq!(report.sod_signature, CheckResult::Pass, "{report}");
    assert!(matches!(report.dg_hashes, CheckResult::NotSupported(_)));
}

#[test]
fn a_data_group_that_is_not_this_passports_fails_the_hash_check() {
    let s = signed();
    // ICAO 9303-10 Appendix A DG1 specimen (TD2, ERIKSSON ANNA MARIA): not this document's DG1.
    let dg1 = hex::decode("614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36").expect("hex");
    let report = passive::verify(&s.ef_sod, &[(1, &dg1)], &s.trust, s.now);
    assert!(report.dg_hashes.is_fail(), "{report}");
    assert!(
        matches!(
            report.verdict(),
            Some(idgate_emrtd::ChipFailure::NotGenuine { .. })
        ),
        "{report}"
    );
    assert_eq!(report.first_failure().map(|f| f.0), Some("dg_hashes"));
}

#[test]
fn the_ds_certificate_is_expired_after_its_validity() {
    let s = signed();
    let report = passive::verify(&s.ef_sod, &s.dgs(), &s.trust, s.now + 3 * YEAR);
    assert!(report.ds_chain.is_fail(), "{report}");
    assert!(
        report
            .pki
            .iter()
            .any(|c| c.name == "ds_validity" && c.result.is_fail()),
        "{report}"
    );
    // An expired DS is not trusted: its key does not verify anything.
    assert!(
        matches!(report.sod_signature, CheckResult::NotSupported(_)),
        "{report}"
    );
}

#[test]
fn without_trust_anchors_the_chain_is_not_checked_and_says_so() {
    let s = signed();
    let report = passive::verify(&s.ef_sod, &s.dgs(), &TrustStore::new(), s.now);
    assert!(matches!(report.ds_chain, CheckResult::NotSupported(_)));
    // Nothing vouches for the DS key: the signature is not run either.
    assert!(matches!(report.sod_signature, CheckResult::NotSupported(_)));
    assert_eq!(report.dg_hashes, CheckResult::Pass);
}

#[test]
fn a_flipped_signature_byte_fails_the_signature_check() {
    let s = signed();
    let mut ef_sod = s.ef_sod.clone();
    // The last byte belongs to the SignerInfo's ECDSA signature.
    let last = ef_sod.len() - 1;
    ef_sod[last] ^= 0x01;
    let report = passive::verify(&ef_sod, &s.dgs(), &s.trust, s.now);
    assert!(report.sod_signature.is_fail(), "{report}");
}

#[test]
fn hostile_sod_bytes_give_failures_not_panics() {
    let s = signed();
    let good = &s.ef_sod;
    for cut in [0, 1, 2, 10, 100, good.len() / 2, good.len() - 1] {
        let report = passive::verify(&good[..cut], &[], &s.trust, s.now);
        assert!(report.any_fail(), "cut at {cut}");
    }
    assert!(Sod::parse(&[0x30, 0x00]).is_err());
}

#[test]
fn sod_corruptions_never_pass() {
    let s = signed();
    let good = s.ef_sod.clone();
    // Under the trusted CSCA, so that the signature is checked whenever the DS still chains.
    let store = s.trust.clone();
    // Truncations and xor-0xFF corruptions only (the full set is slow with a signature check each).
    let cuts = (0..good.len()).step_by(7).map(|n| good[..n].to_vec());
    let flips = (0..good.len()).map(|i| {
        let mut v = good.clone();
        v[i] ^= 0xFF;
        v
    });
    for v in cuts.chain(flips) {
        let report = passive::verify(&v, &[], &store, s.now);
        // The signed content or signature changed: it must never verify.
        assert!(!report.sod_signature.is_pass() || v == good || signed_bytes_unchanged(&good, &v));
    }
}

/// Corruptions outside what the signature covers (e.g. the DS certificate's own signature, or
/// unsigned framing that still parses) may leave the SOD signature valid.
fn signed_bytes_unchanged(good: &[u8], v: &[u8]) -> bool {
    let (Ok(a), Ok(b)) = (Sod::parse(good), Sod::parse(v)) else {
        return false;
    };
    a.content == b.content
        && a.signed_attributes_der().ok() == b.signed_attributes_der().ok()
        && a.signer_info().map(|s| s.signature.clone()).ok()
            == b.signer_info().map(|s| s.signature.clone()).ok()
        && a.document_signer()
            .ok()
            .map(|c| c.tbs_certificate().subject_public_key_info().clone())
            == b.document_signer()
                .ok()
                .map(|c| c.tbs_certificate().subject_public_key_info().clone())
}
