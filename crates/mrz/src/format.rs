//! The five MRZ layouts of ICAO Doc 9303 Parts 4–7 and their line geometry.

use std::fmt;

/// Which document layout an MRZ uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    /// ID-1 size card: 3 lines of 30 (Part 5).
    Td1,
    /// ID-2 size card: 2 lines of 36 (Part 6).
    Td2,
    /// Passport: 2 lines of 44 (Part 4).
    Td3,
    /// Full-size visa: 2 lines of 44 (Part 7).
    MrvA,
    /// Small visa: 2 lines of 36 (Part 7).
    MrvB,
}

impl MrzFormat {
    pub const ALL: [MrzFormat; 5] = [
        MrzFormat::Td1,
        MrzFormat::Td2,
        MrzFormat::Td3,
        MrzFormat::MrvA,
        MrzFormat::MrvB,
    ];

    /// Number of lines.
    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub fn line_len(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }

    /// Characters in all lines together (as DG1 stores them): 90, 72 or 88.
    pub fn total_len(self) -> usize {
        self.line_count() * self.line_len()
    }

    /// Whether the layout ends in a composite check digit (visas have none).
    pub fn has_composite(self) -> bool {
        !matches!(self, MrzFormat::MrvA | MrzFormat::MrvB)
    }

    /// The layouts a line geometry could be; the document code then decides between them.
    pub(crate) fn candidates(line_count: usize, line_len: usize) -> &'static [MrzFormat] {
        match (line_count, line_len) {
            (3, 30) => &[MrzFormat::Td1],
            (2, 36) => &[MrzFormat::Td2, MrzFormat::MrvB],
            (2, 44) => &[MrzFormat::Td3, MrzFormat::MrvA],
            _ => &[],
        }
    }
}

impl fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
            MrzFormat::MrvA => "MRV-A",
            MrzFormat::MrvB => "MRV-B",
        })
    }
}
