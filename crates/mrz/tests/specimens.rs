//! ICAO Doc 9303 specimens as published in gmrtd/gmrtd@7f23b50ad912f10364f66ddc3423683cfc18e134
//! `mrz/mrz_test.go` (TestMrzDecode, TestMrzDecodeMrziEncode, TestMrzDecodeErrors, TestDecodeTD*Errors).

use idgate_mrz::{Date, Field, Mrz, MrzError, MrzFormat, Sex};

const TD1: &str =
    "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6";
const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD3_GERMAN_STATE: &str =
    "P<D<<DOE<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<D123456785UTO6508092M3505207<<<<<<<<<<<<<<<0";
const TD1_LONG_NUMBER: &str =
    "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<";
const TD2_LONG_NUMBER: &str =
    "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<8";

fn today() -> Date {
    Date::new(2025, 6, 23).expect("real date")
}

fn check_digit_error(text: &str) -> (Field, char, char) {
    match Mrz::parse(text) {
        Err(MrzError::CheckDigit {
            field,
            expected,
            found,
        }) => (field, expected, found),
        other => panic!("expected a check digit error, got {other:?}"),
    }
}

#[test]
fn td1_specimen_decodes_every_field() {
    let mrz = Mrz::parse(TD1).expect("valid TD1");
    assert_eq!(mrz.format(), MrzFormat::Td1);
    assert_eq!(mrz.document_code(), "I");
    assert_eq!(mrz.issuing_state(), "UTO");
    assert_eq!(mrz.primary_identifier(), "ERIKSSON");
    assert_eq!(mrz.secondary_identifier(), "ANNA MARIA");
    assert_eq!(mrz.document_number(), "D23145890");
    assert_eq!(mrz.nationality(), "UTO");
    assert_eq!(mrz.birth_date_yymmdd(), "740812");
    assert_eq!(mrz.sex(), Sex::Female);
    assert_eq!(mrz.expiry_date_yymmdd(), "120415");
    assert_eq!(mrz.optional_data(), "");
    assert_eq!(mrz.optional_data_2(), "");
    assert_eq!(
        mrz.access_key().mrz_information().as_str(),
        "D23145890774081221204159"
    );
}

#[test]
fn td2_specimen_decodes_every_field() {
    let mrz = Mrz::parse(TD2).expect("valid TD2");
    assert_eq!(mrz.format(), MrzFormat::Td2);
    assert_eq!(mrz.document_code(), "I");
    assert_eq!(mrz.issuing_state(), "UTO");
    assert_eq!(mrz.primary_identifier(), "ERIKSSON");
    assert_eq!(mrz.secondary_identifier(), "ANNA MARIA");
    assert_eq!(mrz.document_number(), "D23145890");
    assert_eq!(mrz.birth_date_yymmdd(), "740812");
    assert_eq!(mrz.sex(), Sex::Female);
    assert_eq!(mrz.expiry_date_yymmdd(), "120415");
    assert_eq!(
        mrz.access_key().mrz_information().as_str(),
        "D23145890774081221204159"
    );
}

#[test]
fn td3_specimen_decodes_every_field() {
    let mrz = Mrz::parse(TD3).expect("valid TD3");
    assert_eq!(mrz.format(), MrzFormat::Td3);
    assert_eq!(mrz.document_code(), "P");
    assert_eq!(mrz.issuing_state(), "UTO");
    assert_eq!(mrz.primary_identifier(), "ERIKSSON");
    assert_eq!(mrz.secondary_identifier(), "ANNA MARIA");
    assert_eq!(mrz.document_number(), "L898902C3");
    assert_eq!(mrz.nationality(), "UTO");
    assert_eq!(mrz.sex(), Sex::Female);
    assert_eq!(mrz.optional_data(), "ZE184226B");
    assert_eq!(
        mrz.access_key().mrz_information().as_str(),
        "L898902C3674081221204159"
    );
    let birth = mrz.birth_date(today()).expect("known birth date");
    assert_eq!(birth.to_string(), "1974-08-12");
    assert_eq!(
        mrz.expiry_date(today()).map(|d| d.to_string()),
        Some("2012-04-15".into())
    );
    assert!(mrz.is_expired(today()));
}

#[test]
fn td3_with_a_one_letter_state_and_empty_personal_number() {
    let mrz = Mrz::parse(TD3_GERMAN_STATE).expect("valid TD3");
    assert_eq!(mrz.issuing_state(), "D");
    assert_eq!(mrz.primary_identifier(), "DOE");
    assert_eq!(mrz.secondary_identifier(), "JOHN");
    assert_eq!(mrz.document_number(), "D12345678");
    assert_eq!(mrz.sex(), Sex::Male);
    assert_eq!(mrz.expiry_date_yymmdd(), "350520");
    assert!(!mrz.is_expired(today()));
    assert_eq!(mrz.optional_data(), "");
}

