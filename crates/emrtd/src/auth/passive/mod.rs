//! Passive Authentication (ICAO 9303 Part 11 §5, Part 10 §4.6.2): the data groups' hashes against
//! EF.SOD, EF.SOD's signature with the Document Signer certificate, the DS certificate against a
//! trusted CSCA (signature, validity, revocation). Every check reports on its own, so a result says
//! *what* failed; [`PaReport::verdict`] turns any failure into `chip.not_genuine`.
//!
//! No I/O and no clock: the files and the time come in (only [`TrustStore::load_dir`] reads files).
//! The read's deadline and cancel flag come in as a [`Budget`], checked inside every stage: before
//! each data group and each 16 KiB of it, before each CSCA tried and each CRL verified, before and
//! after EF.SOD's signature. An interrupted PA returns [`Interrupted`], never a report.

pub mod chain;
pub mod sod;
pub mod trust_store;

use std::time::SystemTime;

use elliptic_curve::subtle::ConstantTimeEq;

use crate::budget::{Budget, Interrupted};
use crate::checks::first_failed_step;
pub use crate::checks::{CheckResult, NamedCheck, PaReport};
pub use crate::crypto::signature::{HashAlgorithm, SignatureError};
use crate::lds::{LdsFile, RawFiles};
pub use sod::{SignerError, Sod, SodError};
pub use trust_store::{TrustError, TrustStore, VerifiedMasterList};

/// How much of a data group is hashed between two budget checks: a 512 KiB DG2 is 32 checks, each
/// one atomic load and one clock read next to ~10 µs of SHA-256.
pub const HASH_CHUNK: usize = 16 * 1024;

/// Passive Authentication of `ef_sod` over the data groups `(number, bytes)` at time `now`, with
/// no deadline. `chip_auth` and `active_auth` start as "not run"; the CA/AA steps fill them in.
pub fn verify(
    ef_sod: &[u8],
    data_groups: &[(u8, &[u8])],
    trust: &TrustStore,
    now: SystemTime,
) -> PaReport {
    // An unlimited budget never interrupts; were it to, "not run" is still not a pass.
    verify_within(ef_sod, data_groups, trust, now, &Budget::unlimited())
        .unwrap_or_else(|_| PaReport::not_run())
}

/// [`verify`] that stops with [`Interrupted`] at the first check of `budget` that fails.
pub fn verify_within(
    ef_sod: &[u8],
    data_groups: &[(u8, &[u8])],
    trust: &TrustStore,
    now: SystemTime,
    budget: &Budget<'_>,
) -> Result<PaReport, Interrupted> {
    budget.check()?;
    let mut report = PaReport::not_run();
    let sod = match Sod::parse(ef_sod) {
        Ok(s) => s,
        Err(e) => {
            // An unreadable EF.SOD is the document's failure, not a missing feature.
            let reason = format!("EF.SOD: {e}");
            report.dg_hashes = CheckResult::Fail(reason.clone());
            report.sod_signature = CheckResult::Fail(reason);
            return Ok(report);
        }
    };
    report.dg_hashes = check_hashes(&sod, data_groups, budget)?;
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
            return Ok(report);
        }
        Err(e) => {
            report.sod_signature = CheckResult::Fail(e.to_string());
            return Ok(report);
        }
    };
    // Trust first, arithmetic after: the DS key (chosen by whoever made the chip) is used only
    // once the trust store vouches for its certificate.
    let chain = check_chain(&ds, trust, now, budget)?;
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
        budget.check()?;
        let result = check_sod_signature(&sod, &ds);
        // One signature can be slow (RSA-4096, explicit curves): a result that came after the
        // deadline or the cancel is not used.
        budget.check()?;
        result
    };
    Ok(report)
}

fn reason(c: &CheckResult) -> &str {
    match c {
        CheckResult::Pass => "passed",
        CheckResult::Fail(r) | CheckResult::NotSupported(r) => r,
    }
}

