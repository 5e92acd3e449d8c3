//! Downgrades (issue 17, item 4): a chip, or someone between it and the reader, steering the read to
//! a weaker protocol or to fewer files than the passport has. Each is refused with its own check
//! name (`ChipFailure::NotGenuine { check }`): an EF.CardAccess that is there but unreadable is not
//! "BAC only" (`card_access`); DG14's PACEInfos are held against the access control that ran
//! (`dg14_pace`, ICAO 9303 Part 11 §4.4 and §9.2); a requested data group EF.SOD lists but the
//! chip does not serve fails the read (`dg_not_read`). A chip without EF.CardAccess is still read
//! with BAC, and data groups the station does not ask for never count.

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::security_infos::SecurityInfos;
use idgate_emrtd::{
    AccessProtocol, AccessSelector, BacOnly, Check, CheckOutcome, ChipError, ChipFailure, ChipRead,
    PreferPace, ReadOptions, SystemClock, read_passport,
};
use idgate_vpass::security::{SecurityOptions, Tamper};
use idgate_vpass::{ChipBehaviour, InProcessTransport, PassportProfile};
use support::{personalised, specimen_key};

/// The files a desk station asks for: no DG7, DG11, DG12 (issue 17, item 7).
fn station_files() -> Vec<LdsFile> {
    vec![LdsFile::DG14, LdsFile::DG15]
}

struct Read {
    result: Result<ChipRead, ChipError>,
    /// Commands the chip answered.
    commands: u32,
}

fn read(
    opts: &SecurityOptions,
    behaviour: ChipBehaviour,
    access: Arc<dyn AccessSelector>,
    optional_files: Vec<LdsFile>,
) -> Read {
    let mut profile = PassportProfile::specimen();
    profile.chip = behaviour;
    let chip = personalised(&mut profile, opts).expect("personalise");
    let mut transport = InProcessTransport::new(chip.chip);
    let options = ReadOptions {
        access,
        hooks: Box::new(chip.authenticity),
        optional_files,
        ..ReadOptions::default()
    };
    let result = read_passport(&mut transport, specimen_key(), options, &SystemClock);
    Read {
        result,
        commands: transport.chip().stats().commands,
    }
}

/// A modern passport (PACE, CA, AA) with `tamper`, read as the desk station reads it.
fn read_tampered(tamper: Tamper) -> Read {
    read(
        &SecurityOptions {
            tamper,
            ..SecurityOptions::modern(SystemTime::now())
        },
        ChipBehaviour::default(),
        Arc::new(PreferPace),
        station_files(),
    )
}

fn assert_refused(r: &Read, check: &'static str) {
    match &r.result {
        Ok(read) => panic!(
            "the read must fail ({check}), it passed with {:?}",
            read.access
        ),
        Err(e) => assert_eq!(e.failure(), ChipFailure::NotGenuine { check }, "{e}"),
    }
}

fn passed(read: &ChipRead, check: Check) -> bool {
    read.checks.contains(&CheckOutcome::passed(check))
}

// a. EF.CardAccess.

#[test]
fn a_garbage_card_access_is_refused_not_read_with_bac() {
    let r = read_tampered(Tamper::GarbageCardAccess);
    assert_refused(&r, "card_access");
}

#[test]
fn a_chip_without_card_access_is_still_read_with_bac() {
    // No PACE at all: no EF.CardAccess, and DG14 lists no PACEInfo.
    let r = read(
        &SecurityOptions {
            pace: Vec::new(),
            ..SecurityOptions::modern(SystemTime::now())
        },
        ChipBehaviour::default(),
        Arc::new(PreferPace),
        station_files(),
    );
    let read = r.result.expect("a BAC-only chip is read");
    assert_eq!(read.access, AccessProtocol::Bac);
    assert!(read.card_access_raw().is_none());
    assert!(passed(&read, Check::ChipAuthentication));
    assert!(passed(&read, Check::ActiveAuthentication));
}

#[test]
fn a_chip_without_short_file_identifiers_keeps_its_card_access() {
    // READ BINARY with an SFI is refused: EF.CardAccess is selected by its file identifier
    // instead. (Formerly the file was skipped and the chip read with BAC.)
    let r = read(
        &SecurityOptions::modern(SystemTime::now()),
        ChipBehaviour {
            sfi: false,
            ..ChipBehaviour::default()
        },
        Arc::new(PreferPace),
        station_files(),
    );
    let read = r.result.expect("read");
    assert_eq!(read.access, AccessProtocol::Pace);
    assert!(read.card_access.is_some());
}

