//! The certificate checks of Passive Authentication, each by name, on chains the test PKI makes:
//! the Document Signer is checked against the trust store *before* its key verifies EF.SOD; an
//! EF.SOD without its DS certificate fails (this station has no PKD); keyUsage and
//! basicConstraints of the DS and the CSCA; the CRL's window (thisUpdate ≤ now < nextUpdate); a
//! revoked CSCA anchors nothing.

use std::time::{Duration, SystemTime};

use der::Encode;
use idgate_emrtd::emulator::passive::{self, HashAlgorithm};
use idgate_emrtd::emulator::sod::ID_LDS_SECURITY_OBJECT;
use idgate_emrtd::{CheckResult, NamedCheck, PaReport, TrustStore};
use idgate_vpass::pki::{CertShape, Csca, DocumentSigner, KeyKind, sod, valid_around};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

const DAY: Duration = Duration::from_secs(24 * 3600);
const DG1: &[u8] = b"\x61\x05\x5F\x1F\x02<<";

fn csca_with(shape: CertShape) -> Csca {
    Csca::generate_with(
        "UT",
        "CSCA Utopia",
        KeyKind::EcdsaP256,
        valid_around(SystemTime::now()),
        shape,
    )
    .expect("csca")
}

fn ds_with(csca: &mut Csca, shape: CertShape) -> DocumentSigner {
    csca.issue(
        "DS Utopia",
        KeyKind::EcdsaP256,
        valid_around(SystemTime::now()),
        shape,
    )
    .expect("ds")
}

fn ef_sod(ds: &DocumentSigner) -> Vec<u8> {
    sod::sign_sod(ds, HashAlgorithm::Sha256, &[(1, DG1)]).expect("sod")
}

fn trusting(csca: &Csca) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_csca(csca.certificate.clone());
    t
}

fn verify(ef_sod: &[u8], trust: &TrustStore) -> PaReport {
    passive::verify(ef_sod, &[(1, DG1)], trust, SystemTime::now())
}

fn step<'a>(report: &'a PaReport, name: &str) -> &'a CheckResult {
    report
        .pki
        .iter()
        .find(|s| s.name == name)
        .map(|s| &s.result)
        .unwrap_or_else(|| panic!("no step {name}: {report}"))
}

fn not_run(c: &CheckResult) -> bool {
    matches!(c, CheckResult::NotSupported(r) if r.starts_with("not run"))
}

#[test]
fn a_genuine_chain_passes_every_named_step() {
    let mut csca = csca_with(CertShape::csca());
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let mut trust = trusting(&csca);
    trust.add_crl(csca.crl(&[], SystemTime::now() - DAY).expect("crl"));
    let report = verify(&ef_sod(&ds), &trust);
    let names: Vec<&str> = report.pki.iter().map(|s: &NamedCheck| s.name).collect();
    assert_eq!(
        names,
        [
            "ds_issuer",
            "ds_validity",
            "ds_basic_constraints",
            "ds_key_usage",
            "csca_validity",
            "csca_basic_constraints",
            "csca_key_usage",
            "csca_revocation",
            "crl_validity"
        ]
    );
    assert!(report.pki.iter().all(|s| s.result.is_pass()), "{report}");
    assert!(report.sod_signature.is_pass(), "{report}");
    assert!(
        report.ds_chain.is_pass() && report.ds_revocation.is_pass(),
        "{report}"
    );
}

#[test]
fn an_ef_sod_without_the_document_signer_certificate_fails() {
    // The same signed content and signature, but the SignedData carries no certificate: ICAO
    // 9303-10 allows it (the DS would come from the PKD); a station without PKD access can
    // verify nothing, so the chain fails — not "not supported".
    let mut csca = csca_with(CertShape::csca());
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let content = sod::lds_security_object(HashAlgorithm::Sha256, &[(1, DG1)]).expect("lds object");
    let inner = sod::signed_data(&ds, ID_LDS_SECURITY_OBJECT, content, &[]).expect("cms");
    let header = der::Header::new(
        der::Tag::Application {
            constructed: true,
            number: der::TagNumber(23),
        },
        der::Length::try_from(inner.len()).expect("length"),
    );
    let mut bare = header.to_der().expect("header");
    bare.extend_from_slice(&inner);

    let report = verify(&bare, &trusting(&csca));
    assert!(report.ds_chain.is_fail(), "{report}");
    assert_eq!(
        report.first_failure().map(|f| f.0),
        Some("ds_chain"),
        "{report}"
    );
    assert!(not_run(&report.sod_signature), "{report}");
}

#[test]
fn an_untrusted_document_signer_key_is_never_used_for_the_signature() {
    // A DS under a CSCA the station does not trust: the chain fails and EF.SOD's signature is
    // not verified at all — the key was chosen by whoever made the chip.
    let mut rogue = csca_with(CertShape::csca());
    let ds = ds_with(&mut rogue, CertShape::document_signer());
    let trusted = csca_with(CertShape::csca());
    let good = ef_sod(&ds);
    let report = verify(&good, &trusting(&trusted));
    assert!(report.ds_chain.is_fail(), "{report}");
    assert!(not_run(&report.sod_signature), "{report}");
    assert_eq!(report.first_failure().map(|f| f.0), Some("ds_chain"));

    // A broken signature under that DS: still "not run", never "fail" — no arithmetic happened.
    let mut broken = good.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    let report = verify(&broken, &trusting(&trusted));
    assert!(not_run(&report.sod_signature), "{report}");

    // No trust anchors at all: the same.
    let report = verify(&good, &TrustStore::new());
    assert!(not_run(&report.sod_signature), "{report}");
}

