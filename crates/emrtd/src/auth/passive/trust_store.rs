//! The trust anchors Passive Authentication uses: CSCA certificates, master-list signers the admin
//! pinned, and CRLs, loaded from a directory of PEM/DER files and ICAO CSCA master lists.
//!
//! A master list adds CSCAs only when its signer chains to an anchor configured *before* it: a
//! CSCA already in the store, or a pinned master-list signer (a certificate whose
//! extendedKeyUsage is id-icao-cscaMasterListSigningKey, put into the directory by the admin).
//! The certificates a list carries never vouch for the list itself.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetString};
use der::{Decode, Encode, Reader, SliceReader};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::chain;
use super::sod::{SignerError, identifies, verify_signer};
use crate::checks::{CheckResult, NamedCheck, first_failed_step};

/// id-icao-cscaMasterList (ICAO 9303-12 §9): the eContentType of a CSCA master list.
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");
/// id-icao-cscaMasterListSigningKey (ICAO 9303-12 §7.1.1): the extendedKeyUsage of a master-list
/// signer certificate.
pub const ID_CSCA_MASTER_LIST_SIGNING_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.136.1.1.3");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

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
    /// A named master-list check failed (`ml_content_type`, `ml_signer_anchor`, `ml_signature`, …).
    #[error("master list refused by {check}: {reason}")]
    MasterListRefused {
        /// The check that failed.
        check: &'static str,
        /// Why.
        reason: String,
    },
    /// A file or directory could not be read: its path and the I/O error.
    #[error("cannot read {0}: {1}")]
    Io(PathBuf, String),
}

/// A master list whose checks all passed: its CSCAs and the checks, by name.
#[derive(Debug, Clone)]
pub struct VerifiedMasterList {
    /// The CSCA certificates the list carries.
    pub cscas: Vec<Certificate>,
    /// The signer certificate.
    pub signer: Certificate,
    /// Every check, in the order it ran.
    pub checks: Vec<NamedCheck>,
}

