//! Fuzz targets `config_toml` and `audit_decode`: the configuration parser on arbitrary text and
//! on mutations of the shipped example, and audit record decoding on arbitrary bytes and on
//! mutations of a real record. Never a panic; errors name a line within the text, and a damaged
//! record is an error that does not quote it. Runner: `scripts/fuzz config_toml audit_decode`.

use idgate_testbed::fuzz::{fuzz, mutated, text};
use idgated::audit::{AuditRecord, decode_record};
use idgated::config::{Config, ConfigError, weaknesses};
use proptest::prelude::*;

#[test]
fn config_toml() {
    let example = include_str!("../idgated.example.toml").to_owned();
    // Lines of the example, kept, dropped or with a value replaced.
    let lines: Vec<String> = example.lines().map(str::to_owned).collect();
    let values = prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1e309".to_owned()),
        Just("nan".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\"\"".to_owned()),
        Just("true".to_owned()),
        Just("[1, \"a\"]".to_owned()),
        Just("{ a = 1 }".to_owned()),
        text(30).prop_map(|t| format!("{t:?}")),
    ];
    let reshaped = proptest::collection::vec((0u8..6, values), lines.len()).prop_map(move |ops| {
        lines
            .iter()
            .zip(ops)
            .filter_map(|(line, (op, value))| match op {
                0 => None,
                1 => line
                    .split_once('=')
                    .map(|(key, _)| format!("{key}= {value}"))
                    .or(Some(line.clone())),
                2 => Some(line.trim_start_matches('#').trim_start().to_owned()),
                _ => Some(line.clone()),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let input = prop_oneof![text(400), mutated(example, 8), reshaped];
    fuzz("config_toml", 1500, input, |toml| {
        match Config::parse(&toml, "f.toml") {
            Ok(cfg) => {
                let _ = cfg.flow();
                let _ = weaknesses(&cfg);
            }
            Err(ConfigError::Syntax { line, .. }) => {
                prop_assert!(line <= toml.lines().count() + 1, "line {line} of {toml:?}");
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        Ok(())
    });
}

fn record() -> AuditRecord {
    AuditRecord {
        id: "0000019acb2d5a1e0000000000000007".into(),
        session: 3,
        started_unix_ms: 1_764_000_000_000,
        ended_unix_ms: 1_764_000_021_000,
        outcome: "verified".into(),
        guidance: "flow.verified".into(),
        reasons: vec!["face.no_match".into()],
        code_source: Some("camera".into()),
        attempts_code: 1,
        attempts_chip: 1,
        attempts_face: 2,
        ..AuditRecord::default()
    }
}

#[test]
fn audit_decode() {
    let valid = serde_json::to_string(&record()).expect("json");
    assert_eq!(decode_record(valid.as_bytes()), Ok(record()));
    let input = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        mutated(valid, 6).prop_map(String::into_bytes),
        text(300).prop_map(String::into_bytes),
    ];
    fuzz("audit_decode", 3000, input, |bytes| {
        match decode_record(&bytes) {
            // Whatever decodes encodes again to the same record.
            Ok(r) => {
                let again = serde_json::to_vec(&r).expect("encode");
                prop_assert_eq!(decode_record(&again), Ok(r));
            }
            Err(why) => {
                // The reason names the error's kind and place, never the stored text.
                prop_assert!(why.starts_with("not a record ("), "{}", why);
                prop_assert!(why.len() < 80, "{}", why);
            }
        }
        Ok(())
    });
}
