//! A test PKI made in Rust (no openssl CLI): CSCA certificates, Document Signer certificates issued
//! by them, CRLs, EF.SOD signing, and the chip's DG14 (Chip Authentication key) and DG15 (Active
//! Authentication key), master-list signers and CSCA master lists. Tampered variants are made by
//! the profile knobs in [`crate::security`] and by [`CertShape`] (a certificate's extensions).

pub mod master_list;
pub mod security_files;
pub mod sod;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use der::Encode;

use sha2::Sha256;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

/// Why the PKI could not make something.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate: {0}")]
    Builder(String),
    #[error("encoding: {0}")]
    Der(#[from] der::Error),
    #[error("key: {0}")]
    Key(String),
}

/// The signature algorithms the test PKI issues with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on NIST P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on brainpoolP256r1 with SHA-256 (as many European DS certificates).
    EcdsaBrainpoolP256r1,
    /// RSA 2048, PKCS#1 v1.5 with SHA-256.
    Rsa2048,
}

/// A signing key of the test PKI.
#[derive(Clone)]
pub enum SignerKey {
    P256(p256::ecdsa::SigningKey),
    Bp256(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    Rsa(rsa::pkcs1v15::SigningKey<Sha256>),
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerKey::P256(_) => f.write_str("SignerKey::P256(<secret>)"),
            SignerKey::Bp256(_) => f.write_str("SignerKey::Bp256(<secret>)"),
            SignerKey::Rsa(_) => f.write_str("SignerKey::Rsa(<secret>)"),
        }
    }
}

/// 32 random bytes that form a valid scalar.
fn ec_scalar_bytes() -> Zeroizing<[u8; 32]> {
    let mut b = Zeroizing::new([0u8; 32]);
    // getrandom failing means no OS randomness at all; the test PKI cannot work without it.
    let _ = getrandom::fill(&mut *b);
    // Clear the top bit so the value is below both P-256's and brainpoolP256r1's order.
    b[0] &= 0x7F;
    b[31] |= 1;
    b
}

/// RSA-2048 generation takes a while in debug builds: one key per process, shared.
fn shared_rsa_key(slot: usize) -> Result<rsa::PrivateKey, PkiError> {
    static KEYS: [OnceLock<Option<rsa::PrivateKey>>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    KEYS.get(slot)
        .ok_or_else(|| PkiError::Key("RSA key slot".into()))?
        .get_or_init(|| rsa::PrivateKey::new(&mut rand::rng(), 2048).ok())
        .clone()
        .ok_or_else(|| PkiError::Key("RSA key generation failed".into()))
}

impl SignerKey {
    /// A fresh key (RSA keys come from a small per-process pool: `rsa_slot` picks one).
    pub fn generate(kind: KeyKind, rsa_slot: usize) -> Result<Self, PkiError> {
        Ok(match kind {
            KeyKind::EcdsaP256 => SignerKey::P256(
                p256::ecdsa::SigningKey::from_slice(&*ec_scalar_bytes())
                    .map_err(|e| PkiError::Key(e.to_string()))?,
            ),
            KeyKind::EcdsaBrainpoolP256r1 => SignerKey::Bp256(
                ecdsa::SigningKey::from_slice(&*ec_scalar_bytes())
                    .map_err(|e| PkiError::Key(e.to_string()))?,
            ),
            KeyKind::Rsa2048 => {
                SignerKey::Rsa(rsa::pkcs1v15::SigningKey::new(shared_rsa_key(rsa_slot)?))
            }
        })
    }

    /// The public key as SubjectPublicKeyInfo.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
        let der = match self {
            SignerKey::P256(k) => k.verifying_key().to_public_key_der(),
            SignerKey::Bp256(k) => k.verifying_key().to_public_key_der(),
            SignerKey::Rsa(k) => ecdsa::signature::Keypair::verifying_key(k).to_public_key_der(),
        }
        .map_err(|e| PkiError::Key(e.to_string()))?;
        Ok(der::Decode::from_der(der.as_bytes())?)
    }

    /// The signature algorithm identifier this key signs with.
    pub fn signature_algorithm(&self) -> Result<spki::AlgorithmIdentifierOwned, PkiError> {
        use spki::DynSignatureAlgorithmIdentifier;
        match self {
            SignerKey::P256(k) => k.signature_algorithm_identifier(),
            SignerKey::Bp256(k) => k.signature_algorithm_identifier(),
            SignerKey::Rsa(k) => k.signature_algorithm_identifier(),
        }
        .map_err(|e| PkiError::Key(e.to_string()))
    }

    /// Signs `message` (hashing it with SHA-256); DER for ECDSA.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        use ecdsa::signature::{SignatureEncoding, Signer};
        let err = |e: ecdsa::signature::Error| PkiError::Key(e.to_string());
        Ok(match self {
            SignerKey::P256(k) => {
                let s: p256::ecdsa::DerSignature = k.try_sign(message).map_err(err)?;
                s.to_vec()
            }
            SignerKey::Bp256(k) => {
                let s: ecdsa::der::Signature<bp256::BrainpoolP256r1> =
                    k.try_sign(message).map_err(err)?;
                s.to_vec()
            }
            SignerKey::Rsa(k) => {
                let s: rsa::pkcs1v15::Signature = k.try_sign(message).map_err(err)?;
                s.to_vec()
            }
        })
    }
}

