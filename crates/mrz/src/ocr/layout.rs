//! Which characters each MRZ position may hold (Doc 9303 Parts 4–7), so the classifier only chooses
//! among them, and which positions each check digit covers, so corrections can be searched per field.

use crate::field::Field;
use crate::format::MrzFormat;

/// The characters a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `A-Z`.
    Letter,
    /// `A-Z` or `<` (names, state codes).
    LetterOrFiller,
    /// `0-9`.
    Digit,
    /// `0-9` or `<` (unknown parts of a birth date, an empty personal number's check digit).
    DigitOrFiller,
    /// `A-Z`, `0-9` or `<` (document number, optional data).
    Any,
    /// `M`, `F`, `X` or `<`.
    Sex,
}

impl Kind {
    pub fn allows(self, c: u8) -> bool {
        match self {
            Kind::Letter => c.is_ascii_uppercase(),
            Kind::LetterOrFiller => c.is_ascii_uppercase() || c == b'<',
            Kind::Digit => c.is_ascii_digit(),
            Kind::DigitOrFiller => c.is_ascii_digit() || c == b'<',
            Kind::Any => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<',
            Kind::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
        }
    }
}

/// The kind of character at `line`, `col` (0-based) of `format`.
pub fn kind(format: MrzFormat, line: usize, col: usize) -> Kind {
    use Kind::*;
    match (format, line) {
        (MrzFormat::Td1, 0) => match col {
            0 => Letter,
            1..=4 => LetterOrFiller,
            14 => DigitOrFiller,
            _ => Any,
        },
        (MrzFormat::Td1, 1) => match col {
            0..=5 => DigitOrFiller,
            6 | 8..=14 | 29 => Digit,
            7 => Sex,
            15..=17 => LetterOrFiller,
            _ => Any,
        },
        (MrzFormat::Td1, _) => LetterOrFiller,
        (_, 0) => match col {
            0 => Letter,
            _ => LetterOrFiller,
        },
        (format, _) => match col {
            0..=8 => Any,
            9 if format == MrzFormat::Td2 => DigitOrFiller,
            9 | 19 | 21..=27 => Digit,
            10..=12 => LetterOrFiller,
            13..=18 => DigitOrFiller,
            20 => Sex,
            42 if format == MrzFormat::Td3 => DigitOrFiller,
            43 if format == MrzFormat::Td3 => Digit,
            35 if format == MrzFormat::Td2 => Digit,
            _ => Any,
        },
    }
}

/// A check digit and the positions it covers, as (line, col).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    pub field: Field,
    pub data: Vec<(usize, usize)>,
    pub digit: (usize, usize),
}

impl Guarded {
    /// Every position the check covers: the data, then the check digit itself.
    pub fn positions(&self) -> Vec<(usize, usize)> {
        self.data
            .iter()
            .copied()
            .chain(std::iter::once(self.digit))
            .collect()
    }
}

fn span(line: usize, cols: std::ops::Range<usize>) -> impl Iterator<Item = (usize, usize)> {
    cols.map(move |c| (line, c))
}

/// The check-digit-guarded fields of `format`. A TD1/TD2 document number longer than nine
/// characters moves its check digit into the optional data; `lines` (the current reading) tells
/// where, if it does.
pub fn guarded(format: MrzFormat, lines: &[Vec<u8>], field: Field) -> Option<Guarded> {
    let at = |l: usize, c: usize| lines.get(l).and_then(|r| r.get(c)).copied().unwrap_or(b'<');
    let g = |data: Vec<(usize, usize)>, digit| Some(Guarded { field, data, digit });
    match (format, field) {
        (MrzFormat::Td1, Field::DocumentNumber) => {
            if at(0, 14) == b'<' {
                let end = (15..30).find(|&c| at(0, c) == b'<').unwrap_or(30);
                if end < 17 {
                    return None;
                }
                g(
                    span(0, 5..14).chain(span(0, 15..end - 1)).collect(),
                    (0, end - 1),
                )
            } else {
                g(span(0, 5..14).collect(), (0, 14))
            }
        }
        (MrzFormat::Td1, Field::BirthDate) => g(span(1, 0..6).collect(), (1, 6)),
        (MrzFormat::Td1, Field::ExpiryDate) => g(span(1, 8..14).collect(), (1, 14)),
        (MrzFormat::Td1, Field::Composite) => g(
            span(0, 5..30)
                .chain(span(1, 0..7))
                .chain(span(1, 8..15))
                .chain(span(1, 18..29))
                .collect(),
            (1, 29),
        ),
        (MrzFormat::Td2, Field::DocumentNumber) if at(1, 9) == b'<' => {
            let end = (28..35).find(|&c| at(1, c) == b'<').unwrap_or(35);
            if end < 30 {
                return None;
            }
            g(
                span(1, 0..9).chain(span(1, 28..end - 1)).collect(),
                (1, end - 1),
            )
        }
        (_, Field::DocumentNumber) => g(span(1, 0..9).collect(), (1, 9)),
        (_, Field::BirthDate) => g(span(1, 13..19).collect(), (1, 19)),
        (_, Field::ExpiryDate) => g(span(1, 21..27).collect(), (1, 27)),
        (MrzFormat::Td3, Field::OptionalData) => g(span(1, 28..42).collect(), (1, 42)),
        (MrzFormat::Td3, Field::Composite) => g(
            span(1, 0..10)
                .chain(span(1, 13..20))
                .chain(span(1, 21..43))
                .collect(),
            (1, 43),
        ),
        (MrzFormat::Td2, Field::Composite) => g(
            span(1, 0..10)
                .chain(span(1, 13..20))
                .chain(span(1, 21..35))
                .collect(),
            (1, 35),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mrz;

    /// Every character of a valid MRZ is allowed by its position's kind.
    #[test]
    fn kinds_admit_the_specimens() {
        for text in [
            "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<8",
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ] {
            let mrz = Mrz::parse(text).expect("specimen");
            for (l, line) in mrz.lines().iter().enumerate() {
                for (c, ch) in line.bytes().enumerate() {
                    assert!(
                        kind(mrz.format(), l, c).allows(ch),
                        "{} line {l} col {c}",
                        mrz.format()
                    );
                }
            }
        }
    }

    #[test]
    fn the_long_td2_number_guards_its_overflow() {
        let lines: Vec<Vec<u8>> = [
            "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
            "D23145890<UTO3407127M95071227349<<<8",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        let g = guarded(MrzFormat::Td2, &lines, Field::DocumentNumber).expect("guarded");
        assert_eq!(g.digit, (1, 31));
        assert_eq!(g.data.len(), 12);
    }
}