/// CSCA certificates, pinned master-list signers and CRLs.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    cscas: Vec<Certificate>,
    ml_signers: Vec<Certificate>,
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

    /// The master-list signer certificates the admin pinned.
    pub fn master_list_signers(&self) -> &[Certificate] {
        &self.ml_signers
    }

    /// The CRLs, not yet checked: a CRL's signature is verified when it is used.
    pub fn crls(&self) -> &[CertificateList] {
        &self.crls
    }

    /// No CSCA: nothing can anchor a Document Signer.
    pub fn is_empty(&self) -> bool {
        self.cscas.is_empty()
    }

    /// Adds a CSCA certificate.
    pub fn add_csca(&mut self, cert: Certificate) {
        if !self.cscas.contains(&cert) {
            self.cscas.push(cert);
        }
    }

    /// Pins a master-list signer certificate: master lists it signed are trusted (after their
    /// other checks) without a CSCA in the store.
    pub fn pin_master_list_signer(&mut self, cert: Certificate) {
        if !self.ml_signers.contains(&cert) {
            self.ml_signers.push(cert);
        }
    }

    /// Adds a certificate by its role: one whose extendedKeyUsage names the master-list signing
    /// key is a pinned master-list signer, any other a CSCA (its profile is checked when used).
    pub fn add_certificate(&mut self, cert: Certificate) {
        if chain::has_extended_key_usage(&cert, &ID_CSCA_MASTER_LIST_SIGNING_KEY) {
            self.pin_master_list_signer(cert);
        } else {
            self.add_csca(cert);
        }
    }

    /// Adds a CRL (its signature and window are checked when it is used).
    pub fn add_crl(&mut self, crl: CertificateList) {
        self.crls.push(crl);
    }

    /// Adds whatever `bytes` hold: a DER or PEM certificate (or several PEM ones), a DER or PEM CRL,
    /// or a master list (verified at `now` against what the store holds already). Returns how
    /// many items were added.
    pub fn add_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        now: SystemTime,
    ) -> Result<usize, TrustError> {
        if bytes.starts_with(b"-----BEGIN") {
            if let Ok(certs) = Certificate::load_pem_chain(bytes) {
                let n = certs.len();
                certs.into_iter().for_each(|c| self.add_certificate(c));
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
            self.add_certificate(cert);
            return Ok(1);
        }
        if let Ok(crl) = CertificateList::from_der(bytes) {
            self.add_crl(crl);
            return Ok(1);
        }
        if ContentInfo::from_der(bytes).is_ok() {
            return self.add_master_list(bytes, now);
        }
        Err(TrustError::Unrecognised(name.into()))
    }

    /// Loads every regular file of `dir` (not recursive): certificates and CRLs first, then the
    /// master lists, each verified at `now` against the anchors found (so the order of names does
    /// not matter). Files that are not trust material, or lists that do not verify, are reported,
    /// not fatal: one broken file must not empty the store.
    pub fn load_dir(dir: &Path, now: SystemTime) -> Result<(Self, Vec<TrustError>), TrustError> {
        let mut store = Self::new();
        let mut problems = Vec::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| TrustError::Io(dir.into(), e.to_string()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let mut lists = Vec::new();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(TrustError::Io(path, e.to_string()));
                    continue;
                }
            };
            let name = path.display().to_string();
            if is_cms(&bytes) {
                lists.push((name, bytes));
            } else if let Err(e) = store.add_bytes(&name, &bytes, now) {
                problems.push(e);
            }
        }
        for (name, bytes) in lists {
            if let Err(e) = store.add_master_list(&bytes, now) {
                problems.push(match e {
                    TrustError::MasterListRefused { check, reason } => {
                        TrustError::MasterListRefused {
                            check,
                            reason: format!("{name}: {reason}"),
                        }
                    }
                    TrustError::MasterList(r) => TrustError::MasterList(format!("{name}: {r}")),
                    other => other,
                });
            }
        }
        Ok((store, problems))
    }

    /// Verifies a master list and adds its CSCAs; returns how many it carried.
    pub fn add_master_list(&mut self, bytes: &[u8], now: SystemTime) -> Result<usize, TrustError> {
        let list = self.verify_master_list(bytes, now)?;
        let n = list.cscas.len();
        list.cscas.into_iter().for_each(|c| self.add_csca(c));
        Ok(n)
    }

    /// Checks a CSCA master list (ICAO 9303-12 §9) at `now`, each check by name, in this order:
    /// `ml_content_type` (CMS SignedData around id-icao-cscaMasterList), `ml_signer_key_usage`
    /// (digitalSignature), `ml_signer_extended_key_usage` (the master-list signing key),
    /// `ml_signer_validity`, `ml_signer_anchor` (pinned, or issued by a CSCA of this store that
    /// is valid, a CA and allowed keyCertSign; never by a certificate of the list), then
    /// `ml_message_digest` and `ml_signature` — the signer's key is used only once it is
    /// anchored. The first failure refuses the list.
    pub fn verify_master_list(
        &self,
        bytes: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedMasterList, TrustError> {
        let ml = |e: &dyn std::fmt::Display| TrustError::MasterList(e.to_string());
        let refused = |check: &'static str, reason: String| {
            Err(TrustError::MasterListRefused { check, reason })
        };
        let mut checks = Vec::new();
        let ci = ContentInfo::from_der(bytes).map_err(|e| ml(&e))?;
        if ci.content_type != ID_SIGNED_DATA {
            return refused(
                "ml_content_type",
                format!("CMS content type {}, not SignedData", ci.content_type),
            );
        }
        let sd: SignedData = ci.content.decode_as().map_err(|e| ml(&e))?;
        let econtent_type = sd.encap_content_info.econtent_type;
        if econtent_type != ID_CSCA_MASTER_LIST {
            return refused(
                "ml_content_type",
                format!(
                    "eContentType {econtent_type}, not id-icao-cscaMasterList ({ID_CSCA_MASTER_LIST})"
                ),
            );
        }
        checks.push(NamedCheck::new("ml_content_type", CheckResult::Pass));
        let content = sd
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| TrustError::MasterList("no content".into()))?
            .decode_as::<OctetString>()
            .map_err(|e| ml(&e))?
            .as_bytes()
            .to_vec();
        let cscas = parse_csca_master_list(&content)?;

        let [signer] = sd.signer_infos.0.as_slice() else {
            return Err(TrustError::MasterList("not exactly one signer".into()));
        };
        // The signer certificate: carried by the list, or a pinned one the SignerInfo names.
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
            .chain(self.ml_signers.iter())
            .find(|c| identifies(&signer.sid, c))
            .ok_or_else(|| TrustError::MasterList("the signer certificate is missing".into()))?
            .clone();

        let what = "master-list signer";
        let profile = [
            NamedCheck::new(
                "ml_signer_key_usage",
                chain::key_usage(&signer_cert, what, "digitalSignature", |k| {
                    k.digital_signature()
                }),
            ),
            NamedCheck::new(
                "ml_signer_extended_key_usage",
                if chain::has_extended_key_usage(&signer_cert, &ID_CSCA_MASTER_LIST_SIGNING_KEY) {
                    CheckResult::Pass
                } else {
                    CheckResult::Fail(format!(
                        "the {what} certificate's extendedKeyUsage lacks id-icao-cscaMasterListSigningKey"
                    ))
                },
            ),
            NamedCheck::new(
                "ml_signer_validity",
                chain::validity(&signer_cert, what, now),
            ),
            NamedCheck::new("ml_signer_anchor", self.anchor(&signer_cert, now)),
        ];
        for step in profile {
            if let CheckResult::Fail(reason) = &step.result {
                return refused(step.name, reason.clone());
            }
            checks.push(step);
        }

        let key = signer_cert.tbs_certificate().subject_public_key_info();
        match verify_signer(signer, &content, key) {
            Ok(()) => checks.push(NamedCheck::new("ml_message_digest", CheckResult::Pass)),
            Err(SignerError::MessageDigest) => {
                return refused(
                    "ml_message_digest",
                    "messageDigest differs from the content".into(),
                );
            }
            Err(SignerError::Signature(e)) => return refused("ml_signature", e.to_string()),
            Err(e) => return Err(TrustError::MasterList(e.to_string())),
        }
        checks.push(NamedCheck::new("ml_signature", CheckResult::Pass));
        Ok(VerifiedMasterList {
            cscas,
            signer: signer_cert,
            checks,
        })
    }

    /// The `ml_signer_anchor` step: the signer is pinned, or a CSCA of this store issued it and
    /// passes its own checks (valid at `now`, a CA, keyCertSign, not revoked).
    fn anchor(&self, signer: &Certificate, now: SystemTime) -> CheckResult {
        if self.ml_signers.contains(signer) {
            return CheckResult::Pass;
        }
        let signers: Vec<&Certificate> = self.cscas.iter().collect();
        let mut problem = None;
        for csca in self
            .cscas
            .iter()
            .filter(|c| chain::could_have_issued(c, signer))
        {
            if chain::verify_issued_by(signer, csca).is_err() {
                continue;
            }
            let crls = chain::verified_crls(csca.tbs_certificate().subject(), &signers, &self.crls);
            let revoked = matches!(
                chain::revocation(signer, &crls, now),
                chain::Revocation::Revoked
            );
            let [validity, basic_constraints, key_usage] = chain::csca_profile(csca, now);
            let steps = [
                validity,
                basic_constraints,
                key_usage,
                NamedCheck::new(
                    "ml_signer_revocation",
                    if revoked {
                        CheckResult::Fail("the master-list signer certificate is revoked".into())
                    } else {
                        CheckResult::Pass
                    },
                ),
            ];
            match first_failed_step(&steps) {
                None => return CheckResult::Pass,
                Some(f) => problem = problem.or(Some(f)),
            }
        }
        CheckResult::Fail(match problem {
            Some(p) => format!(
                "the master-list signer {} chains to a trusted CSCA, but {p}",
                signer.tbs_certificate().subject()
            ),
            None => format!(
                "the master-list signer {} does not chain to a trusted CSCA or a pinned master-list \
                 signer (the list's own certificates do not count)",
                signer.tbs_certificate().subject()
            ),
        })
    }
}

/// Whether `bytes` look like a CMS ContentInfo (and so a master list to verify after the
/// certificates are in).
fn is_cms(bytes: &[u8]) -> bool {
    Certificate::from_der(bytes).is_err()
        && <CertificateList>::from_der(bytes).is_err()
        && ContentInfo::from_der(bytes).is_ok()
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
