//! EF.COM (ICAO 9303 Part 10 §4.6.1): LDS version, Unicode version and the data groups present.

use super::{LdsError, LdsFile, utf8};
use crate::iso7816::tlv;

/// EF.COM (ICAO 9303 Part 10 §4.6.1, tag `60`): which LDS version the chip follows and which data
/// groups it holds. Not signed: EF.SOD is the authority on what is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// "0107" for LDS 1.7.
    pub lds_version: String,
    /// `5F36`, the Unicode version as six digits ("040000" for Unicode 4.0.0).
    pub unicode_version: String,
    /// The data groups the tag list names, in its order.
    pub data_groups: Vec<LdsFile>,
}

impl EfCom {
    /// Parses EF.COM: `60` { `5F01` LDS version, `5F36` Unicode version, `5C` tag list }; a tag in
    /// the list that names no data group is [`LdsError::Invalid`].
    pub fn parse(raw: &[u8]) -> Result<Self, LdsError> {
        let com = tlv::parse_tagged(raw, 0x60)?;
        let lds_version = utf8(com.required(0x5F01)?.value, "LDS version is not text")?;
        let unicode_version = utf8(com.required(0x5F36)?.value, "Unicode version is not text")?;
        let data_groups = com
            .required(0x5C)?
            .value
            .iter()
            .map(|t| {
                LdsFile::from_tag(*t).ok_or(LdsError::Invalid("unknown tag in EF.COM tag list"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            lds_version,
            unicode_version,
            data_groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_10_appendix_a_sample() {
        // ICAO 9303 Part 10 Appendix A EF.COM (as gmrtd document/sample_document.go prints it): LDS 0106, Unicode 040000, DG1 and DG2.
        let raw = hex::decode("60145F0104303130365F36063034303030305C026175").expect("hex");
        let com = EfCom::parse(&raw).expect("parses");
        assert_eq!(com.lds_version, "0106");
        assert_eq!(com.unicode_version, "040000");
        assert_eq!(com.data_groups, vec![LdsFile::DG1, LdsFile::DG2]);
    }

    #[test]
    fn broken_samples() {
        for bad in ["", "6000", "60045F010130", "60085F0101305C0199"] {
            let raw = hex::decode(bad).expect("hex");
            assert!(EfCom::parse(&raw).is_err(), "{bad}");
        }
    }
}