#[test]
fn td1_long_document_number_continues_in_the_optional_data() {
    let mrz = Mrz::parse(TD1_LONG_NUMBER).expect("valid TD1");
    assert_eq!(mrz.document_number(), "D23145890734");
    assert_eq!(mrz.optional_data(), "");
    assert_eq!(mrz.sex(), Sex::Male);
    assert_eq!(
        mrz.access_key().mrz_information().as_str(),
        "D23145890734934071279507122"
    );
}

#[test]
fn td2_long_document_number_continues_in_the_optional_data() {
    let mrz = Mrz::parse(TD2_LONG_NUMBER).expect("valid TD2");
    assert_eq!(mrz.document_number(), "D23145890734");
    assert_eq!(
        mrz.access_key().mrz_information().as_str(),
        "D23145890734934071279507122"
    );
}

#[test]
fn td1_with_wrong_document_number_check_digit_names_the_field() {
    // TestMrzDecodeErrors: "invalid document-number check-digit (7->5)"
    let bad = "I<UTOD231458905<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    assert_eq!(check_digit_error(bad), (Field::DocumentNumber, '7', '5'));
}

#[test]
fn td1_with_wrong_birth_date_check_digit_names_the_field() {
    // "invalid date-of-birth check-digit (2->4)"
    let bad = "I<UTOD231458907<<<<<<<<<<<<<<<7408124F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    assert_eq!(check_digit_error(bad), (Field::BirthDate, '2', '4'));
}

#[test]
fn td1_with_wrong_expiry_date_check_digit_names_the_field() {
    // "invalid date-of-expiry check-digit (9->1)"
    let bad = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204151UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    assert_eq!(check_digit_error(bad), (Field::ExpiryDate, '9', '1'));
}

#[test]
fn td1_with_wrong_composite_check_digit_names_the_composite() {
    // "invalid composite check-digit (6->7)"
    let bad = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<7ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    assert_eq!(check_digit_error(bad), (Field::Composite, '6', '7'));
}

#[test]
fn td1_one_character_short_is_not_an_mrz() {
    // "removed last character to make length invalid!"
    let bad =
        "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<";
    assert_eq!(
        Mrz::parse(bad).map(|_| ()),
        Err(MrzError::Shape {
            lines: 1,
            chars: 89
        })
    );
}

#[test]
fn td2_with_wrong_document_number_check_digit_names_the_field() {
    // "invalid document-number check-digit (7->6)"
    let bad = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458906UTO7408122F1204159<<<<<<<6";
    assert_eq!(check_digit_error(bad), (Field::DocumentNumber, '7', '6'));
}

#[test]
fn td2_with_wrong_birth_date_check_digit_names_the_field() {
    // "invalid date-of-birth check-digit (2->3)"
    let bad = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408123F1204159<<<<<<<6";
    assert_eq!(check_digit_error(bad), (Field::BirthDate, '2', '3'));
}

#[test]
fn td2_with_wrong_expiry_date_check_digit_names_the_field() {
    // "invalid date-of-expiry check-digit (9->8)"
    let bad = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204158<<<<<<<6";
    assert_eq!(check_digit_error(bad), (Field::ExpiryDate, '9', '8'));
}

#[test]
fn td2_with_wrong_composite_check_digit_names_the_composite() {
    // "invalid composite check-digit (6->8)"
    let bad = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<8";
    assert_eq!(check_digit_error(bad), (Field::Composite, '6', '8'));
}

#[test]
fn td2_one_character_short_is_not_an_mrz() {
    let bad = "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<";
    assert!(matches!(
        Mrz::parse(bad),
        Err(MrzError::Shape { chars: 71, .. })
    ));
}

#[test]
fn td3_with_wrong_document_number_check_digit_names_the_field() {
    // "invalid document-number check-digit (6->4)"
    let bad =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C34UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(check_digit_error(bad), (Field::DocumentNumber, '6', '4'));
}

#[test]
fn td3_with_wrong_birth_date_check_digit_names_the_field() {
    // "invalid date-of-birth check-digit (2->6)"
    let bad =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408126F1204159ZE184226B<<<<<10";
    assert_eq!(check_digit_error(bad), (Field::BirthDate, '2', '6'));
}

#[test]
fn td3_with_wrong_expiry_date_check_digit_names_the_field() {
    // "invalid date-of-expiry check-digit (9->1)"
    let bad =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204151ZE184226B<<<<<10";
    assert_eq!(check_digit_error(bad), (Field::ExpiryDate, '9', '1'));
}

#[test]
fn td3_with_wrong_personal_number_check_digit_names_the_optional_data() {
    // "invalid optional-data check-digit (1->2)"
    let bad =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<20";
    assert_eq!(check_digit_error(bad), (Field::OptionalData, '1', '2'));
}

#[test]
fn td3_with_wrong_composite_check_digit_names_the_composite() {
    // "invalid composite check-digit (0->2)"
    let bad =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<12";
    assert_eq!(check_digit_error(bad), (Field::Composite, '0', '2'));
}

