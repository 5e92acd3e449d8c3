//! The chip's security files: EF.CardAccess (PACEInfos), DG14 (Chip Authentication key and
//! protocol, Active Authentication's ECDSA algorithm) and DG15 (Active Authentication key).

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, ObjectIdentifier as Oid, SetOfVec};
use der::{Encode, Sequence, Tag};
use idgate_emrtd::lds::security_infos::{CaProtocol, PaceProtocol, oid};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::PkiError;

fn wrap(tag_number: u8, inner: &[u8]) -> Result<Vec<u8>, PkiError> {
    let tag = Tag::Application {
        constructed: true,
        number: der::TagNumber(u32::from(tag_number)),
    };
    let mut out = Vec::with_capacity(inner.len() + 4);
    der::Header::new(tag, der::Length::try_from(inner.len())?).encode_to_vec(&mut out)?;
    out.extend_from_slice(inner);
    Ok(out)
}

#[derive(Sequence)]
struct Info2 {
    protocol: Oid,
    required: Any,
    optional: Option<Any>,
}

fn set_of(items: Vec<Vec<u8>>) -> Result<Vec<u8>, PkiError> {
    let mut set = SetOfVec::new();
    for i in items {
        set.insert(Any::from_der_bytes(&i)?)?;
    }
    Ok(set.to_der()?)
}

trait FromDerBytes: Sized {
    fn from_der_bytes(b: &[u8]) -> Result<Self, der::Error>;
}

impl FromDerBytes for Any {
    fn from_der_bytes(b: &[u8]) -> Result<Self, der::Error> {
        der::Decode::from_der(b)
    }
}

/// EF.CardAccess offering `protocols` (each with its standardized domain parameter id).
pub fn card_access(protocols: &[(PaceProtocol, u32)]) -> Result<Vec<u8>, PkiError> {
    set_of(pace_infos(protocols)?)
}

/// The Chip Authentication key as it appears in DG14.
#[derive(Debug, Clone)]
pub struct ChipAuthKeyInfo {
    pub protocol: CaProtocol,
    /// `AlgorithmIdentifier` parameters of the key (named curve OID, or DH domain parameters).
    pub parameters: Any,
    /// The public key bit string's content (SEC1 point, or DER INTEGER for DH).
    pub public_key: Vec<u8>,
    pub key_id: Option<u32>,
}

fn pace_infos(protocols: &[(PaceProtocol, u32)]) -> Result<Vec<Vec<u8>>, PkiError> {
    protocols
        .iter()
        .map(|(p, id)| {
            Ok(Info2 {
                protocol: p.oid(),
                required: Any::encode_from(&2u8)?,
                optional: Some(Any::encode_from(id)?),
            }
            .to_der()?)
        })
        .collect()
}

/// DG14 with a ChipAuthenticationInfo + ChipAuthenticationPublicKeyInfo, a PACEInfo for each of
/// `pace` (the PACE protocols the chip runs, as in EF.CardAccess, so a reader can tell a stripped
/// EF.CardAccess from a chip without PACE), and an ActiveAuthenticationInfo when `aa_algorithm`
/// is given.
pub fn dg14(
    ca: &ChipAuthKeyInfo,
    pace: &[(PaceProtocol, u32)],
    aa_algorithm: Option<ObjectIdentifier>,
) -> Result<Vec<u8>, PkiError> {
    let key_id = ca.key_id.map(|k| Any::encode_from(&k)).transpose()?;
    let ca_info = Info2 {
        protocol: ca.protocol.oid(),
        required: Any::encode_from(&1u8)?,
        optional: key_id.clone(),
    }
    .to_der()?;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: if ca.protocol.ecdh {
                oid::ID_PK_ECDH
            } else {
                oid::ID_PK_DH
            },
            parameters: Some(ca.parameters.clone()),
        },
        subject_public_key: BitString::from_bytes(&ca.public_key)?,
    };
    let pk_info = Info2 {
        protocol: if ca.protocol.ecdh {
            oid::ID_PK_ECDH
        } else {
            oid::ID_PK_DH
        },
        required: Any::encode_from(&spki)?,
        optional: key_id,
    }
    .to_der()?;
    let mut items = vec![ca_info, pk_info];
    items.extend(pace_infos(pace)?);
    if let Some(alg) = aa_algorithm {
        items.push(
            Info2 {
                protocol: oid::ID_AA,
                required: Any::encode_from(&1u8)?,
                optional: Some(Any::encode_from(&alg)?),
            }
            .to_der()?,
        );
    }
    wrap(14, &set_of(items)?)
}

/// DG15: tag 0x6F around the Active Authentication SubjectPublicKeyInfo.
pub fn dg15(spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<u8>, PkiError> {
    wrap(15, &spki.to_der()?)
}
