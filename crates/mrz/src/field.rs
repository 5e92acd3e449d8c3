//! The named fields of an MRZ, so that errors (and a UI) can point at the one that is wrong.

use std::fmt;

/// One field of the machine readable zone or of manual entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    DocumentCode,
    IssuingState,
    /// Primary and secondary identifier (surname and given names).
    Name,
    DocumentNumber,
    Nationality,
    BirthDate,
    Sex,
    ExpiryDate,
    /// TD1 line 1 optional data, TD2/MRV optional data, TD3 personal number.
    OptionalData,
    /// TD1 line 2 optional data.
    OptionalData2,
    /// The composite check digit over the upper/middle line fields.
    Composite,
    /// The 6-digit Card Access Number printed on PACE-only documents.
    Can,
}

impl Field {
    /// The field's name in a sentence ("the date of birth ...").
    pub fn name(self) -> &'static str {
        match self {
            Field::DocumentCode => "document code",
            Field::IssuingState => "issuing state",
            Field::Name => "name",
            Field::DocumentNumber => "document number",
            Field::Nationality => "nationality",
            Field::BirthDate => "date of birth",
            Field::Sex => "sex",
            Field::ExpiryDate => "expiry date",
            Field::OptionalData => "optional data",
            Field::OptionalData2 => "second optional data",
            Field::Composite => "composite",
            Field::Can => "card access number",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
