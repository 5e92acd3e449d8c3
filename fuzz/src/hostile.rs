//! `hostile_chip`: the fuzzer's bytes drive a chip that holds the keys (the virtual passport in
//! hostile mode, `VirtualPassport::hostile`), so every change it makes is wrapped in correct
//! secure messaging, passes the MAC and reaches the parsers, Passive / Chip / Active
//! Authentication and the image decoder, in a whole in-process PACE + CA + AA + PA read.
//!
//! Input layout (short inputs read as zeros):
//! - byte 0: the passport (mod 4): 19794-5 JPEG, 39794-5 JPEG 2000, PACE-CAM, PACE-DH + RSA AA;
//! - byte 1: bit 0 — check authenticity against the trust store; bit 1 — rewrite an answer
//!   (else serve a changed file); bit 2 — the rest replaces the bytes (else it is an edit script
//!   on the genuine ones, see [`crate::edits`]);
//! - a file: byte 2 picks it (mod 9: EF.COM, DG1, DG2, DG11, DG12, DG14, DG15, EF.SOD,
//!   EF.CardAccess), the rest from byte 3;
//! - an answer: byte 2 picks the instructions (mod 3: GENERAL/INTERNAL AUTHENTICATE, READ BINARY,
//!   any), byte 3 which answer to them (mod 24), bytes 4–5 a status word to put instead when byte
//!   1 bit 3 is set, the rest from byte 6.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use idgate_emrtd::emulator::SymmetricCipher;
use idgate_emrtd::iso7816::apdu::StatusWord;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_emrtd::lds::security_infos::{PaceMapping, PaceProtocol};
use idgate_emrtd::{
    AccessKey, CheckResult, ChipAuthenticity, ChipFailure, PreferPace, ReadOptions, SystemClock,
    TrustStore, read_passport,
};
use idgate_vpass::lds::Personalisation;
use idgate_vpass::security::{AaKind, ChipSecurity, SecurityOptions, personalise};
use idgate_vpass::{FaceEncoding, FaceImage, InProcessTransport, PassportProfile, VirtualPassport};
use zeroize::Zeroizing;

/// A personalised passport: its profile, the chip's secrets, the station's trust anchors and the
/// files as the chip serves them.
pub struct Fixture {
    profile: PassportProfile,
    chip: ChipSecurity,
    trust: Arc<TrustStore>,
    now: SystemTime,
    pub files: Vec<(LdsFile, Vec<u8>)>,
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

fn pace_only(mapping: PaceMapping, id: u32) -> SecurityOptions {
    SecurityOptions {
        pace: vec![(
            PaceProtocol {
                mapping,
                cipher: SymmetricCipher::Aes128,
            },
            id,
        )],
        ..SecurityOptions::modern(SystemTime::now())
    }
}

/// The JPEG 2000 portrait of the second passport: the test file JHOVE's corpus has
/// (`emrtd/jp2/monochrome.jp2`, read from the test data directory as the tests do, never copied
/// into the repository).
fn monochrome_jp2() -> Vec<u8> {
    let root = std::env::var_os("IDGATE_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let dir = std::env::var_os("IDGATE_TESTDATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let shared = root.join("../shared/testdata");
            if shared.is_dir() {
                shared
            } else {
                root.join(".idgate/testdata")
            }
        });
    let path = dir.join("emrtd/jp2/monochrome.jp2");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/setup, or set IDGATE_TESTDATA)",
            path.display()
        )
    })
}

