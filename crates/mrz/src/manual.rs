//! Manual entry: what a person types when the camera cannot read the code — document number,
//! date of birth, expiry date, or the 6-digit CAN of a PACE-only card.
//!
//! Each field is checked on its own and every error names its [`Field`], so a UI can mark the field
//! and show [`FieldError::message`], a sentence the person understands.

use zeroize::Zeroizing;

pub use crate::access_key::Can;
use crate::access_key::ChipAccessKey;
use crate::date::{Date, EXPIRY_YEARS_AHEAD};
use crate::field::Field;

/// The longest document number an MRZ can carry: nine characters plus a TD1 overflow of thirteen.
pub const MAX_DOCUMENT_NUMBER_LEN: usize = 22;

/// The oldest birth date accepted, in years before today.
pub const MAX_AGE_YEARS: u16 = 130;

/// What is wrong with a typed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// Nothing was typed.
    Missing,
    /// Something other than letters and digits.
    NotLettersAndDigits,
    TooLong,
    /// Not recognisable as a date.
    DateFormat,
    /// Looks like a date but is not one (31 April, month 13).
    NotARealDate,
    InTheFuture,
    TooLongAgo,
    TooFarAhead,
    /// The expiry date comes before the date of birth.
    BeforeBirth,
    /// Something other than digits (CAN).
    NotDigits,
    /// A CAN has exactly six digits.
    WrongLength,
}

/// A field that could not be accepted, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", self.message())]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

impl FieldError {
    fn new(field: Field, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// A sentence for the person at the station.
    pub fn message(&self) -> String {
        let (the_field, example) = match self.field {
            Field::BirthDate => ("The date of birth", "12.08.1974"),
            Field::ExpiryDate => ("The expiry date", "23.06.2031"),
            Field::Can => ("The card access number", ""),
            _ => ("The document number", ""),
        };
        let lower = the_field.to_lowercase();
        match (self.field, self.problem) {
            (Field::Can, Problem::Missing) => {
                "Type the 6-digit card access number (CAN) printed on the document.".into()
            }
            (_, Problem::Missing) => format!("Type {lower}."),
            (_, Problem::NotLettersAndDigits) => {
                format!("{the_field} may only contain letters and digits.")
            }
            (_, Problem::TooLong) => format!("{the_field} is too long."),
            (_, Problem::DateFormat) => {
                format!("Type {lower} as day, month and year, for example {example}.")
            }
            (_, Problem::NotARealDate) => format!("{the_field} is not a real date."),
            (_, Problem::InTheFuture) => format!("{the_field} cannot be in the future."),
            (_, Problem::TooLongAgo) => format!("{the_field} is too long ago."),
            (_, Problem::TooFarAhead) => format!("{the_field} is too far in the future."),
            (_, Problem::BeforeBirth) => format!("{the_field} is before the date of birth."),
            (_, Problem::NotDigits) => format!("{the_field} may only contain digits."),
            (_, Problem::WrongLength) => format!("{the_field} has exactly 6 digits."),
        }
    }
}

/// All field errors of one manual entry, in field order, so a UI can mark every wrong field at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) need correcting", .0.len())]
pub struct ManualErrors(pub Vec<FieldError>);

impl ManualErrors {
    /// The error for `field`, if that field is wrong.
    pub fn for_field(&self, field: Field) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }
}

/// The document number as the MRZ writes it: upper case, spaces removed, trailing `<` dropped.
pub fn document_number(input: &str) -> Result<Zeroizing<String>, FieldError> {
    let err = |p| FieldError::new(Field::DocumentNumber, p);
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    for c in input.chars().filter(|c| !c.is_whitespace()) {
        out.push(c.to_ascii_uppercase());
    }
    // Someone copying the MRZ may include its fillers.
    while out.ends_with('<') {
        out.pop();
    }
    if out.is_empty() {
        return Err(err(Problem::Missing));
    }
    if !out
        .bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(err(Problem::NotLettersAndDigits));
    }
    if out.len() > MAX_DOCUMENT_NUMBER_LEN {
        return Err(err(Problem::TooLong));
    }
    Ok(out)
}

