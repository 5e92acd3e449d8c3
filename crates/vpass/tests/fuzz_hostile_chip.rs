//! Fuzz target `hostile_chip`: a chip that holds the keys (the virtual passport, personalised with
//! PACE, Chip and Active Authentication and a signed EF.SOD) serves mutated files — EF.COM, DG1,
//! DG2, DG11, DG12, DG14, DG15, EF.SOD, EF.CardAccess — or rewrites its answers to GENERAL
//! AUTHENTICATE, INTERNAL AUTHENTICATE, READ BINARY and SELECT (hostile mode), all wrapped in
//! correct secure messaging, so every mutation passes the MAC and reaches the parsers, Passive /
//! Chip / Active Authentication and the image decoder. Whole reads, in-process, with and without
//! the authenticity checks, then the portrait decoded as the station would. Every read ends in a
//! typed outcome within a time bound — never a panic, never a hang — and a read that passed the
//! hash, signature and chain checks never carries a data group other than the one signed.
//! Four passports: the modern one (PACE-GM on brainpoolP256r1, ECDH CA, ECDSA AA) with a JPEG in a
//! 19794-5 DG2 and with a JPEG 2000 in a 39794-5 DG2, one opened with PACE-CAM (the chip proves
//! itself inside PACE), and one with PACE-DH (1024-bit group) and RSA-2048 Active Authentication
//! (ISO 9796-2), so the rewritten GENERAL / INTERNAL AUTHENTICATE answers reach each of them.
//! Runner: `scripts/fuzz hostile_chip` (driver: `idgate_testbed::fuzz`).

#[path = "../../emrtd/tests/support/testdata.rs"]
mod testdata;

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use idgate_emrtd::iso7816::apdu::StatusWord;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_emrtd::lds::security_infos::PaceMapping;
use idgate_emrtd::{
    AccessKey, CheckResult, ChipAuthenticity, ChipFailure, PreferPace, ReadOptions, SystemClock,
    TrustStore, read_passport,
};
use idgate_testbed::fuzz::{Edits, edits, fuzz, reached};
use idgate_vpass::lds::Personalisation;
use idgate_vpass::security::{AaKind, ChipSecurity, SecurityOptions, personalise};
use idgate_vpass::{FaceEncoding, FaceImage, InProcessTransport, PassportProfile, VirtualPassport};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use support::pace_only;
use zeroize::Zeroizing;

/// A personalised passport: its profile, the chip's secrets, the station's trust anchors and the
/// files as the chip serves them.
struct Fixture {
    profile: PassportProfile,
    chip: ChipSecurity,
    trust: Arc<TrustStore>,
    now: SystemTime,
    files: Vec<(LdsFile, Vec<u8>)>,
}

fn fixture(face: FaceImage, encoding: FaceEncoding, opts: SecurityOptions) -> Fixture {
    let now = opts.now;
    let mut profile = PassportProfile::specimen();
    profile.face = face;
    profile.face_encoding = encoding;
    // An RSA-2048 AA signature does not fit a short response under secure messaging.
    profile.chip.extended_length = opts.active_auth == Some(AaKind::Rsa2048);
    let security = personalise(&mut profile, &opts).expect("personalise");
    let built = Personalisation::build(&profile).expect("files");
    let files = built
        .application
        .iter()
        .chain(built.master_file.iter())
        .map(|f| (f.file, f.content.clone()))
        .collect();
    Fixture {
        profile,
        chip: security.chip,
        trust: Arc::new(security.trust),
        now,
        files,
    }
}

