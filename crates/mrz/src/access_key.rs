//! The key material the chip step needs from the code step: ICAO 9303 Part 11 §9.7.2 "MRZ information"
//! (document number, date of birth and date of expiry, each followed by its check digit).
//!
//! It is a secret: BAC and PACE keys derive from it. It is zeroized on drop and never printed.
//!
//! [`AccessKey`] is the one type for "what opens the chip" along the whole path: the code step
//! builds it (camera or typed), the flow carries it, emrtd's BAC and PACE consume it.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::check_digit::check_digit;
use crate::field::Field;
use crate::manual::{FieldError, Problem};

/// What opens the chip: the MRZ information (BAC or PACE) or a card access number (PACE only).
#[derive(Clone, PartialEq, Eq)]
pub enum AccessKey {
    /// Document number, birth date and expiry date: BAC or PACE-MRZ.
    Mrz(ChipAccessKey),
    /// The 6-digit Card Access Number printed on the document: PACE-CAN only.
    Can(Can),
}

impl AccessKey {
    /// The MRZ fields, when the key is MRZ-based.
    pub fn mrz(&self) -> Option<&ChipAccessKey> {
        match self {
            AccessKey::Mrz(k) => Some(k),
            AccessKey::Can(_) => None,
        }
    }
}

impl From<ChipAccessKey> for AccessKey {
    fn from(k: ChipAccessKey) -> Self {
        AccessKey::Mrz(k)
    }
}

impl From<Can> for AccessKey {
    fn from(c: Can) -> Self {
        AccessKey::Can(c)
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
        }
    }
}

/// The Card Access Number: six digits printed on the data page of PACE-only documents, the PACE
/// password when no MRZ is used. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Can(String);

impl Can {
    /// Six digits; spaces are ignored.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |problem| FieldError {
            field: Field::Can,
            problem,
        };
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = Self(digits);
        if digits.0.is_empty() {
            return Err(err(Problem::Missing));
        }
        if !digits.0.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err(Problem::NotDigits));
        }
        if digits.0.len() != 6 {
            return Err(err(Problem::WrongLength));
        }
        Ok(digits)
    }

    /// The six digits (the PACE password bytes).
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(<redacted>)")
    }
}

/// Why key material could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessKeyError {
    #[error("the document number is empty")]
    EmptyDocumentNumber,
    #[error("the document number may only hold A-Z, 0-9 and <")]
    DocumentNumberCharacters,
    #[error("the {0} must be six digits YYMMDD")]
    DateFormat(&'static str),
}

/// Document number, birth date and expiry date as the chip expects them (MRZ alphabet, YYMMDD).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ChipAccessKey {
    /// At least 9 characters, `<`-padded; longer (TD1/TD2 overflow) numbers are kept whole.
    document_number: String,
    birth_date: String,
    expiry_date: String,
}

impl ChipAccessKey {
    /// Builds the key from already-validated fields. `document_number` uses the MRZ alphabet
    /// (a number shorter than nine characters is padded with `<`); dates are `YYMMDD`.
    pub fn new(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<Self, AccessKeyError> {
        let trimmed = document_number.trim_end_matches('<');
        if trimmed.is_empty() {
            return Err(AccessKeyError::EmptyDocumentNumber);
        }
        if !trimmed
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<')
        {
            return Err(AccessKeyError::DocumentNumberCharacters);
        }
        // An unknown birth day or month is printed as fillers (Part 3 §4.6), and the chip's key uses them too.
        let birth_ok =
            birth_date.len() == 6 && birth_date.bytes().all(|c| c.is_ascii_digit() || c == b'<');
        if !birth_ok {
            return Err(AccessKeyError::DateFormat("date of birth"));
        }
        if expiry_date.len() != 6 || !expiry_date.bytes().all(|c| c.is_ascii_digit()) {
            return Err(AccessKeyError::DateFormat("date of expiry"));
        }
        Ok(Self::from_verified_fields(trimmed, birth_date, expiry_date))
    }

    /// From fields a parsed MRZ already verified (alphabet and lengths).
    pub(crate) fn from_verified_fields(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Self {
        let mut number = document_number.trim_end_matches('<').to_owned();
        while number.len() < 9 {
            number.push('<');
        }
        Self {
            document_number: number,
            birth_date: birth_date.to_owned(),
            expiry_date: expiry_date.to_owned(),
        }
    }

    /// The "MRZ information" string hashed into K_seed (BAC) and the PACE password:
    /// number ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd.
    pub fn mrz_information(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.document_number.len() + 15));
        for field in [&self.document_number, &self.birth_date, &self.expiry_date] {
            out.push_str(field);
            // The constructor admits only MRZ-alphabet characters, so a check digit always exists.
            out.push(char::from(check_digit(field.as_bytes()).unwrap_or(b'0')));
        }
        out
    }

    /// The document number without trailing fillers.
    pub fn document_number(&self) -> &str {
        self.document_number.trim_end_matches('<')
    }

    /// Date of birth, `YYMMDD`.
    pub fn birth_date(&self) -> &str {
        &self.birth_date
    }

    /// Date of expiry, `YYMMDD`.
    pub fn expiry_date(&self) -> &str {
        &self.expiry_date
    }
}

impl fmt::Debug for ChipAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChipAccessKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ICAO 9303 Part 11 Appendix D.2: MRZ_information `L898902C<369080619406236`.
    #[test]
    fn icao_appendix_d_mrz_information() {
        let key = ChipAccessKey::new("L898902C", "690806", "940623").expect("valid");
        assert_eq!(key.mrz_information().as_str(), "L898902C<369080619406236");
    }

    // ICAO 9303 Part 11 Appendix G: `T22000129364081251010318`.
    #[test]
    fn icao_appendix_g_mrz_information() {
        let key = ChipAccessKey::new("T22000129", "640812", "101031").expect("valid");
        assert_eq!(key.mrz_information().as_str(), "T22000129364081251010318");
    }

    #[test]
    fn long_document_numbers_are_kept_whole() {
        // ICAO 9303 Part 5 TD1 overflow specimen: MRZ_information `D23145890734934071279507122`.
        let key = ChipAccessKey::new("D23145890734", "340712", "950712").expect("valid");
        assert_eq!(
            key.mrz_information().as_str(),
            "D23145890734934071279507122"
        );
    }

    #[test]
    fn debug_never_shows_the_fields() {
        let key = ChipAccessKey::new("L898902C", "690806", "940623").expect("valid");
        let shown = format!("{key:?}");
        assert!(!shown.contains("L898902C") && !shown.contains("690806"));
    }

    #[test]
    fn bad_fields_are_rejected_by_name() {
        assert_eq!(
            ChipAccessKey::new("", "690806", "940623"),
            Err(AccessKeyError::EmptyDocumentNumber)
        );
        assert_eq!(
            ChipAccessKey::new("l8989", "690806", "940623"),
            Err(AccessKeyError::DocumentNumberCharacters)
        );
        assert_eq!(
            ChipAccessKey::new("L898902C", "69086", "940623"),
            Err(AccessKeyError::DateFormat("date of birth"))
        );
        assert_eq!(
            ChipAccessKey::new("L898902C", "690806", "94-623"),
            Err(AccessKeyError::DateFormat("date of expiry"))
        );
    }
}
