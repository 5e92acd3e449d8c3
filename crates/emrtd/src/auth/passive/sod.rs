//! EF.SOD (ICAO 9303 Part 10 §4.6.2): tag 0x77 around a CMS ContentInfo with SignedData whose
//! encapsulated content is the LDSSecurityObject (the data group hashes).

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Decode, Encode, Tagged};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use crate::crypto::signature::{self, HashAlgorithm, SignatureError};

/// Why EF.SOD could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodError {
    /// The file is not a DER object with tag 0x77 (application 23).
    #[error("EF.SOD is not wrapped in tag 0x77")]
    NotSod,
    /// The CMS structure or the LDS security object inside is broken; the text says where.
    #[error("malformed EF.SOD: {0}")]
    Malformed(String),
    /// Well-formed but beyond this implementation: a hash algorithm it lacks, or no Document
    /// Signer certificate inside EF.SOD (ICAO 9303 Part 10 lets it be omitted).
    #[error("EF.SOD: {0}")]
    Unsupported(String),
    /// EF.SOD carries no Document Signer certificate: this station has no PKD to fetch it from.
    #[error("the Document Signer certificate is not in EF.SOD")]
    NoDocumentSigner,
}

impl From<der::Error> for SodError {
    fn from(e: der::Error) -> Self {
        SodError::Malformed(e.to_string())
    }
}

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-icao-mrtd-security-ldsSecurityObject
pub const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
/// id-messageDigest, the CMS signed attribute holding the digest of the signed content (RFC 5652
/// §11.2).
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-contentType, the CMS signed attribute naming the signed content's type (RFC 5652 §11.1).
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");

/// `DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
pub struct DataGroupHash {
    /// dataGroupNumber: which data group (1–16).
    pub number: u8,
    /// dataGroupHashValue: the hash of the data group's file, as read from the chip.
    pub hash: OctetString,
}

/// `LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo OPT }`.
#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
pub struct LdsSecurityObject {
    /// 0 (V0), or 1 (V1) when ldsVersionInfo is present.
    pub version: u8,
    /// hashAlgorithm: the digest algorithm of every data group hash.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// dataGroupHashValues: one hash per data group on the chip.
    pub data_group_hashes: Vec<DataGroupHash>,
    /// ldsVersionInfo (V1 only): the LDS and Unicode versions, kept undecoded.
    pub lds_version_info: Option<der::asn1::Any>,
}

/// A parsed EF.SOD.
#[derive(Clone, Debug)]
pub struct Sod {
    /// The CMS SignedData (RFC 5652) EF.SOD carries: signer info, certificates, content.
    pub signed_data: SignedData,
    /// The encapsulated LDSSecurityObject's DER bytes (what messageDigest covers).
    pub content: Vec<u8>,
    /// The LDS security object decoded from `content`.
    pub lds: LdsSecurityObject,
    /// The data group hashes' algorithm (`lds.hash_algorithm`, resolved).
    pub hash_algorithm: HashAlgorithm,
}

impl Sod {
    /// Parses EF.SOD: tag 0x77 around a ContentInfo of id-signedData whose encapsulated content is
    /// an id-icao-mrtd-security-ldsSecurityObject; no hash or signature is checked here.
    pub fn parse(ef_sod: &[u8]) -> Result<Self, SodError> {
        let outer = der::asn1::AnyRef::from_der(ef_sod).map_err(|_| SodError::NotSod)?;
        if outer.tag()
            != (der::Tag::Application {
                constructed: true,
                number: der::TagNumber(23),
            })
        {
            return Err(SodError::NotSod);
        }
        let ci = ContentInfo::from_der(outer.value())?;
        if ci.content_type != ID_SIGNED_DATA {
            return Err(SodError::Malformed(format!(
                "content type {}",
                ci.content_type
            )));
        }
        let signed_data: SignedData = ci.content.decode_as()?;
        let encap = &signed_data.encap_content_info;
        if encap.econtent_type != ID_LDS_SECURITY_OBJECT {
            return Err(SodError::Malformed(format!(
                "encapsulated content type {}",
                encap.econtent_type
            )));
        }
        let content = encap
            .econtent
            .as_ref()
            .ok_or_else(|| SodError::Malformed("no encapsulated content".into()))?
            .decode_as::<OctetString>()?
            .as_bytes()
            .to_vec();
        let lds = LdsSecurityObject::from_der(&content)?;
        let hash_algorithm = HashAlgorithm::from_oid(&lds.hash_algorithm.oid).ok_or_else(|| {
            SodError::Unsupported(format!("hash algorithm {}", lds.hash_algorithm.oid))
        })?;
        Ok(Self {
            signed_data,
            content,
            lds,
            hash_algorithm,
        })
    }

