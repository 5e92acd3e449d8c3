//! Property-style checks over generated identities: what is encoded parses back to the same fields,
//! and every single-digit corruption of a protected field is caught and named.

use idgate_mrz::synth::{SynthRng, random_fields};
use idgate_mrz::{Date, Field, Mrz, MrzError, MrzFormat};

fn today() -> Date {
    Date::new(2025, 6, 23).expect("real date")
}

#[test]
fn every_generated_identity_round_trips_through_every_input_form() {
    let mut rng = SynthRng::new(0x1D6A7E);
    for round in 0..400 {
        let format = MrzFormat::ALL[round % 5];
        let fields = random_fields(&mut rng, format, today());
        let mrz = fields.encode().expect("generated fields encode");
        assert_eq!(mrz.format(), format);
        assert_eq!(mrz.lines().len(), format.line_count());
        assert!(mrz.lines().iter().all(|l| l.len() == format.line_len()));

        assert_eq!(mrz.document_number(), fields.document_number);
        assert_eq!(mrz.birth_date_yymmdd(), fields.birth_date);
        assert_eq!(mrz.expiry_date_yymmdd(), fields.expiry_date);
        assert_eq!(mrz.sex(), fields.sex);
        assert_eq!(mrz.issuing_state(), fields.issuing_state);
        assert_eq!(mrz.nationality(), fields.nationality);
        assert_eq!(mrz.optional_data(), fields.optional_data);
        if format == MrzFormat::Td1 {
            assert_eq!(mrz.optional_data_2(), fields.optional_data_2);
        }
        // Names may be truncated by the field width, never changed otherwise.
        let full = format!(
            "{} {}",
            fields.primary_identifier, fields.secondary_identifier
        );
        let shown = format!(
            "{} {}",
            mrz.primary_identifier(),
            mrz.secondary_identifier()
        );
        assert!(
            full.starts_with(shown.trim_end()),
            "{shown:?} is not a prefix of {full:?}"
        );

        let joined = mrz.lines().join("\n");
        assert_eq!(Mrz::parse(&joined).expect("lines"), mrz);
        assert_eq!(
            Mrz::parse_dg1_text(mrz.dg1_text().as_bytes()).expect("dg1"),
            mrz
        );

        let key = mrz.access_key();
        assert_eq!(key.document_number(), fields.document_number);
        assert_eq!(key.birth_date(), fields.birth_date);
        let birth = mrz.birth_date(today()).expect("known");
        assert!(birth <= today());
    }
}

/// (line, column) of each check digit and the field it guards, for a layout without overflow.
fn check_digit_positions(mrz: &Mrz) -> Vec<(usize, usize, Field)> {
    match mrz.format() {
        MrzFormat::Td1 => vec![
            (0, 14, Field::DocumentNumber),
            (1, 6, Field::BirthDate),
            (1, 14, Field::ExpiryDate),
            (1, 29, Field::Composite),
        ],
        MrzFormat::Td2 => vec![
            (1, 9, Field::DocumentNumber),
            (1, 19, Field::BirthDate),
            (1, 27, Field::ExpiryDate),
            (1, 35, Field::Composite),
        ],
        MrzFormat::Td3 => vec![
            (1, 9, Field::DocumentNumber),
            (1, 19, Field::BirthDate),
            (1, 27, Field::ExpiryDate),
            (1, 43, Field::Composite),
        ],
        MrzFormat::MrvA | MrzFormat::MrvB => vec![
            (1, 9, Field::DocumentNumber),
            (1, 19, Field::BirthDate),
            (1, 27, Field::ExpiryDate),
        ],
    }
}

#[test]
fn every_wrong_check_digit_is_reported_for_its_own_field() {
    let mut rng = SynthRng::new(42);
    for round in 0..200 {
        let format = MrzFormat::ALL[round % 5];
        let mrz = random_fields(&mut rng, format, today())
            .encode()
            .expect("encode");
        if mrz.document_number().len() > 9 {
            continue; // the overflow moves the number's digit; covered by the specimens
        }
        for (line, col, field) in check_digit_positions(&mrz) {
            let mut lines: Vec<Vec<u8>> =
                mrz.lines().iter().map(|l| l.as_bytes().to_vec()).collect();
            let good = lines[line][col];
            let bad = if good == b'9' { b'0' } else { good + 1 };
            lines[line][col] = bad;
            let text: Vec<String> = lines
                .into_iter()
                .map(|l| String::from_utf8(l).expect("ascii"))
                .collect();
            assert_eq!(
                Mrz::from_lines(&text).expect_err("corrupted"),
                MrzError::CheckDigit {
                    field,
                    expected: char::from(good),
                    found: char::from(bad)
                }
            );
        }
    }
}

#[test]
fn any_single_digit_change_in_a_date_is_caught() {
    let mut rng = SynthRng::new(7);
    for _ in 0..100 {
        let mrz = random_fields(&mut rng, MrzFormat::Td3, today())
            .encode()
            .expect("encode");
        let line2 = mrz.lines()[1].clone();
        for (range, field) in [(13..19, Field::BirthDate), (21..27, Field::ExpiryDate)] {
            for col in range {
                for digit in b'0'..=b'9' {
                    if line2.as_bytes()[col] == digit {
                        continue;
                    }
                    let mut changed = line2.clone().into_bytes();
                    changed[col] = digit;
                    let changed = String::from_utf8(changed).expect("ascii");
                    let err = Mrz::from_lines(&[mrz.lines()[0].as_str(), changed.as_str()])
                        .expect_err("changed date");
                    assert_eq!(err.field(), Some(field));
                }
            }
        }
    }
}

#[test]
fn an_empty_personal_number_may_carry_a_filler_or_zero_as_its_check_digit() {
    let base =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<";
    // Composite over L898902C36 7408122 1204159 <<<<<<<<<<<<<< + digit: `<` and `0` weigh the same.
    let with_filler = Mrz::parse(&format!("{base}<8")).expect("filler check digit");
    let with_zero = Mrz::parse(&format!("{base}08")).expect("zero check digit");
    assert_eq!(with_filler.optional_data(), "");
    assert_eq!(with_zero.access_key(), with_filler.access_key());
    // A filler is no check digit for a personal number that is present.
    let present = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<<0";
    assert_eq!(
        Mrz::parse(present)
            .expect_err("filler for a present number")
            .field(),
        Some(Field::OptionalData)
    );
}

#[test]
fn visas_have_no_composite_and_are_told_apart_by_their_code() {
    let mut rng = SynthRng::new(3);
    let mrv_a = random_fields(&mut rng, MrzFormat::MrvA, today())
        .encode()
        .expect("MRV-A");
    let mrv_b = random_fields(&mut rng, MrzFormat::MrvB, today())
        .encode()
        .expect("MRV-B");
    assert_eq!(
        Mrz::parse(&mrv_a.lines().join("\n")).expect("A").format(),
        MrzFormat::MrvA
    );
    assert_eq!(
        Mrz::parse(&mrv_b.lines().join("\n")).expect("B").format(),
        MrzFormat::MrvB
    );
    assert!(mrv_a.lines()[0].starts_with('V'));
}
