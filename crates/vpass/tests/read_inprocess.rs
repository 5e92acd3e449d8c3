//! The reader (idgate-emrtd) against the virtual passport, in-process: whole reads, chip quirks,
//! card loss, timeouts and the guidance each failure leads to.

use std::sync::Arc;
use std::time::Duration;

use idgate_emrtd::ChipFailure;
#[path = "../../emrtd/tests/support/testdata.rs"]
mod testdata;
use testdata::testdata;

use idgate_emrtd::ScriptedRandom;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::dg2::FaceRecord;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_emrtd::{
    AccessKey, AccessProtocol, ChipError, Event, MemoryProfileStore, ReadOptions, ReadProfileStore,
    SystemClock, read_passport, read_passport_observed,
};
use idgate_emrtd::{Check, CheckOutcome};
use idgate_emrtd::{Transport, TransportError};
use idgate_mrz::{ChipAccessKey, MrzFields, MrzFormat, Sex};
use idgate_vpass::{
    FaceEncoding, FaceImage, InProcessTransport, PassportProfile, TestClock, VirtualPassport,
};
use zeroize::Zeroizing;

fn key(profile: &PassportProfile) -> AccessKey {
    AccessKey::Mrz(profile.access_key().expect("specimen MRZ encodes"))
}

fn transport(profile: &PassportProfile) -> InProcessTransport {
    InProcessTransport::new(VirtualPassport::new(profile).expect("chip"))
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

#[test]
fn reads_the_whole_specimen_passport() {
    let profile = PassportProfile::specimen();
    let mut t = transport(&profile);
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert_eq!(read.access, AccessProtocol::Bac);
    assert_eq!(read.dg1.document_number, "L898902C3");
    assert_eq!(read.dg1.primary_identifier, "ERIKSSON");
    assert_eq!(read.dg1.secondary_identifier, "ANNA MARIA");
    assert_eq!(read.dg1.issuing_state, "UTO");
    let face = read.decode_face().expect("decodes").expect("a face");
    assert_eq!((face.width, face.height), (413, 531));
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
    assert_eq!(read.sod(), profile.sod.as_deref());
    assert_eq!(
        read.dg11.as_ref().and_then(|d| d.place_of_birth.as_deref()),
        Some("ZENITH")
    );
    assert_eq!(
        read.dg12.as_ref().and_then(|d| d.date_of_issue.as_deref()),
        Some("20020415")
    );
    assert!(read.checks.contains(&CheckOutcome::passed(Check::Bac)));
    assert!(
        read.checks
            .contains(&CheckOutcome::passed(Check::Dg1MatchesCode))
    );
    assert_eq!(read.chip_kind.issuing_state, "UTO");
    assert!(read.profile.short_file_ids);
    assert_eq!(read.stats.resumes, 0);
    // Every file byte was served once (no re-reads).
    assert_eq!(t.chip().stats().bytes_served, read.stats.bytes_read);
}

/// ICAO 9303 Part 11 Appendix D end to end: with the Appendix D MRZ, RND.IC/K.IC on the chip and
/// RND.IFD/K.IFD in the reader scripted, and EF.COM = the Appendix D EF.COM, the session sends the
/// D.4 protected SELECT and READ BINARY APDUs byte for byte and the chip answers the D.4 responses
/// (gmrtd iso7816/nfc_session_test.go TestNfcSessionSecureMessagingTDES).
#[test]
fn icao_appendix_d_exchange_end_to_end() {
    let mut profile = PassportProfile::specimen();
    profile.mrz = MrzFields {
        format: MrzFormat::Td3,
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Eriksson".into(),
        secondary_identifier: "Anna Maria".into(),
        document_number: "L898902C".into(),
        nationality: "UTO".into(),
        birth_date: "690806".into(),
        sex: Sex::Female,
        expiry_date: "940623".into(),
        optional_data: String::new(),
        optional_data_2: String::new(),
    };
    profile.chip.sfi = false;
    profile.extra_files = vec![(
        LdsFile::Com,
        hex("60145F0104303130365F36063034303030305C026175"),
    )];
    let chip_rng = ScriptedRandom::new(&[
        &hex("4608F91988702212"),
        &hex("0B4F80323EB3191CB04970CB4052790B"),
    ]);
    let chip = VirtualPassport::with_rng(&profile, Box::new(chip_rng)).expect("chip");
    let mut t = InProcessTransport::new(chip).with_trace();
    let options = ReadOptions {
        rng: Box::new(ScriptedRandom::new(&[
            &hex("781723860C06C226"),
            &hex("0B795240CB7049B01C19B33E32804F0B"),
        ])),
        read_master_file: false,
        use_sfi: false,
        ..ReadOptions::default()
    };
    let read = read_passport(&mut t, key(&profile), options, &SystemClock).expect("read");
    let trace: Vec<(String, String)> = t
        .trace()
        .iter()
        .map(|(c, r)| (hex::encode_upper(c), hex::encode_upper(r)))
        .collect();
    let expected = [
        ("00A4040C07A0000002471001", "9000"),
        ("0084000008", "4608F919887022129000"),
        (
            "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728",
            "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000",
        ),
        (
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
            "990290008E08FA855A5D4C50A8ED9000",
        ),
        (
            "0CB000000D9701048E08ED6705417E96BA5500",
            "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
        ),
        (
            "0CB000040D9701128E082EA28A70F3C7B53500",
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        ),
    ];
    for (i, (cmd, resp)) in expected.iter().enumerate() {
        assert_eq!(&trace[i].0, cmd, "command {i}");
        assert_eq!(&trace[i].1, resp, "response {i}");
    }
    assert_eq!(
        read.raw.get(LdsFile::Com),
        Some(&hex("60145F0104303130365F36063034303030305C026175")[..])
    );
}

#[test]
fn le_256_refusing_chip_is_read_at_223_and_remembered() {
    let mut profile = PassportProfile::specimen();
    profile.chip.extended_length = true;
    profile.chip.max_le = 0xDF;
    let store = Arc::new(MemoryProfileStore::default());
    let options = || ReadOptions {
        profiles: Some(store.clone()),
        ..ReadOptions::default()
    };
    let mut t = transport(&profile);
    let first = read_passport(&mut t, key(&profile), options(), &SystemClock).expect("read");
    assert!(first.stats.step_downs >= 2, "{:?}", first.stats);
    assert!(!first.profile.extended_length);
    assert_eq!(first.profile.max_read, 0xDF);
    assert_eq!(store.load(&first.chip_kind), Some(first.profile));
    // The next passport of this kind, with the issuing state known from the code step, starts at
    // 223 at once: not a single refusal.
    let mut t3 = transport(&profile);
    let third = read_passport(
        &mut t3,
        key(&profile),
        ReadOptions {
            issuing_state: Some("UTO".into()),
            ..options()
        },
        &SystemClock,
    )
    .expect("read");
    assert_eq!(third.stats.step_downs, 0);
    assert_eq!(t3.chip().stats().refused_le, 0);
}

#[test]
fn chip_taking_only_128_bytes() {
    let mut profile = PassportProfile::specimen();
    profile.chip.max_le = 128;
    let mut t = transport(&profile);
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert_eq!(read.profile.max_read, 128);
    assert!(read.decode_face().expect("decodes").is_some());
}

#[test]
fn extended_length_reads_in_few_large_chunks() {
    let mut short = PassportProfile::specimen();
    short.chip.max_le = 256;
    let mut t = transport(&short);
    let short_read =
        read_passport(&mut t, key(&short), ReadOptions::default(), &SystemClock).expect("read");

    let mut ext = PassportProfile::specimen();
    ext.chip.extended_length = true;
    ext.chip.max_le = 0xFFFF;
    let mut t = transport(&ext);
    let ext_read =
        read_passport(&mut t, key(&ext), ReadOptions::default(), &SystemClock).expect("read");
    assert!(ext_read.profile.extended_length);
    assert!(t.chip().stats().extended_commands > 0);
    assert!(
        ext_read.stats.apdus * 2 < short_read.stats.apdus,
        "extended {} vs short {}",
        ext_read.stats.apdus,
        short_read.stats.apdus
    );
    assert_eq!(
        ext_read.raw.get(LdsFile::DG2),
        short_read.raw.get(LdsFile::DG2)
    );
}

#[test]
fn chip_without_short_file_identifiers_is_read_by_select() {
    let mut profile = PassportProfile::specimen();
    profile.chip.sfi = false;
    let mut t = transport(&profile);
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert!(!read.profile.short_file_ids);
    assert!(read.decode_face().expect("decodes").is_some());
}

#[test]
fn large_dg2_beyond_32k_uses_odd_ins_read_binary() {
    let mut profile = PassportProfile::specimen();
    profile.face = FaceImage::synthetic_jpeg(1000, 1300, 60_000);
    assert!(
        profile.face.data.len() > 0x8000,
        "{}",
        profile.face.data.len()
    );
    let mut t = transport(&profile).with_trace();
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
    assert!(t.trace().iter().any(|(c, _)| c.get(1) == Some(&0xB1)));
}

#[test]
fn chip_without_odd_ins_cannot_give_a_dg2_beyond_32k() {
    let mut profile = PassportProfile::specimen();
    profile.face = FaceImage::synthetic_jpeg(1000, 1300, 60_000);
    profile.chip.odd_ins = false;
    let mut t = transport(&profile);
    let err = read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock)
        .expect_err("no B1");
    assert_eq!(err.failure(), ChipFailure::Unsupported, "{err}");
}