#[test]
fn td3_one_character_short_or_long_is_not_an_mrz() {
    let short =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<1";
    let long =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<100";
    assert!(matches!(
        Mrz::parse(short),
        Err(MrzError::Shape { chars: 87, .. })
    ));
    assert!(matches!(
        Mrz::parse(long),
        Err(MrzError::Shape { chars: 89, .. })
    ));
}

#[test]
fn td1_and_td2_long_number_without_digits_in_the_overflow_is_rejected() {
    // TestDecodeTD1Errors / TestDecodeTD2Errors: "extended document-number not valid"
    let td1 = "I<UTOD23145890<7<<<<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<";
    let td2 = "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227<<<<<<8";
    for bad in [td1, td2] {
        assert_eq!(
            Mrz::parse(bad).map_err(|e| e.field()).err(),
            Some(Some(Field::DocumentNumber))
        );
    }
}

#[test]
fn a_name_with_three_components_is_rejected() {
    // TestDecodeTD3Errors: "invalid name (3 components)"
    let bad =
        "P<UTOERIKSSON<<ANNA<<MARIA<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(
        Mrz::parse(bad).map_err(|e| e.field()).err(),
        Some(Some(Field::Name))
    );
}

#[test]
fn lines_one_string_and_dg1_text_all_parse_to_the_same_mrz() {
    let (l1, l2) = TD3.split_at(44);
    let from_lines = Mrz::from_lines(&[l1, l2]).expect("lines");
    let with_newlines = Mrz::parse(&format!("\n{l1}  \r\n{l2}\t\n\n")).expect("text with newlines");
    let from_dg1 = Mrz::parse_dg1_text(TD3.as_bytes()).expect("DG1 text");
    let with_spaces = Mrz::parse(&format!("  {l1} {l2}  ")).expect("lines separated by a space");
    assert_eq!(from_lines, with_spaces);
    assert_eq!(from_lines, with_newlines);
    assert_eq!(from_lines, from_dg1);
    assert_eq!(from_lines.lines(), [l1, l2]);
    assert_eq!(from_lines.dg1_text().as_str(), TD3);
    assert!(from_lines.matches_dg1_text(TD3.as_bytes()));
    assert!(!from_lines.matches_dg1_text(TD3_GERMAN_STATE.as_bytes()));
}

#[test]
fn icao_part10_dg1_sample_parses() {
    // ICAO 9303 Part 10 Appendix A DG1 (TD2; gmrtd document/sample_document.go): 61 4B 5F1F 48 <72 bytes>.
    let dg1 = hex_bytes(
        "614B5F1F48493C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C4432333134353839303755544F3734303831323246313230343135393C3C3C3C3C3C3C36",
    );
    let mrz = Mrz::parse_dg1_text(&dg1[5..]).expect("DG1 MRZ");
    assert_eq!(mrz, Mrz::parse(TD2).expect("TD2"));
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn a_line_of_the_wrong_length_is_named() {
    let (l1, l2) = TD3.split_at(44);
    let err = Mrz::from_lines(&[l1, &l2[..43]]).expect_err("short line");
    assert_eq!(
        err,
        MrzError::LineLength {
            line: 2,
            format: MrzFormat::Td3,
            expected: 44,
            found: 43
        }
    );
}

#[test]
fn a_character_outside_the_alphabet_is_located() {
    let (l1, l2) = TD3.split_at(44);
    let l2 = l2.replacen("ZE", "zE", 1);
    assert_eq!(
        Mrz::from_lines(&[l1, &l2]).expect_err("lowercase"),
        MrzError::BadCharacter {
            line: 2,
            column: 29
        }
    );
}

#[test]
fn debug_shows_the_format_only() {
    let mrz = Mrz::parse(TD3).expect("valid");
    let shown = format!("{mrz:?}");
    assert!(shown.contains("Td3"));
    for secret in [
        "ERIKSSON",
        "L898902C",
        "740812",
        "120415",
        "ZE184226B",
        "UTO",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked into Debug");
    }
}

#[test]
fn a_three_digit_nationality_is_read_as_printed() {
    // The TD2 specimen with `132` for `UTO`: some older ID cards print a numeric code there, and no
    // check digit covers it, so the document still verifies.
    let numeric = TD2.replacen("D231458907UTO", "D231458907132", 1);
    let mrz = Mrz::parse(&numeric).expect("a numeric nationality parses");
    assert_eq!(mrz.nationality(), "132");
    assert_eq!(mrz.issuing_state(), "UTO");
}

#[test]
fn a_state_code_mixing_letters_and_digits_is_refused() {
    for (from, to, field) in [
        ("D231458907UTO", "D231458907U1O", Field::Nationality),
        ("D231458907UTO", "D23145890712<", Field::Nationality),
        ("I<UTOERIKSSON", "I<1TOERIKSSON", Field::IssuingState),
    ] {
        let bad = TD2.replacen(from, to, 1);
        match Mrz::parse(&bad) {
            Err(MrzError::InvalidField { field: f, .. }) => assert_eq!(f, field, "{bad}"),
            other => panic!("{bad}: expected an invalid {field:?}, got {other:?}"),
        }
    }
}
