//! The CSCA certificates (and CRLs) Passive Authentication trusts: loaded from a directory of PEM/DER
//! files and/or from ICAO CSCA master lists, whose own signature is verified before use.

use std::path::{Path, PathBuf};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::chain;
use super::sod::{ID_MESSAGE_DIGEST, identifies};
use crate::crypto::signature::{self, HashAlgorithm};

/// id-icao-cscaMasterList
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");

/// Why trust material was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The named input is neither a certificate, a CRL nor a master list.
    #[error("{0}: not a certificate, CRL or master list")]
    Unrecognised(String),
    /// A master list whose structure is broken, or that lacks its one signer, the signer's
    /// certificate or the signed attributes; the text says which.
    #[error("malformed master list: {0}")]
    MasterList(String),
    /// A master list whose messageDigest or signature does not verify, or whose signer no CSCA in
    /// the list or the store issued.
    #[error("the master list's signature does not verify: {0}")]
    MasterListSignature(String),
    /// A file or directory could not be read: its path and the I/O error.
    #[error("cannot read {0}: {1}")]
    Io(PathBuf, String),
}

/// CSCA certificates and CRLs.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    cscas: Vec<Certificate>,
    crls: Vec<CertificateList>,
}

impl TrustStore {
    /// An empty store: Passive Authentication then reports the chain as not checked.
    pub fn new() -> Self {
        Self::default()
    }

    /// The trusted CSCA certificates, each once, in the order they were added.
    pub fn cscas(&self) -> &[Certificate] {
        &self.cscas
    }

    /// The CRLs, not yet checked: a CRL's signature is verified when it is used.
    pub fn crls(&self) -> &[CertificateList] {
        &self.crls
    }

    /// Whether no CSCA is trusted (CRLs alone do not count).
    pub fn is_empty(&self) -> bool {
        self.cscas.is_empty()
    }

    /// Adds a CSCA certificate.
    pub fn add_csca(&mut self, cert: Certificate) {
        if !self.cscas.contains(&cert) {
            self.cscas.push(cert);
        }
    }

    /// Adds a CRL (its signature is checked when it is used).
    pub fn add_crl(&mut self, crl: CertificateList) {
        self.crls.push(crl);
    }

