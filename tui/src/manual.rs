//! The manual-entry form: what the person types instead of scanning the code. Local checks are the
//! MRZ crate's own rules (`idgate_mrz::manual`, the ones the daemon applies: characters, lengths up
//! to a TD1 long document number, real and plausible dates, a 6-digit CAN) for instant feedback,
//! worded with the contract's own `FieldProblem` texts; the daemon's `SubmitManual` reply stays
//! the authority and marks the fields it names.

use std::fmt;

use idgate_api::{FieldProblem, Lang, ManualField};
use idgate_mrz::manual::{self, Problem};

use crate::i18n::{self, Phrase};
use crate::model::{Cmd, ManualData};

/// The calendar date: the MRZ crate's, the same the daemon validates with.
pub use idgate_mrz::Date;

/// `DD.MM.YYYY`, as printed on the data page and as the daemon takes it.
pub fn printed(date: Date) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year())
}

/// The contract's word for a problem the MRZ crate found in a typed field.
fn problem(p: Problem) -> FieldProblem {
    match p {
        Problem::Missing => FieldProblem::Missing,
        Problem::NotLettersAndDigits | Problem::NotDigits => FieldProblem::Characters,
        Problem::TooLong | Problem::WrongLength => FieldProblem::Length,
        Problem::DateFormat => FieldProblem::DateFormat,
        Problem::NotARealDate => FieldProblem::NotADate,
        Problem::InTheFuture => FieldProblem::InTheFuture,
        Problem::TooLongAgo => FieldProblem::TooLongAgo,
        Problem::TooFarAhead => FieldProblem::TooFarAhead,
        Problem::BeforeBirth => FieldProblem::BeforeBirth,
    }
}

/// The fields, in the order they are on the passport's data page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldId {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    Can,
}

impl FieldId {
    pub const ALL: [FieldId; 4] = [
        FieldId::DocumentNumber,
        FieldId::BirthDate,
        FieldId::ExpiryDate,
        FieldId::Can,
    ];

    /// The field's name in the bus contract (`SubmitManual`'s keys and reply).
    pub fn to_api(self) -> ManualField {
        match self {
            FieldId::DocumentNumber => ManualField::DocumentNumber,
            FieldId::BirthDate => ManualField::BirthDate,
            FieldId::ExpiryDate => ManualField::ExpiryDate,
            FieldId::Can => ManualField::Can,
        }
    }

    pub fn from_api(f: ManualField) -> Self {
        match f {
            ManualField::DocumentNumber => FieldId::DocumentNumber,
            ManualField::BirthDate => FieldId::BirthDate,
            ManualField::ExpiryDate => FieldId::ExpiryDate,
            ManualField::Can => FieldId::Can,
        }
    }

    /// The sentence under the field, in the contract's words (`FieldProblem::text`).
    pub fn problem_text(self, problem: FieldProblem, lang: Lang) -> String {
        problem.text(self.to_api(), lang)
    }

    pub fn label(self) -> Phrase {
        match self {
            FieldId::DocumentNumber => i18n::MANUAL_DOC,
            FieldId::BirthDate => i18n::MANUAL_BIRTH,
            FieldId::ExpiryDate => i18n::MANUAL_EXPIRY,
            FieldId::Can => i18n::MANUAL_CAN,
        }
    }

    pub fn hint(self) -> Phrase {
        match self {
            FieldId::DocumentNumber => i18n::MANUAL_DOC_HINT,
            FieldId::BirthDate | FieldId::ExpiryDate => i18n::MANUAL_DATE_HINT,
            FieldId::Can => i18n::MANUAL_CAN_HINT,
        }
    }

    fn max_len(self) -> usize {
        match self {
            FieldId::DocumentNumber => manual::MAX_DOCUMENT_NUMBER_LEN,
            FieldId::BirthDate | FieldId::ExpiryDate => 8,
            FieldId::Can => 6,
        }
    }

    fn is_date(self) -> bool {
        matches!(self, FieldId::BirthDate | FieldId::ExpiryDate)
    }

    /// What a typed key becomes in this field, or `None` if it cannot be part of it.
    fn accept(self, c: char) -> Option<char> {
        match self {
            FieldId::DocumentNumber => {
                let c = c.to_ascii_uppercase();
                c.is_ascii_alphanumeric().then_some(c)
            }
            _ => c.is_ascii_digit().then_some(c),
        }
    }
}

/// One input field. The value is MRZ data: Debug is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    pub id: FieldId,
    value: String,
    /// Marked once the person left the field or tried to send; before that only complete
    /// input is judged, so nobody is scolded for a half-typed date.
    touched: bool,
    rejected: Option<FieldProblem>,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("id", &self.id)
            .field("len", &self.value.len())
            .field("touched", &self.touched)
            .finish()
    }
}