#[test]
fn card_lost_mid_dg2_resumes_where_it_stopped() {
    let mut profile = PassportProfile::specimen();
    profile.chip.drop_after_bytes = Some(6_000);
    let clock = TestClock::default();
    let mut t = transport(&profile).with_clock(clock.clone());
    t.away = Duration::from_secs(3);
    let mut events = Vec::new();
    let read = read_passport_observed(
        &mut t,
        key(&profile),
        ReadOptions::default(),
        &clock,
        &mut |e| events.push(e.clone()),
    )
    .expect("read");
    assert_eq!(read.stats.resumes, 1);
    assert!(events.contains(&Event::CardLost) && events.contains(&Event::CardBack));
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
    // Nothing was read twice except the one answer lost with the card.
    let served = t.chip().stats().bytes_served;
    assert!(
        served <= read.stats.bytes_read + 0xDF,
        "{served} vs {}",
        read.stats.bytes_read
    );
    // BAC ran twice; it is reported once.
    assert_eq!(
        read.checks.iter().filter(|c| c.check == Check::Bac).count(),
        1
    );
}

#[test]
fn card_not_back_in_time_means_keep_still() {
    let mut profile = PassportProfile::specimen();
    profile.chip.drop_after_bytes = Some(3_000);
    let clock = TestClock::default();
    let mut t = transport(&profile).with_clock(clock.clone());
    t.away = Duration::from_secs(60);
    let err =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &clock).expect_err("gone");
    assert!(matches!(err, ChipError::CardLost), "{err}");
    assert_eq!(err.failure(), ChipFailure::CardLost);
}