/// id-icao-cscaMasterListSigningKey (ICAO 9303-12 §7.1.1), the master-list signer's
/// extendedKeyUsage.
pub const ID_CSCA_MASTER_LIST_SIGNING_KEY: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.23.136.1.1.3");

/// The extensions that say what a certificate may do (beyond the key identifiers every
/// certificate of this PKI carries). The constructors give ICAO 9303-12's profiles; tests change
/// a field to make a certificate the checks must refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertShape {
    /// basicConstraints cA (`None`: no basicConstraints extension).
    pub ca: Option<bool>,
    /// keyUsage (`None`: no keyUsage extension).
    pub key_usage: Option<KeyUsage>,
    /// extendedKeyUsage purposes (empty: no extension).
    pub extended_key_usage: Vec<const_oid::ObjectIdentifier>,
}

impl CertShape {
    /// A CSCA: a CA allowed keyCertSign and cRLSign.
    pub fn csca() -> Self {
        Self {
            ca: Some(true),
            key_usage: Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
            extended_key_usage: Vec::new(),
        }
    }

    /// A Document Signer: digitalSignature, no basicConstraints.
    pub fn document_signer() -> Self {
        Self {
            ca: None,
            key_usage: Some(KeyUsage(KeyUsages::DigitalSignature.into())),
            extended_key_usage: Vec::new(),
        }
    }

    /// A master-list signer: digitalSignature and the master-list signing purpose.
    pub fn master_list_signer() -> Self {
        Self {
            extended_key_usage: vec![ID_CSCA_MASTER_LIST_SIGNING_KEY],
            ..Self::document_signer()
        }
    }
}

/// What a certificate is for.
#[derive(Debug, Clone)]
struct Profile {
    subject: Name,
    issuer: Option<Name>,
    shape: CertShape,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: spki::SubjectPublicKeyInfoRef<'_>,
        issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut out = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki_id = SubjectKeyIdentifier::try_from(issuer_spk)?;
        out.push(ski.to_extension(tbs.subject(), &out)?);
        out.push(
            AuthorityKeyIdentifier {
                key_identifier: Some(aki_id.0),
                ..Default::default()
            }
            .to_extension(tbs.subject(), &out)?,
        );
        if let Some(ca) = self.shape.ca {
            out.push(
                BasicConstraints {
                    ca,
                    path_len_constraint: ca.then_some(0),
                }
                .to_extension(tbs.subject(), &out)?,
            );
        }
        if let Some(ku) = self.shape.key_usage {
            out.push(ku.to_extension(tbs.subject(), &out)?);
        }
        if !self.shape.extended_key_usage.is_empty() {
            out.push(
                ExtendedKeyUsage(self.shape.extended_key_usage.clone())
                    .to_extension(tbs.subject(), &out)?,
            );
        }
        Ok(out)
    }
}

fn build_cert(
    profile: Profile,
    serial: u32,
    validity: (SystemTime, SystemTime),
    public: SubjectPublicKeyInfoOwned,
    signer: &SignerKey,
) -> Result<Certificate, PkiError> {
    let err = |e: x509_cert::builder::Error| PkiError::Builder(e.to_string());
    let validity = Validity::new(Time::try_from(validity.0)?, Time::try_from(validity.1)?);
    let serial = SerialNumber::new(&serial.to_be_bytes())?;
    let builder = CertificateBuilder::new(profile, serial, validity, public).map_err(err)?;
    match signer {
        SignerKey::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(k),
        SignerKey::Bp256(k) => builder.build::<_, ecdsa::der::Signature<bp256::BrainpoolP256r1>>(k),
        SignerKey::Rsa(k) => builder.build::<_, rsa::pkcs1v15::Signature>(k),
    }
    .map_err(err)
}

/// A Country Signing CA: a self-signed certificate and its key.
#[derive(Debug, Clone)]
pub struct Csca {
    pub certificate: Certificate,
    key: SignerKey,
    next_serial: u32,
}

/// A Document Signer: a certificate issued by a CSCA and its key.
#[derive(Debug, Clone)]
pub struct DocumentSigner {
    pub certificate: Certificate,
    pub key: SignerKey,
}

