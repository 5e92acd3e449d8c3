//! Values that travel on the bus: steps, outcomes, check results, the `Finished` checks dictionary
//! and the manual-entry dictionary. Every enum has a stable lower-case string form, which is what
//! the bus carries (so `busctl` users read words, not numbers).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use zbus::{DeserializeDict, OwnedVariant, SerializeDict, Type};

use crate::guidance::Lang;

/// A wire string that this build does not know (a newer daemon, or a typo from a shell app).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $( $(#[$vmeta:meta])* $variant:ident => $id:literal, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The string carried on the bus.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $id, )* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $id => Ok($name::$variant), )*
                    other => Err(UnknownValue { kind: $kind, value: other.to_owned() }),
                }
            }
        }
    };
}

wire_enum! {
    /// Where a session is in the flow (`Session1.Step`, first argument of `Status`).
    Step, "step" {
        /// Claimed, not started (or back here after `Retry` from a result).
        Idle => "idle",
        /// Reading the MRZ by camera, or waiting for manual entry.
        Code => "code",
        /// Reading the chip.
        Chip => "chip",
        /// Face capture, liveness and match.
        Face => "face",
        /// Finished; `Finished` has been emitted.
        Result => "result",
    }
}

wire_enum! {
    /// How a session ended (first argument of `Finished`).
    Outcome, "outcome" {
        /// Chip genuine, DG1 equal to the code, live face matched DG2.
        Verified => "verified",
        /// A check failed for good: see `reasons`; the person is offered the alternatives.
        NotVerified => "not_verified",
        /// Cancelled by the client, or its owner left the bus.
        Cancelled => "cancelled",
    }
}

wire_enum! {
    /// The result of one check in `Finished`'s dictionary.
    CheckResult, "check result" {
        Passed => "passed",
        Failed => "failed",
        /// The document does not offer it (e.g. no Active Authentication key).
        NotSupported => "not_supported",
        /// The flow ended before the check ran.
        NotRun => "not_run",
    }
}

wire_enum! {
    /// Where the code (the chip's access key) came from.
    CodeSource, "code source" {
        Camera => "camera",
        Manual => "manual",
        /// A card access number (PACE only).
        Can => "can",
    }
}

wire_enum! {
    /// How the chip was opened.
    ChipAccess, "chip access" {
        Pace => "pace",
        Bac => "bac",
    }
}

wire_enum! {
    /// The fields of `SubmitManual`'s dictionary (keys) and of its reply.
    ManualField, "manual-entry field" {
        DocumentNumber => "document_number",
        BirthDate => "birth_date",
        ExpiryDate => "expiry_date",
        Can => "can",
    }
}

wire_enum! {
    /// What is wrong with a manually entered field (values of `SubmitManual`'s reply).
    FieldProblem, "field problem" {
        Missing => "missing",
        /// Only A–Z and 0–9 in a document number; digits only in a CAN.
        Characters => "characters",
        /// Too long (document number) or not six digits (CAN).
        Length => "length",
        /// Not recognisable as a date (`YYMMDD`, `DD.MM.YYYY` and `YYYY-MM-DD` are accepted).
        DateFormat => "date_format",
        /// Looks like a date but is not one (31 April, month 13).
        NotADate => "not_a_date",
        /// A birth date in the future.
        InTheFuture => "in_the_future",
        /// A birth date implausibly long ago.
        TooLongAgo => "too_long_ago",
        /// An expiry date implausibly far ahead.
        TooFarAhead => "too_far_ahead",
        /// The expiry date comes before the date of birth.
        BeforeBirth => "before_birth",
        /// The key is not one of `ManualField` or its value is not a string.
        Unexpected => "unexpected",
    }
}

impl ManualField {
    fn noun(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ManualField::DocumentNumber, Lang::En) => "The document number",
            (ManualField::BirthDate, Lang::En) => "The date of birth",
            (ManualField::ExpiryDate, Lang::En) => "The expiry date",
            (ManualField::Can, Lang::En) => "The card access number (CAN)",
            (ManualField::DocumentNumber, Lang::Da) => "Dokumentnummeret",
            (ManualField::BirthDate, Lang::Da) => "Fødselsdatoen",
            (ManualField::ExpiryDate, Lang::Da) => "Udløbsdatoen",
            (ManualField::Can, Lang::Da) => "Kortadgangsnummeret (CAN)",
        }
    }
}