/// Four passports: a JPEG portrait in a 19794-5 DG2, JHOVE's 512×384 JPEG 2000 in a 39794-5 one,
/// PACE-CAM, and PACE-DH with RSA Active Authentication.
fn fixtures() -> &'static [Fixture; 4] {
    static F: OnceLock<[Fixture; 4]> = OnceLock::new();
    F.get_or_init(|| {
        let jp2 = testdata::testdata("emrtd/jp2/monochrome.jp2");
        let jpeg = || FaceImage::synthetic_jpeg(120, 160, 3_000);
        [
            fixture(
                jpeg(),
                FaceEncoding::Iso19794_5,
                SecurityOptions::modern(SystemTime::now()),
            ),
            fixture(
                FaceImage {
                    format: ImageFormat::Jpeg2000,
                    width: 512,
                    height: 384,
                    data: Zeroizing::new(jp2.to_vec()),
                },
                FaceEncoding::Iso39794_5,
                SecurityOptions::modern(SystemTime::now()),
            ),
            fixture(
                jpeg(),
                FaceEncoding::Iso19794_5,
                pace_only(PaceMapping::EcdhChipAuthentication, 13),
            ),
            fixture(
                jpeg(),
                FaceEncoding::Iso19794_5,
                SecurityOptions {
                    active_auth: Some(AaKind::Rsa2048),
                    ..pace_only(PaceMapping::DhGeneric, 0)
                },
            ),
        ]
    })
}

const FILES: [LdsFile; 9] = [
    LdsFile::Com,
    LdsFile::DG1,
    LdsFile::DG2,
    LdsFile::DG11,
    LdsFile::DG12,
    LdsFile::Dg(14),
    LdsFile::Dg(15),
    LdsFile::Sod,
    LdsFile::CardAccess,
];

#[derive(Debug, Clone)]
enum Case {
    /// The chip serves `file` with these edits.
    File(LdsFile, Edits),
    /// The chip rewrites its `n`-th answer to an instruction in `ins` (data edited; status word
    /// replaced when given).
    Answer {
        ins: &'static [u8],
        n: usize,
        edits: Edits,
        sw: Option<u16>,
    },
}

#[derive(Debug, Clone)]
struct Input {
    passport: usize,
    /// With Passive, Chip and Active Authentication against the trust store (else none: a station
    /// without trust anchors, where the mutations reach the image decoder).
    authenticity: bool,
    case: Case,
}

const SECURITY: &[u8] = &[0x86, 0x88];
const READS: &[u8] = &[0xB0, 0xB1];
const ANY: &[u8] = &[0xA4, 0xB0, 0xB1, 0x84, 0x22, 0x86, 0x88];

fn input() -> impl Strategy<Value = Input> {
    let file =
        (proptest::sample::select(FILES.to_vec()), edits(4)).prop_map(|(f, e)| Case::File(f, e));
    let sw = proptest::option::weighted(
        0.2,
        prop_oneof![
            Just(0x9000u16),
            Just(0x6282),
            Just(0x6300),
            Just(0x6700),
            Just(0x6988),
            Just(0x6A82),
            any::<u16>()
        ],
    );
    let answer = (
        prop_oneof![3 => Just(SECURITY), 2 => Just(READS), 1 => Just(ANY)],
        0usize..24,
        edits(3),
        sw,
    )
        .prop_map(|(ins, n, edits, sw)| Case::Answer { ins, n, edits, sw });
    (
        0usize..4,
        any::<bool>(),
        prop_oneof![3 => file, 2 => answer],
    )
        .prop_map(|(passport, authenticity, case)| Input {
            passport,
            authenticity,
            case,
        })
}

/// What the hostile chip changed: (instruction, whether the answer differs).
type Changed = Arc<Mutex<Option<(u8, bool)>>>;