#[test]
fn empty_reader_means_place_the_passport() {
    let profile = PassportProfile::specimen();
    let mut t = transport(&profile).empty();
    let err = read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock)
        .expect_err("no card");
    assert_eq!(err.failure(), ChipFailure::NoCard);
}

#[test]
fn wrong_code_is_refused_by_the_chip() {
    let profile = PassportProfile::specimen();
    let mut t = transport(&profile);
    let wrong = ChipAccessKey::new("L898902C3", "740812", "120416").expect("key");
    let err = read_passport(
        &mut t,
        AccessKey::Mrz(wrong),
        ReadOptions::default(),
        &SystemClock,
    )
    .expect_err("wrong key");
    assert!(matches!(err, ChipError::WrongKey { .. }), "{err}");
    assert_eq!(err.failure(), ChipFailure::WrongKey);
}

#[test]
fn slow_chip_hits_the_deadline() {
    let mut profile = PassportProfile::specimen();
    profile.chip.response_delay = Duration::from_millis(400);
    let clock = TestClock::default();
    let mut t = transport(&profile).with_clock(clock.clone());
    let options = ReadOptions {
        deadline: Duration::from_secs(10),
        ..ReadOptions::default()
    };
    let err = read_passport(&mut t, key(&profile), options, &clock).expect_err("too slow");
    assert!(matches!(err, ChipError::Timeout), "{err}");
    assert_eq!(err.failure(), ChipFailure::Timeout);
}