    /// The one SignerInfo (ICAO 9303 Part 10 requires exactly one).
    pub fn signer_info(&self) -> Result<&SignerInfo, SodError> {
        let infos = self.signed_data.signer_infos.0.as_slice();
        match infos {
            [one] => Ok(one),
            _ => Err(SodError::Malformed(format!("{} SignerInfos", infos.len()))),
        }
    }

    /// The Document Signer certificate: the embedded certificate the SignerInfo names.
    pub fn document_signer(&self) -> Result<Certificate, SodError> {
        let signer = self.signer_info()?;
        let certs = self
            .signed_data
            .certificates
            .as_ref()
            .map(|c| c.0.as_slice())
            .unwrap_or_default();
        certs
            .iter()
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert),
                _ => None,
            })
            .find(|cert| identifies(&signer.sid, cert))
            .cloned()
            .ok_or(SodError::NoDocumentSigner)
    }

    /// The hash the SOD records for data group `number`.
    pub fn hash_of(&self, number: u8) -> Option<&[u8]> {
        self.lds
            .data_group_hashes
            .iter()
            .find(|h| h.number == number)
            .map(|h| h.hash.as_bytes())
    }

    /// The DER of the signed attributes as signed: a SET OF (tag 0x31), not the `[0] IMPLICIT` form.
    pub fn signed_attributes_der(&self) -> Result<Vec<u8>, SodError> {
        let attrs = self
            .signer_info()?
            .signed_attrs
            .as_ref()
            .ok_or_else(|| SodError::Malformed("no signed attributes".into()))?;
        Ok(attrs.to_der()?)
    }

    /// The messageDigest signed attribute.
    pub fn message_digest(&self) -> Result<Vec<u8>, SodError> {
        let attrs: &SetOfVec<_> = self
            .signer_info()?
            .signed_attrs
            .as_ref()
            .ok_or_else(|| SodError::Malformed("no signed attributes".into()))?;
        let attr = attrs
            .iter()
            .find(|a| a.oid == ID_MESSAGE_DIGEST)
            .ok_or_else(|| SodError::Malformed("no messageDigest attribute".into()))?;
        let value = attr
            .values
            .iter()
            .next()
            .ok_or_else(|| SodError::Malformed("empty messageDigest".into()))?;
        Ok(value.decode_as::<OctetString>()?.as_bytes().to_vec())
    }
}

/// Whether a SignerIdentifier names `cert`.
pub fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(iss) => {
            iss.issuer == *tbs.issuer()
                && iss.serial_number.as_bytes() == tbs.serial_number().as_bytes()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            super::chain::subject_key_id(cert).is_some_and(|k| k == ski.0.as_bytes())
        }
    }
}

/// Why a CMS signer's proof over its content failed (RFC 5652 §5.4): the one step EF.SOD and a
/// master list share.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// The SignerInfo's digest algorithm is not one this crate has.
    #[error("digest algorithm {0}")]
    UnsupportedDigest(ObjectIdentifier),
    /// No signed attributes, no messageDigest among them, or not DER-encodable; says which.
    #[error("{0}")]
    Malformed(String),
    /// The messageDigest attribute differs from the digest of the content.
    #[error("messageDigest does not match the signed content")]
    MessageDigest,
    /// The signature over the DER signed attributes does not verify with the key.
    #[error(transparent)]
    Signature(SignatureError),
}

/// Verifies `signer` over `content` with `key`: messageDigest = H(content) with the SignerInfo's
/// digest algorithm, then the signature over the signed attributes' DER as signed (a SET OF, tag
/// 0x31, not the `[0] IMPLICIT` form). The caller decides that `key` may be used (trust first).
pub fn verify_signer(
    signer: &SignerInfo,
    content: &[u8],
    key: &SubjectPublicKeyInfoOwned,
) -> Result<(), SignerError> {
    let digest_alg = HashAlgorithm::from_oid(&signer.digest_alg.oid)
        .ok_or(SignerError::UnsupportedDigest(signer.digest_alg.oid))?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| SignerError::Malformed("no signed attributes".into()))?;
    let digest = attrs
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| SignerError::Malformed("no messageDigest attribute".into()))?;
    if digest.as_bytes() != digest_alg.digest(content).as_slice() {
        return Err(SignerError::MessageDigest);
    }
    let signed = attrs
        .to_der()
        .map_err(|e| SignerError::Malformed(e.to_string()))?;
    signature::verify(
        key,
        &signer.signature_algorithm,
        Some(digest_alg),
        &signed,
        signer.signature.as_bytes(),
    )
    .map_err(SignerError::Signature)
}
