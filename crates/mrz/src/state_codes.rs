//! The three-letter codes an MRZ may hold as issuing state or nationality.
//!
//! ICAO Doc 9303 Part 3 (section 5, "Three-letter codes") takes the alpha-3 codes of ISO 3166-1 for
//! states and territories and adds its own for Germany (`D`), the classes of British nationals,
//! organisations that issue travel documents, and persons without a nationality. Our own table,
//! written from those two sources; the parser does not use it (a document from a newly coded state
//! must still be typed in), but the camera reading does: a reading that shows a code outside the
//! table is a misread cell, which no check digit would catch.

/// ISO 3166-1 alpha-3: states and territories.
const ISO_3166_1: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// Doc 9303 Part 3's own codes: Germany's `D`; British Overseas Territories citizen, national
/// (overseas), overseas citizen, protected person, subject; the European Union; Kosovo; the United
/// Nations and its agencies, Kosovo under UNMIK; the issuing organisations (`X..` codes);
/// stateless persons, refugees and unspecified nationality (`XXA`, `XXB`, `XXC`, `XXX`); the
/// fictitious state Utopia of Doc 9303's own specimens; and Zimbabwe's former `ZIM`, still
/// listed for documents in circulation.
const ICAO_ONLY: &[&str] = &[
    "D", "GBD", "GBN", "GBO", "GBP", "GBS", "EUE", "RKS", "UNA", "UNK", "UNO", "XBA", "XCC", "XCE",
    "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX", "UTO",
    "ZIM",
];

/// Every code, fillers removed (`D`, not `D<<`).
pub fn all() -> impl Iterator<Item = &'static str> {
    ISO_3166_1.iter().chain(ICAO_ONLY).copied()
}

/// Whether `field` (as printed: three characters, fillers at the end, e.g. `D<<`) is a code of
/// Doc 9303 Part 3.
pub fn is_known(field: &[u8]) -> bool {
    let end = field.iter().rposition(|&c| c != b'<').map_or(0, |i| i + 1);
    let (code, fill) = field.split_at(end);
    fill.iter().all(|&c| c == b'<') && all().any(|k| k.as_bytes() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_icao_codes_are_known_with_or_without_fillers() {
        for code in [b"NLD".as_slice(), b"D<<", b"GBN", b"XXA", b"UNK", b"EUE"] {
            assert!(is_known(code), "{}", String::from_utf8_lossy(code));
        }
    }

    #[test]
    fn misread_codes_are_not_known() {
        // An issuing state read one letter off (NLD -> NLX), letters after a filler, digits.
        for code in [b"NLX".as_slice(), b"D<E", b"132", b"<<<", b"DE<", b"GB<"] {
            assert!(!is_known(code), "{}", String::from_utf8_lossy(code));
        }
    }

    #[test]
    fn the_tables_hold_every_iso_code_once_and_nothing_else() {
        assert_eq!(ISO_3166_1.len(), 249);
        let mut seen = std::collections::HashSet::new();
        for code in all() {
            assert!(seen.insert(code), "{code} twice");
            assert!((1..=3).contains(&code.len()) && code.bytes().all(|c| c.is_ascii_uppercase()));
        }
    }
}
