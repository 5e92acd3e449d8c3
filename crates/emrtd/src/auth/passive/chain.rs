//! Document Signer → CSCA: issuer lookup, certificate signature, validity at a given time, CRLs.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};

use crate::crypto::signature::{self, SignatureError};

const ID_CE_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_CE_AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// The subject key identifier extension's value.
pub fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    let v = extension(cert, ID_CE_SUBJECT_KEY_ID)?;
    SubjectKeyIdentifier::from_der(v)
        .ok()
        .map(|s| s.0.as_bytes().to_vec())
}

/// The authority key identifier extension's keyIdentifier.
pub fn authority_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    let v = extension(cert, ID_CE_AUTHORITY_KEY_ID)?;
    AuthorityKeyIdentifier::from_der(v)
        .ok()?
        .key_identifier
        .map(|k| k.as_bytes().to_vec())
}

/// Whether `issuer` may have issued `cert`: same name, and the key identifiers agree when both exist.
pub fn could_have_issued(issuer: &Certificate, cert: &Certificate) -> bool {
    if issuer.tbs_certificate().subject() != cert.tbs_certificate().issuer() {
        return false;
    }
    match (authority_key_id(cert), subject_key_id(issuer)) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// Verifies `cert`'s signature with `issuer`'s key.
pub fn verify_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), SignatureError> {
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let sig = cert
        .signature()
        .as_bytes()
        .ok_or_else(|| SignatureError::Malformed("signature bit string".into()))?;
    signature::verify(
        issuer.tbs_certificate().subject_public_key_info(),
        cert.signature_algorithm(),
        None,
        &tbs,
        sig,
    )
}

/// Whether `now` lies in the certificate's validity period; `Err` says how it does not.
pub fn valid_at(cert: &Certificate, now: SystemTime) -> Result<(), String> {
    let v = cert.tbs_certificate().validity();
    if now < v.not_before.to_system_time() {
        return Err(format!("not valid before {}", v.not_before));
    }
    if now > v.not_after.to_system_time() {
        return Err(format!("expired {}", v.not_after));
    }
    Ok(())
}

/// What the CRLs say about `cert` (issued by `issuer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// A CRL signed by the issuer lists the certificate's serial number.
    Revoked,
    /// At least one CRL signed by the issuer is available and none lists the certificate.
    NotRevoked,
    /// No CRL signed by the issuer is available.
    NoCrl,
}

/// Looks `cert` up in every CRL that `issuer` signed (CRLs with a bad signature are ignored).
pub fn revocation(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[CertificateList],
) -> Revocation {
    let mut seen = false;
    for crl in crls {
        if &crl.tbs_cert_list.issuer != issuer.tbs_certificate().subject() {
            continue;
        }
        let Ok(tbs) = crl.tbs_cert_list.to_der() else {
            continue;
        };
        let Some(sig) = crl.signature.as_bytes() else {
            continue;
        };
        if signature::verify(
            issuer.tbs_certificate().subject_public_key_info(),
            &crl.signature_algorithm,
            None,
            &tbs,
            sig,
        )
        .is_err()
        {
            continue;
        }
        seen = true;
        let serial = cert.tbs_certificate().serial_number().as_bytes();
        if crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| r.serial_number.as_bytes() == serial)
        {
            return Revocation::Revoked;
        }
    }
    if seen {
        Revocation::NotRevoked
    } else {
        Revocation::NoCrl
    }
}
