//! The Logical Data Structure (ICAO 9303 Part 10): file identifiers and the parsers of the files.

pub mod atr_info;
pub mod card_access;
pub mod com;
pub mod dg1;
pub mod dg11;
pub mod dg12;
pub mod dg2;
pub mod dg7;
mod face;
pub mod face39794;
pub mod image;
pub mod security_infos;
mod tag_list;

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

use crate::iso7816::tlv::TlvError;

/// Why an LDS file's contents are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LdsError {
    /// The file is not well-formed BER-TLV or misses a mandatory object (ISO/IEC 7816-4 §5.2). From
    /// a chip: [`ChipFailure::NotGenuine`](crate::ChipFailure::NotGenuine) with check `lds`.
    #[error("TLV structure: {0}")]
    Tlv(#[from] TlvError),
    /// The file is well-formed but breaks its definition in ICAO 9303 Part 10 or 11 (a field of the
    /// wrong type, a count that disagrees, text that is not UTF-8); the text names the rule, never
    /// the data. From a chip: not genuine (`lds`).
    #[error("{0}")]
    Invalid(&'static str),
    /// DG1's MRZ breaks the rules of ICAO 9303 Parts 3-5 (layout, characters, check digits).
    #[error("DG1 MRZ: {0}")]
    Mrz(#[from] idgate_mrz::MrzError),
}

/// An elementary file of the eMRTD (or of the master file, before access control).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LdsFile {
    /// EF.CardAccess (MF, FID 011C, SFI 1C): PACE parameters, readable without access control.
    CardAccess,
    /// EF.ATR/INFO (MF, FID 2F01, SFI 01): extended length support and buffer sizes.
    AtrInfo,
    /// EF.COM (FID 011E, SFI 1E): LDS version and the data groups present.
    Com,
    /// EF.SOD (FID 011D, SFI 1D): the Document Security Object (signed hashes of the DGs).
    Sod,
    /// Data group 1..=16 (FID 01nn, SFI nn).
    Dg(u8),
}

impl fmt::Debug for LdsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LdsFile::CardAccess => f.write_str("EF.CardAccess"),
            LdsFile::AtrInfo => f.write_str("EF.ATR/INFO"),
            LdsFile::Com => f.write_str("EF.COM"),
            LdsFile::Sod => f.write_str("EF.SOD"),
            LdsFile::Dg(n) => write!(f, "DG{n}"),
        }
    }
}

impl fmt::Display for LdsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl LdsFile {
    /// DG1, the MRZ (ICAO 9303 Part 10 §4.7.1).
    pub const DG1: LdsFile = LdsFile::Dg(1);
    /// DG2, the encoded face (ICAO 9303 Part 10 §4.7.2).
    pub const DG2: LdsFile = LdsFile::Dg(2);
    /// DG7, the displayed signature or usual mark (ICAO 9303 Part 10 §4.7.7).
    pub const DG7: LdsFile = LdsFile::Dg(7);
    /// DG11, additional personal details (ICAO 9303 Part 10 §4.7.11).
    pub const DG11: LdsFile = LdsFile::Dg(11);
    /// DG12, additional document details (ICAO 9303 Part 10 §4.7.12).
    pub const DG12: LdsFile = LdsFile::Dg(12);
    /// DG14, the security options: Chip Authentication and PACE-CAM keys (ICAO 9303 Part 10
    /// §4.7.14).
    pub const DG14: LdsFile = LdsFile::Dg(14);
    /// DG15, the Active Authentication public key (ICAO 9303 Part 10 §4.7.15).
    pub const DG15: LdsFile = LdsFile::Dg(15);

    /// File identifier.
    pub fn fid(self) -> u16 {
        match self {
            LdsFile::CardAccess => 0x011C,
            LdsFile::AtrInfo => 0x2F01,
            LdsFile::Com => 0x011E,
            LdsFile::Sod => 0x011D,
            LdsFile::Dg(n) => 0x0100 | u16::from(n),
        }
    }

    /// Short file identifier (READ BINARY with P1 = 0x80 | SFI).
    pub fn sfi(self) -> u8 {
        match self {
            LdsFile::CardAccess => 0x1C,
            LdsFile::AtrInfo => 0x01,
            LdsFile::Com => 0x1E,
            LdsFile::Sod => 0x1D,
            LdsFile::Dg(n) => n,
        }
    }

    /// The outer tag of the file's TLV content (EF.ATR/INFO has none: it is a bare TLV sequence).
    pub fn tag(self) -> Option<u32> {
        Some(match self {
            LdsFile::CardAccess => 0x31,
            LdsFile::AtrInfo => return None,
            LdsFile::Com => 0x60,
            LdsFile::Sod => 0x77,
            LdsFile::Dg(n) => match n {
                1 => 0x61,
                2 => 0x75,
                3 => 0x63,
                4 => 0x76,
                5 => 0x65,
                6 => 0x66,
                7 => 0x67,
                8 => 0x68,
                9 => 0x69,
                10 => 0x6A,
                11 => 0x6B,
                12 => 0x6C,
                13 => 0x6D,
                14 => 0x6E,
                15 => 0x6F,
                16 => 0x70,
                _ => return None,
            },
        })
    }

    /// The data group whose EF.COM tag is `tag`.
    pub fn from_tag(tag: u8) -> Option<LdsFile> {
        (1..=16)
            .map(LdsFile::Dg)
            .find(|f| f.tag() == Some(u32::from(tag)))
    }

    /// Files in the master file, read before the eMRTD application is selected.
    pub fn in_master_file(self) -> bool {
        matches!(self, LdsFile::CardAccess | LdsFile::AtrInfo)
    }
}

/// The raw bytes of every file read, by file. Zeroized on drop: they hold personal data.
#[derive(Default, Clone)]
pub struct RawFiles {
    files: BTreeMap<LdsFile, Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for RawFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.files.iter().map(|(k, v)| (k, v.len())))
            .finish()
    }
}

impl RawFiles {
    /// The bytes read from `file` (its whole TLV, outer tag included), if it was read.
    pub fn get(&self, file: LdsFile) -> Option<&[u8]> {
        self.files.get(&file).map(|v| v.as_slice())
    }

    /// Stores the bytes read from `file`, replacing (and zeroizing) any earlier copy.
    pub fn insert(&mut self, file: LdsFile, bytes: Vec<u8>) {
        self.files.insert(file, Zeroizing::new(bytes));
    }

    /// Whether `file` was read.
    pub fn contains(&self, file: LdsFile) -> bool {
        self.files.contains_key(&file)
    }

    /// Files in identifier order.
    pub fn iter(&self) -> impl Iterator<Item = (LdsFile, &[u8])> {
        self.files.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Number of files read.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// No file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Text fields in the LDS are UTF-8 (Part 10 §4.7); invalid bytes are a format violation.
pub(crate) fn utf8(bytes: &[u8], what: &'static str) -> Result<String, LdsError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| LdsError::Invalid(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_part_10_table() {
        assert_eq!(LdsFile::Com.fid(), 0x011E);
        assert_eq!(LdsFile::DG2.fid(), 0x0102);
        assert_eq!(LdsFile::DG14.sfi(), 14);
        assert_eq!(LdsFile::from_tag(0x75), Some(LdsFile::DG2));
        assert_eq!(LdsFile::from_tag(0x6F), Some(LdsFile::DG15));
        assert_eq!(LdsFile::from_tag(0x77), None);
        assert_eq!(format!("{:?}", LdsFile::DG11), "DG11");
    }
}
