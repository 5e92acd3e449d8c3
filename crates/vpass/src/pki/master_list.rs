//! CSCA master lists (ICAO 9303-12 §9): CMS SignedData over `CscaMasterList ::= SEQUENCE {
//! version INTEGER, certList SET OF Certificate }`, signed by a master-list signer.

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, SetOfVec};
use x509_cert::Certificate;

use super::sod::signed_data;
use super::{DocumentSigner, PkiError};

/// id-icao-cscaMasterList, a master list's eContentType.
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");

#[derive(der::Sequence)]
struct CscaMasterList {
    version: u8,
    cert_list: SetOfVec<Any>,
}

/// A master list of `cscas` signed by `signer`, carrying `certificates` in the SignedData (real
/// lists carry the signer and the CSCA that issued it). `econtent_type` is
/// [`ID_CSCA_MASTER_LIST`] for a real list; anything else makes a CMS file that is not one.
pub fn sign_master_list(
    signer: &DocumentSigner,
    cscas: &[&Certificate],
    certificates: &[&Certificate],
    econtent_type: ObjectIdentifier,
) -> Result<Vec<u8>, PkiError> {
    let mut cert_list = SetOfVec::new();
    for c in cscas {
        cert_list.insert(Any::encode_from(*c)?)?;
    }
    let content = CscaMasterList {
        version: 0,
        cert_list,
    }
    .to_der()?;
    let carried: Vec<Certificate> = certificates.iter().map(|c| (*c).clone()).collect();
    signed_data(signer, econtent_type, content, &carried)
}