/// One whole read; `Ok(true)` when it succeeded (and, with the checks on, none failed).
fn read_once(input: &Input) -> Result<bool, TestCaseError> {
    let fx = &fixtures()[input.passport];
    let mut profile = fx.profile.clone();
    let mut mutated_file = None;
    if let Case::File(file, edits) = &input.case {
        let original = fx
            .files
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        let bytes = edits.apply(&original);
        match file {
            LdsFile::Sod => profile.sod = Some(bytes.clone()),
            LdsFile::CardAccess => profile.card_access = Some(bytes.clone()),
            f => {
                profile.extra_files.retain(|(x, _)| x != f);
                profile.extra_files.push((*f, bytes.clone()));
            }
        }
        mutated_file = Some((*file, original, bytes));
    }
    let key = profile.access_key().expect("key");
    let mut chip = VirtualPassport::new(&profile)
        .expect("chip")
        .with_security(fx.chip.clone());
    let changed: Changed = Arc::new(Mutex::new(None));
    if let Case::Answer { ins, n, edits, sw } = input.case.clone() {
        let seen = Arc::clone(&changed);
        let mut count = 0;
        chip = chip.hostile(move |cmd, answer| {
            if !ins.contains(&cmd.ins) {
                return;
            }
            count += 1;
            if count != n + 1 {
                return;
            }
            let before = answer.clone();
            answer.data = edits.apply(&answer.data);
            if let Some(sw) = sw {
                answer.sw = StatusWord(sw);
            }
            if let Ok(mut s) = seen.lock() {
                *s = Some((cmd.ins, *answer != before));
            }
        });
    }
    let mut transport = InProcessTransport::new(chip);
    let mut options = ReadOptions {
        access: Arc::new(PreferPace),
        optional_files: vec![
            LdsFile::DG11,
            LdsFile::DG12,
            LdsFile::Dg(14),
            LdsFile::Dg(15),
        ],
        deadline: Duration::from_secs(20),
        card_return_timeout: Duration::from_secs(1),
        ..ReadOptions::default()
    };
    if input.authenticity {
        options.hooks = Box::new(ChipAuthenticity::new(Arc::clone(&fx.trust), fx.now));
    }
    let started = Instant::now();
    let result = read_passport(&mut transport, AccessKey::Mrz(key), options, &SystemClock);
    let read_time = started.elapsed();
    prop_assert!(
        read_time < Duration::from_secs(10),
        "the read took {:?}",
        read_time
    );
    let read = match result {
        Ok(read) => read,
        Err(e) => {
            // The transport is fine: whatever the chip does is the document's failure.
            prop_assert!(e.failure() != ChipFailure::ReaderFault, "{}", e);
            prop_assert!(!e.to_string().is_empty());
            return Ok(false);
        }
    };
    reached("read ok");
    // The portrait is decoded (a typed result) within a bound.
    let started = Instant::now();
    if let Ok(Some(_)) = read.decode_face() {
        reached("face decoded");
    }
    prop_assert!(started.elapsed() < Duration::from_secs(5));

    let Some(report) = read.authenticity.as_ref().filter(|_| input.authenticity) else {
        return Ok(true);
    };
    let passive_passed = [&report.dg_hashes, &report.sod_signature, &report.ds_chain]
        .iter()
        .all(|r| **r == CheckResult::Pass);
    if passive_passed {
        reached("passive authentication passed");
    }
    if let Some((file, original, bytes)) = &mutated_file {
        if passive_passed && bytes != original {
            if let LdsFile::Dg(_) = file {
                // A data group the read kept that differs from the signed one failed its hash.
                prop_assert!(
                    read.raw.get(*file) != Some(bytes.as_slice()),
                    "a mutated {:?} passed Passive Authentication: {}",
                    file,
                    report
                );
            }
            if *file == LdsFile::Sod {
                let a = idgate_emrtd::emulator::Sod::parse(bytes).map(|s| s.content);
                let b = idgate_emrtd::emulator::Sod::parse(original).map(|s| s.content);
                prop_assert_eq!(a, b, "a mutated EF.SOD's content was accepted");
            }
        }
    }
    if let Ok(Some((ins, true))) = changed.lock().map(|c| *c) {
        reached("changed answer read ok");
        // A changed INTERNAL AUTHENTICATE answer (the AA signature) never passes.
        if ins == 0x88 {
            prop_assert!(report.active_auth != CheckResult::Pass, "{}", report);
        }
    }
    Ok(!report.any_fail())
}

#[test]
fn hostile_chip() {
    // The genuine passports pass everything (the mutations start from reads that work).
    let unchanged = edits(1)
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .expect("edits")
        .current();
    for passport in 0..fixtures().len() {
        let genuine = Input {
            passport,
            authenticity: true,
            // An instruction list no command matches: the chip answers honestly.
            case: Case::Answer {
                ins: &[],
                n: 0,
                edits: unchanged.clone(),
                sw: None,
            },
        };
        assert!(
            matches!(read_once(&genuine), Ok(true)),
            "passport {passport}"
        );
    }
    fuzz("hostile_chip", 60, input(), |i| read_once(&i).map(|_| ()));
}
