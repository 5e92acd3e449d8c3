//! Calendar dates without a time zone, and the two-digit-year rules of the MRZ.
//!
//! Time is passed in (`today`), never read from the clock, so the rules are testable.

use std::fmt;

/// A proleptic Gregorian calendar date. `Debug` redacts (a date may be a birth date); `Display`
/// gives ISO 8601 `YYYY-MM-DD` for when the caller means to show it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// How far ahead an expiry date may lie: passports are valid for at most ten years, some
/// documents longer; twenty leaves room without mistaking a 1950s date for 2050.
pub const EXPIRY_YEARS_AHEAD: u16 = 20;

impl Date {
    /// A real date, or `None` (month 13, 30 February, year 0 ...).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (UTC), e.g. from `SystemTime` in the daemon.
    pub fn from_unix_days(days: i64) -> Option<Self> {
        // Howard Hinnant's civil_from_days: exact for the whole proleptic Gregorian calendar.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// The UTC date of a Unix timestamp in seconds.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        Self::from_unix_days(seconds.div_euclid(86_400))
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// The MRZ form `YYMMDD`.
    pub fn yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// A date of birth from its MRZ form: the latest century that does not put it after `today`.
    /// `None` if the digits are not a real date (or hold fillers for an unknown date).
    pub fn birth_from_yymmdd(yymmdd: &str, today: Date) -> Option<Self> {
        let (yy, month, day) = split_yymmdd(yymmdd)?;
        let century = today.year - today.year % 100;
        let this_century = Self::new(century + yy, month, day);
        match this_century {
            Some(date) if date <= today => Some(date),
            // 29 February of a year that is leap in one century only falls back too.
            _ => Self::new(century.checked_sub(100)? + yy, month, day),
        }
    }

    /// An expiry date from its MRZ form: the century that puts it at most
    /// [`EXPIRY_YEARS_AHEAD`] years after `today` (so long-expired documents are recognised as such).
    pub fn expiry_from_yymmdd(yymmdd: &str, today: Date) -> Option<Self> {
        let (yy, month, day) = split_yymmdd(yymmdd)?;
        let limit = today.year + EXPIRY_YEARS_AHEAD;
        let century = limit - limit % 100;
        let year = if century + yy <= limit {
            century + yy
        } else {
            century.checked_sub(100)? + yy
        };
        Self::new(year, month, day)
    }

    /// Whether `YYMMDD` is a real date in at least one century (what the parser can check without `today`).
    pub fn is_real_yymmdd(yymmdd: &str) -> bool {
        split_yymmdd(yymmdd).is_some_and(|(yy, m, d)| {
            Self::new(1900 + yy, m, d).is_some() || Self::new(2000 + yy, m, d).is_some()
        })
    }

    /// The same day `years` later (28 February for 29 February in a common year).
    pub fn plus_years(self, years: u16) -> Self {
        let year = self.year.saturating_add(years);
        let day = self.day.min(days_in_month(year, self.month));
        Self {
            year,
            month: self.month,
            day,
        }
    }
}

fn split_yymmdd(yymmdd: &str) -> Option<(u16, u8, u8)> {
    let b = yymmdd.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    Some((u16::from(two(0)), two(2), two(4)))
}

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Date(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).expect("real date")
    }

    #[test]
    fn only_real_dates_exist() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2031, 4, 31).is_none());
        assert!(Date::new(2031, 13, 1).is_none());
        assert!(Date::new(2031, 0, 1).is_none());
        assert!(Date::new(2031, 1, 0).is_none());
    }

    #[test]
    fn unix_days_map_to_the_civil_calendar() {
        assert_eq!(
            Date::from_unix_days(0).map(|x| x.to_string()),
            Some("1970-01-01".into())
        );
        assert_eq!(
            Date::from_unix_days(11_016).map(|x| x.to_string()),
            Some("2000-02-29".into())
        );
        assert_eq!(
            Date::from_unix_seconds(1_750_636_800).map(|x| x.to_string()),
            Some("2025-06-23".into())
        );
        assert_eq!(
            Date::from_unix_days(-1).map(|x| x.to_string()),
            Some("1969-12-31".into())
        );
    }

    #[test]
    fn a_birth_date_is_never_in_the_future() {
        let today = d(2025, 6, 23);
        assert_eq!(
            Date::birth_from_yymmdd("740812", today),
            Some(d(1974, 8, 12))
        );
        assert_eq!(
            Date::birth_from_yymmdd("250623", today),
            Some(d(2025, 6, 23))
        );
        assert_eq!(
            Date::birth_from_yymmdd("250624", today),
            Some(d(1925, 6, 24))
        );
        assert_eq!(
            Date::birth_from_yymmdd("100101", today),
            Some(d(2010, 1, 1))
        );
        // 29 Feb 2000 is real; 29 Feb 1900 is not, and 2000 lies in the past.
        assert_eq!(
            Date::birth_from_yymmdd("000229", today),
            Some(d(2000, 2, 29))
        );
        assert_eq!(Date::birth_from_yymmdd("741312", today), None);
        assert_eq!(Date::birth_from_yymmdd("<<<<<<", today), None);
    }

    #[test]
    fn an_expiry_date_lies_at_most_twenty_years_ahead() {
        let today = d(2025, 6, 23);
        assert_eq!(
            Date::expiry_from_yymmdd("310623", today),
            Some(d(2031, 6, 23))
        );
        assert_eq!(
            Date::expiry_from_yymmdd("450101", today),
            Some(d(2045, 1, 1))
        );
        assert_eq!(
            Date::expiry_from_yymmdd("460101", today),
            Some(d(1946, 1, 1))
        );
        assert_eq!(
            Date::expiry_from_yymmdd("120415", today),
            Some(d(2012, 4, 15))
        );
        // Near a century boundary the window still works.
        let late = d(2095, 1, 1);
        assert_eq!(
            Date::expiry_from_yymmdd("050101", late),
            Some(d(2105, 1, 1))
        );
        assert_eq!(
            Date::expiry_from_yymmdd("900101", late),
            Some(d(2090, 1, 1))
        );
    }

    #[test]
    fn debug_redacts_but_display_shows_iso() {
        let date = d(1974, 8, 12);
        assert_eq!(format!("{date:?}"), "Date(<redacted>)");
        assert_eq!(date.to_string(), "1974-08-12");
        assert_eq!(date.yymmdd(), "740812");
    }
}