#[test]
fn a_csca_without_key_cert_sign_anchors_nothing() {
    let mut csca = csca_with(CertShape {
        key_usage: Some(KeyUsage(KeyUsages::CRLSign.into())),
        ..CertShape::csca()
    });
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let report = verify(&ef_sod(&ds), &trusting(&csca));
    assert!(step(&report, "csca_key_usage").is_fail(), "{report}");
    assert!(report.ds_chain.is_fail(), "{report}");
    assert!(not_run(&report.sod_signature), "{report}");
}

#[test]
fn a_csca_that_is_not_a_ca_anchors_nothing() {
    let mut csca = csca_with(CertShape {
        ca: None,
        ..CertShape::csca()
    });
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let report = verify(&ef_sod(&ds), &trusting(&csca));
    assert!(
        step(&report, "csca_basic_constraints").is_fail(),
        "{report}"
    );
    assert!(report.ds_chain.is_fail(), "{report}");
}

#[test]
fn a_document_signer_that_is_a_ca_or_may_not_sign_fails() {
    let mut csca = csca_with(CertShape::csca());
    let ca_ds = ds_with(
        &mut csca,
        CertShape {
            ca: Some(true),
            ..CertShape::document_signer()
        },
    );
    let report = verify(&ef_sod(&ca_ds), &trusting(&csca));
    assert!(step(&report, "ds_basic_constraints").is_fail(), "{report}");
    assert!(report.ds_chain.is_fail(), "{report}");

    let no_sign = ds_with(
        &mut csca,
        CertShape {
            key_usage: Some(KeyUsage(KeyUsages::KeyEncipherment.into())),
            ..CertShape::document_signer()
        },
    );
    let report = verify(&ef_sod(&no_sign), &trusting(&csca));
    assert!(step(&report, "ds_key_usage").is_fail(), "{report}");
    assert!(report.ds_chain.is_fail(), "{report}");
}

#[test]
fn an_expired_or_future_crl_is_reported_and_fails_revocation() {
    let mut csca = csca_with(CertShape::csca());
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let now = SystemTime::now();
    for (this, next) in [
        (now - 60 * DAY, Some(now - DAY)),
        (now + DAY, Some(now + 60 * DAY)),
        (now - DAY, None),
    ] {
        let mut trust = trusting(&csca);
        trust.add_crl(csca.crl_with_window(&[], this, next).expect("crl"));
        let report = verify(&ef_sod(&ds), &trust);
        assert!(step(&report, "crl_validity").is_fail(), "{report}");
        assert!(report.ds_revocation.is_fail(), "{report}");
        // The chain itself is fine: the verdict names revocation.
        assert!(report.ds_chain.is_pass(), "{report}");
        assert_eq!(report.first_failure().map(|f| f.0), Some("ds_revocation"));
    }
    // A revocation stays a revocation when the CRL is old.
    let mut trust = trusting(&csca);
    trust.add_crl(
        csca.crl_with_window(&[&ds.certificate], now - 60 * DAY, Some(now - DAY))
            .expect("crl"),
    );
    let report = verify(&ef_sod(&ds), &trust);
    assert!(
        matches!(&report.ds_revocation, CheckResult::Fail(r) if r.contains("revoked")),
        "{report}"
    );
}

#[test]
fn a_revoked_csca_anchors_nothing() {
    let mut csca = csca_with(CertShape::csca());
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let mut trust = trusting(&csca);
    trust.add_crl(
        csca.crl(&[&csca.certificate], SystemTime::now() - DAY)
            .expect("crl"),
    );
    let report = verify(&ef_sod(&ds), &trust);
    assert!(step(&report, "csca_revocation").is_fail(), "{report}");
    assert!(report.ds_chain.is_fail(), "{report}");
    assert!(not_run(&report.sod_signature), "{report}");
}

#[test]
fn a_crl_with_a_bad_signature_is_ignored() {
    // A CRL under the CSCA's name but signed by another key revokes nothing and is no evidence.
    let mut csca = csca_with(CertShape::csca());
    let ds = ds_with(&mut csca, CertShape::document_signer());
    let impostor = csca_with(CertShape::csca());
    let mut trust = trusting(&csca);
    trust.add_crl(
        impostor
            .crl(&[&ds.certificate], SystemTime::now() - DAY)
            .expect("crl"),
    );
    let report = verify(&ef_sod(&ds), &trust);
    assert!(
        matches!(report.ds_revocation, CheckResult::NotSupported(_)),
        "{report}"
    );
    assert!(report.sod_signature.is_pass(), "{report}");
}