impl FieldProblem {
    /// The sentence shown next to the field, e.g. "The expiry date is not a real date."
    pub fn text(self, field: ManualField, lang: Lang) -> String {
        let noun = field.noun(lang);
        let can = field == ManualField::Can;
        let rest = match (self, lang) {
            (FieldProblem::Missing, Lang::En) => "is missing.",
            (FieldProblem::Characters, Lang::En) if can => "may only contain digits.",
            (FieldProblem::Characters, Lang::En) => "may only contain letters A–Z and digits.",
            (FieldProblem::Length, Lang::En) if can => "must have six digits.",
            (FieldProblem::Length, Lang::En) => "is too long.",
            (FieldProblem::DateFormat, Lang::En) => "should be written like 12.08.1974.",
            (FieldProblem::NotADate, Lang::En) => "is not a real date.",
            (FieldProblem::InTheFuture, Lang::En) => "cannot be in the future.",
            (FieldProblem::TooLongAgo, Lang::En) => "is too long ago.",
            (FieldProblem::TooFarAhead, Lang::En) => "is too far in the future.",
            (FieldProblem::BeforeBirth, Lang::En) => "comes before the date of birth.",
            (FieldProblem::Unexpected, Lang::En) => "was not understood.",
            (FieldProblem::Missing, Lang::Da) => "mangler.",
            (FieldProblem::Characters, Lang::Da) if can => "må kun indeholde tal.",
            (FieldProblem::Characters, Lang::Da) => "må kun indeholde bogstaverne A–Z og tal.",
            (FieldProblem::Length, Lang::Da) if can => "skal have seks cifre.",
            (FieldProblem::Length, Lang::Da) => "er for langt.",
            (FieldProblem::DateFormat, Lang::Da) => "skal skrives som 12.08.1974.",
            (FieldProblem::NotADate, Lang::Da) => "er ikke en rigtig dato.",
            (FieldProblem::InTheFuture, Lang::Da) => "kan ikke ligge i fremtiden.",
            (FieldProblem::TooLongAgo, Lang::Da) => "ligger for langt tilbage.",
            (FieldProblem::TooFarAhead, Lang::Da) => "ligger for langt ude i fremtiden.",
            (FieldProblem::BeforeBirth, Lang::Da) => "ligger før fødselsdatoen.",
            (FieldProblem::Unexpected, Lang::Da) => "blev ikke forstået.",
        };
        format!("{noun} {rest}")
    }
}

/// The manual entry (`SubmitManual(a{sv})`): `document_number`, `birth_date`, `expiry_date` (all
/// `s`), or `can` (`s`, six digits) alone for PACE-only documents. Dates are `YYMMDD` as in the
/// MRZ, `DD.MM.YYYY` as printed on the data page, or ISO `YYYY-MM-DD`.
///
/// Clients build it and pass it to [`SessionProxy::submit_manual`](crate::SessionProxy); the
/// daemon parses the raw dictionary with [`ManualEntry::from_dict`] so that a wrong type is
/// reported per field. Holds MRZ data: `Debug` is redacted.
#[derive(Clone, Default, PartialEq, Eq, SerializeDict, DeserializeDict, Type)]
#[zbus(signature = "a{sv}")]
pub struct ManualEntry {
    pub document_number: Option<String>,
    pub birth_date: Option<String>,
    pub expiry_date: Option<String>,
    pub can: Option<String>,
}

impl fmt::Debug for ManualEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("ManualEntry")
            .field("document_number", &shown(&self.document_number))
            .field("birth_date", &shown(&self.birth_date))
            .field("expiry_date", &shown(&self.expiry_date))
            .field("can", &shown(&self.can))
            .finish()
    }
}

/// A structural problem with a `SubmitManual` dictionary (unknown key, value not a string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualEntryError {
    #[error("unknown field {0:?} (expected document_number, birth_date, expiry_date or can)")]
    UnknownField(String),
    #[error("field {0} must be a string")]
    NotAString(ManualField),
}

impl ManualEntry {
    /// Reads the raw dictionary a caller sent. Unknown keys and non-string values are errors that
    /// name the field; an absent field stays `None` (the validator reports it as missing).
    pub fn from_dict(dict: &HashMap<String, OwnedVariant>) -> Result<Self, ManualEntryError> {
        let mut entry = ManualEntry::default();
        for (key, value) in dict {
            let field: ManualField = key
                .parse()
                .map_err(|_| ManualEntryError::UnknownField(truncated(key, 64)))?;
            let text: &str = value
                .try_into()
                .map_err(|_| ManualEntryError::NotAString(field))?;
            let slot = match field {
                ManualField::DocumentNumber => &mut entry.document_number,
                ManualField::BirthDate => &mut entry.birth_date,
                ManualField::ExpiryDate => &mut entry.expiry_date,
                ManualField::Can => &mut entry.can,
            };
            *slot = Some(text.to_owned());
        }
        Ok(entry)
    }
}

