//! SecurityInfos (ICAO 9303 Part 11 §9.2; BSI TR-03110 Part 3 A.1.1) as found in EF.CardAccess (PACE)
//! and DG14 (Chip Authentication, Active Authentication's signature algorithm): a DER `SET OF
//! SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }`.
//!
//! Unknown protocols are kept by OID and ignored; a malformed entry with a known OID is an error, because
//! silently dropping it could hide PACE or Chip Authentication and so downgrade the protocol.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::cipher::SymmetricCipher;

/// Why SecurityInfos could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityInfosError {
    /// The bytes are not a DER SET OF SecurityInfo, or an entry lacks its protocol or required
    /// data; the text is the DER decoder's.
    #[error("not a DER SET OF SecurityInfo: {0}")]
    Der(String),
    /// DG14 does not start with its tag `6E` (ICAO 9303 Part 10 §4.7.14).
    #[error("DG14 is not wrapped in tag 0x6E")]
    NotDg14,
    /// An entry with a known protocol OID whose data does not fit that protocol's structure.
    /// Refused rather than skipped, so a damaged entry cannot silently turn off PACE or Chip
    /// Authentication.
    #[error("malformed {what} ({oid})")]
    Malformed {
        /// The structure and field at fault (e.g. "PACEInfo parameterId").
        what: &'static str,
        /// The protocol OID of the entry, dotted.
        oid: String,
    },
}

impl From<der::Error> for SecurityInfosError {
    fn from(e: der::Error) -> Self {
        SecurityInfosError::Der(e.to_string())
    }
}

/// bsi-de 0.4.0.127.0.7 protocols (TR-03110 Part 3 A.1.1).
pub mod oid {
    use const_oid::ObjectIdentifier;
    /// id-PK (Chip Authentication public keys).
    pub const ID_PK: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1");
    /// id-PK-DH: a Chip Authentication public key on a DH group.
    pub const ID_PK_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.1");
    /// id-PK-ECDH: a Chip Authentication public key on an elliptic curve.
    pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
    /// id-TA (Terminal Authentication): recognised, not used by an inspection system without CVCs.
    pub const ID_TA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.2");
    /// id-CA.
    pub const ID_CA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3");
    /// id-CA-DH: the arc of Chip Authentication with DH key agreement (the cipher is the next arc).
    pub const ID_CA_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.1");
    /// id-CA-ECDH: the arc of Chip Authentication with ECDH key agreement (the cipher is the next
    /// arc).
    pub const ID_CA_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.2");
    /// id-PACE.
    pub const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");
    /// id-AA (ICAO 9303 Part 11 §9.2.7).
    pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");
    /// ecdsa-plain-signatures (BSI TR-03111).
    pub const ECDSA_PLAIN: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1");
}

/// PACE mapping (the arc after id-PACE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaceMapping {
    /// id-PACE-DH-GM
    DhGeneric,
    /// id-PACE-ECDH-GM
    EcdhGeneric,
    /// id-PACE-DH-IM
    DhIntegrated,
    /// id-PACE-ECDH-IM
    EcdhIntegrated,
    /// id-PACE-ECDH-CAM
    EcdhChipAuthentication,
}

impl PaceMapping {
    fn from_arc(arc: u32) -> Option<Self> {
        Some(match arc {
            1 => Self::DhGeneric,
            2 => Self::EcdhGeneric,
            3 => Self::DhIntegrated,
            4 => Self::EcdhIntegrated,
            6 => Self::EcdhChipAuthentication,
            _ => return None,
        })
    }

    fn arc(self) -> u32 {
        match self {
            Self::DhGeneric => 1,
            Self::EcdhGeneric => 2,
            Self::DhIntegrated => 3,
            Self::EcdhIntegrated => 4,
            Self::EcdhChipAuthentication => 6,
        }
    }

    /// Whether the mapping runs on an elliptic curve.
    pub fn is_ec(self) -> bool {
        !matches!(self, Self::DhGeneric | Self::DhIntegrated)
    }
}

fn cipher_from_arc(arc: u32) -> Option<SymmetricCipher> {
    Some(match arc {
        1 => SymmetricCipher::Tdes,
        2 => SymmetricCipher::Aes128,
        3 => SymmetricCipher::Aes192,
        4 => SymmetricCipher::Aes256,
        _ => return None,
    })
}

