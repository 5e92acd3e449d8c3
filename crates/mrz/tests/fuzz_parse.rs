//! Fuzz targets `mrz_parse` and `manual_entry`: the MRZ parser and the manual-entry validation
//! on arbitrary Unicode and on near-valid MRZs. Never a panic; what is accepted is consistent.
//! Runner: `scripts/fuzz mrz_parse manual_entry` (the driver: idgate_testbed::fuzz).

use idgate_mrz::{Can, Date, Mrz, manual};
use idgate_testbed::fuzz::{fuzz, mutated, text};
use idgate_testbed::specimen::SPECIMEN_TD3;
use proptest::prelude::*;

/// A valid TD3 MRZ (the simulator's specimen) to mutate.
fn specimen_lines() -> String {
    SPECIMEN_TD3.join("\n")
}

#[test]
fn mrz_parse() {
    let valid = specimen_lines();
    assert!(Mrz::parse(&valid).is_ok());
    let input = prop_oneof![text(300), mutated(valid, 6)];
    fuzz("mrz_parse", 2000, input, |s| {
        if let Ok(mrz) = Mrz::parse(&s) {
            // Whatever is accepted yields a key, and parses again from its own lines.
            let _ = mrz.access_key();
            let again = mrz.lines().join("\n");
            prop_assert!(Mrz::parse(&again).is_ok(), "its own lines were refused");
        }
        let _ = Mrz::parse_dg1_text(s.as_bytes());
        Ok(())
    });
}

#[test]
fn manual_entry() {
    let today = Date::new(2026, 12, 5).expect("date");
    let field = prop_oneof![
        text(40),
        mutated("IDG004211".into(), 3),
        mutated("1961-08-04".into(), 3),
        mutated("04.08.1961".into(), 3),
        mutated("2035-04-15".into(), 3),
        mutated("123456".into(), 3),
    ];
    let input = (field.clone(), field.clone(), field.clone(), field);
    fuzz(
        "manual_entry",
        2000,
        input,
        |(number, birth, expiry, can)| {
            match manual::access_key(&number, &birth, &expiry, today) {
                Ok(_) => {
                    // An accepted entry has a document number of MRZ characters.
                    prop_assert!(!number.trim().is_empty());
                }
                Err(errors) => prop_assert!(!errors.0.is_empty(), "an error without a field"),
            }
            if let Ok(c) = Can::parse(&can) {
                // A CAN is a secret: its Debug never shows it.
                let shown = format!("{:?}", c);
                prop_assert!(!shown.contains(can.trim()), "{}", shown);
            }
            Ok(())
        },
    );
}