#[test]
fn dg1_differing_from_the_mrz_that_opened_the_chip_is_not_genuine() {
    let mut profile = PassportProfile::specimen();
    let mut other = profile.mrz.clone();
    other.document_number = "X12345678".into();
    let dg1 = idgate_emrtd::iso7816::tlv::encode(
        0x61,
        &idgate_emrtd::iso7816::tlv::encode(
            0x5F1F,
            other.encode().expect("mrz").dg1_text().as_bytes(),
        ),
    );
    profile.extra_files = vec![(LdsFile::DG1, dg1)];
    let mut t = transport(&profile);
    let err = read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock)
        .expect_err("mismatch");
    assert!(matches!(err, ChipError::Dg1Mismatch { .. }), "{err}");
    assert!(matches!(err.failure(), ChipFailure::NotGenuine { .. }));
}

#[test]
fn progress_events_count_up_to_each_file_size() {
    let profile = PassportProfile::specimen();
    let mut t = transport(&profile);
    let mut dg2_progress = Vec::new();
    let read = read_passport_observed(
        &mut t,
        key(&profile),
        ReadOptions::default(),
        &SystemClock,
        &mut |e| {
            if let Event::Progress(p) = e {
                if p.file == LdsFile::DG2 {
                    dg2_progress.push((p.read, p.total));
                }
            }
        },
    )
    .expect("read");
    let total = read.raw.get(LdsFile::DG2).map(<[u8]>::len);
    assert!(dg2_progress.len() > 10);
    assert!(dg2_progress.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(
        dg2_progress.last().map(|p| (Some(p.0), p.1)),
        Some((total, total))
    );
}

#[test]
fn jpeg2000_portrait_is_decoded() {
    let mut profile = PassportProfile::specimen();
    // JHOVE's monochrome.jp2 (openpreserve/jhove test files).
    profile.face = FaceImage {
        format: ImageFormat::Jpeg2000,
        width: 512,
        height: 384,
        data: Zeroizing::new(testdata("emrtd/jp2/monochrome.jp2").to_vec()),
    };
    let mut t = transport(&profile);
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    let face = read.decode_face().expect("decodes").expect("face");
    assert_eq!((face.width, face.height), (512, 384));
}

#[test]
fn iso39794_5_portrait_is_extracted_and_decoded() {
    let mut profile = PassportProfile::specimen();
    // The ICAO 39794-5 application-profile sample face, a 413×531 JP2 (as gmrtd publishes it).
    let sample = testdata("emrtd/iso39794/ICAO_39794_5_AP_DG2_Face.jpg");
    profile.face = FaceImage {
        format: ImageFormat::Jpeg2000,
        width: 413,
        height: 531,
        data: Zeroizing::new(sample.to_vec()),
    };
    profile.face_encoding = FaceEncoding::Iso39794_5;
    let mut t = transport(&profile);
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    // The record kind says the photo came out of a 7F2E data block, not a 19794-5 record.
    let chip_face = &read.dg2.faces[0];
    assert!(matches!(chip_face.record, FaceRecord::Iso39794_5(_)));
    assert_eq!(chip_face.data.as_slice(), sample);
    let face = read.decode_face().expect("decodes").expect("face");
    assert_eq!((face.width, face.height), (413, 531));
}

#[test]
fn broken_jpeg2000_portrait_is_a_typed_error() {
    let mut profile = PassportProfile::specimen();
    let good = testdata("emrtd/jp2/monochrome.jp2");
    profile.face = FaceImage {
        format: ImageFormat::Jpeg2000,
        width: 512,
        height: 384,
        data: Zeroizing::new(good[..400].to_vec()),
    };
    let mut t = transport(&profile);
    // The read succeeds (the bytes are what the chip holds); decoding them is the caller's.
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    let err = read.decode_face().expect_err("broken image");
    assert!(matches!(err, ChipError::Image(_)), "{err}");
    assert_eq!(err.failure(), ChipFailure::Unsupported);
}

/// A card that is not a passport: it answers every command "file not found".
struct NotAPassport;

impl Transport for NotAPassport {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(vec![0x3B, 0x80, 0x80, 0x01, 0x01])
    }
    fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(vec![0x6A, 0x82])
    }
    fn reconnect(&mut self, _wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.connect()
    }
}

#[test]
fn a_card_without_the_emrtd_application_is_unsupported() {
    let profile = PassportProfile::specimen();
    let err = read_passport(
        &mut NotAPassport,
        key(&profile),
        ReadOptions::default(),
        &SystemClock,
    )
    .expect_err("not a passport");
    assert!(matches!(err, ChipError::NotEmrtd(_)), "{err}");
    assert_eq!(err.failure(), ChipFailure::Unsupported);
}