fn cipher_arc(c: SymmetricCipher) -> u32 {
    match c {
        SymmetricCipher::Tdes => 1,
        SymmetricCipher::Aes128 => 2,
        SymmetricCipher::Aes192 => 3,
        SymmetricCipher::Aes256 => 4,
    }
}

/// Splits `oid` into (parent arcs match `base`, next arc, last arc) for `base.x.y` OIDs.
fn two_arcs_below(oid: &ObjectIdentifier, base: &ObjectIdentifier) -> Option<(u32, u32)> {
    let arcs: Vec<u32> = oid.arcs().collect();
    let base_arcs: Vec<u32> = base.arcs().collect();
    if arcs.len() != base_arcs.len() + 2 || !arcs.starts_with(&base_arcs) {
        return None;
    }
    Some((*arcs.get(base_arcs.len())?, *arcs.get(base_arcs.len() + 1)?))
}

fn oid_with(base: &ObjectIdentifier, a: u32, b: u32) -> Option<ObjectIdentifier> {
    let mut s = base.to_string();
    s.push_str(&format!(".{a}.{b}"));
    ObjectIdentifier::new(&s).ok()
}

/// A PACE protocol: mapping and cipher, from an `id-PACE-*` OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// How the nonce becomes the ephemeral generator (ICAO 9303 Part 11 §4.4.3.3), over DH or ECDH.
    pub mapping: PaceMapping,
    /// Cipher and key length of the session keys and of secure messaging (the OID's last arc).
    pub cipher: SymmetricCipher,
}

impl PaceProtocol {
    /// The protocol an `id-PACE-<mapping>-<cipher>` OID names; `None` for any other OID, an unknown
    /// mapping or cipher included.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let (m, c) = two_arcs_below(oid, &oid::ID_PACE)?;
        Some(Self {
            mapping: PaceMapping::from_arc(m)?,
            cipher: cipher_from_arc(c)?,
        })
    }

    /// The `id-PACE-*` OID of this protocol (the inverse of [`PaceProtocol::from_oid`]).
    pub fn oid(&self) -> ObjectIdentifier {
        // The arcs are small constants, so this always forms a valid OID.
        oid_with(&oid::ID_PACE, self.mapping.arc(), cipher_arc(self.cipher)).unwrap_or(oid::ID_PACE)
    }
}

/// `PACEInfo ::= SEQUENCE { protocol, version INTEGER (2), parameterId INTEGER OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// Mapping and cipher the chip offers.
    pub protocol: PaceProtocol,
    /// PACE version; ICAO 9303 Part 11 §9.2 defines only 2, and [`SecurityInfos::best_pace`] runs
    /// no other.
    pub version: u64,
    /// Standardized domain parameter id (§9.5.1); `None` means proprietary parameters.
    pub parameter_id: Option<u32>,
}

impl PaceInfo {
    /// Whether this implementation can run the protocol this PACEInfo names.
    pub fn is_supported(&self) -> bool {
        let Some(id) = self.parameter_id else {
            // Proprietary domain parameters (PACEDomainParameterInfo) are not supported.
            return false;
        };
        let Ok(group) = crate::crypto::domain_params::Group::standardized(id) else {
            return false;
        };
        let ec = matches!(group, crate::crypto::domain_params::Group::Ec { .. });
        ec == self.protocol.mapping.is_ec()
            && !(self.protocol.mapping == PaceMapping::EcdhChipAuthentication
                && self.protocol.cipher == SymmetricCipher::Tdes)
    }
}

/// Chip Authentication key agreement and cipher, from an `id-CA-*` OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    /// true for ECDH, false for DH.
    pub ecdh: bool,
    /// Cipher and key length of the secure messaging that Chip Authentication starts.
    pub cipher: SymmetricCipher,
}

impl CaProtocol {
    /// The protocol an `id-CA-<DH|ECDH>-<cipher>` OID names; `None` for any other OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let (ka, c) = two_arcs_below(oid, &oid::ID_CA)?;
        Some(Self {
            ecdh: match ka {
                1 => false,
                2 => true,
                _ => return None,
            },
            cipher: cipher_from_arc(c)?,
        })
    }

    /// The `id-CA-*` OID of this protocol (the inverse of [`CaProtocol::from_oid`]).
    pub fn oid(&self) -> ObjectIdentifier {
        oid_with(
            &oid::ID_CA,
            if self.ecdh { 2 } else { 1 },
            cipher_arc(self.cipher),
        )
        .unwrap_or(oid::ID_CA)
    }
}