/// The four passports, personalised once per process (before the fork server starts).
pub fn fixtures() -> &'static [Fixture; 4] {
    static F: OnceLock<[Fixture; 4]> = OnceLock::new();
    F.get_or_init(|| {
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
                    data: Zeroizing::new(monochrome_jp2()),
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

pub const FILES: [LdsFile; 9] = [
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

const SECURITY: &[u8] = &[0x86, 0x88];
const READS: &[u8] = &[0xB0, 0xB1];
const ANY: &[u8] = &[0xA4, 0xB0, 0xB1, 0x84, 0x22, 0x86, 0x88];

/// What the hostile chip changed: (instruction, whether the answer differs).
type Changed = Arc<Mutex<Option<(u8, bool)>>>;

/// One whole read driven by `data`; panics when a property fails. Returns whether the read
/// succeeded with no check failing (for the self-test of the genuine passports).
pub fn hostile_chip(data: &[u8]) -> bool {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let fx = &fixtures()[usize::from(byte(0)) % 4];
    let flags = byte(1);
    let authenticity = flags & 1 != 0;
    let answer_mode = flags & 2 != 0;
    let replace = flags & 4 != 0;
    let rewrite = |genuine: &[u8], rest: &[u8]| {
        if replace {
            rest.to_vec()
        } else {
            crate::edits::apply(genuine, rest)
        }
    };

    let mut profile = fx.profile.clone();
    let mut mutated_file = None;
    if !answer_mode {
        let file = FILES[usize::from(byte(2)) % FILES.len()];
        let original = fx
            .files
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, b)| b.clone())
            .unwrap_or_default();
        let bytes = rewrite(&original, data.get(3..).unwrap_or_default());
        match file {
            LdsFile::Sod => profile.sod = Some(bytes.clone()),
            LdsFile::CardAccess => profile.card_access = Some(bytes.clone()),
            f => {
                profile.extra_files.retain(|(x, _)| *x != f);
                profile.extra_files.push((f, bytes.clone()));
            }
        }
        mutated_file = Some((file, original, bytes));
    }
    let key = profile.access_key().expect("key");
    let mut chip = VirtualPassport::new(&profile)
        .expect("chip")
        .with_security(fx.chip.clone());
    let changed: Changed = Arc::new(Mutex::new(None));
    if answer_mode {
        let ins: &'static [u8] = [SECURITY, READS, ANY][usize::from(byte(2)) % 3];
        let n = usize::from(byte(3)) % 24;
        let sw = (flags & 8 != 0).then(|| u16::from_be_bytes([byte(4), byte(5)]));
        let rest = data.get(6..).unwrap_or_default().to_vec();
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
            answer.data = if replace {
                rest.clone()
            } else {
                crate::edits::apply(&answer.data, &rest)
            };
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
    if authenticity {
        options.hooks = Box::new(ChipAuthenticity::new(Arc::clone(&fx.trust), fx.now));
    }
    let read = match read_passport(&mut transport, AccessKey::Mrz(key), options, &SystemClock) {
        Ok(read) => read,
        Err(e) => {
            // The transport is fine: whatever the chip does is the document's failure.
            assert!(
                e.failure() != ChipFailure::ReaderFault,
                "a hostile chip gave a reader fault: {e}"
            );
            assert!(!e.to_string().is_empty());
            return false;
        }
    };
    // The portrait is decoded (a typed result).
    let _ = read.decode_face();

    let Some(report) = read.authenticity.as_ref().filter(|_| authenticity) else {
        return true;
    };
    let passive_passed = [&report.dg_hashes, &report.sod_signature, &report.ds_chain]
        .iter()
        .all(|r| **r == CheckResult::Pass);
    if let Some((file, original, bytes)) = &mutated_file
        && passive_passed
        && bytes != original
    {
        if let LdsFile::Dg(_) = file {
            // A data group the read kept that differs from the signed one failed its hash.
            assert!(
                read.raw.get(*file) != Some(bytes.as_slice()),
                "a mutated {file:?} passed Passive Authentication: {report}"
            );
        }
        if *file == LdsFile::Sod {
            let a = idgate_emrtd::emulator::Sod::parse(bytes).map(|s| s.content);
            let b = idgate_emrtd::emulator::Sod::parse(original).map(|s| s.content);
            assert_eq!(a, b, "a mutated EF.SOD's content was accepted");
        }
    }
    // A changed INTERNAL AUTHENTICATE answer (the AA signature) never passes.
    if let Ok(Some((0x88, true))) = changed.lock().map(|c| *c) {
        assert!(
            report.active_auth != CheckResult::Pass,
            "a changed AA signature passed: {report}"
        );
    }
    !report.any_fail()
}
