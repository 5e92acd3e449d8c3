//! Text → [`Mrz`]: shape, alphabet, check digits, then the meaning of each field.

use zeroize::Zeroizing;

use crate::check_digit::{char_value, check_digit};
use crate::date::Date;
use crate::error::MrzError;
use crate::field::Field;
use crate::format::MrzFormat;
use crate::mrz::{Mrz, Sex};

pub(crate) fn parse_text(text: &str) -> Result<Mrz, MrzError> {
    let lines = split_lines(text)?;
    let format = detect_format(&lines)?;
    for (i, line) in lines.iter().enumerate() {
        if let Some(col) = line.bytes().position(|c| char_value(c).is_none()) {
            return Err(MrzError::BadCharacter {
                line: i + 1,
                column: col + 1,
            });
        }
    }
    let rows: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let mut mrz = match format {
        MrzFormat::Td1 => parse_td1(&rows)?,
        _ => parse_two_line(format, &rows)?,
    };
    mrz.lines = lines.iter().map(|l| l.as_str().to_owned()).collect();
    Ok(mrz)
}

/// The lines, split at any whitespace (an MRZ has none inside a line, so lines joined by spaces or
/// tabs are as good as by newlines); a single piece of 90/88/72 characters is cut up.
fn split_lines(text: &str) -> Result<Vec<Zeroizing<String>>, MrzError> {
    let pieces: Vec<&str> = text.split_whitespace().collect();
    let chars = pieces.iter().map(|l| l.chars().count()).sum();
    if let [single] = pieces.as_slice() {
        let len = single.len();
        let format = [MrzFormat::Td1, MrzFormat::Td3, MrzFormat::Td2]
            .into_iter()
            .find(|f| f.total_len() == len && single.is_ascii())
            .ok_or(MrzError::Shape { lines: 1, chars })?;
        let step = format.line_len();
        return Ok((0..format.line_count())
            .filter_map(|i| single.get(i * step..(i + 1) * step))
            .map(|s| Zeroizing::new(s.to_owned()))
            .collect());
    }
    Ok(pieces
        .into_iter()
        .map(|s| Zeroizing::new(s.to_owned()))
        .collect())
}

fn detect_format(lines: &[Zeroizing<String>]) -> Result<MrzFormat, MrzError> {
    let lens: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let shape_error = MrzError::Shape {
        lines: lines.len(),
        chars: lens.iter().sum(),
    };
    // The first line whose length matches a format decides; any other line must then agree.
    let width = match lines.len() {
        3 => 30,
        2 => *lens
            .iter()
            .find(|&&l| l == 44 || l == 36)
            .ok_or(shape_error.clone())?,
        _ => return Err(shape_error),
    };
    let candidates = MrzFormat::candidates(lines.len(), width);
    let first = *candidates.first().ok_or(shape_error)?;
    if let Some((i, &found)) = lens.iter().enumerate().find(|(_, l)| **l != width) {
        return Err(MrzError::LineLength {
            line: i + 1,
            format: first,
            expected: width,
            found,
        });
    }
    // Visas start with V; the other layout of the same size never does.
    let is_visa = lines.first().is_some_and(|l| l.starts_with('V'));
    Ok(match (first, is_visa) {
        (MrzFormat::Td3, true) => MrzFormat::MrvA,
        (MrzFormat::Td2, true) => MrzFormat::MrvB,
        (f, _) => f,
    })
}

/// `s[range]` for lines whose length was already checked; never panics.
fn cut(s: &[u8], from: usize, to: usize) -> &[u8] {
    s.get(from..to).unwrap_or_default()
}

fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(b'<')
}

fn verify(field: Field, data: &[u8], digit: u8) -> Result<(), MrzError> {
    // Alphabet already checked, so a check digit exists.
    let expected = check_digit(data).unwrap_or(b'0');
    if expected == digit {
        Ok(())
    } else {
        Err(MrzError::CheckDigit {
            field,
            expected: char::from(expected),
            found: char::from(digit),
        })
    }
}

/// The MRZ text of a field without trailing fillers.
fn text(field: &[u8]) -> String {
    let end = field.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
    String::from_utf8_lossy(cut(field, 0, end)).into_owned()
}

/// A document number longer than nine characters continues in the optional data: its remaining
/// characters, its check digit, then a filler (Part 5 §4.2.2 note j / Part 6 note j).
/// Returns (rest of the number, check digit, rest of the optional data).
fn split_overflow(optional: &[u8]) -> Result<(&[u8], u8, &[u8]), MrzError> {
    let end = optional
        .iter()
        .position(|&c| c == b'<')
        .unwrap_or(optional.len());
    if end < 2 {
        return Err(MrzError::InvalidField {
            field: Field::DocumentNumber,
            reason: "a long document number must continue in the optional data",
        });
    }
    let rest = optional.get(end + 1..).unwrap_or_default();
    Ok((cut(optional, 0, end - 1), at(optional, end - 1), rest))
}