impl Field {
    fn new(id: FieldId) -> Self {
        Field {
            id,
            value: String::new(),
            touched: false,
            rejected: None,
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// Dates are typed as digits and shown as `DD.MM.YYYY` with the rest of the mask.
    pub fn display(&self) -> String {
        if !self.id.is_date() {
            return self.value.clone();
        }
        let mask = ['D', 'D', '.', 'M', 'M', '.', 'Y', 'Y', 'Y', 'Y'];
        let mut digits = self.value.chars();
        let mut out = String::with_capacity(mask.len());
        let mut exhausted = false;
        for m in mask {
            if m == '.' {
                out.push('.');
                continue;
            }
            match (exhausted, digits.next()) {
                (false, Some(d)) => out.push(d),
                _ => {
                    exhausted = true;
                    out.push('_');
                }
            }
        }
        out
    }

    /// The date as typed, judged by the MRZ crate's rules for this field (a real date; a birth
    /// date not in the future nor implausibly long ago; an expiry not too far ahead).
    fn date(&self, today: Date) -> Result<Date, FieldProblem> {
        let v = &self.value;
        if v.len() != 8 {
            return Err(FieldProblem::DateFormat);
        }
        // Typed as DDMMYYYY; written out with dots so the crate cannot read it year-first.
        let printed = format!(
            "{}.{}.{}",
            v.get(0..2).unwrap_or_default(),
            v.get(2..4).unwrap_or_default(),
            v.get(4..8).unwrap_or_default()
        );
        let judged = if self.id == FieldId::BirthDate {
            manual::birth_date(&printed, today)
        } else {
            manual::expiry_date(&printed, today)
        };
        judged.map_err(|e| problem(e.problem))
    }

    /// The local verdict on the value alone, ignoring whether it was touched.
    pub fn check(&self, today: Date) -> Result<(), FieldProblem> {
        if let Some(p) = self.rejected {
            return Err(p);
        }
        if self.value.is_empty() {
            return if self.id == FieldId::Can {
                Ok(())
            } else {
                Err(FieldProblem::Missing)
            };
        }
        match self.id {
            FieldId::DocumentNumber => manual::document_number(&self.value)
                .map(|_| ())
                .map_err(|e| problem(e.problem)),
            FieldId::BirthDate | FieldId::ExpiryDate => self.date(today).map(|_| ()),
            FieldId::Can => manual::Can::parse(&self.value)
                .map(|_| ())
                .map_err(|e| problem(e.problem)),
        }
    }

    /// The error to show now: judged when the field is touched or full.
    fn touched_or_full(&self) -> bool {
        self.touched || self.value.len() >= self.id.max_len()
    }

    pub fn shown_error(&self, today: Date) -> Option<FieldProblem> {
        if !(self.touched_or_full() || self.rejected.is_some()) {
            return None;
        }
        self.check(today).err()
    }
}

/// The form. `sending` is set while `SubmitManual` is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualForm {
    pub fields: [Field; 4],
    pub focus: usize,
    pub sending: bool,
}

impl Default for ManualForm {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualForm {
    pub fn new() -> Self {
        ManualForm {
            fields: FieldId::ALL.map(Field::new),
            focus: 0,
            sending: false,
        }
    }

    pub fn focused(&self) -> FieldId {
        self.fields
            .get(self.focus)
            .map_or(FieldId::DocumentNumber, |f| f.id)
    }

    fn field_mut(&mut self, id: FieldId) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    pub fn field(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn type_char(&mut self, c: char) {
        let focus = self.focus;
        if let Some(f) = self.fields.get_mut(focus)
            && let Some(c) = f.id.accept(c)
            && f.value.len() < f.id.max_len()
        {
            f.value.push(c);
            f.rejected = None;
        }
    }

    pub fn backspace(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value.pop();
            f.rejected = None;
        }
    }

