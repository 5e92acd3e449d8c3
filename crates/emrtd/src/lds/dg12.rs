//! DG12 (ICAO 9303 Part 10 §4.7.12): additional document details.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::LdsError;
use super::tag_list::{self, Decode, TextFields};

/// The text fields of DG12 (each optional); images of the document (`5F1D`/`5F1E`) are skipped.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Dg12 {
    /// `5F19`.
    pub issuing_authority: Option<String>,
    /// `5F26`, YYYYMMDD.
    pub date_of_issue: Option<String>,
    /// `A0`/`5F1A`.
    pub other_persons: Vec<String>,
    /// `5F1B`.
    pub endorsements: Option<String>,
    /// `5F1C`.
    pub tax_exit_requirements: Option<String>,
    /// `5F55`, YYYYMMDDhhmmss.
    pub personalisation_time: Option<String>,
    /// `5F56`.
    pub personalisation_device: Option<String>,
}

impl fmt::Debug for Dg12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dg12(<redacted>)")
    }
}

impl Dg12 {
    /// Parses DG12 (`6C`): each field from its tag; the `5C` tag list, the document images
    /// and unknown tags are skipped. Dates are accepted as ASCII digits or BCD.
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        tag_list::parse(raw)
    }
}

impl TextFields for Dg12 {
    const TAG: u32 = 0x6C;
    const LIST_ENTRY: u32 = 0x5F1A;
    const TEXT_NOT_UTF8: &'static str = "DG12 field is not UTF-8";
    const ENTRY_NOT_UTF8: &'static str = "DG12 other person is not UTF-8";

    fn field(&mut self, tag: u32) -> Option<(Decode, &mut Option<String>)> {
        Some(match tag {
            0x5F19 => (Decode::Text, &mut self.issuing_authority),
            0x5F26 => (Decode::Date("DG12 date of issue"), &mut self.date_of_issue),
            0x5F1B => (Decode::Text, &mut self.endorsements),
            0x5F1C => (Decode::Text, &mut self.tax_exit_requirements),
            0x5F55 => (
                Decode::Date("DG12 personalisation time"),
                &mut self.personalisation_time,
            ),
            0x5F56 => (Decode::Text, &mut self.personalisation_device),
            _ => return None,
        })
    }

    fn list(&mut self) -> &mut Vec<String> {
        &mut self.other_persons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso7816::tlv;

    #[test]
    fn part_10_sample() {
        // ICAO Doc 9303 Part 10 §4.7.12: 6C { 5C tag list, 5F55 personalisation time,
        // 5F56 personalisation device }.
        let body = [
            tlv::encode(0x5C, &[0x5F, 0x55, 0x5F, 0x56]),
            tlv::encode(0x5F55, b"20161115013612"),
            tlv::encode(0x5F56, b"N-4962"),
        ]
        .concat();
        let raw = tlv::encode(0x6C, &body);
        let d = Dg12::parse(&raw).expect("parses");
        assert_eq!(d.personalisation_time.as_deref(), Some("20161115013612"));
        assert_eq!(d.personalisation_device.as_deref(), Some("N-4962"));
        assert_eq!(d.issuing_authority, None);
    }
}