/// `ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, keyId INTEGER OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthInfo {
    /// Key agreement and cipher of Chip Authentication.
    pub protocol: CaProtocol,
    /// Chip Authentication version (1 or 2).
    pub version: u64,
    /// keyId as unsigned big-endian bytes.
    pub key_id: Option<Vec<u8>>,
}

/// `ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol id-PK-DH | id-PK-ECDH,
/// chipAuthenticationPublicKey SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthPublicKeyInfo {
    /// true for id-PK-ECDH.
    pub ecdh: bool,
    /// The chip's static key-agreement public key with its domain parameters (a
    /// SubjectPublicKeyInfo; EC parameters may be explicit).
    pub public_key: SubjectPublicKeyInfoOwned,
    /// keyId as unsigned big-endian bytes: pairs the key with its ChipAuthenticationInfo when the
    /// chip has several keys.
    pub key_id: Option<Vec<u8>>,
}

/// `ActiveAuthenticationInfo ::= SEQUENCE { protocol id-AA, version INTEGER, signatureAlgorithm OID }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAuthInfo {
    /// ActiveAuthenticationInfo version (1).
    pub version: u64,
    /// The signature algorithm of Active Authentication with an ECDSA key in DG15 (e.g. BSI
    /// TR-03111 ecdsa-plain-SHA256); ICAO 9303 Part 11 requires this info only for ECDSA.
    pub signature_algorithm: ObjectIdentifier,
}

/// One SecurityInfo.
#[derive(Clone, PartialEq, Eq)]
pub enum SecurityInfo {
    /// A PACEInfo (EF.CardAccess): a PACE protocol the chip offers.
    Pace(PaceInfo),
    /// A ChipAuthenticationInfo (DG14): protocol and version of Chip Authentication.
    ChipAuth(ChipAuthInfo),
    /// A ChipAuthenticationPublicKeyInfo (DG14): the chip's static key for Chip Authentication and
    /// PACE-CAM.
    ChipAuthPublicKey(ChipAuthPublicKeyInfo),
    /// An ActiveAuthenticationInfo (DG14): the signature algorithm of ECDSA Active Authentication.
    ActiveAuth(ActiveAuthInfo),
    /// A domain parameter info (PACE or CA) or any other protocol: kept by OID only.
    Other(ObjectIdentifier),
}

impl fmt::Debug for SecurityInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pace(p) => write!(f, "{p:?}"),
            Self::ChipAuth(c) => write!(f, "{c:?}"),
            Self::ChipAuthPublicKey(k) => write!(
                f,
                "ChipAuthPublicKey(ecdh={}, keyId={:?})",
                k.ecdh, k.key_id
            ),
            Self::ActiveAuth(a) => write!(f, "{a:?}"),
            Self::Other(o) => write!(f, "Other({o})"),
        }
    }
}

#[derive(der::Sequence)]
struct RawInfo<'a> {
    protocol: ObjectIdentifier,
    required: AnyRef<'a>,
    optional: Option<AnyRef<'a>>,
}

/// A parsed SET OF SecurityInfo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityInfos {
    /// Every entry, in stored order.
    pub infos: Vec<SecurityInfo>,
}

fn small_uint(
    any: AnyRef<'_>,
    what: &'static str,
    oid: &ObjectIdentifier,
) -> Result<u64, SecurityInfosError> {
    any.decode_as::<u64>()
        .map_err(|_| SecurityInfosError::Malformed {
            what,
            oid: oid.to_string(),
        })
}

fn uint_bytes(
    any: AnyRef<'_>,
    what: &'static str,
    oid: &ObjectIdentifier,
) -> Result<Vec<u8>, SecurityInfosError> {
    any.decode_as::<UintRef<'_>>()
        .map(|u| u.as_bytes().to_vec())
        .map_err(|_| SecurityInfosError::Malformed {
            what,
            oid: oid.to_string(),
        })
}