/// Ten years around `now`, for certificates that should be valid in tests.
pub fn valid_around(now: SystemTime) -> (SystemTime, SystemTime) {
    let year = Duration::from_secs(365 * 24 * 3600);
    (now - year, now + 9 * year)
}

impl Csca {
    /// A CSCA for `country` (e.g. "UT") named `name`.
    pub fn generate(
        country: &str,
        name: &str,
        kind: KeyKind,
        validity: (SystemTime, SystemTime),
    ) -> Result<Self, PkiError> {
        Self::generate_with(country, name, kind, validity, CertShape::csca())
    }

    /// A self-signed CSCA whose extensions are `shape` (e.g. one without keyCertSign).
    pub fn generate_with(
        country: &str,
        name: &str,
        kind: KeyKind,
        validity: (SystemTime, SystemTime),
        shape: CertShape,
    ) -> Result<Self, PkiError> {
        let key = SignerKey::generate(kind, 0)?;
        let subject = Name::from_str(&format!("CN={name},O=Test PKI,C={country}"))
            .map_err(|e| PkiError::Builder(e.to_string()))?;
        let profile = Profile {
            subject,
            issuer: None,
            shape,
        };
        let certificate = build_cert(profile, 1, validity, key.public_key_info()?, &key)?;
        Ok(Self {
            certificate,
            key,
            next_serial: 0x100,
        })
    }

    /// Issues a Document Signer certificate.
    pub fn issue_document_signer(
        &mut self,
        name: &str,
        kind: KeyKind,
        validity: (SystemTime, SystemTime),
    ) -> Result<DocumentSigner, PkiError> {
        self.issue(name, kind, validity, CertShape::document_signer())
    }

    /// Issues a master-list signer certificate (ICAO 9303-12: digitalSignature and
    /// id-icao-cscaMasterListSigningKey); sign lists with [`master_list::sign_master_list`].
    pub fn issue_master_list_signer(
        &mut self,
        name: &str,
        kind: KeyKind,
        validity: (SystemTime, SystemTime),
    ) -> Result<DocumentSigner, PkiError> {
        self.issue(name, kind, validity, CertShape::master_list_signer())
    }

    /// Issues an end-entity certificate whose extensions are `shape`.
    pub fn issue(
        &mut self,
        name: &str,
        kind: KeyKind,
        validity: (SystemTime, SystemTime),
        shape: CertShape,
    ) -> Result<DocumentSigner, PkiError> {
        let key = SignerKey::generate(kind, 1)?;
        let subject = Name::from_str(&format!("CN={name},O=Test PKI,C=UT"))
            .map_err(|e| PkiError::Builder(e.to_string()))?;
        let profile = Profile {
            subject,
            issuer: Some(self.certificate.tbs_certificate().subject().clone()),
            shape,
        };
        self.next_serial += 1;
        let certificate = build_cert(
            profile,
            self.next_serial,
            validity,
            key.public_key_info()?,
            &self.key,
        )?;
        Ok(DocumentSigner { certificate, key })
    }

    /// A CRL listing `revoked`, issued at `this_update`, next due 90 days later.
    pub fn crl(
        &self,
        revoked: &[&Certificate],
        this_update: SystemTime,
    ) -> Result<CertificateList, PkiError> {
        let next = this_update + Duration::from_secs(90 * 24 * 3600);
        self.crl_with_window(revoked, this_update, Some(next))
    }

    /// A CRL listing `revoked`, valid from `this_update` until `next_update` (`None`: no
    /// nextUpdate field, which RFC 5280 does not allow).
    pub fn crl_with_window(
        &self,
        revoked: &[&Certificate],
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    ) -> Result<CertificateList, PkiError> {
        let err = |e: x509_cert::builder::Error| PkiError::Builder(e.to_string());
        let number = CrlNumber(der::asn1::Uint::new(&[1])?);
        let when = Time::try_from(this_update)?;
        let next = next_update.map(Time::try_from).transpose()?;
        let entries: Vec<RevokedCert> = revoked
            .iter()
            .map(|c| RevokedCert {
                serial_number: c.tbs_certificate().serial_number().clone(),
                revocation_date: when,
                crl_entry_extensions: None,
            })
            .collect();
        let builder = CrlBuilder::new_with_this_update(&self.certificate, number, when)?
            .with_next_update(next)
            .with_certificates(entries.into_iter());
        match &self.key {
            SignerKey::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(k),
            SignerKey::Bp256(k) => {
                builder.build::<_, ecdsa::der::Signature<bp256::BrainpoolP256r1>>(k)
            }
            SignerKey::Rsa(k) => builder.build::<_, rsa::pkcs1v15::Signature>(k),
        }
        .map_err(err)
    }

    /// The certificate as DER (for a trust store directory).
    pub fn certificate_der(&self) -> Result<Vec<u8>, PkiError> {
        Ok(self.certificate.to_der()?)
    }
}