/// [`verify_within`] over the files a read session collected.
pub fn verify_files(
    files: &RawFiles,
    trust: &TrustStore,
    now: SystemTime,
    budget: &Budget<'_>,
) -> Result<PaReport, Interrupted> {
    let dgs: Vec<(u8, &[u8])> = files
        .iter()
        .filter_map(|(f, b)| match f {
            LdsFile::Dg(n) => Some((n, b)),
            _ => None,
        })
        .collect();
    match files.get(LdsFile::Sod) {
        Some(sod) => verify_within(sod, &dgs, trust, now, budget),
        None => {
            let missing = CheckResult::Fail("EF.SOD was not read".into());
            Ok(PaReport {
                dg_hashes: missing.clone(),
                sod_signature: missing,
                ds_chain: CheckResult::NotSupported("no EF.SOD".into()),
                ds_revocation: CheckResult::NotSupported("no EF.SOD".into()),
                chip_auth: CheckResult::NotSupported("not run".into()),
                active_auth: CheckResult::NotSupported("not run".into()),
                pki: Vec::new(),
            })
        }
    }
}

fn check_hashes(
    sod: &Sod,
    data_groups: &[(u8, &[u8])],
    budget: &Budget<'_>,
) -> Result<CheckResult, Interrupted> {
    if data_groups.is_empty() {
        return Ok(CheckResult::NotSupported("no data group was read".into()));
    }
    for (n, bytes) in data_groups {
        let Some(expected) = sod.hash_of(*n) else {
            return Ok(CheckResult::Fail(format!("DG{n} is not listed in EF.SOD")));
        };
        // Checked before every chunk (so at least once per data group, even an empty one).
        let actual = sod
            .hash_algorithm
            .digest_in_chunks(bytes, HASH_CHUNK, || budget.check())?;
        if bytes.is_empty() {
            budget.check()?;
        }
        if !bool::from(actual.as_slice().ct_eq(expected)) {
            return Ok(CheckResult::Fail(format!(
                "DG{n} does not match its hash in EF.SOD"
            )));
        }
    }
    Ok(CheckResult::Pass)
}

fn check_sod_signature(sod: &Sod, ds: &x509_cert::Certificate) -> CheckResult {
    let signer = match sod.signer_info() {
        Ok(s) => s,
        Err(e) => return CheckResult::Fail(e.to_string()),
    };
    let key = ds.tbs_certificate().subject_public_key_info();
    match sod::verify_signer(signer, &sod.content, key) {
        Ok(()) => CheckResult::Pass,
        Err(e @ SignerError::UnsupportedDigest(_)) => CheckResult::NotSupported(e.to_string()),
        Err(SignerError::Signature(SignatureError::Unsupported(r))) => CheckResult::NotSupported(r),
        Err(SignerError::MessageDigest) => {
            CheckResult::Fail("messageDigest does not match the LDS security object".into())
        }
        Err(SignerError::Malformed(r)) => CheckResult::Fail(r),
        Err(SignerError::Signature(e)) => CheckResult::Fail(format!("EF.SOD signature: {e}")),
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
/// `budget` is checked before each CSCA and each CRL signature.
fn check_chain(
    ds: &x509_cert::Certificate,
    trust: &TrustStore,
    now: SystemTime,
    budget: &Budget<'_>,
) -> Result<ChainOutcome, Interrupted> {
    if trust.is_empty() {
        let r = CheckResult::NotSupported("no CSCA certificates are configured".into());
        return Ok(ChainOutcome {
            chain: r.clone(),
            revocation: r,
            steps: Vec::new(),
        });
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
        budget.check()?;
        if let Err(e) = chain::verify_issued_by(ds, csca) {
            last_error = Some(e);
            continue;
        }
        let csca_crls = chain::verified_crls_within(
            csca.tbs_certificate().issuer(),
            &signers,
            trust.crls(),
            budget,
        )?;
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
        steps.extend(chain::csca_profile(csca, now));
        steps.push(NamedCheck::new("csca_revocation", csca_revocation));
        let passes = !steps.iter().any(|s| s.result.is_fail());
        if passes {
            return finish(ds, csca, steps, &signers, trust, now, budget);
        }
        if first.is_none() {
            first = Some((steps, csca));
        }
    }
    if let Some((steps, csca)) = first {
        return finish(ds, csca, steps, &signers, trust, now, budget);
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
    Ok(ChainOutcome {
        chain,
        revocation: CheckResult::NotSupported("the chain failed".into()),
        steps,
    })
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
    budget: &Budget<'_>,
) -> Result<ChainOutcome, Interrupted> {
    let chain = match first_failed_step(&steps) {
        Some(failed) => CheckResult::Fail(failed),
        None => CheckResult::Pass,
    };
    let crls = chain::verified_crls_within(
        csca.tbs_certificate().subject(),
        signers,
        trust.crls(),
        budget,
    )?;
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
    Ok(ChainOutcome {
        chain,
        revocation,
        steps,
    })
}