fn truncated(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// `SubmitManual`'s reply: field → problem. Empty means the entry was accepted and the chip
/// step begins.
pub type FieldErrors = HashMap<String, String>;

/// The `Finished` signal's `a{sv}`: what was checked and why it ended. Never holds MRZ fields,
/// names or images. Keys are stable; new keys may be added, so readers ignore unknown ones.
#[derive(Debug, Clone, Default, PartialEq, SerializeDict, DeserializeDict, Type)]
#[zbus(signature = "a{sv}")]
pub struct Checks {
    /// `reasons` (`as`): guidance ids of the failures, oldest first (empty when verified).
    pub reasons: Option<Vec<String>>,
    /// `guidance` (`s`): the final status code (`flow.verified`, `flow.alternatives`, …).
    pub guidance: Option<String>,
    /// `alternatives.en` / `alternatives.da` (`s`): this deployment's alternatives text, present
    /// when the person should be pointed to other ways (attempts exhausted).
    #[zbus(rename = "alternatives.en")]
    pub alternatives_en: Option<String>,
    #[zbus(rename = "alternatives.da")]
    pub alternatives_da: Option<String>,
    /// `code.source` (`s`): [`CodeSource`].
    #[zbus(rename = "code.source")]
    pub code_source: Option<String>,
    /// `chip.access` (`s`): [`ChipAccess`].
    #[zbus(rename = "chip.access")]
    pub chip_access: Option<String>,
    /// `chip.files` (`as`): the files read, e.g. `EF.COM`, `EF.SOD`, `DG1`, `DG2`.
    #[zbus(rename = "chip.files")]
    pub chip_files: Option<Vec<String>>,
    /// `chip.dg1_matches_code` (`s`): [`CheckResult`] of DG1 against the code step's MRZ.
    #[zbus(rename = "chip.dg1_matches_code")]
    pub chip_dg1_matches_code: Option<String>,
    /// `chip.passive_auth` (`s`): [`CheckResult`] of Passive Authentication (SOD, hashes, CSCA).
    #[zbus(rename = "chip.passive_auth")]
    pub chip_passive_auth: Option<String>,
    /// `chip.chip_auth` (`s`): [`CheckResult`] of Chip Authentication.
    #[zbus(rename = "chip.chip_auth")]
    pub chip_chip_auth: Option<String>,
    /// `chip.active_auth` (`s`): [`CheckResult`] of Active Authentication.
    #[zbus(rename = "chip.active_auth")]
    pub chip_active_auth: Option<String>,
    /// `face.score` (`d`): best similarity of a live frame to DG2.
    #[zbus(rename = "face.score")]
    pub face_score: Option<f64>,
    /// `face.threshold` (`d`): the deployment's match threshold.
    #[zbus(rename = "face.threshold")]
    pub face_threshold: Option<f64>,
    /// `face.match` (`s`): [`CheckResult`] of the match.
    #[zbus(rename = "face.match")]
    pub face_match: Option<String>,
    /// `face.liveness` (`s`): [`CheckResult`] of presentation-attack detection and challenge.
    #[zbus(rename = "face.liveness")]
    pub face_liveness: Option<String>,
    /// `attempts.code` / `attempts.chip` / `attempts.face` (`u`): attempts used per step.
    #[zbus(rename = "attempts.code")]
    pub attempts_code: Option<u32>,
    #[zbus(rename = "attempts.chip")]
    pub attempts_chip: Option<u32>,
    #[zbus(rename = "attempts.face")]
    pub attempts_face: Option<u32>,
    /// `duration_ms` (`t`): from `Start` to `Finished`.
    pub duration_ms: Option<u64>,
    /// `audit_id` (`s`): the audit record's id, for staff (`idgated audit list`).
    pub audit_id: Option<String>,
}

impl Checks {
    /// The alternatives text in `lang`, if the daemon offered alternatives.
    pub fn alternatives(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::En => self.alternatives_en.as_deref(),
            Lang::Da => self.alternatives_da.as_deref(),
        }
    }

    /// Parses a check result key; `None` when absent or unknown to this build.
    pub fn result(value: &Option<String>) -> Option<CheckResult> {
        value.as_deref().and_then(|v| v.parse().ok())
    }
}

