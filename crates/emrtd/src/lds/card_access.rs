//! EF.CardAccess (ICAO 9303 Part 11 §9.2.1): a DER `SET OF SecurityInfo`, read before access
//! control. Parsed just far enough to see which PACE protocols the chip offers; the raw bytes stay
//! available for the PACE implementation.

use std::fmt;

use super::LdsError;
use crate::iso7816::tlv::{self, Tlv};

/// id-PACE = 0.4.0.127.0.7.2.2.4 (BSI TR-03110), as DER OID content bytes.
pub const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// One `SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityInfo {
    /// OID content bytes (without tag and length).
    pub protocol: Vec<u8>,
    /// The DER encodings of the remaining elements, in order.
    pub data: Vec<Vec<u8>>,
}

impl fmt::Debug for SecurityInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecurityInfo({})", oid_string(&self.protocol))
    }
}

/// `PACEInfo ::= SEQUENCE { protocol OID (id-PACE.x.y), version INTEGER, parameterId INTEGER OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol OID's content bytes, id-PACE.mapping.cipher (typed:
    /// [`PaceProtocol`](crate::lds::security_infos::PaceProtocol)).
    pub protocol: Vec<u8>,
    /// PACE version (2 in ICAO 9303 Part 11).
    pub version: u64,
    /// Standardized domain parameter id (ICAO 9303 Part 11 §9.5.1); `None` when the entry has none.
    pub parameter_id: Option<u64>,
}

/// EF.CardAccess: raw bytes and the security infos.
#[derive(Clone, PartialEq, Eq)]
pub struct CardAccess {
    raw: Vec<u8>,
    infos: Vec<SecurityInfo>,
    pace: Vec<PaceInfo>,
}

impl fmt::Debug for CardAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardAccess")
            .field("infos", &self.infos)
            .field("pace", &self.pace)
            .finish()
    }
}

impl CardAccess {
    /// Parses EF.CardAccess, `31` { SecurityInfo… }: every entry must be a SEQUENCE that starts
    /// with an OID, and a PACEInfo must carry its version; [`LdsError`] otherwise.
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let set = tlv::parse_tagged(raw, 0x31)?;
        let mut infos = Vec::new();
        let mut pace = Vec::new();
        for item in set.children()? {
            if item.tag != 0x30 {
                return Err(LdsError::Invalid("SecurityInfo is not a SEQUENCE"));
            }
            let parts = item.children()?;
            let (oid, rest) = parts
                .split_first()
                .ok_or(LdsError::Invalid("empty SecurityInfo"))?;
            if oid.tag != 0x06 {
                return Err(LdsError::Invalid("SecurityInfo without protocol OID"));
            }
            let data = rest.iter().map(|t| tlv::encode(t.tag, t.value)).collect();
            let info = SecurityInfo {
                protocol: oid.value.to_vec(),
                data,
            };
            // PACEInfo protocols are id-PACE.x.y; PACEDomainParameterInfo uses id-PACE.x.
            if oid.value.len() == ID_PACE.len() + 2 && oid.value.starts_with(&ID_PACE) {
                let version = rest
                    .first()
                    .map(integer)
                    .transpose()?
                    .ok_or(LdsError::Invalid("PACEInfo without version"))?;
                let parameter_id = rest.get(1).map(integer).transpose()?;
                pace.push(PaceInfo {
                    protocol: info.protocol.clone(),
                    version,
                    parameter_id,
                });
            }
            infos.push(info);
        }
        Ok(Self {
            raw: raw.to_vec(),
            infos,
            pace,
        })
    }

    /// The file's bytes as read, for the full SecurityInfos parser PACE runs.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Every SecurityInfo, in stored order.
    pub fn security_infos(&self) -> &[SecurityInfo] {
        &self.infos
    }

    /// The PACEInfos (protocol id-PACE.x.y), in stored order.
    pub fn pace_infos(&self) -> &[PaceInfo] {
        &self.pace
    }

    /// Whether the chip offers PACE at all (at least one PACEInfo), supported by this reader or
    /// not.
    pub fn offers_pace(&self) -> bool {
        !self.pace.is_empty()
    }
}

/// A small non-negative DER INTEGER.
fn integer(t: &Tlv<'_>) -> Result<u64, LdsError> {
    if t.tag != 0x02 || t.value.is_empty() || t.value.len() > 8 || t.value[0] & 0x80 != 0 {
        return Err(LdsError::Invalid("expected a small non-negative INTEGER"));
    }
    Ok(t.value
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Dotted form of OID content bytes, for logs.
pub fn oid_string(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, b) in content.iter().enumerate() {
        acc = (acc << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            if arcs.is_empty() && i < 8 {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    arcs.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    #[test]
    fn icao_appendix_g_card_access_offers_pace() {
        // gmrtd pace/pace_test.go TestDoPace_GM_ECDH: id-PACE-ECDH-GM-AES-CBC-CMAC-128,
        // version 2, parameter id 13 (brainpoolP256r1).
        let raw = hex("31143012060A04007F0007020204020202010202010D");
        let ca = CardAccess::parse(&raw).expect("parses");
        assert!(ca.offers_pace());
        assert_eq!(ca.raw(), &raw[..]);
        let pace = &ca.pace_infos()[0];
        assert_eq!(oid_string(&pace.protocol), "0.4.0.127.0.7.2.2.4.2.2");
        assert_eq!((pace.version, pace.parameter_id), (2, Some(13)));
    }

    #[test]
    fn domain_parameter_info_alone_is_not_a_pace_offer() {
        // PACEDomainParameterInfo (id-PACE-ECDH-GM = ...4.2) with an AlgorithmIdentifier.
        let raw = hex("3113301106090400" /* fake */);
        assert!(CardAccess::parse(&raw).is_err());
        let info = tlv::encode(
            0x30,
            &[
                tlv::encode(0x06, &hex("04007F000702020402")),
                tlv::encode(0x30, &hex("060104")),
            ]
            .concat(),
        );
        let ca = CardAccess::parse(&tlv::encode(0x31, &info)).expect("parses");
        assert!(!ca.offers_pace());
        assert_eq!(ca.security_infos().len(), 1);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for bad in ["", "31", "3103300106", "3102040100", "300430020601"] {
            assert!(CardAccess::parse(&hex(bad)).is_err(), "{bad}");
        }
    }
}