#[test]
fn a_bac_only_station_is_not_stopped_by_a_garbage_card_access() {
    // It runs BAC whatever EF.CardAccess says: nothing to fall back from.
    let r = read(
        &SecurityOptions {
            tamper: Tamper::GarbageCardAccess,
            ..SecurityOptions::modern(SystemTime::now())
        },
        ChipBehaviour::default(),
        Arc::new(BacOnly),
        station_files(),
    );
    let read = r.result.expect("read");
    assert_eq!(read.access, AccessProtocol::Bac);
    assert!(read.card_access.is_none());
    assert!(read.card_access_raw().is_some(), "kept as read");
}

// b. DG14's PACEInfos against the access control that ran.

#[test]
fn the_genuine_chip_runs_the_pace_dg14_lists() {
    let r = read_tampered(Tamper::None);
    let read = r.result.expect("genuine read");
    assert_eq!(read.access, AccessProtocol::Pace);
    let dg14 = SecurityInfos::parse_dg14(read.dg14().expect("DG14")).expect("DG14 parses");
    let listed = dg14.best_pace().expect("DG14 lists PACE");
    let card_access =
        SecurityInfos::parse(read.card_access_raw().expect("EF.CardAccess")).expect("parses");
    assert_eq!(card_access.best_pace(), Some(listed));
}

#[test]
fn a_hidden_card_access_while_dg14_lists_pace_is_a_downgrade() {
    // The chip runs PACE, but EF.CardAccess answers "file not found": the reader opens it with
    // BAC, and DG14 (signed) shows what it should have run.
    let r = read_tampered(Tamper::HiddenCardAccess);
    assert_refused(&r, "dg14_pace");
    if let Err(e) = &r.result {
        assert!(e.to_string().contains("opened with BAC"), "{e}");
    }
}

#[test]
fn a_weaker_pace_than_dg14_lists_is_a_downgrade() {
    // EF.CardAccess offers only PACE with 3DES, which the chip also runs; DG14 lists AES.
    let r = read_tampered(Tamper::WeakerPaceOffered);
    assert_refused(&r, "dg14_pace");
    if let Err(e) = &r.result {
        assert!(e.to_string().contains("not DG14's best offer"), "{e}");
    }
}

#[test]
fn a_bac_only_station_reading_a_pace_chip_is_not_a_downgrade() {
    // The station's own policy, not a downgrade someone forced on it.
    let r = read(
        &SecurityOptions::modern(SystemTime::now()),
        ChipBehaviour::default(),
        Arc::new(BacOnly),
        station_files(),
    );
    let read = r.result.expect("read");
    assert_eq!(read.access, AccessProtocol::Bac);
}

// c. Data groups EF.SOD lists.

#[test]
fn a_requested_dg_listed_in_sod_but_not_served_is_refused() {
    // A clone without the Active Authentication key hides DG15: left out of EF.COM, and "file
    // not found". EF.SOD still lists it. (Formerly: AA "not offered", and the read passed.)
    let r = read_tampered(Tamper::HiddenDg15);
    assert_refused(&r, "dg_not_read");
    if let Err(e) = &r.result {
        assert!(e.to_string().contains("DG15"), "{e}");
    }
}

#[test]
fn a_dg_left_out_of_ef_com_is_read_because_sod_lists_it() {
    let r = read_tampered(Tamper::Dg15NotInCom);
    let read = r.result.expect("read");
    assert!(read.dg15().is_some());
    assert!(
        passed(&read, Check::ActiveAuthentication),
        "{:?}",
        read.checks
    );
    let com = read.com.as_ref().expect("EF.COM");
    assert!(!com.data_groups.contains(&LdsFile::DG15));
    assert!(r.commands > 0);
}

#[test]
fn data_groups_the_station_does_not_ask_for_never_count() {
    // The specimen has DG11 and DG12 (listed in EF.SOD); the station asks for neither.
    let r = read_tampered(Tamper::None);
    let read = r.result.expect("read");
    assert!(read.dg11.is_none() && read.dg12.is_none());
    assert!(read.raw.get(LdsFile::DG11).is_none());
    let sod =
        idgate_emrtd::emulator::Sod::parse(read.sod().expect("EF.SOD")).expect("EF.SOD parses");
    assert!(sod.hash_of(11).is_some() && sod.hash_of(12).is_some());
}