/// A reader whose driver cannot send extended length APDUs, in front of a chip that claims them.
struct NoExtendedReader(InProcessTransport);

impl Transport for NoExtendedReader {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.0.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        match idgate_emrtd::iso7816::apdu::CommandApdu::parse(apdu) {
            Ok((_, idgate_emrtd::iso7816::apdu::LengthForm::Extended)) => Err(
                TransportError::Rejected("extended APDUs not supported by this reader".into()),
            ),
            _ => self.0.transmit(apdu),
        }
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.0.reconnect(wait)
    }
}

#[test]
fn reader_refusing_extended_apdus_steps_down_without_breaking_secure_messaging() {
    let mut profile = PassportProfile::specimen();
    profile.chip.extended_length = true;
    profile.chip.max_le = 0xFFFF;
    let mut t = NoExtendedReader(transport(&profile));
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert!(!read.profile.extended_length);
    assert!(read.stats.step_downs >= 2);
    assert_eq!(read.stats.resumes, 0, "the SSC stayed in step: no SM break");
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
}

/// A T=0-style reader: every answer with data comes as `61xx` and must be fetched with GET RESPONSE.
struct GetResponseReader {
    inner: InProcessTransport,
    pending: Vec<u8>,
}

impl Transport for GetResponseReader {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.inner.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if apdu.get(..4) == Some(&[0x00, 0xC0, 0x00, 0x00]) {
            // Hand out at most 100 bytes at a time.
            let n = self.pending.len().min(100);
            let mut out: Vec<u8> = self.pending.drain(..n).collect();
            match self.pending.len() {
                0 => out.extend([0x90, 0x00]),
                left => out.extend([0x61, left.min(255) as u8]),
            }
            return Ok(out);
        }
        let mut r = self.inner.transmit(apdu)?;
        if r.len() > 2 {
            let sw = r.split_off(r.len() - 2);
            if sw != [0x90, 0x00] {
                r.extend(sw);
                return Ok(r);
            }
            let n = r.len();
            self.pending = r;
            return Ok(vec![0x61, n.min(255) as u8]);
        }
        Ok(r)
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.inner.reconnect(wait)
    }
}

#[test]
fn answers_behind_get_response_are_collected() {
    let profile = PassportProfile::specimen();
    let mut t = GetResponseReader {
        inner: transport(&profile),
        pending: Vec::new(),
    };
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
}

#[test]
fn a_can_cannot_open_a_bac_only_chip() {
    let profile = PassportProfile::specimen();
    let mut t = transport(&profile);
    let can = AccessKey::Can(idgate_emrtd::Can::parse("123456").expect("six digits"));
    let err = read_passport(&mut t, can, ReadOptions::default(), &SystemClock)
        .expect_err("BAC needs the MRZ");
    assert!(matches!(err, ChipError::AccessUnsupported(_)), "{err}");
    assert_eq!(err.failure(), ChipFailure::Unsupported);
}

/// A chip that answers a plain READ BINARY asking for more than the file holds with `6Cxx`
/// ("wrong Le, xx available") instead of returning the shorter data.
struct ExactLeChip {
    inner: InProcessTransport,
    corrections: usize,
}

impl Transport for ExactLeChip {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.inner.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(apdu)?;
        let plain_read = apdu.first() == Some(&0x00) && apdu.get(1) == Some(&0xB0);
        if plain_read && r.ends_with(&[0x62, 0x82]) && r.len() > 2 && r.len() - 2 < 256 {
            self.corrections += 1;
            return Ok(vec![0x6C, (r.len() - 2) as u8]);
        }
        Ok(r)
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.inner.reconnect(wait)
    }
}

#[test]
fn wrong_le_6cxx_on_plain_reads_is_answered_with_the_exact_length() {
    let mut profile = PassportProfile::specimen();
    // Extended length makes the chip carry EF.ATR/INFO, which is read without a TLV length.
    profile.chip.extended_length = true;
    profile.chip.max_le = 0xFFFF;
    let mut t = ExactLeChip {
        inner: transport(&profile),
        corrections: 0,
    };
    let read =
        read_passport(&mut t, key(&profile), ReadOptions::default(), &SystemClock).expect("read");
    assert!(t.corrections >= 1);
    assert!(read.raw.get(LdsFile::AtrInfo).is_some());
    assert!(read.profile.extended_length);
}
