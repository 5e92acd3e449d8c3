//! Passive Authentication (ICAO 9303 Part 11 §5, Part 10 §4.6.2): the data groups' hashes against
//! EF.SOD, EF.SOD's signature with the Document Signer certificate, the DS certificate against a
//! trusted CSCA (signature, validity, revocation). Every check reports on its own, so a result says
//! *what* failed; [`PaReport::verdict`] turns any failure into `chip.not_genuine`.
//!
//! No I/O and no clock: the files and the time come in (only [`TrustStore::load_dir`] reads files).

pub mod chain;
pub mod sod;
pub mod trust_store;

use std::time::SystemTime;

use elliptic_curve::subtle::ConstantTimeEq;

pub use crate::checks::{CheckResult, PaReport};
pub use crate::crypto::signature::{HashAlgorithm, SignatureError};
use crate::lds::{LdsFile, RawFiles};
pub use sod::{Sod, SodError};
pub use trust_store::{TrustError, TrustStore};

/// Passive Authentication of `ef_sod` over the data groups `(number, bytes)` at time `now`.
/// `chip_auth` and `active_auth` start as "not run"; the CA/AA steps fill them in.
pub fn verify(
    ef_sod: &[u8],
    data_groups: &[(u8, &[u8])],
    trust: &TrustStore,
    now: SystemTime,
) -> PaReport {
    let mut report = PaReport::not_run();
    let sod = match Sod::parse(ef_sod) {
        Ok(s) => s,
        Err(e) => {
            // An unreadable EF.SOD is the document's failure, not a missing feature.
            let reason = format!("EF.SOD: {e}");
            report.dg_hashes = CheckResult::Fail(reason.clone());
            report.sod_signature = CheckResult::Fail(reason);
            return report;
        }
    };
    report.dg_hashes = check_hashes(&sod, data_groups);
    let ds = match sod.document_signer() {
        Ok(ds) => ds,
        // ICAO 9303 Part 10 lets EF.SOD omit the DS certificate (then it comes from the PKD).
        Err(SodError::Unsupported(reason)) => {
            report.sod_signature = CheckResult::NotSupported(reason.clone());
            report.ds_chain = CheckResult::NotSupported(reason);
            return report;
        }
        Err(e) => {
            report.sod_signature = CheckResult::Fail(e.to_string());
            return report;
        }
    };
    report.sod_signature = check_sod_signature(&sod, &ds);
    let (chain, revocation) = check_chain(&ds, trust, now);
    report.ds_chain = chain;
    report.ds_revocation = revocation;
    report
}

/// [`verify`] over the files a read session collected.
pub fn verify_files(files: &RawFiles, trust: &TrustStore, now: SystemTime) -> PaReport {
    let dgs: Vec<(u8, &[u8])> = files
        .iter()
        .filter_map(|(f, b)| match f {
            LdsFile::Dg(n) => Some((n, b)),
            _ => None,
        })
        .collect();
    match files.get(LdsFile::Sod) {
        Some(sod) => verify(sod, &dgs, trust, now),
        None => {
            let missing = CheckResult::Fail("EF.SOD was not read".into());
            PaReport {
                dg_hashes: missing.clone(),
                sod_signature: missing,
                ds_chain: CheckResult::NotSupported("no EF.SOD".into()),
                ds_revocation: CheckResult::NotSupported("no EF.SOD".into()),
                chip_auth: CheckResult::NotSupported("not run".into()),
                active_auth: CheckResult::NotSupported("not run".into()),
            }
        }
    }
}

fn check_hashes(sod: &Sod, data_groups: &[(u8, &[u8])]) -> CheckResult {
    if data_groups.is_empty() {
        return CheckResult::NotSupported("no data group was read".into());
    }
    for (n, bytes) in data_groups {
        let Some(expected) = sod.hash_of(*n) else {
            return CheckResult::Fail(format!("DG{n} is not listed in EF.SOD"));
        };
        let actual = sod.hash_algorithm.digest(bytes);
        if !bool::from(actual.as_slice().ct_eq(expected)) {
            return CheckResult::Fail(format!("DG{n} does not match its hash in EF.SOD"));
        }
    }
    CheckResult::Pass
}

fn check_sod_signature(sod: &Sod, ds: &x509_cert::Certificate) -> CheckResult {
    let signer = match sod.signer_info() {
        Ok(s) => s,
        Err(e) => return CheckResult::Fail(e.to_string()),
    };
    let Some(digest_alg) = HashAlgorithm::from_oid(&signer.digest_alg.oid) else {
        return CheckResult::NotSupported(format!("digest algorithm {}", signer.digest_alg.oid));
    };
    let message_digest = match sod.message_digest() {
        Ok(d) => d,
        Err(e) => return CheckResult::Fail(e.to_string()),
    };
    if message_digest != digest_alg.digest(&sod.content) {
        return CheckResult::Fail("messageDigest does not match the LDS security object".into());
    }
    let signed = match sod.signed_attributes_der() {
        Ok(s) => s,
        Err(e) => return CheckResult::Fail(e.to_string()),
    };
    match crate::crypto::signature::verify(
        ds.tbs_certificate().subject_public_key_info(),
        &signer.signature_algorithm,
        Some(digest_alg),
        &signed,
        signer.signature.as_bytes(),
    ) {
        Ok(()) => CheckResult::Pass,
        Err(SignatureError::Unsupported(r)) => CheckResult::NotSupported(r),
        Err(e) => CheckResult::Fail(format!("EF.SOD signature: {e}")),
    }
}

fn check_chain(
    ds: &x509_cert::Certificate,
    trust: &TrustStore,
    now: SystemTime,
) -> (CheckResult, CheckResult) {
    if trust.is_empty() {
        let r = CheckResult::NotSupported("no CSCA certificates are configured".into());
        return (r.clone(), r);
    }
    let mut last_error = None;
    for csca in trust
        .cscas()
        .iter()
        .filter(|c| chain::could_have_issued(c, ds))
    {
        match chain::verify_issued_by(ds, csca) {
            Ok(()) => {}
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        }
        if let Err(e) = chain::valid_at(ds, now) {
            return (
                CheckResult::Fail(format!("Document Signer certificate {e}")),
                CheckResult::NotSupported("the chain failed".into()),
            );
        }
        if let Err(e) = chain::valid_at(csca, now) {
            return (
                CheckResult::Fail(format!("CSCA certificate {e}")),
                CheckResult::NotSupported("the chain failed".into()),
            );
        }
        let revocation = match chain::revocation(ds, csca, trust.crls()) {
            chain::Revocation::NotRevoked => CheckResult::Pass,
            chain::Revocation::Revoked => {
                CheckResult::Fail("the Document Signer certificate is revoked".into())
            }
            chain::Revocation::NoCrl => CheckResult::NotSupported("no CRL from this CSCA".into()),
        };
        return (CheckResult::Pass, revocation);
    }
    let reason = match last_error {
        Some(SignatureError::Unsupported(r)) => {
            return (
                CheckResult::NotSupported(r),
                CheckResult::NotSupported("the chain was not checked".into()),
            );
        }
        Some(e) => format!("the CSCA's signature on the Document Signer certificate: {e}"),
        None => "no trusted CSCA issued the Document Signer certificate".into(),
    };
    (
        CheckResult::Fail(reason),
        CheckResult::NotSupported("the chain failed".into()),
    )
}
