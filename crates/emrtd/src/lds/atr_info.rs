//! EF.ATR/INFO (ISO/IEC 7816-4 §8.2.1.1, ICAO 9303 Part 10 §3.11.3): a bare sequence of
//! interindustry data objects; we need the extended length information `7F66` and the card
//! capabilities `47`.

use super::LdsError;
use crate::iso7816::tlv;

/// What EF.ATR/INFO says about APDU sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AtrInfo {
    /// Maximum command and response APDU lengths from `7F66`, when present.
    pub max_command: Option<u32>,
    /// Maximum response APDU length in bytes, from `7F66` (the second INTEGER); it caps the
    /// extended read size.
    pub max_response: Option<u32>,
    /// Extended Lc/Le support from card capabilities `47` (third byte, bit 7), when present.
    pub extended_length: Option<bool>,
}

impl AtrInfo {
    /// Parses EF.ATR/INFO: the objects up to the end or to padding (`00`/`FF`); objects other than
    /// `7F66` and `47` are skipped.
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let mut info = AtrInfo::default();
        let mut rest = raw;
        // Padding bytes 00/FF may follow the objects.
        while let Some(first) = rest.first() {
            if *first == 0x00 || *first == 0xFF {
                break;
            }
            let (obj, next) = tlv::parse_one(rest)?;
            rest = next;
            match obj.tag {
                0x7F66 => {
                    let ints: Vec<u32> = obj
                        .children()?
                        .iter()
                        .filter(|t| t.tag == 0x02)
                        .map(|t| {
                            if t.value.is_empty() || t.value.len() > 4 {
                                Err(LdsError::Invalid("7F66 length is not a small INTEGER"))
                            } else {
                                Ok(t.value.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)))
                            }
                        })
                        .collect::<Result<_, _>>()?;
                    info.max_command = ints.first().copied();
                    info.max_response = ints.get(1).copied();
                }
                0x47 => {
                    info.extended_length = obj.value.get(2).map(|b| b & 0x40 != 0);
                }
                _ => {}
            }
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    #[test]
    fn extended_length_info_and_capabilities() {
        // 47 03 ... 40 = extended length; 7F66 08 { 02 02 0F FF, 02 02 10 00 }.
        let info = AtrInfo::parse(&hex("4703D000407F660802020FFF020210000000")).expect("parses");
        assert_eq!(info.extended_length, Some(true));
        assert_eq!(info.max_command, Some(0x0FFF));
        assert_eq!(info.max_response, Some(0x1000));
    }

    #[test]
    fn empty_and_broken() {
        assert_eq!(AtrInfo::parse(&[]).expect("empty"), AtrInfo::default());
        assert!(AtrInfo::parse(&hex("7F660802")).is_err());
    }
}