struct Common {
    document_code: String,
    issuing_state: String,
    primary: String,
    secondary: String,
}

fn parse_header(format: MrzFormat, line: &[u8]) -> Result<(String, String), MrzError> {
    let code = cut(line, 0, 2);
    let first_ok = match format {
        MrzFormat::Td3 => code.first() == Some(&b'P'),
        MrzFormat::MrvA | MrzFormat::MrvB => code.first() == Some(&b'V'),
        MrzFormat::Td1 | MrzFormat::Td2 => matches!(code.first(), Some(b'A' | b'C' | b'I')),
    };
    if !first_ok || !code.iter().all(|&c| c.is_ascii_uppercase() || c == b'<') {
        return Err(MrzError::InvalidField {
            field: Field::DocumentCode,
            reason: "the document code does not fit the MRZ layout",
        });
    }
    let state = cut(line, 2, 5);
    check_state(Field::IssuingState, state)?;
    Ok((text(code), text(state)))
}

/// A state code is one to three letters (Doc 9303 Part 3), or three digits: some issuers' older
/// ID cards print a numeric code there (a Romanian specimen card of the development set shows
/// `132` as nationality). No check digit covers the field, so refusing the document would stop
/// the chip step for nothing; `idgated mrz` notes such a code for the staff to look at.
fn check_state(field: Field, code: &[u8]) -> Result<(), MrzError> {
    let letters = code.first().is_some_and(u8::is_ascii_uppercase)
        && code.iter().all(|&c| c.is_ascii_uppercase() || c == b'<');
    let digits = code.len() == 3 && code.iter().all(u8::is_ascii_digit);
    if letters || digits {
        Ok(())
    } else {
        Err(MrzError::InvalidField {
            field,
            reason: "a state code is one to three letters, or three digits",
        })
    }
}

/// Primary and secondary identifier: `SURNAME<<GIVEN<NAMES<<<`.
pub(crate) fn parse_name(field: &[u8]) -> Result<(String, String), MrzError> {
    if !field.iter().all(|&c| c.is_ascii_uppercase() || c == b'<') {
        return Err(MrzError::InvalidField {
            field: Field::Name,
            reason: "a name holds only letters",
        });
    }
    let trimmed = text(field);
    let (primary, secondary) = trimmed.split_once("<<").unwrap_or((&trimmed, ""));
    if secondary.contains("<<") {
        return Err(MrzError::InvalidField {
            field: Field::Name,
            reason: "a name has at most a primary and a secondary identifier",
        });
    }
    Ok((primary.replace('<', " "), secondary.replace('<', " ")))
}

fn parse_sex(c: u8) -> Result<Sex, MrzError> {
    Sex::from_mrz(c).ok_or(MrzError::InvalidField {
        field: Field::Sex,
        reason: "sex is M, F, X or <",
    })
}

fn check_birth_date(date: &[u8]) -> Result<(), MrzError> {
    let s = std::str::from_utf8(date).unwrap_or_default();
    // Unknown parts of a birth date are fillers from the right (Part 3 §4.6): YY<<<<, YYMM<<, <<<<<<.
    let known = s.trim_end_matches('<');
    let ok = match known.len() {
        0 => true,
        2 => known.bytes().all(|c| c.is_ascii_digit()),
        4 => {
            let month = known.get(2..4).and_then(|m| m.parse::<u8>().ok());
            known.bytes().all(|c| c.is_ascii_digit())
                && month.is_some_and(|m| (1..=12).contains(&m))
        }
        _ => Date::is_real_yymmdd(s),
    };
    if ok {
        Ok(())
    } else {
        Err(MrzError::InvalidField {
            field: Field::BirthDate,
            reason: "the date of birth is not a real date",
        })
    }
}

fn check_expiry_date(date: &[u8]) -> Result<(), MrzError> {
    if Date::is_real_yymmdd(std::str::from_utf8(date).unwrap_or_default()) {
        Ok(())
    } else {
        Err(MrzError::InvalidField {
            field: Field::ExpiryDate,
            reason: "the expiry date is not a real date",
        })
    }
}

