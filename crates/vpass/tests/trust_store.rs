//! Loading trust anchors from a directory, as the station does at start: DER and PEM CSCA
//! certificates, CRLs, and files that are none of these (reported, not fatal).

use std::time::SystemTime;

use der::{Encode, EncodePem};
use idgate_emrtd::emulator::passive::{self, CheckResult, TrustStore};
use idgate_vpass::pki::{Csca, KeyKind, sod, valid_around};

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

    let (store, problems) = TrustStore::load_dir(dir.path()).expect("load");
    assert_eq!(store.cscas().len(), 2);
    assert_eq!(store.crls().len(), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");

    // The DS is on the CRL loaded from the directory.
    let dg1 = b"\x61\x03\x5F\x1F\x00".to_vec();
    let ef_sod = sod::sign_sod(&ds, passive::HashAlgorithm::Sha256, &[(1, &dg1)]).expect("sod");
    let report = passive::verify(&ef_sod, &[(1, &dg1)], &store, now);
    assert_eq!(report.dg_hashes, CheckResult::Pass);
    assert_eq!(report.sod_signature, CheckResult::Pass);
    assert_eq!(report.ds_chain, CheckResult::Pass);
    assert!(report.ds_revocation.is_fail(), "{report}");
}

#[test]
fn a_missing_directory_is_an_error() {
    assert!(TrustStore::load_dir(std::path::Path::new("/nonexistent/idgate-trust")).is_err());
}
