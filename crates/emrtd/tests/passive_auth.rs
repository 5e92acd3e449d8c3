//! Trust anchors from real public material: the German CSCA master list (CMS SignedData published by
//! the BSI), read from the shared test data (`tests/support/testdata.rs`). Passive Authentication of
//! EF.SODs: crates/vpass/tests/passive_auth.rs (the test PKI signs them).
#![allow(clippy::unwrap_used)]

#[path = "support/testdata.rs"]
mod testdata;
use testdata::testdata;

use idgate_emrtd::TrustStore;

fn german_master_list() -> TrustStore {
    let mut store = TrustStore::new();
    let n = store
        .add_master_list(testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml"))
        .expect("the master list's signature verifies");
    assert!(n > 100, "only {n} CSCAs");
    store
}

#[test]
fn the_german_master_list_verifies_and_holds_its_cscas() {
    let store = german_master_list();
    assert!(!store.is_empty());
}

#[test]
fn a_tampered_master_list_is_rejected() {
    let mut ml = testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml").to_vec();
    // A byte inside the certificate list (the signed content) changes.
    ml[5000] ^= 0x01;
    assert!(TrustStore::new().add_master_list(&ml).is_err());
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
