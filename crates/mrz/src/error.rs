//! Why an MRZ was rejected. Errors name the line, column or field, never the data itself.

use crate::field::Field;
use crate::format::MrzFormat;

/// A rejected MRZ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// Neither 2×44, 2×36 nor 3×30 (nor 88, 72 or 90 characters in one piece).
    #[error(
        "an MRZ has 2 lines of 44 or 36 characters or 3 lines of 30, not {lines} line(s) of {chars} characters in all"
    )]
    Shape { lines: usize, chars: usize },
    /// The line count fits a format but one line is too short or too long (1-based `line`).
    #[error("line {line} has {found} characters where {format} has {expected}")]
    LineLength {
        line: usize,
        format: MrzFormat,
        expected: usize,
        found: usize,
    },
    /// A character outside `A-Z 0-9 <` (1-based line and column).
    #[error("line {line}, column {column} holds a character that cannot appear in an MRZ")]
    BadCharacter { line: usize, column: usize },
    /// A check digit does not match its field.
    #[error("the {field} check digit is wrong")]
    CheckDigit {
        field: Field,
        expected: char,
        found: char,
    },
    /// The field is well-formed character-wise but cannot be what it claims to be.
    #[error("the {field} is not valid: {reason}")]
    InvalidField { field: Field, reason: &'static str },
}

impl MrzError {
    /// The field at fault, when the error is about one field.
    pub fn field(&self) -> Option<Field> {
        match self {
            MrzError::CheckDigit { field, .. } | MrzError::InvalidField { field, .. } => {
                Some(*field)
            }
            _ => None,
        }
    }
}
