//! Loading trust anchors from a directory, as the station does at start: DER and PEM CSCA
//! certificates, CRLs, and files that are none of these (reported, not fatal); CSCA master lists,
//! trusted only when their signer chains to an anchor configured before them (a CSCA of the store
//! or a pinned master-list signer), each check by name.

use std::time::SystemTime;

use der::{Encode, EncodePem};
use idgate_emrtd::TrustError;
use idgate_emrtd::emulator::passive::{self, CheckResult, TrustStore};
use idgate_emrtd::emulator::sod::ID_LDS_SECURITY_OBJECT;
use idgate_vpass::pki::master_list::{ID_CSCA_MASTER_LIST, sign_master_list};
use idgate_vpass::pki::{CertShape, Csca, KeyKind, sod, valid_around};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

#[test]
fn a_trust_store_directory_loads_certificates_and_crls() {
    let now = SystemTime::now();
    let mut csca =
        Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, valid_around(now)).expect("csca");
    let other = Csca::generate(
        "ZZ",
        "CSCA Elsewhere",
        KeyKind::EcdsaBrainpoolP256r1,
        valid_around(now),
    )
    .expect("csca");
    let ds = csca
        .issue_document_signer("DS Utopia", KeyKind::EcdsaP256, valid_around(now))
        .expect("ds");
    let crl = csca.crl(&[&ds.certificate], now).expect("crl");

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("utopia.der"),
        csca.certificate_der().expect("der"),
    )
    .expect("write");
    let pem = other
        .certificate
        .to_pem(der::pem::LineEnding::LF)
        .expect("pem");
    std::fs::write(dir.path().join("elsewhere.pem"), pem).expect("write");
    std::fs::write(dir.path().join("utopia.crl"), crl.to_der().expect("der")).expect("write");
    std::fs::write(dir.path().join("README.txt"), b"not a certificate").expect("write");

    let (store, problems) = TrustStore::load_dir(dir.path(), now).expect("load");
    assert_eq!(store.cscas().len(), 2);
    assert_eq!(store.crls().len(), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");

    // The DS is on the CRL loaded from the directory.
    let dg1 = b"\x61\x03\x5F\x1F\x00".to_vec();
    let ef_sod = sod::sign_sod(&ds, passive::HashAlgorithm::Sha256, &[(1, &dg1)]).expect("sod");
    let report = passive::verify(&ef_sod, &[(1, &dg1)], &store, now);
    assert_eq!(report.dg_hashes, CheckResult::Pass);
    assert_eq!(report.ds_chain, CheckResult::Pass);
    assert!(report.ds_revocation.is_fail(), "{report}");
    // A revoked DS key verifies nothing.
    assert!(
        matches!(&report.sod_signature, CheckResult::NotSupported(r) if r.starts_with("not run")),
        "{report}"
    );
}

#[test]
fn a_missing_directory_is_an_error() {
    assert!(
        TrustStore::load_dir(
            std::path::Path::new("/nonexistent/idgate-trust"),
            SystemTime::now()
        )
        .is_err()
    );
}

/// A country's CSCA, its master-list signer, and a list of two other CSCAs it signs, carrying the
/// signer and the CSCA as real lists do.
struct Country {
    csca: Csca,
    list: Vec<u8>,
    signer: x509_cert::Certificate,
    listed: Vec<Csca>,
}

fn country_with(shape: CertShape, econtent_type: const_oid::ObjectIdentifier) -> Country {
    let now = SystemTime::now();
    let mut csca =
        Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, valid_around(now)).expect("csca");
    let signer = csca
        .issue(
            "ML Signer Utopia",
            KeyKind::EcdsaP256,
            valid_around(now),
            shape,
        )
        .expect("signer");
    let listed: Vec<Csca> = ["AA", "BB"]
        .iter()
        .map(|c| {
            Csca::generate(
                c,
                &format!("CSCA {c}"),
                KeyKind::EcdsaP256,
                valid_around(now),
            )
            .expect("csca")
        })
        .collect();
    let list = sign_master_list(
        &signer,
        &listed.iter().map(|c| &c.certificate).collect::<Vec<_>>(),
        &[&signer.certificate, &csca.certificate],
        econtent_type,
    )
    .expect("master list");
    Country {
        csca,
        list,
        signer: signer.certificate,
        listed,
    }
}

fn country() -> Country {
    country_with(CertShape::master_list_signer(), ID_CSCA_MASTER_LIST)
}