    /// Moves focus; the field left behind is now judged.
    pub fn move_focus(&mut self, forward: bool) {
        if let Some(f) = self.fields.get_mut(self.focus)
            && !f.value.is_empty()
        {
            f.touched = true;
        }
        let n = self.fields.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    /// Marks the fields the daemon's `SubmitManual` reply names (an unknown problem id reads as
    /// `unexpected`) and focuses the first of them.
    pub fn reject(&mut self, problems: &[(ManualField, Option<FieldProblem>)]) {
        let mut first = None;
        for &(field, problem) in problems {
            let id = FieldId::from_api(field);
            if let Some(f) = self.field_mut(id) {
                f.rejected = Some(problem.unwrap_or(FieldProblem::Unexpected));
                f.touched = true;
            }
            let pos = FieldId::ALL.iter().position(|f| *f == id);
            first = first.min(pos).or(pos);
        }
        if let Some(pos) = first {
            self.focus = pos;
        }
        self.sending = false;
    }

    /// An expiry before the birth date: judged across the two fields once both are real dates.
    fn cross_check(&self, today: Date) -> Option<(usize, FieldProblem)> {
        let birth = self.field(FieldId::BirthDate)?.date(today).ok()?;
        let expiry = self.field(FieldId::ExpiryDate)?.date(today).ok()?;
        let pos = FieldId::ALL
            .iter()
            .position(|f| *f == FieldId::ExpiryDate)?;
        (expiry < birth).then_some((pos, FieldProblem::BeforeBirth))
    }

    /// The problem to show under field `i`, including the cross-field one.
    pub fn shown_problem(&self, i: usize, today: Date) -> Option<FieldProblem> {
        let f = self.fields.get(i)?;
        f.shown_error(today)
            .or_else(|| match self.cross_check(today) {
                Some((pos, p)) if pos == i && f.touched_or_full() => Some(p),
                _ => None,
            })
    }

    /// The call to make if the form is complete; otherwise marks every field and focuses the
    /// first bad one. Only a CAN (with the other fields empty) is the PACE-only case.
    pub fn submit(&mut self, today: Date) -> Option<Cmd> {
        let only_can = self
            .fields
            .iter()
            .all(|f| f.id == FieldId::Can || f.value.is_empty());
        if only_can
            && let Some(can) = self.field(FieldId::Can)
            && can.value.len() == 6
        {
            return Some(Cmd::SubmitCan(can.value.clone()));
        }
        for f in &mut self.fields {
            f.touched = true;
        }
        if let Some(bad) = self.fields.iter().position(|f| f.check(today).is_err()) {
            self.focus = bad;
            return None;
        }
        if let Some((pos, _)) = self.cross_check(today) {
            self.focus = pos;
            return None;
        }
        let date = |id| self.field(id).and_then(|f| f.date(today).ok()).map(printed);
        let can = self
            .field(FieldId::Can)
            .map(|f| f.value.clone())
            .filter(|c| !c.is_empty());
        Some(Cmd::SubmitManual(ManualData {
            document_number: self.field(FieldId::DocumentNumber)?.value.clone(),
            birth_date: date(FieldId::BirthDate)?,
            expiry_date: date(FieldId::ExpiryDate)?,
            can,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 27 November 2026.
    fn today() -> Date {
        Date::new(2026, 11, 27).expect("a date")
    }

    fn typed(form: &mut ManualForm, s: &str) {
        for c in s.chars() {
            form.type_char(c);
        }
    }

    #[test]
    fn real_dates_only() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2026, 4, 31).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 1, 0).is_none());
    }

    #[test]
    fn unix_time_to_date() {
        assert_eq!(Date::from_unix_seconds(0), Date::new(1970, 1, 1));
        // 2000-03-01T00:00:00Z = 951868800
        assert_eq!(Date::from_unix_seconds(951_868_800), Date::new(2000, 3, 1));
        // 2026-11-27T04:00:00Z = 1795752000
        assert_eq!(Date::from_unix_seconds(1_795_752_000), Some(today()));
        assert_eq!(printed(today()), "27.11.2026");
    }

    #[test]
    fn the_document_number_takes_uppercase_letters_and_digits_up_to_a_td1_long_number() {
        let mut f = ManualForm::new();
        typed(&mut f, "l898-902c3XYZ");
        assert_eq!(f.fields[0].value(), "L898902C3XYZ");
        assert_eq!(f.fields[0].shown_error(today()), None);
        // 22 characters at most: nine plus a TD1 overflow of thirteen (as the MRZ crate allows).
        typed(&mut f, "ABCDEFGHIJKLMNOP");
        assert_eq!(f.fields[0].value().len(), 22);
    }

    #[test]
    fn a_td1_long_document_number_is_sent_whole() {
        // ICAO 9303 Part 5 TD1 overflow specimen number.
        let mut f = ManualForm::new();
        typed(&mut f, "D23145890734");
        f.move_focus(true);
        typed(&mut f, "12071934");
        f.move_focus(true);
        typed(&mut f, "12072035");
        let Some(Cmd::SubmitManual(data)) = f.submit(today()) else {
            panic!("a complete form is sent");
        };
        assert_eq!(data.document_number, "D23145890734");
    }

    #[test]
    fn dates_follow_the_mrz_crates_plausibility_rules() {
        let mut f = ManualForm::new();
        f.move_focus(true);
        typed(&mut f, "01011890");
        assert_eq!(
            f.fields[1].shown_error(today()),
            Some(FieldProblem::TooLongAgo)
        );
        f.move_focus(true);
        typed(&mut f, "01012090");
        assert_eq!(
            f.fields[2].shown_error(today()),
            Some(FieldProblem::TooFarAhead)
        );
    }

    #[test]
    fn dates_show_in_a_mask_and_are_judged_when_complete() {
        let mut f = ManualForm::new();
        f.move_focus(true);
        typed(&mut f, "3104");
        assert_eq!(f.fields[1].display(), "31.04.____");
        assert_eq!(
            f.fields[1].shown_error(today()),
            None,
            "not judged half-typed"
        );
        typed(&mut f, "1990");
        assert_eq!(f.fields[1].display(), "31.04.1990");
        assert_eq!(
            f.fields[1].shown_error(today()),
            Some(FieldProblem::NotADate)
        );
        f.backspace();
        f.backspace();
        typed(&mut f, "a8");
        assert_eq!(f.fields[1].display(), "31.04.198_");
    }

    #[test]
    fn a_half_typed_field_is_marked_once_left() {
        let mut f = ManualForm::new();
        f.move_focus(true);
        typed(&mut f, "1208");
        f.move_focus(true);
        assert_eq!(
            f.fields[1].shown_error(today()),
            Some(FieldProblem::DateFormat)
        );
    }

    #[test]
    fn a_birth_date_in_the_future_is_marked() {
        let mut f = ManualForm::new();
        f.move_focus(true);
        typed(&mut f, "01012030");
        assert_eq!(
            f.fields[1].shown_error(today()),
            Some(FieldProblem::InTheFuture)
        );
    }

    #[test]
    fn a_complete_form_becomes_submit_manual_with_printed_dates() {
        let mut f = ManualForm::new();
        typed(&mut f, "L898902C3");
        f.move_focus(true);
        typed(&mut f, "12081974");
        f.move_focus(true);
        typed(&mut f, "15042032");
        let cmd = f.submit(today()).expect("complete");
        assert_eq!(
            cmd,
            Cmd::SubmitManual(ManualData {
                document_number: "L898902C3".into(),
                birth_date: "12.08.1974".into(),
                expiry_date: "15.04.2032".into(),
                can: None,
            })
        );
    }

    #[test]
    fn an_incomplete_form_is_not_sent_and_the_first_bad_field_gets_focus() {
        let mut f = ManualForm::new();
        typed(&mut f, "L898902C3");
        f.move_focus(true);
        typed(&mut f, "12081974");
        f.move_focus(true);
        f.move_focus(true);
        typed(&mut f, "123");
        assert_eq!(f.submit(today()), None);
        assert_eq!(f.focused(), FieldId::ExpiryDate);
        assert_eq!(
            f.fields[2].shown_error(today()),
            Some(FieldProblem::Missing)
        );
        assert_eq!(f.fields[3].shown_error(today()), Some(FieldProblem::Length));
    }

    #[test]
    fn a_can_alone_is_the_pace_only_case() {
        let mut f = ManualForm::new();
        f.focus = 3;
        typed(&mut f, "123456");
        assert_eq!(f.submit(today()), Some(Cmd::SubmitCan("123456".into())));
    }

    #[test]
    fn an_expiry_before_birth_is_marked_on_the_expiry() {
        let mut f = ManualForm::new();
        typed(&mut f, "L898902C3");
        f.move_focus(true);
        typed(&mut f, "12081974");
        f.move_focus(true);
        typed(&mut f, "15041970");
        assert_eq!(f.shown_problem(2, today()), Some(FieldProblem::BeforeBirth));
        assert_eq!(f.submit(today()), None);
        assert_eq!(f.focused(), FieldId::ExpiryDate);
    }

    #[test]
    fn the_daemons_reply_marks_the_named_fields_in_its_words() {
        let mut f = ManualForm::new();
        typed(&mut f, "L898902C3");
        f.sending = true;
        f.reject(&[
            (ManualField::ExpiryDate, Some(FieldProblem::TooFarAhead)),
            (ManualField::BirthDate, None),
        ]);
        assert!(!f.sending);
        assert_eq!(
            f.focused(),
            FieldId::BirthDate,
            "the first marked field in form order"
        );
        assert_eq!(
            f.fields[2].shown_error(today()),
            Some(FieldProblem::TooFarAhead)
        );
        assert_eq!(
            f.fields[1].shown_error(today()),
            Some(FieldProblem::Unexpected)
        );
        assert_eq!(
            FieldId::ExpiryDate.problem_text(FieldProblem::TooFarAhead, Lang::En),
            "The expiry date is too far in the future."
        );
        f.focus = 2;
        typed(&mut f, "15042032");
        assert_eq!(
            f.fields[2].shown_error(today()),
            None,
            "typing replaces the rejection"
        );
    }

    #[test]
    fn field_values_never_show_in_debug() {
        let mut f = ManualForm::new();
        typed(&mut f, "L898902C3");
        assert!(!format!("{f:?}").contains("L898902C3"));
    }
}
