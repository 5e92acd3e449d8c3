//! EF.SOD signing: CMS SignedData over the LDSSecurityObject (ICAO 9303 Part 10 §4.6.2), signed
//! attributes contentType + messageDigest, the Document Signer certificate embedded, tag 0x77 outside.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Encode, Tag};
use idgate_emrtd::emulator::passive::HashAlgorithm;
use idgate_emrtd::emulator::sod::{
    DataGroupHash, ID_CONTENT_TYPE, ID_LDS_SECURITY_OBJECT, ID_MESSAGE_DIGEST, LdsSecurityObject,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use super::{DocumentSigner, PkiError};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// The DER LDSSecurityObject over `data_groups` hashed with `hash`.
pub fn lds_security_object(
    hash: HashAlgorithm,
    data_groups: &[(u8, &[u8])],
) -> Result<Vec<u8>, PkiError> {
    let lso = LdsSecurityObject {
        version: 0,
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: None,
        },
        data_group_hashes: data_groups
            .iter()
            .map(|(n, bytes)| {
                Ok(DataGroupHash {
                    number: *n,
                    hash: OctetString::new(hash.digest(bytes))?,
                })
            })
            .collect::<Result<Vec<_>, der::Error>>()?,
        lds_version_info: None,
    };
    Ok(lso.to_der()?)
}

/// EF.SOD for `data_groups`, signed by `signer` (digest: SHA-256 for the signed attributes).
pub fn sign_sod(
    signer: &DocumentSigner,
    hash: HashAlgorithm,
    data_groups: &[(u8, &[u8])],
) -> Result<Vec<u8>, PkiError> {
    let content = lds_security_object(hash, data_groups)?;
    let inner = signed_data(signer, ID_LDS_SECURITY_OBJECT, content)?;
    // [APPLICATION 23] constructed = 0x77.
    let mut out = Vec::with_capacity(inner.len() + 4);
    let tag = Tag::Application {
        constructed: true,
        number: der::TagNumber(23),
    };
    let header = der::Header::new(tag, der::Length::try_from(inner.len())?);
    header.encode_to_vec(&mut out)?;
    out.extend_from_slice(&inner);
    Ok(out)
}

/// A CMS ContentInfo (DER) with SignedData over `content` of type `content_type`: signed
/// attributes contentType + messageDigest (SHA-256), the signer's certificate embedded. EF.SOD's
/// body and an ICAO master list are both this.
pub fn signed_data(
    signer: &DocumentSigner,
    content_type: ObjectIdentifier,
    content: Vec<u8>,
) -> Result<Vec<u8>, PkiError> {
    let digest_alg = AlgorithmIdentifierOwned {
        oid: HashAlgorithm::Sha256.oid(),
        parameters: None,
    };
    let mut attrs = SetOfVec::new();
    let mut content_type_values = SetOfVec::new();
    content_type_values.insert(Any::encode_from(&content_type)?)?;
    attrs.insert(Attribute {
        oid: ID_CONTENT_TYPE,
        values: content_type_values,
    })?;
    let mut digest_values = SetOfVec::new();
    digest_values.insert(Any::encode_from(&OctetString::new(
        HashAlgorithm::Sha256.digest(&content),
    )?)?)?;
    attrs.insert(Attribute {
        oid: ID_MESSAGE_DIGEST,
        values: digest_values,
    })?;
    let signature = signer.key.sign(&attrs.to_der()?)?;
    let tbs = signer.certificate.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: signer.key.signature_algorithm()?,
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(digest_alg)?;
    let mut certs = SetOfVec::new();
    certs.insert(CertificateChoices::Certificate(signer.certificate.clone()))?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info)?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: content_type,
            econtent: Some(Any::encode_from(&OctetString::new(content)?)?),
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let ci = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(ci.to_der()?)
}

/// id-icao-cscaMasterList (ICAO 9303 Part 12 §9).
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");

/// An ICAO CSCA master list (ICAO 9303 Part 12 §9): `CscaMasterList ::= SEQUENCE { version 0,
/// certList SET OF Certificate }` in SignedData, signed by `signer` (a Master List Signer, issued
/// by one of the CSCAs as ICAO requires).
pub fn sign_master_list(
    signer: &DocumentSigner,
    cscas: &[&x509_cert::Certificate],
) -> Result<Vec<u8>, PkiError> {
    let mut certs = cscas
        .iter()
        .map(|c| c.to_der())
        .collect::<Result<Vec<_>, _>>()?;
    // DER: a SET OF is sorted by the encodings.
    certs.sort();
    let set = Any::new(Tag::Set, certs.concat())?;
    let version = Any::encode_from(&0u8)?;
    let mut body = version.to_der()?;
    body.extend(set.to_der()?);
    let list = Any::new(Tag::Sequence, body)?.to_der()?;
    signed_data(signer, ID_CSCA_MASTER_LIST, list)
}

/// An EF.SOD over `profile`'s data groups, signed by a throwaway P-256 CSCA and Document Signer
/// valid around now: the specimen's EF.SOD (a reader without these trust anchors reports the
/// chain as not checked; `security::personalise` signs under a CSCA the test keeps).
pub fn throwaway_sod(profile: &crate::profile::PassportProfile) -> Option<Vec<u8>> {
    let now = std::time::SystemTime::now();
    let validity = super::valid_around(now);
    let mut csca =
        super::Csca::generate("UT", "CSCA Utopia", super::KeyKind::EcdsaP256, validity).ok()?;
    let ds = csca
        .issue_document_signer("DS Utopia", super::KeyKind::EcdsaP256, validity)
        .ok()?;
    let personalised = crate::lds::Personalisation::build(profile).ok()?;
    let dgs: Vec<(u8, Vec<u8>)> = personalised
        .application
        .iter()
        .filter_map(|f| match f.file {
            idgate_emrtd::lds::LdsFile::Dg(n) => Some((n, f.content.to_vec())),
            _ => None,
        })
        .collect();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    sign_sod(&ds, HashAlgorithm::Sha256, &refs).ok()
}
