//! Document Signer → CSCA: issuer lookup, certificate signature, validity at a given time, the
//! certificate profile (keyUsage, basicConstraints, extendedKeyUsage), CRLs and their windows.

use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::budget::{Budget, Interrupted};
use crate::checks::{CheckResult, NamedCheck};
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

/// [`valid_at`] as a check result (`what` names the certificate in the reason).
pub fn validity(cert: &Certificate, what: &str, now: SystemTime) -> CheckResult {
    match valid_at(cert, now) {
        Ok(()) => CheckResult::Pass,
        Err(e) => CheckResult::Fail(format!("the {what} certificate is {e}")),
    }
}

/// keyUsage allows what `allows` asks for (`usage` names it). ICAO 9303-12 §7.1 makes keyUsage
/// mandatory in CSCA, Document Signer and Master List Signer certificates: absent is a failure.
pub fn key_usage(
    cert: &Certificate,
    what: &str,
    usage: &str,
    allows: fn(&KeyUsage) -> bool,
) -> CheckResult {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) if allows(&ku) => CheckResult::Pass,
        Ok(Some(_)) => {
            CheckResult::Fail(format!("the {what} certificate's keyUsage lacks {usage}"))
        }
        Ok(None) => CheckResult::Fail(format!("the {what} certificate has no keyUsage")),
        Err(e) => CheckResult::Fail(format!("the {what} certificate's keyUsage: {e}")),
    }
}

/// basicConstraints says cA = `ca`. An absent extension means "not a CA" (RFC 5280 §4.2.1.9).
pub fn basic_constraints(cert: &Certificate, what: &str, ca: bool) -> CheckResult {
    let is_ca = match cert.tbs_certificate().get_extension::<BasicConstraints>() {
        Ok(found) => found.is_some_and(|(_, bc)| bc.ca),
        Err(e) => {
            return CheckResult::Fail(format!("the {what} certificate's basicConstraints: {e}"));
        }
    };
    match (ca, is_ca) {
        (true, true) | (false, false) => CheckResult::Pass,
        (true, false) => CheckResult::Fail(format!("the {what} certificate is not a CA")),
        (false, true) => CheckResult::Fail(format!("the {what} certificate is a CA")),
    }
}

/// A CSCA's own steps wherever it anchors something (a Document Signer, a master-list signer):
/// `csca_validity` at `now`, `csca_basic_constraints` (a CA), `csca_key_usage` (keyCertSign).
pub fn csca_profile(csca: &Certificate, now: SystemTime) -> [NamedCheck; 3] {
    [
        NamedCheck::new("csca_validity", validity(csca, "CSCA", now)),
        NamedCheck::new(
            "csca_basic_constraints",
            basic_constraints(csca, "CSCA", true),
        ),
        NamedCheck::new(
            "csca_key_usage",
            key_usage(csca, "CSCA", "keyCertSign", |k| k.key_cert_sign()),
        ),
    ]
}

/// extendedKeyUsage lists `purpose`.
pub fn has_extended_key_usage(cert: &Certificate, purpose: &ObjectIdentifier) -> bool {
    matches!(
        cert.tbs_certificate().get_extension::<ExtendedKeyUsage>(),
        Ok(Some((_, eku))) if eku.0.contains(purpose)
    )
}

/// Whether `now` lies in the CRL's window: thisUpdate ≤ now < nextUpdate. A CRL without
/// nextUpdate has no end (RFC 5280 §5.1.2.5 and ICAO 9303-12 §7.1.4 require one): not current.
pub fn crl_current(crl: &CertificateList, now: SystemTime) -> Result<(), String> {
    let tbs = &crl.tbs_cert_list;
    let issuer = &tbs.issuer;
    if now < tbs.this_update.to_system_time() {
        return Err(format!(
            "the CRL of {issuer} is not valid before {}",
            tbs.this_update
        ));
    }
    match &tbs.next_update {
        Some(next) if now < next.to_system_time() => Ok(()),
        Some(next) => Err(format!("the CRL of {issuer} expired {next}")),
        None => Err(format!("the CRL of {issuer} has no nextUpdate")),
    }
}

/// The CRLs issued under `issuer` (a name) whose signature one of `signers` verifies (CRLs with
/// a bad signature are ignored: anyone can put a file into a directory).
pub fn verified_crls<'a>(
    issuer: &Name,
    signers: &[&Certificate],
    crls: &'a [CertificateList],
) -> Vec<&'a CertificateList> {
    // An unlimited budget never interrupts.
    verified_crls_within(issuer, signers, crls, &Budget::unlimited()).unwrap_or_default()
}

/// [`verified_crls`], checking `budget` before each CRL's signatures.
pub fn verified_crls_within<'a>(
    issuer: &Name,
    signers: &[&Certificate],
    crls: &'a [CertificateList],
    budget: &Budget<'_>,
) -> Result<Vec<&'a CertificateList>, Interrupted> {
    let mut verified = Vec::new();
    for crl in crls
        .iter()
        .filter(|crl| &crl.tbs_cert_list.issuer == issuer)
    {
        budget.check()?;
        let Ok(tbs) = crl.tbs_cert_list.to_der() else {
            continue;
        };
        let Some(sig) = crl.signature.as_bytes() else {
            continue;
        };
        let signed = signers.iter().any(|s| {
            s.tbs_certificate().subject() == issuer
                && signature::verify(
                    s.tbs_certificate().subject_public_key_info(),
                    &crl.signature_algorithm,
                    None,
                    &tbs,
                    sig,
                )
                .is_ok()
        });
        if signed {
            verified.push(crl);
        }
    }
    Ok(verified)
}

/// What the CRLs say about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// A CRL of its issuer lists it (current or not: a revocation does not expire).
    Revoked,
    /// A current CRL of its issuer does not list it.
    NotRevoked,
    /// Its issuer's CRLs do not list it but none is current; says why.
    Stale(String),
    /// No CRL of its issuer is available.
    NoCrl,
}

/// Looks `cert` up in `crls` (its issuer's CRLs, signatures already verified: [`verified_crls`]).
pub fn revocation(cert: &Certificate, crls: &[&CertificateList], now: SystemTime) -> Revocation {
    let serial = cert.tbs_certificate().serial_number().as_bytes();
    let listed = crls.iter().any(|crl| {
        crl.tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| r.serial_number.as_bytes() == serial)
    });
    if listed {
        return Revocation::Revoked;
    }
    let mut stale = None;
    for crl in crls {
        match crl_current(crl, now) {
            Ok(()) => return Revocation::NotRevoked,
            Err(e) => stale = stale.or(Some(e)),
        }
    }
    stale.map_or(Revocation::NoCrl, Revocation::Stale)
}

/// The `crl_validity` step over an issuer's verified CRLs: pass when one is current.
pub fn crl_validity(crls: &[&CertificateList], now: SystemTime) -> CheckResult {
    let mut stale = None;
    for crl in crls {
        match crl_current(crl, now) {
            Ok(()) => return CheckResult::Pass,
            Err(e) => stale = stale.or(Some(e)),
        }
    }
    match stale {
        Some(e) => CheckResult::Fail(e),
        None => CheckResult::NotSupported("no CRL from this CSCA".into()),
    }
}
