//! Passive Authentication on real public material: an Austrian EF.SOD and the German CSCA master list.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

#[path = "support/testdata.rs"]
mod testdata;
use testdata::testdata;

use idgate_emrtd::passive_auth::{self, CheckResult, Sod, TrustStore};

fn at_sod() -> Vec<u8> {
    let hex_text = include_str!("part2_data/at_sod.hex");
    hex::decode(hex_text.trim()).unwrap()
}

fn german_master_list() -> TrustStore {
    let mut store = TrustStore::new();
    let n = store
        .add_master_list(testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml"))
        .expect("the master list's signature verifies");
    assert!(n > 100, "only {n} CSCAs");
    store
}

/// 2024-06-01T00:00:00Z: inside the Austrian DS certificate's validity (2023-01-31 .. 2033-05-06).
fn mid_2024() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_200_000)
}

#[test]
fn austrian_sod_parses_and_lists_its_data_groups() {
    let sod = Sod::parse(&at_sod()).unwrap();
    let listed: Vec<u8> = sod.lds.data_group_hashes.iter().map(|h| h.number).collect();
    assert_eq!(listed, vec![1, 2, 3, 11, 12, 14]);
    assert_eq!(sod.hash_algorithm, passive_auth::HashAlgorithm::Sha256);
}

#[test]
fn austrian_sod_signature_and_chain_verify_against_the_german_master_list() {
    let store = german_master_list();
    let report = passive_auth::verify(&at_sod(), &[], &store, mid_2024());
    assert_eq!(report.sod_signature, CheckResult::Pass, "{report}");
    assert_eq!(report.ds_chain, CheckResult::Pass, "{report}");
    // No data group bytes of this passport are public: the hash check cannot run.
    assert!(matches!(report.dg_hashes, CheckResult::NotSupported(_)));
    assert!(!report.any_fail());
}

#[test]
fn a_data_group_that_is_not_this_passports_fails_the_hash_check() {
    let store = german_master_list();
    // ICAO 9303-10 Appendix A DG1 specimen: certainly not the Austrian passport's DG1.
    let dg1 = hex::decode("614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36").unwrap();
    let report = passive_auth::verify(&at_sod(), &[(1, &dg1)], &store, mid_2024());
    assert!(report.dg_hashes.is_fail());
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
fn the_ds_certificate_is_expired_after_2033() {
    let store = german_master_list();
    let year_2040 = SystemTime::UNIX_EPOCH + Duration::from_secs(2_208_988_800);
    let report = passive_auth::verify(&at_sod(), &[], &store, year_2040);
    assert!(report.ds_chain.is_fail(), "{report}");
}

#[test]
fn without_trust_anchors_the_chain_is_not_checked_and_says_so() {
    let report = passive_auth::verify(&at_sod(), &[], &TrustStore::new(), mid_2024());
    assert_eq!(report.sod_signature, CheckResult::Pass);
    assert!(matches!(report.ds_chain, CheckResult::NotSupported(_)));
}

#[test]
fn a_flipped_signature_byte_fails_the_signature_check() {
    let mut sod = at_sod();
    // The last byte belongs to the SignerInfo's ECDSA signature (s).
    let last = sod.len() - 1;
    sod[last] ^= 0x01;
    let report = passive_auth::verify(&sod, &[], &TrustStore::new(), mid_2024());
    assert!(report.sod_signature.is_fail(), "{report}");
}

#[test]
fn a_tampered_master_list_is_rejected() {
    let mut ml = testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml").to_vec();
    // A byte inside the certificate list (the signed content) changes.
    ml[5000] ^= 0x01;
    assert!(TrustStore::new().add_master_list(&ml).is_err());
}

#[test]
fn hostile_sod_bytes_give_failures_not_panics() {
    let good = at_sod();
    for cut in [0, 1, 2, 10, 100, 1000, good.len() - 1] {
        let report = passive_auth::verify(&good[..cut], &[], &TrustStore::new(), mid_2024());
        assert!(report.any_fail(), "cut at {cut}");
    }
    assert!(Sod::parse(&[0x30, 0x00]).is_err());
}

#[test]
fn the_german_csca_is_on_our_brainpool_p512r1() {
    use der::{Decode, Encode};
    use idgate_emrtd::domain_params::NamedCurve;
    use idgate_emrtd::passive_auth::signature::{CurveRef, curve_of};
    let ml = testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml");
    let ci = cms::content_info::ContentInfo::from_der(ml).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    let certs = sd.certificates.unwrap();
    let mut seen = 0;
    for c in certs.0.iter() {
        let cms::cert::CertificateChoices::Certificate(cert) = c else {
            continue;
        };
        let params = cert
            .tbs_certificate()
            .subject_public_key_info()
            .algorithm
            .parameters
            .as_ref()
            .unwrap()
            .to_der()
            .unwrap();
        let any = der::asn1::AnyRef::from_der(&params).unwrap();
        // Explicit parameters matched field by field against the curves we implement.
        let curve = curve_of(Some(any)).unwrap();
        let self_signed = cert.tbs_certificate().issuer() == cert.tbs_certificate().subject();
        if self_signed {
            assert!(
                matches!(curve, CurveRef::Named(NamedCurve::BrainpoolP512r1)),
                "{curve:?}"
            );
            seen += 1;
        } else {
            assert!(matches!(curve, CurveRef::Named(_)), "{curve:?}");
        }
    }
    assert_eq!(seen, 1);
}
