//! A parsed, check-digit-verified MRZ and what the later steps read from it.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::access_key::ChipAccessKey;
use crate::date::Date;
use crate::error::MrzError;
use crate::format::MrzFormat;

/// The holder's sex as the MRZ states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    /// `<` or `X`.
    Unspecified,
}

impl Sex {
    pub(crate) fn from_mrz(c: u8) -> Option<Self> {
        match c {
            b'M' => Some(Sex::Male),
            b'F' => Some(Sex::Female),
            b'<' | b'X' => Some(Sex::Unspecified),
            _ => None,
        }
    }

    /// The MRZ character (`<` for unspecified).
    pub fn mrz_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => '<',
        }
    }
}

/// A machine readable zone whose check digits all verify. Holds personal data: zeroized on drop,
/// `Debug` shows only the format.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Mrz {
    #[zeroize(skip)]
    pub(crate) format: MrzFormat,
    pub(crate) lines: Vec<String>,
    pub(crate) document_code: String,
    pub(crate) issuing_state: String,
    pub(crate) primary_identifier: String,
    pub(crate) secondary_identifier: String,
    pub(crate) document_number: String,
    pub(crate) nationality: String,
    pub(crate) birth_date: String,
    #[zeroize(skip)]
    pub(crate) sex: Sex,
    pub(crate) expiry_date: String,
    pub(crate) optional_data: String,
    pub(crate) optional_data_2: String,
}

impl Mrz {
    /// Parses an MRZ given as text: lines separated by newlines, or all characters in one piece
    /// (90, 72 or 88 as DG1 stores them). Surrounding whitespace and blank lines are ignored.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        crate::parse::parse_text(text)
    }

    /// Parses an MRZ given line by line.
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> Result<Self, MrzError> {
        let joined = Zeroizing::new(
            lines
                .iter()
                .map(|l| l.as_ref().trim())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        crate::parse::parse_text(&joined)
    }

    /// Parses the MRZ data element of DG1 (tag 5F1F): the lines concatenated without separators.
    pub fn parse_dg1_text(bytes: &[u8]) -> Result<Self, MrzError> {
        let text = std::str::from_utf8(bytes).map_err(|_| MrzError::Shape {
            lines: 1,
            chars: bytes.len(),
        })?;
        crate::parse::parse_text(text)
    }

    pub fn format(&self) -> MrzFormat {
        self.format
    }

    /// The lines as printed, each `format().line_len()` characters.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// All lines concatenated, as in DG1.
    pub fn dg1_text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.lines.concat())
    }

    /// Whether DG1's MRZ data element holds exactly this MRZ.
    pub fn matches_dg1_text(&self, dg1: &[u8]) -> bool {
        let mine = self.dg1_text();
        mine.as_bytes() == dg1
    }

    /// `P`, `I<`, `ID`, `V<` ... with trailing fillers removed.
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    /// Three-letter code of the issuing state or organisation, fillers removed (`D` for Germany).
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }

    /// Surname(s), components separated by spaces.
    pub fn primary_identifier(&self) -> &str {
        &self.primary_identifier
    }

    /// Given name(s), separated by spaces (empty if none).
    pub fn secondary_identifier(&self) -> &str {
        &self.secondary_identifier
    }

    /// The whole document number (including a TD1/TD2 overflow), fillers removed.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// Date of birth as printed, `YYMMDD` (may hold `<` for unknown parts).
    pub fn birth_date_yymmdd(&self) -> &str {
        &self.birth_date
    }

    /// Date of birth with the century inferred so that it is not after `today`; `None` if unknown.
    pub fn birth_date(&self, today: Date) -> Option<Date> {
        Date::birth_from_yymmdd(&self.birth_date, today)
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Date of expiry as printed, `YYMMDD`.
    pub fn expiry_date_yymmdd(&self) -> &str {
        &self.expiry_date
    }

    /// Date of expiry, at most [`crate::date::EXPIRY_YEARS_AHEAD`] years after `today`.
    pub fn expiry_date(&self, today: Date) -> Option<Date> {
        Date::expiry_from_yymmdd(&self.expiry_date, today)
    }

    /// Whether the document expired before `today` (it is still valid on its expiry day).
    pub fn is_expired(&self, today: Date) -> bool {
        self.expiry_date(today).is_none_or(|expiry| expiry < today)
    }

    /// TD1 line 1 / TD2 / MRV optional data, or the TD3 personal number; fillers at the end removed.
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    /// TD1 line 2 optional data (empty for other formats).
    pub fn optional_data_2(&self) -> &str {
        &self.optional_data_2
    }

    /// The key material for BAC/PACE.
    pub fn access_key(&self) -> ChipAccessKey {
        ChipAccessKey::from_verified_fields(
            &self.document_number,
            &self.birth_date,
            &self.expiry_date,
        )
    }
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}