impl SecurityInfos {
    /// Parses EF.CardAccess (or EF.CardSecurity's content): the bare SET.
    pub fn parse(der_bytes: &[u8]) -> Result<Self, SecurityInfosError> {
        let set = AnyRef::from_der(der_bytes)?;
        if set.tag() != Tag::Set {
            return Err(SecurityInfosError::Der(format!(
                "expected SET, got {}",
                set.tag()
            )));
        }
        let mut reader = SliceReader::new(set.value())?;
        let mut infos = Vec::new();
        while !reader.is_finished() {
            let raw = RawInfo::decode(&mut reader)?;
            infos.push(Self::classify(raw)?);
        }
        Ok(Self { infos })
    }

    /// Parses DG14: tag 0x6E around the SET.
    pub fn parse_dg14(dg14: &[u8]) -> Result<Self, SecurityInfosError> {
        let outer = AnyRef::from_der(dg14).map_err(|_| SecurityInfosError::NotDg14)?;
        // 0x6E = [APPLICATION 14] constructed.
        if outer.tag()
            != (Tag::Application {
                constructed: true,
                number: der::TagNumber(14),
            })
        {
            return Err(SecurityInfosError::NotDg14);
        }
        Self::parse(outer.value())
    }

    fn classify(raw: RawInfo<'_>) -> Result<SecurityInfo, SecurityInfosError> {
        let oid = raw.protocol;
        if let Some(protocol) = PaceProtocol::from_oid(&oid) {
            let version = small_uint(raw.required, "PACEInfo version", &oid)?;
            let parameter_id = match raw.optional {
                Some(p) => Some(
                    u32::try_from(small_uint(p, "PACEInfo parameterId", &oid)?).map_err(|_| {
                        SecurityInfosError::Malformed {
                            what: "PACEInfo parameterId",
                            oid: oid.to_string(),
                        }
                    })?,
                ),
                None => None,
            };
            return Ok(SecurityInfo::Pace(PaceInfo {
                protocol,
                version,
                parameter_id,
            }));
        }
        if let Some(protocol) = CaProtocol::from_oid(&oid) {
            let version = small_uint(raw.required, "ChipAuthenticationInfo version", &oid)?;
            let key_id = match raw.optional {
                Some(k) => Some(uint_bytes(k, "ChipAuthenticationInfo keyId", &oid)?),
                None => None,
            };
            return Ok(SecurityInfo::ChipAuth(ChipAuthInfo {
                protocol,
                version,
                key_id,
            }));
        }
        if oid == oid::ID_PK_DH || oid == oid::ID_PK_ECDH {
            let public_key = raw
                .required
                .decode_as::<SubjectPublicKeyInfoOwned>()
                .map_err(|_| SecurityInfosError::Malformed {
                    what: "ChipAuthenticationPublicKeyInfo key",
                    oid: oid.to_string(),
                })?;
            let key_id = match raw.optional {
                Some(k) => Some(uint_bytes(
                    k,
                    "ChipAuthenticationPublicKeyInfo keyId",
                    &oid,
                )?),
                None => None,
            };
            return Ok(SecurityInfo::ChipAuthPublicKey(ChipAuthPublicKeyInfo {
                ecdh: oid == oid::ID_PK_ECDH,
                public_key,
                key_id,
            }));
        }
        if oid == oid::ID_AA {
            let version = small_uint(raw.required, "ActiveAuthenticationInfo version", &oid)?;
            let signature_algorithm = raw
                .optional
                .ok_or(SecurityInfosError::Malformed {
                    what: "ActiveAuthenticationInfo signatureAlgorithm",
                    oid: oid.to_string(),
                })?
                .decode_as::<ObjectIdentifier>()
                .map_err(|_| SecurityInfosError::Malformed {
                    what: "ActiveAuthenticationInfo signatureAlgorithm",
                    oid: oid.to_string(),
                })?;
            return Ok(SecurityInfo::ActiveAuth(ActiveAuthInfo {
                version,
                signature_algorithm,
            }));
        }
        Ok(SecurityInfo::Other(oid))
    }

    /// All PACEInfos.
    pub fn pace_infos(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }

    /// The PACEInfo to run: version 2, with parameters we support, preferring CAM (it also
    /// authenticates the chip), then stronger ciphers, then EC over DH and GM over IM.
    pub fn best_pace(&self) -> Option<&PaceInfo> {
        self.pace_infos()
            .filter(|p| p.version == 2 && p.is_supported())
            .max_by_key(|p| pace_rank(p))
    }