/// A box drawn over a `Preview` frame (`a(iiii)`: x, y, width, height in preview pixels).
pub type PreviewBox = (i32, i32, i32, i32);

/// Largest `Preview` frame the daemon sends; clients may rely on it.
pub const PREVIEW_MAX_WIDTH: u32 = 160;
pub const PREVIEW_MAX_HEIGHT: u32 = 120;
/// Highest `Preview` rate.
pub const PREVIEW_MAX_FPS: u32 = 10;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zbus::Variant;

    #[test]
    fn enums_round_trip_through_their_wire_strings() {
        for s in Step::ALL {
            assert_eq!(s.as_str().parse::<Step>(), Ok(*s));
        }
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>(), Ok(*o));
        }
        for c in CheckResult::ALL {
            assert_eq!(c.as_str().parse::<CheckResult>(), Ok(*c));
        }
        for f in ManualField::ALL {
            assert_eq!(f.as_str().parse::<ManualField>(), Ok(*f));
        }
        for p in FieldProblem::ALL {
            assert_eq!(p.as_str().parse::<FieldProblem>(), Ok(*p));
        }
        assert!("done".parse::<Step>().is_err());
    }

    #[test]
    fn field_problem_texts_name_the_field() {
        assert_eq!(
            FieldProblem::NotADate.text(ManualField::ExpiryDate, Lang::En),
            "The expiry date is not a real date."
        );
        assert_eq!(
            FieldProblem::Characters.text(ManualField::Can, Lang::En),
            "The card access number (CAN) may only contain digits."
        );
        for f in ManualField::ALL {
            for p in FieldProblem::ALL {
                assert_ne!(p.text(*f, Lang::En), p.text(*f, Lang::Da));
            }
        }
    }

    #[test]
    fn manual_entry_from_dict_names_the_offending_field() {
        let mut dict = HashMap::new();
        dict.insert(
            "document_number".to_owned(),
            OwnedVariant::try_from(Variant::from("L898902C3")).unwrap(),
        );
        dict.insert(
            "birth_date".to_owned(),
            OwnedVariant::try_from(Variant::from(740812u32)).unwrap(),
        );
        assert_eq!(
            ManualEntry::from_dict(&dict),
            Err(ManualEntryError::NotAString(ManualField::BirthDate))
        );
        dict.remove("birth_date");
        dict.insert(
            "nationality".to_owned(),
            OwnedVariant::try_from(Variant::from("UTO")).unwrap(),
        );
        assert_eq!(
            ManualEntry::from_dict(&dict),
            Err(ManualEntryError::UnknownField("nationality".to_owned()))
        );
        dict.remove("nationality");
        let entry = ManualEntry::from_dict(&dict).unwrap();
        assert_eq!(entry.document_number.as_deref(), Some("L898902C3"));
        assert_eq!(entry.birth_date, None);
    }

    #[test]
    fn manual_entry_debug_never_shows_the_values() {
        let entry = ManualEntry {
            document_number: Some("L898902C3".into()),
            ..Default::default()
        };
        let shown = format!("{entry:?}");
        assert!(!shown.contains("L898902C3"), "{shown}");
        assert!(shown.contains("<set>"));
    }

    #[test]
    fn checks_serialise_as_a_string_variant_dictionary_with_dotted_keys() {
        use zbus::wire::serialized::Context;
        use zbus::wire::to_bytes;
        let checks = Checks {
            reasons: Some(vec!["face.no_match".into()]),
            face_score: Some(0.31),
            chip_passive_auth: Some(CheckResult::Passed.as_str().into()),
            ..Default::default()
        };
        assert_eq!(Checks::SIGNATURE.to_string(), "a{sv}");
        let ctxt = Context::new(zbus::wire::LE, 0);
        let bytes = to_bytes(ctxt, &checks).unwrap();
        let (back, _): (Checks, _) = bytes.deserialize().unwrap();
        assert_eq!(back, checks);
        assert_eq!(
            Checks::result(&back.chip_passive_auth),
            Some(CheckResult::Passed)
        );
        // The raw dictionary carries the dotted key that busctl users see.
        let (raw, _): (HashMap<String, OwnedVariant>, _) = bytes.deserialize().unwrap();
        assert!(raw.contains_key("chip.passive_auth"));
        assert!(raw.contains_key("face.score"));
        assert!(
            !raw.contains_key("face.threshold"),
            "absent values are omitted"
        );
    }
}
