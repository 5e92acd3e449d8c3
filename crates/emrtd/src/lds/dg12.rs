//! DG12 (ICAO 9303 Part 10 §4.7.12): additional document details.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::dg11::date;
use super::{LdsError, utf8};
use crate::tlv::{self, Tlv};

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
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let dg12 = tlv::parse_tagged(raw, 0x6C)?;
        let mut out = Dg12::default();
        let text = |t: &Tlv<'_>| utf8(t.value, "DG12 field is not UTF-8").map(Some);
        for t in dg12.children()? {
            match t.tag {
                0x5F19 => out.issuing_authority = text(&t)?,
                0x5F26 => out.date_of_issue = Some(date(t.value, "DG12 date of issue")?),
                0x5F1B => out.endorsements = text(&t)?,
                0x5F1C => out.tax_exit_requirements = text(&t)?,
                0x5F55 => {
                    out.personalisation_time = Some(date(t.value, "DG12 personalisation time")?)
                }
                0x5F56 => out.personalisation_device = text(&t)?,
                0xA0 => {
                    for n in t.children()?.iter().filter(|n| n.tag == 0x5F1A) {
                        out.other_persons
                            .push(utf8(n.value, "DG12 other person is not UTF-8")?);
                    }
                }
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
        // REFERENCES.md §2.7 (gmrtd document/sample_document.go sampleDg12Bytes, NZ-derived).
        let raw = hex::decode(include_str!("../../tests/data/dg12.hex").trim()).expect("hex");
        let d = Dg12::parse(&raw).expect("parses");
        assert_eq!(d.personalisation_time.as_deref(), Some("20161115013612"));
        assert_eq!(d.personalisation_device.as_deref(), Some("N-4962"));
        assert_eq!(d.issuing_authority, None);
    }
}
