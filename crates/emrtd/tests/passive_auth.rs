//! Trust anchors from real public material: the German CSCA master list (CMS SignedData published by
//! the BSI), read from the shared test data (`tests/support/testdata.rs`). Passive Authentication of
//! EF.SODs: crates/vpass/tests/passive_auth.rs (the test PKI signs them).
#![allow(clippy::unwrap_used)]

#[path = "support/testdata.rs"]
mod testdata;
use testdata::testdata;

use std::time::{Duration, SystemTime};

use idgate_emrtd::{TrustError, TrustStore};
use x509_cert::Certificate;

const GERMAN_ML: &str = "emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml";

/// The certificates the German list's SignedData carries: the master-list signer and the
/// German CSCA that issued it.
fn carried(ml: &[u8]) -> (Certificate, Certificate) {
    let (signer, cscas) = idgate_testbed::pki::carried(ml).unwrap();
    (signer, cscas[0].clone())
}

/// A date the list's signer certificate (2024-10-17 to 2028-10-17) is valid at.
fn in_2026() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)
}

fn german_master_list() -> TrustStore {
    let ml = testdata(GERMAN_ML);
    let mut store = TrustStore::new();
    store.pin_master_list_signer(carried(ml).0);
    let n = store
        .add_master_list(ml, in_2026())
        .expect("the master list's signature verifies");
    assert!(n > 100, "only {n} CSCAs");
    store
}

#[test]
fn the_german_master_list_verifies_under_its_pinned_signer_and_holds_its_cscas() {
    let store = german_master_list();
    assert!(!store.is_empty());
}

#[test]
fn the_german_master_list_verifies_under_the_german_csca() {
    let ml = testdata(GERMAN_ML);
    let mut store = TrustStore::new();
    store.add_csca(carried(ml).1);
    let list = store.verify_master_list(ml, in_2026()).expect("anchored");
    let names: Vec<&str> = list.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "ml_content_type",
            "ml_signer_key_usage",
            "ml_signer_extended_key_usage",
            "ml_signer_validity",
            "ml_signer_anchor",
            "ml_message_digest",
            "ml_signature"
        ]
    );
    assert!(list.checks.iter().all(|c| c.result.is_pass()));
}

#[test]
fn a_master_list_does_not_vouch_for_itself() {
    // The German list carries its signer and the CSCA that issued it; with neither configured
    // as an anchor the list is refused, however well it is signed.
    let err = TrustStore::new()
        .add_master_list(testdata(GERMAN_ML), in_2026())
        .unwrap_err();
    assert!(
        matches!(
            err,
            TrustError::MasterListRefused {
                check: "ml_signer_anchor",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_master_list_whose_signer_expired_is_refused() {
    let ml = testdata(GERMAN_ML);
    let mut store = TrustStore::new();
    store.pin_master_list_signer(carried(ml).0);
    // 2029: after the signer certificate's notAfter (2028-10-17).
    let later = SystemTime::UNIX_EPOCH + Duration::from_secs(1_870_000_000);
    let err = store.add_master_list(ml, later).unwrap_err();
    assert!(
        matches!(
            err,
            TrustError::MasterListRefused {
                check: "ml_signer_validity",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_tampered_master_list_is_rejected() {
    let mut ml = testdata(GERMAN_ML).to_vec();
    let mut store = TrustStore::new();
    store.pin_master_list_signer(carried(&ml).0);
    // A byte inside the certificate list (the signed content) changes.
    ml[5000] ^= 0x01;
    assert!(store.add_master_list(&ml, in_2026()).is_err());
}

#[test]
fn the_german_csca_is_on_our_brainpool_p512r1() {
    use der::{Decode, Encode};
    use idgate_emrtd::emulator::domain_params::NamedCurve;
    use idgate_emrtd::emulator::signature::{CurveRef, curve_of};
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
