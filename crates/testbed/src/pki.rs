//! Trust material read as an administrator reads it before trusting it: the certificates a CSCA
//! master list (CMS SignedData) carries besides its list.

use der::Decode as _;
use x509_cert::Certificate;

use crate::TestbedError;

/// The certificates a master list's SignedData carries: its signer (the one not self-signed) and
/// the self-signed CSCAs, in the order carried. (A test takes them from the list; an admin checks
/// them out of band before trusting either.)
pub fn carried(master_list: &[u8]) -> Result<(Certificate, Vec<Certificate>), TestbedError> {
    let bad = |what: &str| TestbedError::Cms(what.to_owned());
    let ci = cms::content_info::ContentInfo::from_der(master_list)
        .map_err(|e| bad(&format!("content info: {e}")))?;
    let sd: cms::signed_data::SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad(&format!("signed data: {e}")))?;
    let certs: Vec<Certificate> = sd
        .certificates
        .ok_or_else(|| bad("no certificates"))?
        .0
        .iter()
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let self_signed =
        |c: &Certificate| c.tbs_certificate().issuer() == c.tbs_certificate().subject();
    let signer = certs
        .iter()
        .find(|c| !self_signed(c))
        .ok_or_else(|| bad("no signer certificate"))?
        .clone();
    Ok((signer, certs.into_iter().filter(self_signed).collect()))
}