/// A date of birth: not in the future, at most [`MAX_AGE_YEARS`] ago.
pub fn birth_date(input: &str, today: Date) -> Result<Date, FieldError> {
    let date = parse_date(input, Field::BirthDate, today)?;
    if date > today {
        return Err(FieldError::new(Field::BirthDate, Problem::InTheFuture));
    }
    if date.plus_years(MAX_AGE_YEARS) < today {
        return Err(FieldError::new(Field::BirthDate, Problem::TooLongAgo));
    }
    Ok(date)
}

/// An expiry date: at most [`EXPIRY_YEARS_AHEAD`] years ahead. Expired documents are accepted here —
/// the chip can still be read; whether an expired document is good enough is the caller's policy.
pub fn expiry_date(input: &str, today: Date) -> Result<Date, FieldError> {
    let date = parse_date(input, Field::ExpiryDate, today)?;
    if date > today.plus_years(EXPIRY_YEARS_AHEAD) {
        return Err(FieldError::new(Field::ExpiryDate, Problem::TooFarAhead));
    }
    Ok(date)
}

/// Checks all three fields and builds the chip's key, or returns every field error.
pub fn access_key(
    number: &str,
    birth: &str,
    expiry: &str,
    today: Date,
) -> Result<ChipAccessKey, ManualErrors> {
    let number = document_number(number);
    let birth = birth_date(birth, today);
    let mut expiry = expiry_date(expiry, today);
    if let (Ok(b), Ok(e)) = (&birth, &expiry) {
        if e < b {
            expiry = Err(FieldError::new(Field::ExpiryDate, Problem::BeforeBirth));
        }
    }
    match (number, birth, expiry) {
        (Ok(number), Ok(birth), Ok(expiry)) => Ok(ChipAccessKey::from_verified_fields(
            &number,
            &birth.yymmdd(),
            &expiry.yymmdd(),
        )),
        (number, birth, expiry) => Err(ManualErrors(
            [number.err(), birth.err(), expiry.err()]
                .into_iter()
                .flatten()
                .collect(),
        )),
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// A piece of a typed date: digits, or a month name as printed on data pages ("23 JUN 2031").
fn group_value(group: &str) -> Option<u16> {
    if group.bytes().all(|c| c.is_ascii_digit()) {
        return group.parse().ok();
    }
    let upper = group.to_ascii_uppercase();
    let prefix = upper.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .and_then(|i| u16::try_from(i + 1).ok())
}

/// Accepts `2031-06-23`, `23.06.2031`, `23/06/2031`, `23 06 2031`, `23 JUN 2031`, `23.06.31`,
/// `310623` (as in the MRZ), `20310623` and `23062031`.
fn parse_date(input: &str, field: Field, today: Date) -> Result<Date, FieldError> {
    let err = |p| FieldError::new(field, p);
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(err(Problem::Missing));
    }
    let groups: Vec<&str> = trimmed
        .split(['-', '.', '/', ' ', ','])
        .filter(|g| !g.is_empty())
        .collect();
    if !groups
        .iter()
        .all(|g| g.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(err(Problem::DateFormat));
    }
    let two_digit_year = |yy: u16, month: u16, day: u16| {
        let yymmdd = format!("{:02}{:02}{:02}", yy, month, day);
        if !Date::is_real_yymmdd(&yymmdd) || month > 12 || day > 31 {
            return Err(err(Problem::NotARealDate));
        }
        let date = if field == Field::BirthDate {
            Date::birth_from_yymmdd(&yymmdd, today)
        } else {
            Date::expiry_from_yymmdd(&yymmdd, today)
        };
        date.ok_or(err(Problem::NotARealDate))
    };
    let full = |year: u16, month: u16, day: u16| {
        let (month, day) = (u8::try_from(month), u8::try_from(day));
        match (month, day) {
            (Ok(m), Ok(d)) => Date::new(year, m, d).ok_or(err(Problem::NotARealDate)),
            _ => Err(err(Problem::NotARealDate)),
        }
    };
    match groups.as_slice() {
        [single] if single.bytes().all(|c| c.is_ascii_digit()) => {
            let digit = |i: usize| {
                single
                    .get(i..i + 2)
                    .and_then(|s| s.parse::<u16>().ok())
                    .unwrap_or(99)
            };
            match single.len() {
                6 => two_digit_year(digit(0), digit(2), digit(4)),
                8 => {
                    let year_first = single
                        .get(..4)
                        .and_then(|s| s.parse::<u16>().ok())
                        .unwrap_or(0);
                    if (1900..=2199).contains(&year_first) {
                        full(year_first, digit(4), digit(6))
                    } else {
                        let year_last = single
                            .get(4..)
                            .and_then(|s| s.parse::<u16>().ok())
                            .unwrap_or(0);
                        full(year_last, digit(2), digit(0))
                    }
                }
                _ => Err(err(Problem::DateFormat)),
            }
        }
        [a, b, c] => {
            let values = (group_value(a), group_value(b), group_value(c));
            let (Some(va), Some(vb), Some(vc)) = values else {
                return Err(err(Problem::DateFormat));
            };
            // A month name only ever stands in the middle (23 JUN 2031).
            let letters = |g: &str| g.bytes().any(|c| c.is_ascii_alphabetic());
            if letters(a) || letters(c) {
                return Err(err(Problem::DateFormat));
            }
            match (a.len(), b.len(), c.len()) {
                (4, _, 1..=2) => full(va, vb, vc),
                (1..=2, _, 4) => full(vc, vb, va),
                (1..=2, _, 2) => two_digit_year(vc, vb, va),
                _ => Err(err(Problem::DateFormat)),
            }
        }
        _ => Err(err(Problem::DateFormat)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2025, 6, 23).expect("real date")
    }

    fn expiry(input: &str) -> Result<String, FieldError> {
        expiry_date(input, today()).map(|d| d.to_string())
    }

    #[test]
    fn expiry_date_is_accepted_in_the_ways_people_type_it() {
        for typed in [
            "2031-06-23",
            "23.06.2031",
            "23/06/2031",
            "23-06-2031",
            "23 06 2031",
            " 23.6.2031 ",
            "23 JUN 2031",
            "23 jun 2031",
            "23.06.31",
            "310623",
            "20310623",
            "23062031",
        ] {
            assert_eq!(expiry(typed), Ok("2031-06-23".into()), "{typed:?}");
        }
    }

    #[test]
    fn an_impossible_expiry_date_is_not_a_real_date() {
        for typed in [
            "31.04.2031",
            "2031-02-29",
            "310229",
            "32.01.2031",
            "01.13.2031",
        ] {
            let err = expiry(typed).expect_err(typed);
            assert_eq!(err.field, Field::ExpiryDate);
            assert_eq!(err.problem, Problem::NotARealDate, "{typed:?}");
            assert_eq!(err.message(), "The expiry date is not a real date.");
        }
    }

    #[test]
    fn something_that_is_no_date_asks_for_day_month_and_year() {
        for typed in [
            "next year",
            "2031",
            "23.06",
            "23:06:2031",
            "3106230",
            "2031-06-23-1",
        ] {
            let err = expiry(typed).expect_err(typed);
            assert_eq!(err.problem, Problem::DateFormat, "{typed:?}");
        }
        assert_eq!(
            expiry("soon").expect_err("no date").message(),
            "Type the expiry date as day, month and year, for example 23.06.2031."
        );
        assert_eq!(expiry("   ").expect_err("empty").problem, Problem::Missing);
    }

    #[test]
    fn expiry_more_than_twenty_years_ahead_is_refused_but_an_expired_one_is_not() {
        assert_eq!(
            expiry("01.01.2050").expect_err("far").problem,
            Problem::TooFarAhead
        );
        assert_eq!(expiry("15.04.2012"), Ok("2012-04-15".into()));
    }

    #[test]
    fn birth_date_two_digit_years_lie_in_the_past() {
        let birth = |s| birth_date(s, today()).map(|d| d.to_string());
        assert_eq!(birth("740812"), Ok("1974-08-12".into()));
        assert_eq!(birth("12.08.74"), Ok("1974-08-12".into()));
        assert_eq!(birth("12.08.10"), Ok("2010-08-12".into()));
        assert_eq!(birth("1974-08-12"), Ok("1974-08-12".into()));
        let future = birth_date("01.01.2030", today()).expect_err("future");
        assert_eq!(future.problem, Problem::InTheFuture);
        assert_eq!(
            future.message(),
            "The date of birth cannot be in the future."
        );
        assert_eq!(
            birth_date("01.01.1850", today()).expect_err("old").problem,
            Problem::TooLongAgo
        );
    }

    #[test]
    fn document_number_is_upper_cased_and_spaces_are_removed() {
        assert_eq!(
            document_number(" l898 902c ").expect("ok").as_str(),
            "L898902C"
        );
        assert_eq!(
            document_number("L898902C<").expect("ok").as_str(),
            "L898902C"
        );
        let err = document_number("L898-902C").expect_err("hyphen");
        assert_eq!(err.field, Field::DocumentNumber);
        assert_eq!(
            err.message(),
            "The document number may only contain letters and digits."
        );
        assert_eq!(
            document_number("ÆØÅ123").expect_err("non-ASCII").problem,
            Problem::NotLettersAndDigits
        );
        assert_eq!(
            document_number("").expect_err("empty").message(),
            "Type the document number."
        );
        assert_eq!(
            document_number(&"1".repeat(23)).expect_err("long").problem,
            Problem::TooLong
        );
    }

    #[test]
    fn manual_entry_gives_the_same_key_as_the_printed_mrz() {
        // ICAO 9303 Part 11 Appendix D: MRZ_information `L898902C<369080619406236`.
        let today = Date::new(1990, 1, 1).expect("real date");
        let key = access_key("l898902c", "06.08.1969", "23.06.1994", today).expect("valid");
        assert_eq!(key.mrz_information().as_str(), "L898902C<369080619406236");
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let errors =
            access_key("L89-8902C", "31.02.1974", "someday", today()).expect_err("three errors");
        let fields: Vec<Field> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [Field::DocumentNumber, Field::BirthDate, Field::ExpiryDate]
        );
        assert_eq!(
            errors
                .for_field(Field::BirthDate)
                .map(FieldError::message)
                .as_deref(),
            Some("The date of birth is not a real date.")
        );
    }

    #[test]
    fn an_expiry_before_birth_marks_the_expiry_date() {
        let errors =
            access_key("L898902C", "12.08.1974", "15.04.1970", today()).expect_err("before birth");
        assert_eq!(
            errors.0,
            [FieldError {
                field: Field::ExpiryDate,
                problem: Problem::BeforeBirth
            }]
        );
    }

    #[test]
    fn a_can_is_six_digits() {
        assert_eq!(Can::parse("123 456").expect("valid").digits(), "123456");
        assert_eq!(
            Can::parse("12345").expect_err("short").problem,
            Problem::WrongLength
        );
        assert_eq!(
            Can::parse("12345a").expect_err("letter").problem,
            Problem::NotDigits
        );
        assert_eq!(Can::parse("").expect_err("empty").problem, Problem::Missing);
        assert_eq!(
            Can::parse("1234567").expect_err("long").message(),
            "The card access number has exactly 6 digits."
        );
        assert_eq!(
            format!("{:?}", Can::parse("123456").expect("valid")),
            "Can(<redacted>)"
        );
    }
}
