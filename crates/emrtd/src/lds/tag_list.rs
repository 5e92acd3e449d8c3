//! The shape DG11 and DG12 share (ICAO 9303 Part 10 §4.7.11–12): a template of optional `5Fxx`
//! text fields, some of them dates, and one `A0` list of repeated names. One walker reads both.

use super::{LdsError, utf8};
use crate::iso7816::tlv;

/// How a field's value is decoded.
pub(crate) enum Decode {
    /// UTF-8 text.
    Text,
    /// A date ([`date`]); the string names the field in the error.
    Date(&'static str),
}

/// A data group made of tagged text fields: where each tag goes and how it reads.
pub(crate) trait TextFields: Default {
    /// The data group's outer tag (`6B`, `6C`).
    const TAG: u32;
    /// The tag of each entry in the `A0` list (`5F0F` other names, `5F1A` other persons).
    const LIST_ENTRY: u32;
    /// The error of a text field that is not UTF-8.
    const TEXT_NOT_UTF8: &'static str;
    /// The error of a list entry that is not UTF-8.
    const ENTRY_NOT_UTF8: &'static str;

    /// The slot of the field tagged `tag`; `None` for tags this reader skips.
    fn field(&mut self, tag: u32) -> Option<(Decode, &mut Option<String>)>;
    /// Where the `A0` list's entries go.
    fn list(&mut self) -> &mut Vec<String>;
}

/// Parses `raw` into `T`; unknown tags (the `5C` tag list, images) are skipped.
pub(crate) fn parse<T: TextFields>(raw: &[u8]) -> Result<T, LdsError> {
    let group = tlv::parse_tagged(raw, T::TAG)?;
    let mut out = T::default();
    for t in group.children()? {
        if t.tag == 0xA0 {
            for n in t.children()?.iter().filter(|n| n.tag == T::LIST_ENTRY) {
                let entry = utf8(n.value, T::ENTRY_NOT_UTF8)?;
                out.list().push(entry);
            }
        } else if let Some((decode, slot)) = out.field(t.tag) {
            *slot = Some(match decode {
                Decode::Text => utf8(t.value, T::TEXT_NOT_UTF8)?,
                Decode::Date(what) => date(t.value, what)?,
            });
        }
    }
    Ok(out)
}

/// A date stored either as 8 ASCII digits or as 4 BCD bytes (both occur in the field).
pub(crate) fn date(value: &[u8], what: &'static str) -> Result<String, LdsError> {
    if value.iter().all(u8::is_ascii_digit) {
        return utf8(value, what);
    }
    let digits: String = value
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .map(|d| char::from_digit(u32::from(d), 10))
        .collect::<Option<_>>()
        .ok_or(LdsError::Invalid(what))?;
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_encodings() {
        assert_eq!(date(b"19740812", "d").expect("ascii"), "19740812");
        assert_eq!(
            date(&[0x19, 0x74, 0x08, 0x12], "d").expect("bcd"),
            "19740812"
        );
        assert!(date(&[0x1A], "d").is_err());
    }
}
