//! DG11 (ICAO 9303 Part 10 §4.7.11): additional personal details.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{LdsError, utf8};
use crate::tlv::{self, Tlv};

/// The text fields of DG11 (each optional). Personal data: never printed, zeroized.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Dg11 {
    /// `5F0E`, primary and secondary identifiers separated by `<<`.
    pub full_name: Option<String>,
    /// `A0`/`5F0F`.
    pub other_names: Vec<String>,
    /// `5F10`.
    pub personal_number: Option<String>,
    /// `5F2B`, YYYYMMDD.
    pub full_birth_date: Option<String>,
    /// `5F11`.
    pub place_of_birth: Option<String>,
    /// `5F42`.
    pub address: Option<String>,
    /// `5F12`.
    pub telephone: Option<String>,
    /// `5F13`.
    pub profession: Option<String>,
    /// `5F14`.
    pub title: Option<String>,
    /// `5F15`.
    pub personal_summary: Option<String>,
    /// `5F17`.
    pub other_travel_documents: Option<String>,
    /// `5F18`.
    pub custody_information: Option<String>,
}

impl fmt::Debug for Dg11 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dg11(<redacted>)")
    }
}

/// A date stored either as 8 ASCII digits or as 4 BCD bytes (both occur in the field).
pub(crate) fn date(value: &[u8], what: &'static str) -> Result<String, LdsError> {
    if value.iter().all(u8::is_ascii_digit) {
        return utf8(value, what);
    }
    let digits: String = value
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .map(|d| char::from_digit(u32::from(d), 10))
        .collect::<Option<_>>()
        .ok_or(LdsError::Invalid(what))?;
    Ok(digits)
}

impl Dg11 {
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let dg11 = tlv::parse_tagged(raw, 0x6B)?;
        let mut out = Dg11::default();
        let text = |t: &Tlv<'_>| utf8(t.value, "DG11 field is not UTF-8").map(Some);
        for t in dg11.children()? {
            match t.tag {
                0x5F0E => out.full_name = text(&t)?,
                0x5F10 => out.personal_number = text(&t)?,
                0x5F2B => out.full_birth_date = Some(date(t.value, "DG11 birth date")?),
                0x5F11 => out.place_of_birth = text(&t)?,
                0x5F42 => out.address = text(&t)?,
                0x5F12 => out.telephone = text(&t)?,
                0x5F13 => out.profession = text(&t)?,
                0x5F14 => out.title = text(&t)?,
                0x5F15 => out.personal_summary = text(&t)?,
                0x5F17 => out.other_travel_documents = text(&t)?,
                0x5F18 => out.custody_information = text(&t)?,
                0xA0 => {
                    for n in t.children()?.iter().filter(|n| n.tag == 0x5F0F) {
                        out.other_names
                            .push(utf8(n.value, "DG11 other name is not UTF-8")?);
                    }
                }
                // 5C tag list, 5F16 proof of citizenship (an image): not needed here.
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_10_sample() {
        // REFERENCES.md §2.7 (gmrtd document/sample_document.go sampleDg11Bytes).
        let raw = hex::decode(include_str!("../../tests/data/dg11.hex").trim()).expect("hex");
        let d = Dg11::parse(&raw).expect("parses");
        assert_eq!(d.full_name.as_deref(), Some("SMITH<<JOHN<J"));
        assert_eq!(d.place_of_birth.as_deref(), Some("ANYTOWN<MN"));
        assert_eq!(d.address.as_deref(), Some("123 MAPLE RD<ANYTOWN<MN"));
        assert_eq!(d.telephone.as_deref(), Some("16125551212"));
        assert_eq!(d.profession.as_deref(), Some("TRAVEL<AGENT"));
        assert!(!format!("{d:?}").contains("SMITH"));
    }

    #[test]
    fn dates_in_both_encodings() {
        assert_eq!(date(b"19740812", "d").expect("ascii"), "19740812");
        assert_eq!(
            date(&[0x19, 0x74, 0x08, 0x12], "d").expect("bcd"),
            "19740812"
        );
        assert!(date(&[0x1A], "d").is_err());
    }
}