fn refused_by(result: Result<usize, TrustError>) -> &'static str {
    match result {
        Err(TrustError::MasterListRefused { check, .. }) => check,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_master_list_signed_by_a_certificate_inside_itself_does_not_validate_itself() {
    // The list carries the CSCA that issued its signer; that CSCA is not configured.
    let c = country();
    let now = SystemTime::now();
    assert_eq!(
        refused_by(TrustStore::new().add_master_list(&c.list, now)),
        "ml_signer_anchor"
    );
    // Listing the signer's own CSCA in the list does not help either.
    let mut csca = c.csca.clone();
    let signer = csca
        .issue_master_list_signer("ML Signer Utopia", KeyKind::EcdsaP256, valid_around(now))
        .expect("signer");
    let self_listing = sign_master_list(
        &signer,
        &[&csca.certificate],
        &[&signer.certificate, &csca.certificate],
        ID_CSCA_MASTER_LIST,
    )
    .expect("list");
    assert_eq!(
        refused_by(TrustStore::new().add_master_list(&self_listing, now)),
        "ml_signer_anchor"
    );
}

#[test]
fn a_master_list_is_trusted_under_a_configured_csca_or_a_pinned_signer() {
    let c = country();
    let now = SystemTime::now();
    let mut by_csca = TrustStore::new();
    by_csca.add_csca(c.csca.certificate.clone());
    assert_eq!(by_csca.add_master_list(&c.list, now), Ok(2));
    for listed in &c.listed {
        assert!(by_csca.cscas().contains(&listed.certificate));
    }

    // Pinned: the signer's certificate in the trust directory (recognised by its
    // extendedKeyUsage), the list named so that it sorts before it — the order does not matter.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a-utopia.ml"), &c.list).expect("write");
    std::fs::write(
        dir.path().join("z-signer.pem"),
        c.signer.to_pem(der::pem::LineEnding::LF).expect("pem"),
    )
    .expect("write");
    let (store, problems) = TrustStore::load_dir(dir.path(), now).expect("load");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(store.master_list_signers(), std::slice::from_ref(&c.signer));
    assert_eq!(store.cscas().len(), 2, "the listed CSCAs, not the signer");

    // Without the pin the directory's list is reported and adds nothing.
    std::fs::remove_file(dir.path().join("z-signer.pem")).expect("rm");
    let (store, problems) = TrustStore::load_dir(dir.path(), now).expect("load");
    assert!(store.is_empty());
    assert!(
        matches!(
            problems.as_slice(),
            [TrustError::MasterListRefused {
                check: "ml_signer_anchor",
                ..
            }]
        ),
        "{problems:?}"
    );
}

#[test]
fn a_cms_file_that_is_not_a_master_list_is_refused() {
    // Well signed by an anchored signer, but its content is an LDS security object.
    let c = country_with(CertShape::master_list_signer(), ID_LDS_SECURITY_OBJECT);
    let mut store = TrustStore::new();
    store.add_csca(c.csca.certificate.clone());
    assert_eq!(
        refused_by(store.add_master_list(&c.list, SystemTime::now())),
        "ml_content_type"
    );
}

#[test]
fn a_master_list_signer_needs_digital_signature_and_the_master_list_purpose() {
    let now = SystemTime::now();
    // A Document Signer of the same CSCA (no master-list extendedKeyUsage) signs a list.
    let c = country_with(CertShape::document_signer(), ID_CSCA_MASTER_LIST);
    let mut store = TrustStore::new();
    store.add_csca(c.csca.certificate.clone());
    assert_eq!(
        refused_by(store.add_master_list(&c.list, now)),
        "ml_signer_extended_key_usage"
    );
    // A signer whose keyUsage does not allow signatures.
    let c = country_with(
        CertShape {
            key_usage: Some(KeyUsage(KeyUsages::KeyEncipherment.into())),
            ..CertShape::master_list_signer()
        },
        ID_CSCA_MASTER_LIST,
    );
    let mut store = TrustStore::new();
    store.add_csca(c.csca.certificate.clone());
    assert_eq!(
        refused_by(store.add_master_list(&c.list, now)),
        "ml_signer_key_usage"
    );
}

#[test]
fn a_master_list_under_a_csca_that_may_not_sign_certificates_is_refused() {
    let now = SystemTime::now();
    let mut csca = Csca::generate_with(
        "UT",
        "CSCA Utopia",
        KeyKind::EcdsaP256,
        valid_around(now),
        CertShape {
            key_usage: Some(KeyUsage(KeyUsages::CRLSign.into())),
            ..CertShape::csca()
        },
    )
    .expect("csca");
    let signer = csca
        .issue_master_list_signer("ML Signer Utopia", KeyKind::EcdsaP256, valid_around(now))
        .expect("signer");
    let other =
        Csca::generate("AA", "CSCA AA", KeyKind::EcdsaP256, valid_around(now)).expect("csca");
    let list = sign_master_list(
        &signer,
        &[&other.certificate],
        &[&signer.certificate],
        ID_CSCA_MASTER_LIST,
    )
    .expect("list");
    let mut store = TrustStore::new();
    store.add_csca(csca.certificate.clone());
    let err = store.add_master_list(&list, now).expect_err("refused");
    assert!(
        matches!(&err, TrustError::MasterListRefused { check: "ml_signer_anchor", reason } if reason.contains("csca_key_usage")),
        "{err}"
    );
}
