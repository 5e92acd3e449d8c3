//! DG1 (ICAO 9303 Part 10 §4.7.1): the MRZ as stored on the chip, tag `5F1F` inside `61`.
//! Split into fields by position (Part 4-6 layouts TD1, TD2, TD3); compared with the code step.

use std::fmt;

use idgate_mrz::ChipAccessKey;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::LdsError;
use crate::iso7816::tlv;

/// The MRZ layout by length: TD1 (3×30), TD2 (2×36), TD3 (2×44).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

/// DG1's MRZ, split into fields. Personal data: Debug shows nothing, memory is zeroized.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Dg1 {
    /// The MRZ characters without line breaks.
    pub mrz: String,
    #[zeroize(skip)]
    pub format: MrzFormat,
    pub document_code: String,
    pub issuing_state: String,
    /// Without trailing `<`; long TD1/TD2 numbers are joined with their overflow.
    pub document_number: String,
    /// YYMMDD.
    pub birth_date: String,
    pub sex: String,
    /// YYMMDD.
    pub expiry_date: String,
    pub nationality: String,
    /// Primary identifier (surname), `<` turned into spaces.
    pub primary_identifier: String,
    pub secondary_identifier: String,
    pub optional_data: String,
}

impl fmt::Debug for Dg1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dg1({:?}, <redacted>)", self.format)
    }
}

/// Which field of DG1 differs from the code step's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dg1Field {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
}

impl Dg1Field {
    pub fn name(self) -> &'static str {
        match self {
            Dg1Field::DocumentNumber => "document number",
            Dg1Field::BirthDate => "date of birth",
            Dg1Field::ExpiryDate => "date of expiry",
        }
    }
}

fn field(mrz: &str, from: usize, to: usize) -> String {
    mrz.get(from..to).unwrap_or_default().to_owned()
}

fn trim_fill(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ")
}

/// Document number with TD1/TD2 overflow: when its check digit position holds `<`, the number
/// continues in the optional data up to the first `<`, whose last character is the check digit.
fn document_number(number: &str, check: &str, optional: &str) -> String {
    let base = number.trim_end_matches('<');
    if check == "<" {
        let overflow: String = optional.chars().take_while(|c| *c != '<').collect();
        if overflow.len() > 1 {
            return format!("{base}{}", &overflow[..overflow.len() - 1]);
        }
    }
    base.to_owned()
}

fn names(name_field: &str) -> (String, String) {
    let trimmed = name_field.trim_end_matches('<');
    match trimmed.split_once("<<") {
        Some((primary, secondary)) => (trim_fill(primary), trim_fill(secondary)),
        None => (trim_fill(trimmed), String::new()),
    }
}

