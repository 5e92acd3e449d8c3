//! The chip's photo is decoded in a locked-down child process (`idgated __decode-chip-image`):
//! real JPEG and JPEG 2000 images come back as the pixels an in-process decode gives, damaged
//! files as typed refusals, and the child can neither open a file nor start a process.

#[path = "../../crates/emrtd/tests/support/testdata.rs"]
mod testdata;

use std::path::Path;
use std::process::Command;

use idgate_emrtd::lds::image;
use idgated::sandbox::{Limits, SandboxError, decode_isolated};

fn idgated() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_idgated"))
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = ::image::RgbImage::from_fn(width, height, |x, y| {
        ::image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ::image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

#[test]
fn jpeg_and_jpeg2000_decode_in_the_child_exactly_as_in_process() {
    let jp2 = testdata::testdata("emrtd/jp2/monochrome.jp2");
    for (name, bytes) in [("jpeg", jpeg(240, 320)), ("jp2", jp2.to_vec())] {
        let isolated = decode_isolated(idgated(), &bytes, Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let direct = image::decode(&bytes).expect("in-process decode");
        assert_eq!(
            (isolated.width, isolated.height),
            (direct.width, direct.height),
            "{name}"
        );
        assert!(
            isolated.pixels.as_slice() == direct.pixels.as_slice(),
            "{name}: pixels differ"
        );
    }
}

#[test]
fn damaged_and_hostile_images_are_typed_refusals_and_the_parent_goes_on() {
    let mut cases: Vec<(String, Vec<u8>)> = [
        "bitwiser-codestreamheader-corrupted-xsiz-10918.jp2",
        "bitwiser-codestreamheader-corrupted-ysiz-11208.jp2",
        "bitwiser-headerbox-corrupted-boxlength-22181.jp2",
        "bitwiser-icc-corrupted-tagcount-1911.jp2",
        "bitwiser-resolutionbox-corrupted-boxlength-8127.jp2",
        "triggerUnboundLocalError.jp2",
    ]
    .iter()
    .map(|f| {
        (
            (*f).to_owned(),
            testdata::testdata(&format!("emrtd/jp2/{f}")).to_vec(),
        )
    })
    .collect();
    let mut truncated = jpeg(64, 64);
    truncated.truncate(truncated.len() / 3);
    cases.push(("truncated jpeg".into(), truncated));
    cases.push(("empty".into(), Vec::new()));
    cases.push(("not an image".into(), b"%PDF-1.7 hello".to_vec()));
    for (name, bytes) in cases {
        match decode_isolated(idgated(), &bytes, Limits::default()) {
            // Some damaged files still carry a decodable image: then it must be the same one.
            Ok(img) => {
                let direct = image::decode(&bytes).expect("decodable in-process too");
                assert_eq!(
                    (img.width, img.height),
                    (direct.width, direct.height),
                    "{name}"
                );
            }
            Err(SandboxError::Refused(reason)) => assert!(!reason.is_empty(), "{name}"),
            Err(SandboxError::Killed(why)) => eprintln!("{name}: decoder stopped ({why})"),
            Err(other) => panic!("{name}: {other}"),
        }
    }
}

#[test]
fn a_decoder_that_outlives_its_wall_time_is_killed() {
    // A JPEG the child needs well over a millisecond of wall time for (it starts a process first).
    let limits = Limits {
        wall: std::time::Duration::from_millis(1),
        ..Limits::default()
    };
    let err = decode_isolated(idgated(), &jpeg(2000, 2000), limits).expect_err("too slow");
    assert!(matches!(err, SandboxError::Timeout(_)), "{err}");
}

/// Run as a child of the next test only (`IDGATE_SANDBOX_PROBE` set): locks down as the decoder
/// does, then tries what a hijacked decoder would; exits 77 when it was refused.
#[test]
fn sandbox_probe() {
    let Ok(attempt) = std::env::var("IDGATE_SANDBOX_PROBE") else {
        return;
    };
    idgated::sandbox::lock_down(512 * 1024 * 1024, 2).expect("lock down");
    let refused = match attempt.as_str() {
        "open" => std::fs::File::open("/etc/hostname").is_err(),
        "spawn" => Command::new("/bin/true").status().is_err(),
        _ => false,
    };
    // 77: the attempt failed inside the sandbox; 0: it succeeded (the sandbox leaks).
    std::process::exit(if refused { 77 } else { 0 });
}

#[test]
fn the_locked_down_decoder_can_open_no_file_and_start_no_process() {
    use std::os::unix::process::ExitStatusExt as _;
    for attempt in ["open", "spawn"] {
        let status = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "sandbox_probe",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("IDGATE_SANDBOX_PROBE", attempt)
            .status()
            .expect("run probe");
        // Opening fails with EACCES; starting a process is a forbidden call (or refused).
        assert!(
            status.code() == Some(77) || status.signal() == Some(libc::SIGSYS),
            "{attempt}: allowed inside the sandbox ({status:?})"
        );
    }
}