fn check_number(number: &[u8]) -> Result<(), MrzError> {
    if number.first().is_some_and(|&c| c != b'<') {
        Ok(())
    } else {
        Err(MrzError::InvalidField {
            field: Field::DocumentNumber,
            reason: "the document number is empty",
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    format: MrzFormat,
    common: Common,
    number: Vec<u8>,
    nationality: &[u8],
    birth: &[u8],
    sex: Sex,
    expiry: &[u8],
    optional: &[u8],
    optional_2: &[u8],
) -> Mrz {
    let number = Zeroizing::new(number);
    Mrz {
        format,
        lines: Vec::new(),
        document_code: common.document_code,
        issuing_state: common.issuing_state,
        primary_identifier: common.primary,
        secondary_identifier: common.secondary,
        document_number: text(&number),
        nationality: text(nationality),
        birth_date: String::from_utf8_lossy(birth).into_owned(),
        sex,
        expiry_date: String::from_utf8_lossy(expiry).into_owned(),
        optional_data: text(optional),
        optional_data_2: text(optional_2),
    }
}

fn parse_td1(rows: &[&[u8]]) -> Result<Mrz, MrzError> {
    let (l1, l2, l3) = match rows {
        [a, b, c] => (*a, *b, *c),
        _ => {
            return Err(MrzError::Shape {
                lines: rows.len(),
                chars: 0,
            });
        }
    };
    let mut number = cut(l1, 5, 14).to_vec();
    let mut number_cd = at(l1, 14);
    let mut optional = cut(l1, 15, 30);
    if number_cd == b'<' {
        let (more, cd, rest) = split_overflow(optional)?;
        number.extend_from_slice(more);
        number_cd = cd;
        optional = rest;
    }
    let birth = cut(l2, 0, 6);
    let expiry = cut(l2, 8, 14);
    verify(Field::DocumentNumber, &number, number_cd)?;
    verify(Field::BirthDate, birth, at(l2, 6))?;
    verify(Field::ExpiryDate, expiry, at(l2, 14))?;
    let composite = [
        cut(l1, 5, 30),
        cut(l2, 0, 7),
        cut(l2, 8, 15),
        cut(l2, 18, 29),
    ]
    .concat();
    verify(Field::Composite, &Zeroizing::new(composite), at(l2, 29))?;

    let (document_code, issuing_state) = parse_header(MrzFormat::Td1, l1)?;
    check_number(&number)?;
    check_birth_date(birth)?;
    check_expiry_date(expiry)?;
    let sex = parse_sex(at(l2, 7))?;
    let nationality = cut(l2, 15, 18);
    check_state(Field::Nationality, nationality)?;
    let (primary, secondary) = parse_name(l3)?;
    let common = Common {
        document_code,
        issuing_state,
        primary,
        secondary,
    };
    Ok(assemble(
        MrzFormat::Td1,
        common,
        number,
        nationality,
        birth,
        sex,
        expiry,
        optional,
        cut(l2, 18, 29),
    ))
}

/// TD2, TD3, MRV-A and MRV-B share line 1 and the first 28 characters of line 2.
fn parse_two_line(format: MrzFormat, rows: &[&[u8]]) -> Result<Mrz, MrzError> {
    let (l1, l2) = match rows {
        [a, b] => (*a, *b),
        _ => {
            return Err(MrzError::Shape {
                lines: rows.len(),
                chars: 0,
            });
        }
    };
    let width = format.line_len();
    let mut number = cut(l2, 0, 9).to_vec();
    let mut number_cd = at(l2, 9);
    let birth = cut(l2, 13, 19);
    let expiry = cut(l2, 21, 27);
    let (mut optional, optional_cd, composite_cd) = match format {
        MrzFormat::Td3 => (cut(l2, 28, 42), Some(at(l2, 42)), Some(at(l2, 43))),
        MrzFormat::Td2 => (cut(l2, 28, 35), None, Some(at(l2, 35))),
        _ => (cut(l2, 28, width), None, None),
    };
    // Only TD2 has room for a long document number (Part 6 §4.2.2 note j).
    if format == MrzFormat::Td2 && number_cd == b'<' {
        let (more, cd, rest) = split_overflow(optional)?;
        number.extend_from_slice(more);
        number_cd = cd;
        optional = rest;
    }
    verify(Field::DocumentNumber, &number, number_cd)?;
    verify(Field::BirthDate, birth, at(l2, 19))?;
    verify(Field::ExpiryDate, expiry, at(l2, 27))?;
    if let Some(cd) = optional_cd {
        let personal = cut(l2, 28, 42);
        // An empty personal number may carry `<` instead of the check digit 0 (Part 4 §4.2.2.2 note j).
        let empty_with_filler = cd == b'<' && personal.iter().all(|&c| c == b'<');
        if !empty_with_filler {
            verify(Field::OptionalData, personal, cd)?;
        }
    }
    if let Some(cd) = composite_cd {
        let composite = [cut(l2, 0, 10), cut(l2, 13, 20), cut(l2, 21, width - 1)].concat();
        verify(Field::Composite, &Zeroizing::new(composite), cd)?;
    }

    let (document_code, issuing_state) = parse_header(format, l1)?;
    check_number(&number)?;
    check_birth_date(birth)?;
    check_expiry_date(expiry)?;
    let sex = parse_sex(at(l2, 20))?;
    let nationality = cut(l2, 10, 13);
    check_state(Field::Nationality, nationality)?;
    let (primary, secondary) = parse_name(cut(l1, 5, width))?;
    let common = Common {
        document_code,
        issuing_state,
        primary,
        secondary,
    };
    Ok(assemble(
        format,
        common,
        number,
        nationality,
        birth,
        sex,
        expiry,
        optional,
        b"",
    ))
}