    /// Adds whatever `bytes` hold: a DER or PEM certificate (or several PEM ones), a DER or PEM CRL,
    /// or a master list. Returns how many items were added.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<usize, TrustError> {
        if bytes.starts_with(b"-----BEGIN") {
            if let Ok(certs) = Certificate::load_pem_chain(bytes) {
                let n = certs.len();
                certs.into_iter().for_each(|c| self.add_csca(c));
                return Ok(n);
            }
            let (label, der) =
                der::pem::decode_vec(bytes).map_err(|_| TrustError::Unrecognised(name.into()))?;
            if label == "X509 CRL" {
                let crl = CertificateList::from_der(&der)
                    .map_err(|_| TrustError::Unrecognised(name.into()))?;
                self.add_crl(crl);
                return Ok(1);
            }
            return Err(TrustError::Unrecognised(name.into()));
        }
        if let Ok(cert) = Certificate::from_der(bytes) {
            self.add_csca(cert);
            return Ok(1);
        }
        if let Ok(crl) = CertificateList::from_der(bytes) {
            self.add_crl(crl);
            return Ok(1);
        }
        if ContentInfo::from_der(bytes).is_ok() {
            return self.add_master_list(bytes);
        }
        Err(TrustError::Unrecognised(name.into()))
    }

    /// Loads every regular file of `dir` (not recursive). Files that are not trust material are
    /// reported, not fatal: one broken file must not empty the store.
    pub fn load_dir(dir: &Path) -> Result<(Self, Vec<TrustError>), TrustError> {
        let mut store = Self::new();
        let mut problems = Vec::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| TrustError::Io(dir.into(), e.to_string()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    if let Err(e) = store.add_bytes(&path.display().to_string(), &bytes) {
                        problems.push(e);
                    }
                }
                Err(e) => problems.push(TrustError::Io(path, e.to_string())),
            }
        }
        Ok((store, problems))
    }

    /// Adds the CSCAs of an ICAO master list (ICAO 9303 Part 12 §9) after checking its signature:
    /// messageDigest over the content, the signer's signature over the signed attributes, and the
    /// Master List Signer certificate issued by a CSCA in the list itself or already in the store.
    pub fn add_master_list(&mut self, bytes: &[u8]) -> Result<usize, TrustError> {
        let ml = |e: &dyn std::fmt::Display| TrustError::MasterList(e.to_string());
        let ci = ContentInfo::from_der(bytes).map_err(|e| ml(&e))?;
        let sd: SignedData = ci.content.decode_as().map_err(|e| ml(&e))?;
        if sd.encap_content_info.econtent_type != ID_CSCA_MASTER_LIST {
            return Err(TrustError::MasterList(format!(
                "content type {}",
                sd.encap_content_info.econtent_type
            )));
        }
        let content = sd
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| TrustError::MasterList("no content".into()))?
            .decode_as::<OctetString>()
            .map_err(|e| ml(&e))?
            .as_bytes()
            .to_vec();
        let certs = parse_csca_master_list(&content)?;

        let [signer] = sd.signer_infos.0.as_slice() else {
            return Err(TrustError::MasterList("not exactly one signer".into()));
        };
        let signer_cert = sd
            .certificates
            .as_ref()
            .map(|c| c.0.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| match c {
                CertificateChoices::Certificate(c) => Some(c),
                _ => None,
            })
            .find(|c| identifies(&signer.sid, c))
            .ok_or_else(|| TrustError::MasterList("the signer certificate is missing".into()))?;
        let digest_alg = HashAlgorithm::from_oid(&signer.digest_alg.oid)
            .ok_or_else(|| TrustError::MasterList(format!("digest {}", signer.digest_alg.oid)))?;
        let attrs = signer
            .signed_attrs
            .as_ref()
            .ok_or_else(|| TrustError::MasterList("no signed attributes".into()))?;
        let digest = attrs
            .iter()
            .find(|a| a.oid == ID_MESSAGE_DIGEST)
            .and_then(|a| a.values.iter().next())
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .ok_or_else(|| TrustError::MasterList("no messageDigest".into()))?;
        if digest.as_bytes() != digest_alg.digest(&content).as_slice() {
            return Err(TrustError::MasterListSignature(
                "messageDigest differs from the content".into(),
            ));
        }
        let signed = attrs.to_der().map_err(|e| ml(&e))?;
        signature::verify(
            signer_cert.tbs_certificate().subject_public_key_info(),
            &signer.signature_algorithm,
            Some(digest_alg),
            &signed,
            signer.signature.as_bytes(),
        )
        .map_err(|e| TrustError::MasterListSignature(e.to_string()))?;
        let issued = certs.iter().chain(self.cscas.iter()).any(|csca| {
            chain::could_have_issued(csca, signer_cert)
                && chain::verify_issued_by(signer_cert, csca).is_ok()
        });
        if !issued {
            return Err(TrustError::MasterListSignature(
                "the Master List Signer was not issued by a CSCA in the list or the store".into(),
            ));
        }
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add_csca(c));
        Ok(n)
    }
}

/// `CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }`, read element by
/// element: real lists are not always in DER SET order, and a certificate our X.509 parser rejects
/// is skipped rather than rejecting the list.
fn parse_csca_master_list(content: &[u8]) -> Result<Vec<Certificate>, TrustError> {
    let ml = |e: der::Error| TrustError::MasterList(e.to_string());
    let outer = AnyRef::from_der(content).map_err(ml)?;
    let mut reader = SliceReader::new(outer.value()).map_err(ml)?;
    let _version: u8 = reader.decode().map_err(ml)?;
    let set: AnyRef<'_> = reader.decode().map_err(ml)?;
    let mut certs_reader = SliceReader::new(set.value()).map_err(ml)?;
    let mut certs = Vec::new();
    while !certs_reader.is_finished() {
        let any: AnyRef<'_> = certs_reader.decode().map_err(ml)?;
        let Ok(der) = any.to_der() else { continue };
        if let Ok(cert) = Certificate::from_der(&der) {
            certs.push(cert);
        }
    }
    Ok(certs)
}
