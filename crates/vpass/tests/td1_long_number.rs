//! A TD1 document number longer than nine characters reaches the chip. ICAO 9303 Part 5 §4.2.2:
//! the number field holds its first nine characters and `<` where the check digit would be; the
//! rest of the number and its check digit continue in the optional data. ICAO 9303 Part 11 §9.7.2
//! (BAC's K_seed) and §4.4 (the PACE password): the key uses the whole number with its own check
//! digit. The MRZ is read as the code step reads it; the card is opened with the key from it, over
//! BAC and over PACE.

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::{
    AccessKey, AccessProtocol, Check, CheckOutcome, ChipError, PreferPace, ReadOptions,
    SystemClock, read_passport,
};
use idgate_mrz::{ChipAccessKey, Mrz, MrzFields, MrzFormat, Sex};
use idgate_vpass::security::SecurityOptions;
use idgate_vpass::{InProcessTransport, PassportProfile, VirtualPassport};
use support::personalised;

/// A TD1 card with the 12-character number `D23145890734` (check digit 9).
const MRZ: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n\
                   3407127M9507122UTO<<<<<<<<<<<2\n\
                   STEVENSON<<PETER<JOHN<<<<<<<<<";

fn card() -> PassportProfile {
    let mut profile = PassportProfile::specimen();
    profile.mrz = MrzFields {
        format: MrzFormat::Td1,
        document_code: "I".into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Stevenson".into(),
        secondary_identifier: "Peter John".into(),
        document_number: "D23145890734".into(),
        nationality: "UTO".into(),
        birth_date: "340712".into(),
        sex: Sex::Male,
        expiry_date: "950712".into(),
        optional_data: String::new(),
        optional_data_2: String::new(),
    };
    // The chip's DG1 holds exactly the MRZ printed on the card.
    let printed: String = MRZ.split_whitespace().collect();
    assert_eq!(
        profile.mrz.encode().expect("encodes").dg1_text().as_str(),
        printed
    );
    profile
}

/// The key as the code step makes it from the printed MRZ.
fn key_from_the_code_step() -> ChipAccessKey {
    let key = Mrz::parse(MRZ)
        .expect("the code step reads it")
        .access_key();
    assert_eq!(key.document_number(), "D23145890734");
    // number ‖ its check digit 9 ‖ birth date ‖ 7 ‖ expiry date ‖ 2 (worked out by hand from the
    // ICAO 9303 Part 3 §4.9 check digit: weights 7, 3, 1; letters A=10 … Z=35).
    assert_eq!(
        key.mrz_information().as_str(),
        "D23145890734934071279507122"
    );
    key
}

#[test]
fn a_long_td1_number_opens_the_chip_over_bac() {
    let profile = card();
    let mut t = InProcessTransport::new(VirtualPassport::new(&profile).expect("chip"));
    let read = read_passport(
        &mut t,
        AccessKey::Mrz(key_from_the_code_step()),
        ReadOptions::default(),
        &SystemClock,
    )
    .expect("read");
    assert_eq!(read.access, AccessProtocol::Bac);
    assert_eq!(read.dg1.format, MrzFormat::Td1);
    assert_eq!(read.dg1.document_number, "D23145890734");
    assert!(
        read.checks
            .contains(&CheckOutcome::passed(Check::Dg1MatchesCode))
    );
}

#[test]
fn a_long_td1_number_opens_the_chip_over_pace() {
    let mut profile = card();
    let now = SystemTime::now();
    let chip = personalised(&mut profile, &SecurityOptions::modern(now)).expect("personalise");
    let mut t = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        ..ReadOptions::default()
    };
    let read = read_passport(
        &mut t,
        AccessKey::Mrz(key_from_the_code_step()),
        options,
        &SystemClock,
    )
    .expect("read");
    assert_eq!(read.access, AccessProtocol::Pace);
    assert_eq!(read.dg1.document_number, "D23145890734");
    let report = read.authenticity.expect("report");
    assert_eq!(report.verdict(), None, "{report}");
}

#[test]
fn the_first_nine_characters_alone_do_not_open_it() {
    let profile = card();
    let mut t = InProcessTransport::new(VirtualPassport::new(&profile).expect("chip"));
    let nine = ChipAccessKey::new("D23145890", "340712", "950712").expect("key");
    let err = read_passport(
        &mut t,
        AccessKey::Mrz(nine),
        ReadOptions::default(),
        &SystemClock,
    )
    .expect_err("wrong key");
    assert!(matches!(err, ChipError::WrongKey { .. }), "{err}");
}
