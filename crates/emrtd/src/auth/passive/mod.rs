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

use crate::checks::first_failed_step;
pub use crate::checks::{CheckResult, NamedCheck, PaReport};
pub use crate::crypto::signature::{HashAlgorithm, SignatureError};
use crate::lds::{LdsFile, RawFiles};
pub use sod::{Sod, SodError};
pub use trust_store::{TrustError, TrustStore, VerifiedMasterList};

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
        // ICAO 9303 Part 10 lets EF.SOD omit the DS certificate, to be fetched from the PKD; this
        // station has no PKD access, so without it nothing vouches for the signature.
        Err(SodError::NoDocumentSigner) => {
            report.ds_chain = CheckResult::Fail(
                "the Document Signer certificate is not in EF.SOD (this station has no PKD access)"
                    .into(),
            );
            report.sod_signature =
                CheckResult::NotSupported("not run: no Document Signer certificate".into());
            report.ds_revocation = CheckResult::NotSupported("the chain failed".into());
            return report;
        }
        Err(e) => {
            report.sod_signature = CheckResult::Fail(e.to_string());
            return report;
        }
    };
    // Trust first, arithmetic after: the DS key (chosen by whoever made the chip) is used only
    // once the trust store vouches for its certificate.
    let chain = check_chain(&ds, trust, now);
    report.ds_chain = chain.chain;
    report.ds_revocation = chain.revocation;
    report.pki = chain.steps;
    report.sod_signature = if !report.ds_chain.is_pass() {
        CheckResult::NotSupported(format!(
            "not run: the Document Signer certificate is not trusted ({})",
            reason(&report.ds_chain)
        ))
    } else if report.ds_revocation.is_fail() {
        CheckResult::NotSupported(format!("not run: {}", reason(&report.ds_revocation)))
    } else {
        check_sod_signature(&sod, &ds)
    };
    report
}

fn reason(c: &CheckResult) -> &str {
    match c {
        CheckResult::Pass => "passed",
        CheckResult::Fail(r) | CheckResult::NotSupported(r) => r,
    }
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
                pki: Vec::new(),
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

/// `ds_chain`, `ds_revocation` and the named steps behind them.
struct ChainOutcome {
    chain: CheckResult,
    revocation: CheckResult,
    steps: Vec<NamedCheck>,
}

/// The DS certificate against the trust store: issued by a trusted CSCA (its signature, checked
/// with the CSCA's key), both valid now, each with the profile its role needs (DS: not a CA,
/// digitalSignature; CSCA: a CA, keyCertSign), the CSCA not revoked, and the CSCA's CRLs. Of
/// several CSCAs whose key verifies the DS (a CSCA and its link or renewed certificates share a
/// key), the first that passes every step anchors the chain; else the first one's steps are told.
fn check_chain(ds: &x509_cert::Certificate, trust: &TrustStore, now: SystemTime) -> ChainOutcome {
    if trust.is_empty() {
        let r = CheckResult::NotSupported("no CSCA certificates are configured".into());
        return ChainOutcome {
            chain: r.clone(),
            revocation: r,
            steps: Vec::new(),
        };
    }
    let ds_steps = [
        NamedCheck::new("ds_validity", chain::validity(ds, "Document Signer", now)),
        NamedCheck::new(
            "ds_basic_constraints",
            chain::basic_constraints(ds, "Document Signer", false),
        ),
        NamedCheck::new(
            "ds_key_usage",
            chain::key_usage(ds, "Document Signer", "digitalSignature", |k| {
                k.digital_signature()
            }),
        ),
    ];
    let signers: Vec<&x509_cert::Certificate> = trust.cscas().iter().collect();
    let mut last_error = None;
    let mut first: Option<(Vec<NamedCheck>, &x509_cert::Certificate)> = None;
    for csca in trust
        .cscas()
        .iter()
        .filter(|c| chain::could_have_issued(c, ds))
    {
        if let Err(e) = chain::verify_issued_by(ds, csca) {
            last_error = Some(e);
            continue;
        }
        let csca_crls =
            chain::verified_crls(csca.tbs_certificate().issuer(), &signers, trust.crls());
        let csca_revocation = match chain::revocation(csca, &csca_crls, now) {
            chain::Revocation::Revoked => {
                CheckResult::Fail("the CSCA certificate is revoked".into())
            }
            chain::Revocation::NotRevoked => CheckResult::Pass,
            chain::Revocation::Stale(r) => {
                CheckResult::NotSupported(format!("no current CRL: {r}"))
            }
            chain::Revocation::NoCrl => CheckResult::NotSupported("no CRL for the CSCA".into()),
        };
        let mut steps = vec![NamedCheck::new("ds_issuer", CheckResult::Pass)];
        steps.extend(ds_steps.iter().cloned());
        steps.extend([
            NamedCheck::new("csca_validity", chain::validity(csca, "CSCA", now)),
            NamedCheck::new(
                "csca_basic_constraints",
                chain::basic_constraints(csca, "CSCA", true),
            ),
            NamedCheck::new(
                "csca_key_usage",
                chain::key_usage(csca, "CSCA", "keyCertSign", |k| k.key_cert_sign()),
            ),
            NamedCheck::new("csca_revocation", csca_revocation),
        ]);
        let passes = !steps.iter().any(|s| s.result.is_fail());
        if passes {
            return finish(ds, csca, steps, &signers, trust, now);
        }
        if first.is_none() {
            first = Some((steps, csca));
        }
    }
    if let Some((steps, csca)) = first {
        return finish(ds, csca, steps, &signers, trust, now);
    }
    let issuer = match last_error {
        Some(SignatureError::Unsupported(r)) => CheckResult::NotSupported(r),
        Some(e) => CheckResult::Fail(format!(
            "the CSCA's signature on the Document Signer certificate: {e}"
        )),
        None => CheckResult::Fail("no trusted CSCA issued the Document Signer certificate".into()),
    };
    let mut steps = vec![NamedCheck::new("ds_issuer", issuer.clone())];
    steps.extend(ds_steps);
    let chain = match issuer {
        CheckResult::Fail(r) => CheckResult::Fail(format!("ds_issuer: {r}")),
        other => other,
    };
    ChainOutcome {
        chain,
        revocation: CheckResult::NotSupported("the chain failed".into()),
        steps,
    }
}

/// The chain's verdict from its steps, then the DS's revocation and the `crl_validity` step over
/// the CRLs `csca` signed.
fn finish(
    ds: &x509_cert::Certificate,
    csca: &x509_cert::Certificate,
    mut steps: Vec<NamedCheck>,
    signers: &[&x509_cert::Certificate],
    trust: &TrustStore,
    now: SystemTime,
) -> ChainOutcome {
    let chain = match first_failed_step(&steps) {
        Some(failed) => CheckResult::Fail(failed),
        None => CheckResult::Pass,
    };
    let crls = chain::verified_crls(csca.tbs_certificate().subject(), signers, trust.crls());
    let revocation = match chain::revocation(ds, &crls, now) {
        chain::Revocation::Revoked => {
            CheckResult::Fail("the Document Signer certificate is revoked".into())
        }
        chain::Revocation::NotRevoked => CheckResult::Pass,
        chain::Revocation::Stale(r) => CheckResult::Fail(format!(
            "no current CRL from this CSCA ({r}): update the trust store's CRLs"
        )),
        chain::Revocation::NoCrl => CheckResult::NotSupported("no CRL from this CSCA".into()),
    };
    steps.push(NamedCheck::new(
        "crl_validity",
        chain::crl_validity(&crls, now),
    ));
    ChainOutcome {
        chain,
        revocation,
        steps,
    }
}