impl Dg1 {
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let dg1 = tlv::parse_tagged(raw, 0x61)?;
        let mrz_bytes = dg1.required(0x5F1F)?.value;
        if !mrz_bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'<')
        {
            return Err(LdsError::Invalid("MRZ holds characters outside A-Z 0-9 <"));
        }
        // All ASCII, so byte positions are character positions below.
        let mrz = String::from_utf8_lossy(mrz_bytes).into_owned();
        let f = |a, b| field(&mrz, a, b);
        let mut dg1 = match mrz.len() {
            90 => {
                let (primary, secondary) = names(&f(60, 90));
                Dg1 {
                    format: MrzFormat::Td1,
                    document_code: trim_fill(&f(0, 2)),
                    issuing_state: trim_fill(&f(2, 5)),
                    document_number: document_number(&f(5, 14), &f(14, 15), &f(15, 30)),
                    birth_date: f(30, 36),
                    sex: f(37, 38),
                    expiry_date: f(38, 44),
                    nationality: trim_fill(&f(45, 48)),
                    primary_identifier: primary,
                    secondary_identifier: secondary,
                    optional_data: trim_fill(&format!("{}{}", f(15, 30), f(48, 59))),
                    mrz: String::new(),
                }
            }
            72 => {
                let (primary, secondary) = names(&f(5, 36));
                Dg1 {
                    format: MrzFormat::Td2,
                    document_code: trim_fill(&f(0, 2)),
                    issuing_state: trim_fill(&f(2, 5)),
                    document_number: document_number(&f(36, 45), &f(45, 46), &f(64, 71)),
                    birth_date: f(49, 55),
                    sex: f(56, 57),
                    expiry_date: f(57, 63),
                    nationality: trim_fill(&f(46, 49)),
                    primary_identifier: primary,
                    secondary_identifier: secondary,
                    optional_data: trim_fill(&f(64, 71)),
                    mrz: String::new(),
                }
            }
            88 => {
                let (primary, secondary) = names(&f(5, 44));
                Dg1 {
                    format: MrzFormat::Td3,
                    document_code: trim_fill(&f(0, 2)),
                    issuing_state: trim_fill(&f(2, 5)),
                    document_number: f(44, 53).trim_end_matches('<').to_owned(),
                    birth_date: f(57, 63),
                    sex: f(64, 65),
                    expiry_date: f(65, 71),
                    nationality: trim_fill(&f(54, 57)),
                    primary_identifier: primary,
                    secondary_identifier: secondary,
                    optional_data: trim_fill(&f(72, 86)),
                    mrz: String::new(),
                }
            }
            _ => return Err(LdsError::Invalid("MRZ length is not 90, 72 or 88")),
        };
        dg1.mrz = mrz;
        Ok(dg1)
    }

    /// Checks the three fields that make the access key against the code step's key.
    pub fn matches(&self, key: &ChipAccessKey) -> Result<(), Dg1Field> {
        if self.document_number != key.document_number() {
            return Err(Dg1Field::DocumentNumber);
        }
        if self.birth_date != key.birth_date() {
            return Err(Dg1Field::BirthDate);
        }
        if self.expiry_date != key.expiry_date() {
            return Err(Dg1Field::ExpiryDate);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dg1(mrz: &str) -> Vec<u8> {
        tlv::encode(0x61, &tlv::encode(0x5F1F, mrz.as_bytes()))
    }

    #[test]
    fn part_10_td2_sample() {
        // REFERENCES.md §2.7 (gmrtd document/sample_document.go, ICAO 9303 Part 10 Appendix A).
        let raw = hex::decode("614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36").expect("hex");
        let d = Dg1::parse(&raw).expect("parses");
        assert_eq!(d.format, MrzFormat::Td2);
        assert_eq!(d.document_code, "I");
        assert_eq!(d.issuing_state, "UTO");
        assert_eq!(d.document_number, "D23145890");
        assert_eq!(
            (d.birth_date.as_str(), d.expiry_date.as_str()),
            ("740812", "120415")
        );
        assert_eq!(d.sex, "F");
        assert_eq!(d.primary_identifier, "ERIKSSON");
        assert_eq!(d.secondary_identifier, "ANNA MARIA");
        let key = ChipAccessKey::new("D23145890", "740812", "120415").expect("key");
        assert_eq!(d.matches(&key), Ok(()));
        let other = ChipAccessKey::new("D23145890", "740812", "120416").expect("key");
        assert_eq!(d.matches(&other), Err(Dg1Field::ExpiryDate));
        assert!(!format!("{d:?}").contains("ERIKSSON"));
    }

    #[test]
    fn td3_specimen() {
        // ICAO 9303 Part 4 specimen (REFERENCES.md §2.3).
        let d = Dg1::parse(&dg1(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ))
        .expect("parses");
        assert_eq!(d.format, MrzFormat::Td3);
        assert_eq!(d.document_number, "L898902C3");
        assert_eq!(d.nationality, "UTO");
        assert_eq!(d.optional_data, "ZE184226B");
        assert_eq!(d.birth_date, "740812");
    }

    #[test]
    fn td1_long_document_number() {
        // REFERENCES.md §2.3 TD1 with the document number overflowing into the optional data.
        let d = Dg1::parse(&dg1(
            "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<",
        ))
        .expect("parses");
        assert_eq!(d.format, MrzFormat::Td1);
        assert_eq!(d.document_number, "D23145890734");
        assert_eq!(
            (d.birth_date.as_str(), d.expiry_date.as_str()),
            ("340712", "950712")
        );
        let key = ChipAccessKey::new("D23145890734", "340712", "950712").expect("key");
        assert_eq!(d.matches(&key), Ok(()));
    }

    #[test]
    fn malformed_dg1() {
        assert!(Dg1::parse(&dg1("P<UTO")).is_err());
        assert!(Dg1::parse(&dg1(&"p".repeat(88))).is_err());
        assert!(Dg1::parse(&tlv::encode(0x61, &[])).is_err());
        assert!(Dg1::parse(&[0x61, 0x05, 0x5F]).is_err());
    }
}
