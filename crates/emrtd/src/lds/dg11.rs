//! DG11 (ICAO 9303 Part 10 §4.7.11): additional personal details.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::LdsError;
use super::tag_list::{self, Decode, TextFields};

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

impl Dg11 {
    /// Parses DG11 (`6B`): each field from its tag; the `5C` tag list and unknown tags are
    /// skipped. Dates are accepted as ASCII digits or BCD.
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        tag_list::parse(raw)
    }
}

impl TextFields for Dg11 {
    const TAG: u32 = 0x6B;
    const LIST_ENTRY: u32 = 0x5F0F;
    const TEXT_NOT_UTF8: &'static str = "DG11 field is not UTF-8";
    const ENTRY_NOT_UTF8: &'static str = "DG11 other name is not UTF-8";

    // 5C tag list, 5F16 proof of citizenship (an image): not needed here.
    fn field(&mut self, tag: u32) -> Option<(Decode, &mut Option<String>)> {
        Some(match tag {
            0x5F0E => (Decode::Text, &mut self.full_name),
            0x5F10 => (Decode::Text, &mut self.personal_number),
            0x5F2B => (Decode::Date("DG11 birth date"), &mut self.full_birth_date),
            0x5F11 => (Decode::Text, &mut self.place_of_birth),
            0x5F42 => (Decode::Text, &mut self.address),
            0x5F12 => (Decode::Text, &mut self.telephone),
            0x5F13 => (Decode::Text, &mut self.profession),
            0x5F14 => (Decode::Text, &mut self.title),
            0x5F15 => (Decode::Text, &mut self.personal_summary),
            0x5F17 => (Decode::Text, &mut self.other_travel_documents),
            0x5F18 => (Decode::Text, &mut self.custody_information),
            _ => return None,
        })
    }

    fn list(&mut self) -> &mut Vec<String> {
        &mut self.other_names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_10_sample() {
        // ICAO Doc 9303 Part 10 Appendix A, the worked example's DG11 (as gmrtd's
        // document/sample_document.go prints it).
        let raw = hex::decode(concat!(
            "6B605C0A5F0E5F115F425F125F135F0E0D534D4954483C3C4A4F484E3C4A5F110A414E59544F574E3C4D4E",
            "5F4217313233204D41504C452052443C414E59544F574E3C4D4E5F120B31363132353535313231325F130C",
            "54524156454C3C4147454E54"
        ))
        .expect("hex");
        let d = Dg11::parse(&raw).expect("parses");
        assert_eq!(d.full_name.as_deref(), Some("SMITH<<JOHN<J"));
        assert_eq!(d.place_of_birth.as_deref(), Some("ANYTOWN<MN"));
        assert_eq!(d.address.as_deref(), Some("123 MAPLE RD<ANYTOWN<MN"));
        assert_eq!(d.telephone.as_deref(), Some("16125551212"));
        assert_eq!(d.profession.as_deref(), Some("TRAVEL<AGENT"));
        assert!(!format!("{d:?}").contains("SMITH"));
    }
}
