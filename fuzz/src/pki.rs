//! The test PKI the signature targets verify against. Its keys are random (vpass makes them from
//! OS randomness), so it is made once by `idgate-fuzz --write-seeds` and committed in
//! `fuzz/fixtures/` together with the corpus it signed: an EF.SOD seed only reaches the signature
//! and chain checks when the fuzzing process trusts the CSCA that signed it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use idgate_emrtd::emulator::passive::HashAlgorithm;
use idgate_vpass::pki::{Csca, KeyKind, master_list, security_files, sod, valid_around};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

/// The data groups the EF.SOD fixture hashes (the targets pass the same ones).
pub const SOD_DGS: [(u8, &[u8]); 3] = [
    (1, b"\x61\x05\x5F\x1F\x02<<"),
    (2, b"\x75\x03\x7F\x61\x00"),
    (14, b"\x6E\x02\x31\x00"),
];

/// The committed material, parsed.
#[derive(Debug)]
pub struct Material {
    pub csca: Certificate,
    pub ds: Certificate,
    pub revoked: Certificate,
    /// The CSCA's CRL with nothing revoked (for the trust store of `pki_sod`).
    pub crl_empty: CertificateList,
    /// The CSCA's CRL revoking `revoked`.
    pub crl_revoked: CertificateList,
    pub crl_revoked_der: Vec<u8>,
    /// A master list of two CSCAs signed by a master-list signer of `csca`.
    pub master_list: Vec<u8>,
    /// EF.SOD over [`SOD_DGS`], signed by `ds`.
    pub sod: Vec<u8>,
    /// The Active Authentication key (RSA-1024).
    pub aa_key: rsa::PrivateKey,
}

pub fn fixtures_dir() -> PathBuf {
    std::env::var_os("IDGATE_FUZZ_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
}

const FILES: [&str; 8] = [
    "csca.der",
    "ds.der",
    "revoked.der",
    "crl_empty.der",
    "crl_revoked.der",
    "master_list.der",
    "sod.der",
    "aa_key.p8",
];

/// The material from `fuzz/fixtures/`, read once per process (before the fork server starts).
pub fn material() -> &'static Material {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let dir = fixtures_dir();
        let read = |name: &str| {
            std::fs::read(dir.join(name)).unwrap_or_else(|e| {
                panic!(
                    "fixture {}: {e} (made by `idgate-fuzz --write-seeds`)",
                    dir.join(name).display()
                )
            })
        };
        let cert = |name: &str| Certificate::from_der(&read(name)).expect("fixture certificate");
        let crl = |name: &str| CertificateList::from_der(&read(name)).expect("fixture CRL");
        Material {
            csca: cert("csca.der"),
            ds: cert("ds.der"),
            revoked: cert("revoked.der"),
            crl_empty: crl("crl_empty.der"),
            crl_revoked: crl("crl_revoked.der"),
            crl_revoked_der: read("crl_revoked.der"),
            master_list: read("master_list.der"),
            sod: read("sod.der"),
            aa_key: rsa::PrivateKey::from_pkcs8_der(&read("aa_key.p8")).expect("fixture AA key"),
        }
    })
}

/// Makes a new PKI and writes it to `dir` (certificates valid for nine years from now, CRLs as
/// long: the committed fixtures must not expire under the corpus).
pub fn write_material(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let now = SystemTime::now();
    let v = valid_around(now);
    let mut csca = Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, v)?;
    let ds = csca.issue_document_signer("DS Utopia", KeyKind::EcdsaP256, v)?;
    let revoked = csca.issue_document_signer("DS Utopia 2", KeyKind::EcdsaP256, v)?;
    let ml_signer = csca.issue_master_list_signer("ML Signer Utopia", KeyKind::EcdsaP256, v)?;
    let other = Csca::generate("XX", "CSCA Elsewhere", KeyKind::EcdsaP256, v)?;
    let from = now - Duration::from_secs(3600);
    let crl_empty = csca.crl_with_window(&[], from, Some(v.1))?;
    let crl_revoked = csca.crl_with_window(&[&revoked.certificate], from, Some(v.1))?;
    let ml = master_list::sign_master_list(
        &ml_signer,
        &[&csca.certificate, &other.certificate],
        &[&ml_signer.certificate],
        master_list::ID_CSCA_MASTER_LIST,
    )?;
    let ef_sod = sod::sign_sod(&ds, HashAlgorithm::Sha256, &SOD_DGS)?;
    let aa_key = rsa::PrivateKey::new(&mut rand::rng(), 1024)?;
    std::fs::create_dir_all(dir)?;
    let files: [(&str, Vec<u8>); 8] = [
        ("csca.der", csca.certificate.to_der()?),
        ("ds.der", ds.certificate.to_der()?),
        ("revoked.der", revoked.certificate.to_der()?),
        ("crl_empty.der", crl_empty.to_der()?),
        ("crl_revoked.der", crl_revoked.to_der()?),
        ("master_list.der", ml),
        ("sod.der", ef_sod),
        ("aa_key.p8", aa_key.to_pkcs8_der()?.as_bytes().to_vec()),
    ];
    debug_assert!(files.iter().map(|f| f.0).eq(FILES));
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

/// DG15 of the AA key.
pub fn aa_dg15(key: &rsa::PrivateKey) -> Vec<u8> {
    let spki = idgate_vpass::security::spki_der(&key.to_public_key()).expect("spki");
    security_files::dg15(&spki).expect("dg15")
}
