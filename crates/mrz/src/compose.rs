//! Fields → MRZ lines with check digits: for the virtual passport, synthetic pages and tests.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::check_digit::check_digit;
use crate::error::MrzError;
use crate::field::Field;
use crate::format::MrzFormat;
use crate::mrz::{Mrz, Sex};

/// The contents of an MRZ before encoding. Text fields take ordinary spelling ("van der Berg",
/// "Anna Maria"): letters are upper-cased, spaces and hyphens become fillers, other marks are dropped.
/// Dates are `YYMMDD`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MrzFields {
    #[zeroize(skip)]
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `V` ...
    pub document_code: String,
    pub issuing_state: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
    pub document_number: String,
    pub nationality: String,
    pub birth_date: String,
    #[zeroize(skip)]
    pub sex: Sex,
    pub expiry_date: String,
    /// TD1 line 1 / TD2 / MRV optional data, or the TD3 personal number.
    pub optional_data: String,
    /// TD1 line 2 optional data; ignored by the other formats.
    pub optional_data_2: String,
}

impl fmt::Debug for MrzFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MrzFields")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Ordinary spelling → MRZ characters (Part 3 §4.6: hyphens and spaces become `<`, apostrophes vanish).
fn transliterate(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.trim().chars() {
        match c.to_ascii_uppercase() {
            u @ ('A'..='Z' | '0'..='9') => out.push(u),
            ' ' | '-' | '<' if !out.ends_with('<') => out.push('<'),
            _ => {}
        }
    }
    while out.ends_with('<') {
        out.pop();
    }
    out
}

fn pad(value: &str, width: usize, field: Field) -> Result<String, MrzError> {
    let mut out = transliterate(value);
    if out.len() > width {
        return Err(MrzError::InvalidField {
            field,
            reason: "the value does not fit the field",
        });
    }
    while out.len() < width {
        out.push('<');
    }
    Ok(out)
}

fn digit(data: &str, field: Field) -> Result<char, MrzError> {
    check_digit(data.as_bytes())
        .map(char::from)
        .ok_or(MrzError::InvalidField {
            field,
            reason: "the value holds characters an MRZ cannot show",
        })
}

impl MrzFields {
    fn name(&self, width: usize) -> String {
        let mut name = transliterate(&self.primary_identifier);
        let given = transliterate(&self.secondary_identifier);
        if !given.is_empty() {
            name.push_str("<<");
            name.push_str(&given);
        }
        // Real MRZs truncate long names the same way: cut at the field width.
        name.truncate(width);
        while name.len() < width {
            name.push('<');
        }
        name
    }

    /// The document number field (nine characters) with its check digit or `<`, and the overflow
    /// that must lead the optional data (TD1/TD2 only).
    fn number(&self) -> Result<(String, String), MrzError> {
        let number = transliterate(&self.document_number);
        if number.is_empty() {
            return Err(MrzError::InvalidField {
                field: Field::DocumentNumber,
                reason: "the document number is empty",
            });
        }
        let cd = digit(&number, Field::DocumentNumber)?;
        if number.len() <= 9 {
            let mut field = pad(&number, 9, Field::DocumentNumber)?;
            field.push(cd);
            return Ok((field, String::new()));
        }
        if !matches!(self.format, MrzFormat::Td1 | MrzFormat::Td2) {
            return Err(MrzError::InvalidField {
                field: Field::DocumentNumber,
                reason: "only TD1 and TD2 have room for a document number longer than nine characters",
            });
        }
        let (head, tail) = number.split_at(9);
        Ok((format!("{head}<"), format!("{tail}{cd}<")))
    }

    /// Encodes and verifies the MRZ.
    pub fn encode(&self) -> Result<Mrz, MrzError> {
        let (number, overflow) = self.number()?;
        let code = pad(&self.document_code, 2, Field::DocumentCode)?;
        let state = pad(&self.issuing_state, 3, Field::IssuingState)?;
        let nationality = pad(&self.nationality, 3, Field::Nationality)?;
        let birth = pad(&self.birth_date, 6, Field::BirthDate)?;
        let birth = format!("{birth}{}", digit(&birth, Field::BirthDate)?);
        let expiry = pad(&self.expiry_date, 6, Field::ExpiryDate)?;
        let expiry = format!("{expiry}{}", digit(&expiry, Field::ExpiryDate)?);
        let sex = self.sex.mrz_char();
        let optional_text = format!("{overflow}{}", transliterate(&self.optional_data));
        let lines: Vec<Zeroizing<String>> = match self.format {
            MrzFormat::Td1 => {
                let line1 = format!(
                    "{code}{state}{number}{}",
                    pad(&optional_text, 15, Field::OptionalData)?
                );
                let opt2 = pad(&self.optional_data_2, 11, Field::OptionalData2)?;
                let upper = format!(
                    "{}{birth}{}{opt2}",
                    line1.get(5..).unwrap_or_default(),
                    expiry
                );
                let line2 = format!(
                    "{birth}{sex}{expiry}{nationality}{opt2}{}",
                    digit(&upper, Field::Composite)?
                );
                vec![line1, line2, self.name(30)]
            }
            format => {
                let width = format.line_len();
                let line1 = format!("{code}{state}{}", self.name(width - 5));
                let start = format!("{number}{nationality}{birth}{sex}{expiry}");
                let line2 = match format {
                    MrzFormat::Td3 => {
                        let personal = pad(&optional_text, 14, Field::OptionalData)?;
                        let personal_cd = if personal.bytes().all(|c| c == b'<') {
                            '<'
                        } else {
                            digit(&personal, Field::OptionalData)?
                        };
                        let tail = format!("{personal}{personal_cd}");
                        let composite = composite_of(&start, &tail);
                        format!("{start}{tail}{}", digit(&composite, Field::Composite)?)
                    }
                    MrzFormat::Td2 => {
                        let tail = pad(&optional_text, 7, Field::OptionalData)?;
                        let composite = composite_of(&start, &tail);
                        format!("{start}{tail}{}", digit(&composite, Field::Composite)?)
                    }
                    _ => format!(
                        "{start}{}",
                        pad(&optional_text, width - 28, Field::OptionalData)?
                    ),
                };
                vec![line1, line2]
            }
        }
        .into_iter()
        .map(Zeroizing::new)
        .collect();
        Mrz::from_lines(&lines.iter().map(|l| l.as_str()).collect::<Vec<_>>())
    }
}

/// Line 2 of a two-line MRZ without the nationality and sex: what the composite digit covers.
fn composite_of(start: &str, tail: &str) -> String {
    // start = number(9) cd nationality(3) birth(6) cd sex expiry(6) cd
    let number = start.get(0..10).unwrap_or_default();
    let birth = start.get(13..20).unwrap_or_default();
    let expiry = start.get(21..28).unwrap_or_default();
    format!("{number}{birth}{expiry}{tail}")
}
