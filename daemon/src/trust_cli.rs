//! `idgated trust list|import|verify`: the CSCA trust store (`[chip] trust_store`) as the admin
//! keeps it. Each certificate is one DER file in the directory, named by its SHA-256 fingerprint.
//!
//! `import` adds only what it verified: the CSCAs of a master list whose signer chains to an
//! anchor the directory already holds — a CSCA, or a master-list signer the admin pinned
//! ([`verify_master_list`], the one place that decides: emrtd's `TrustStore::verify_master_list`).
//! A list that vouches only for itself, and anything else, is refused with the reason.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use der::Encode as _;
use idgate_emrtd::{TrustError, TrustStore};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

/// Exit code of `trust import` when a file was refused and of `trust verify` when a
/// certificate is bad.
pub const REFUSED: u8 = 2;

/// One anchor as listed.
#[derive(Debug, Clone, Serialize)]
pub struct CscaLine {
    /// `csca`, or `master_list_signer` for a pinned master-list signer.
    pub role: &'static str,
    pub subject: String,
    pub country: Option<String>,
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub fingerprint: String,
}

/// The verdict on one stored certificate.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyLine {
    pub subject: String,
    pub fingerprint: String,
    pub ok: bool,
    /// What is wrong with it (empty when ok).
    pub problems: Vec<String>,
}

/// What `import` did with one file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportLine {
    pub file: String,
    /// The CSCAs added (already stored ones are not repeated).
    pub added: Vec<CscaLine>,
    /// Why the file was refused; nothing of it is added then.
    pub refused: Option<String>,
}

/// Verifies a master list against what `store` already trusts and returns the CSCAs it carries
/// that the store does not hold yet. The only place `trust import` (and `chip read
/// --masterlist`) decides whether a master list is trusted: emrtd's anchored verification
/// (content type, the signer's keyUsage, extendedKeyUsage and validity, the signer pinned or
/// issued by a stored CSCA — never by a certificate of the list — then messageDigest and
/// signature).
pub fn verify_master_list(
    store: &TrustStore,
    bytes: &[u8],
) -> Result<Vec<Certificate>, TrustError> {
    let list = store.verify_master_list(bytes, SystemTime::now())?;
    let mut new: Vec<Certificate> = Vec::new();
    for c in list.cscas {
        if !store.cscas().contains(&c) && !new.contains(&c) {
            new.push(c);
        }
    }
    Ok(new)
}

/// The one line `import` prints for a refused list.
pub fn refusal(e: &TrustError) -> String {
    match e {
        TrustError::MasterListRefused {
            check: "ml_signer_anchor",
            reason,
        } => format!(
            "not trusted: {reason}; add the issuing country's CSCA or pin the list's signer \
             certificate in the trust store first"
        ),
        other => other.to_string(),
    }
}

/// The store in `dir`; files that are not trust material are named on stderr.
pub fn load(dir: &Path) -> anyhow::Result<TrustStore> {
    let (store, problems) = TrustStore::load_dir(dir, SystemTime::now())?;
    for p in problems {
        eprintln!("idgated: trust store {}: {p}", dir.display());
    }
    Ok(store)
}

pub fn fingerprint(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap_or_default();
    hex::encode(Sha256::digest(&der))
}

pub fn csca_line(cert: &Certificate) -> CscaLine {
    let tbs = cert.tbs_certificate();
    let subject = tbs.subject().to_string();
    let country = subject
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("C="))
        .map(str::to_owned);
    CscaLine {
        role: "csca",
        subject,
        country,
        not_before: tbs.validity().not_before.to_date_time().to_string(),
        not_after: tbs.validity().not_after.to_date_time().to_string(),
        fingerprint: fingerprint(cert),
    }
}

/// Every stored CSCA and pinned master-list signer, in fingerprint order.
pub fn list(store: &TrustStore) -> Vec<CscaLine> {
    let mut lines: Vec<CscaLine> = store.cscas().iter().map(csca_line).collect();
    lines.extend(store.master_list_signers().iter().map(|c| CscaLine {
        role: "master_list_signer",
        ..csca_line(c)
    }));
    lines.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    lines
}

/// Checks each stored certificate: valid at `now`; a CSCA a CA (basicConstraints cA) allowed to
/// sign certificates (keyUsage keyCertSign); a pinned master-list signer allowed digitalSignature.
pub fn verify(store: &TrustStore, now: SystemTime) -> Vec<VerifyLine> {
    let signers = store.master_list_signers().iter().map(|c| (c, false));
    let mut lines: Vec<VerifyLine> = store
        .cscas()
        .iter()
        .map(|c| (c, true))
        .chain(signers)
        .map(|(cert, is_csca)| {
            let tbs = cert.tbs_certificate();
            let mut problems = Vec::new();
            let validity = tbs.validity();
            if now < validity.not_before.to_system_time() {
                problems.push(format!(
                    "not valid before {}",
                    validity.not_before.to_date_time()
                ));
            }
            if now > validity.not_after.to_system_time() {
                problems.push(format!("expired {}", validity.not_after.to_date_time()));
            }
            if is_csca {
                match tbs.get_extension::<BasicConstraints>() {
                    Ok(Some((_, bc))) if bc.ca => {}
                    Ok(Some(_)) => problems.push("basicConstraints: not a CA".into()),
                    Ok(None) => problems.push("no basicConstraints: not a CA".into()),
                    Err(e) => problems.push(format!("basicConstraints unreadable: {e}")),
                }
            }
            let (allowed, usage) = match tbs.get_extension::<KeyUsage>() {
                Ok(Some((_, ku))) if is_csca => (ku.key_cert_sign(), "keyCertSign"),
                Ok(Some((_, ku))) => (ku.digital_signature(), "digitalSignature"),
                Ok(None) => {
                    problems.push("no keyUsage".into());
                    (true, "")
                }
                Err(e) => {
                    problems.push(format!("keyUsage unreadable: {e}"));
                    (true, "")
                }
            };
            if !allowed {
                problems.push(format!("keyUsage lacks {usage}"));
            }
            VerifyLine {
                subject: tbs.subject().to_string(),
                fingerprint: fingerprint(cert),
                ok: problems.is_empty(),
                problems,
            }
        })
        .collect();
    lines.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    lines
}

/// Imports master lists into `dir`: each verified against what the store trusts (including
/// what earlier files of the same call added), its new CSCAs written as `FINGERPRINT.der`.
pub fn import(dir: &Path, files: &[PathBuf]) -> anyhow::Result<Vec<ImportLine>> {
    let mut store = load(dir)?;
    let mut lines = Vec::new();
    for path in files {
        let file = path.display().to_string();
        let refused = |why: String| ImportLine {
            file: file.clone(),
            added: Vec::new(),
            refused: Some(why),
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                lines.push(refused(format!("cannot read: {e}")));
                continue;
            }
        };
        let certs = match verify_master_list(&store, &bytes) {
            Ok(certs) => certs,
            Err(e) => {
                lines.push(refused(refusal(&e)));
                continue;
            }
        };
        let mut added = Vec::new();
        for cert in certs {
            let der = cert.to_der()?;
            let target = dir.join(format!("{}.der", fingerprint(&cert)));
            write_new(&target, &der)?;
            added.push(csca_line(&cert));
            store.add_csca(cert);
        }
        lines.push(ImportLine {
            file,
            added,
            refused: None,
        });
    }
    Ok(lines)
}

/// Writes `bytes` to `target` through a temporary file and a rename: the daemon reading the
/// directory never sees half a certificate.
fn write_new(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target)
        .with_context(|| target.display().to_string())?;
    Ok(())
}