    /// Every ChipAuthenticationInfo.
    pub fn chip_auth_infos(&self) -> impl Iterator<Item = &ChipAuthInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuth(c) => Some(c),
            _ => None,
        })
    }

    /// Every ChipAuthenticationPublicKeyInfo.
    pub fn chip_auth_public_keys(&self) -> impl Iterator<Item = &ChipAuthPublicKeyInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthPublicKey(k) => Some(k),
            _ => None,
        })
    }

    /// The first ActiveAuthenticationInfo, if any.
    pub fn active_auth(&self) -> Option<&ActiveAuthInfo> {
        self.infos.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuth(a) => Some(a),
            _ => None,
        })
    }
}

/// How much the station prefers `p` (higher is better): what [`SecurityInfos::best_pace`] maximises.
pub(crate) fn pace_rank(p: &PaceInfo) -> (u8, u8, u8) {
    let mapping = match p.protocol.mapping {
        PaceMapping::EcdhChipAuthentication => 4,
        PaceMapping::EcdhGeneric => 3,
        PaceMapping::EcdhIntegrated => 2,
        PaceMapping::DhGeneric => 1,
        PaceMapping::DhIntegrated => 0,
    };
    let cipher = match p.protocol.cipher {
        SymmetricCipher::Aes256 => 3,
        SymmetricCipher::Aes192 => 2,
        SymmetricCipher::Aes128 => 1,
        SymmetricCipher::Tdes => 0,
    };
    // Prefer the cipher first: AES over 3DES matters more than the mapping.
    (cipher.min(1), mapping, cipher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex as h;

    // ICAO 9303-11 G.1 EF.CardAccess (gmrtd/gmrtd@7f23b50 pace/pace_test.go).
    #[test]
    fn icao_g1_card_access() {
        let infos = SecurityInfos::parse(&h("31143012060A04007F0007020204020202010202010D"))
            .expect("parse");
        let best = infos.best_pace().expect("pace");
        assert_eq!(
            best.protocol,
            PaceProtocol {
                mapping: PaceMapping::EcdhGeneric,
                cipher: SymmetricCipher::Aes128
            }
        );
        assert_eq!(best.version, 2);
        assert_eq!(best.parameter_id, Some(13));
        assert_eq!(best.protocol.oid().to_string(), "0.4.0.127.0.7.2.2.4.2.2");
    }

    // NZ passport, PACE-ECDH-GM-3DES (gmrtd pace_test.go TestDoPace_GM_ECDH_TDES_CBC_NZ).
    #[test]
    fn tdes_card_access() {
        let infos = SecurityInfos::parse(&h("31143012060a04007f0007020204020102010202010d"))
            .expect("parse");
        let best = infos.best_pace().expect("pace");
        assert_eq!(best.protocol.cipher, SymmetricCipher::Tdes);
    }

    #[test]
    fn unknown_protocols_are_kept_and_skipped() {
        // SET { SEQ { OID 1.2.3, INTEGER 1 }, PACEInfo of G.1 }
        let infos = SecurityInfos::parse(&h(
            "311D300706022A030201013012060A04007F0007020204020202010202010D",
        ))
        .expect("parse");
        assert_eq!(infos.infos.len(), 2);
        assert!(matches!(&infos.infos[0], SecurityInfo::Other(o) if o.to_string() == "1.2.3"));
        assert!(infos.best_pace().is_some());
    }

    #[test]
    fn hostile_inputs_are_typed_errors() {
        for bad in [
            &[][..],
            &[0x31][..],
            &[0x31, 0x05, 0x30, 0x03, 0x06, 0x01][..],
            &[0x30, 0x00][..],
            &h("31143012060A04007F0007020204020202010202")[..],
            // PACEInfo whose version is an OCTET STRING.
            &h("31143012060A04007F0007020204020204010202010D")[..],
        ] {
            assert!(SecurityInfos::parse(bad).is_err(), "{bad:02x?}");
        }
        assert_eq!(
            SecurityInfos::parse_dg14(&[0x31, 0x00]),
            Err(SecurityInfosError::NotDg14)
        );
    }
}
