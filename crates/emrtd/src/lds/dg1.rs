//! DG1 (ICAO 9303 Part 10 §4.7.1): the MRZ as stored on the chip, tag `5F1F` inside `61`.
//! The MRZ is read by `idgate-mrz` — the same parser and check-digit rules as the code step (ICAO
//! 9303 Parts 3-5: TD1, TD2, TD3, MRV), so the layouts live in one place; then compared with the
//! code step. API change (issue 14): `Dg1::format` is `idgate_mrz::MrzFormat` (formerly a copy of
//! it here), a DG1 whose check digits do not verify is `LdsError::Mrz`, and `optional_data_2` holds
//! TD1's second optional field.

use std::fmt;

use idgate_mrz::{ChipAccessKey, Mrz};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use idgate_mrz::MrzFormat;

use super::LdsError;
use crate::iso7816::tlv;

/// DG1's MRZ, split into fields. Personal data: Debug shows nothing, memory is zeroized.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Dg1 {
    /// The MRZ characters without line breaks.
    pub mrz: String,
    /// The MRZ layout (ICAO 9303 Parts 4-7: TD3, TD1, TD2, MRV-A/B), told by the MRZ's length and,
    /// for visas, its document code.
    #[zeroize(skip)]
    pub format: MrzFormat,
    /// Document code, trailing fillers removed: `P` for a passport, `I`/`ID`/`A`/`C` for identity
    /// cards, `V` for a visa.
    pub document_code: String,
    /// Issuing State or organisation, a three-letter code of ICAO 9303 Part 3 §5 with fillers
    /// removed (`D` for Germany).
    pub issuing_state: String,
    /// Without fillers; long TD1/TD2 numbers are joined with their overflow.
    pub document_number: String,
    /// YYMMDD.
    pub birth_date: String,
    /// `M`, `F`, or `<` for unspecified.
    pub sex: String,
    /// YYMMDD.
    pub expiry_date: String,
    /// Nationality of the holder, a code as in `issuing_state`.
    pub nationality: String,
    /// Primary identifier (surname), `<` turned into spaces.
    pub primary_identifier: String,
    /// Secondary identifier (given names), `<` turned into spaces; empty when the MRZ has none.
    pub secondary_identifier: String,
    /// TD1 line 1 / TD2 optional data, or the TD3 personal number; fillers at the end removed.
    pub optional_data: String,
    /// TD1 line 2 optional data (empty for other formats).
    pub optional_data_2: String,
}

impl fmt::Debug for Dg1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dg1({:?}, <redacted>)", self.format)
    }
}

/// Which field of DG1 differs from the code step's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dg1Field {
    /// The document number (without fillers; long TD1/TD2 numbers joined with their overflow).
    DocumentNumber,
    /// The date of birth (YYMMDD).
    BirthDate,
    /// The date of expiry (YYMMDD).
    ExpiryDate,
}

impl Dg1Field {
    /// The field's name for messages ("document number", "date of birth", "date of expiry").
    pub fn name(self) -> &'static str {
        match self {
            Dg1Field::DocumentNumber => "document number",
            Dg1Field::BirthDate => "date of birth",
            Dg1Field::ExpiryDate => "date of expiry",
        }
    }
}

impl Dg1 {
    /// Parses DG1 and its MRZ (every check digit must verify).
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let dg1 = tlv::parse_tagged(raw, 0x61)?;
        let mrz = Mrz::parse_dg1_text(dg1.required(0x5F1F)?.value)?;
        Ok(Self::from_mrz(&mrz))
    }

    fn from_mrz(mrz: &Mrz) -> Self {
        Dg1 {
            mrz: mrz.dg1_text().to_string(),
            format: mrz.format(),
            document_code: mrz.document_code().to_owned(),
            issuing_state: mrz.issuing_state().to_owned(),
            document_number: mrz.document_number().to_owned(),
            birth_date: mrz.birth_date_yymmdd().to_owned(),
            sex: mrz.sex().mrz_char().to_string(),
            expiry_date: mrz.expiry_date_yymmdd().to_owned(),
            nationality: mrz.nationality().to_owned(),
            primary_identifier: mrz.primary_identifier().to_owned(),
            secondary_identifier: mrz.secondary_identifier().to_owned(),
            optional_data: mrz.optional_data().to_owned(),
            optional_data_2: mrz.optional_data_2().to_owned(),
        }
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
        // ICAO 9303 Part 10 Appendix A, the worked example's DG1 (TD2).
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
        // ICAO 9303 Part 4 specimen.
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
        // ICAO 9303 Part 5 §4.2.2 (TD1): the document number overflows into the optional data,
        // its check digit last; the number's own check digit position holds `<`.
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
    fn a_check_digit_that_does_not_verify_is_refused() {
        // The TD3 specimen with its birth date's check digit changed (2 → 3): the same rule as at
        // the code step.
        let err = Dg1::parse(&dg1(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408123F1204159ZE184226B<<<<<10",
        ))
        .expect_err("check digit");
        assert!(matches!(err, LdsError::Mrz(_)), "{err}");
    }

    #[test]
    fn malformed_dg1() {
        assert!(Dg1::parse(&dg1("P<UTO")).is_err());
        assert!(Dg1::parse(&dg1(&"p".repeat(88))).is_err());
        assert!(Dg1::parse(&tlv::encode(0x61, &[])).is_err());
        assert!(Dg1::parse(&[0x61, 0x05, 0x5F]).is_err());
    }
}
