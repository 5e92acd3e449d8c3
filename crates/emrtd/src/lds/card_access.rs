//! EF.CardAccess (ICAO 9303 Part 11 §9.2.1): a DER `SET OF SecurityInfo`, read before access
//! control. Parsed once, by [`SecurityInfos::parse`] (the one owner of SecurityInfo parsing, DG14's
//! too); the raw bytes stay available as read.
//!
//! API change (duplicates D14): formerly a second, TLV-level parser lived here with its own
//! `SecurityInfo`, `PaceInfo`, `ID_PACE` and `oid_string`; [`CardAccess::security_infos`] now
//! gives the typed [`SecurityInfos`], and parse errors are [`SecurityInfosError`].

use std::fmt;

use super::security_infos::{SecurityInfos, SecurityInfosError};

/// EF.CardAccess: raw bytes and the security infos.
#[derive(Clone, PartialEq, Eq)]
pub struct CardAccess {
    raw: Vec<u8>,
    infos: SecurityInfos,
}

impl fmt::Debug for CardAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardAccess")
            .field("infos", &self.infos)
            .finish()
    }
}

impl CardAccess {
    /// Parses EF.CardAccess, `31` { SecurityInfo… }: every entry a SEQUENCE of a protocol OID and
    /// its required data; a known protocol's fields must be well-formed ([`SecurityInfosError`]
    /// otherwise).
    pub fn parse(raw: &[u8]) -> Result<Self, SecurityInfosError> {
        Ok(Self {
            infos: SecurityInfos::parse(raw)?,
            raw: raw.to_vec(),
        })
    }

    /// The file's bytes as read.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Every SecurityInfo, typed.
    pub fn security_infos(&self) -> &SecurityInfos {
        &self.infos
    }

    /// Whether the chip offers PACE at all (at least one PACEInfo of a known protocol), supported
    /// by this reader or not.
    pub fn offers_pace(&self) -> bool {
        self.infos.pace_infos().next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso7816::tlv;
    use crate::testing::hex;

    #[test]
    fn icao_appendix_g_card_access_offers_pace() {
        // gmrtd pace/pace_test.go TestDoPace_GM_ECDH: id-PACE-ECDH-GM-AES-CBC-CMAC-128,
        // version 2, parameter id 13 (brainpoolP256r1).
        let raw = hex("31143012060A04007F0007020204020202010202010D");
        let ca = CardAccess::parse(&raw).expect("parses");
        assert!(ca.offers_pace());
        assert_eq!(ca.raw(), &raw[..]);
        let pace = ca.security_infos().pace_infos().next().expect("PACEInfo");
        assert_eq!(pace.protocol.oid().to_string(), "0.4.0.127.0.7.2.2.4.2.2");
        assert_eq!((pace.version, pace.parameter_id), (2, Some(13)));
    }

    #[test]
    fn domain_parameter_info_alone_is_not_a_pace_offer() {
        // PACEDomainParameterInfo (id-PACE-ECDH-GM = ...4.2) with an AlgorithmIdentifier.
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
        assert_eq!(ca.security_infos().infos.len(), 1);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for bad in [
            "",
            "31",
            "3103300106",
            "3102040100",
            "300430020601",
            "3113301106090400",
            // A PACEInfo without its version.
            "310E300C060A04007F00070202040202",
        ] {
            assert!(CardAccess::parse(&hex(bad)).is_err(), "{bad}");
        }
    }
}
