//! `idgated mrz check` and `idgated mrz ocr`, run as staff and scripts run them: the real binary,
//! real files, JSON on stdout, exit codes, and one clear line on stderr for every kind of bad input.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::{idgated_into_a_closed_pipe, spawn_idgated};

use idgate_mrz::ocr::{DEFAULT_FONT_PATH, OcrbFont};
use idgate_mrz::synth::{SceneParams, SynthRng, random_passport, render_frame};
use serde_json::Value;

/// ICAO Doc 9303 Part 4 Appendix A specimen.
const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
/// ICAO Doc 9303 Part 5 Appendix A specimen.
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).expect("one JSON object on stdout")
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect()
    }

    /// Exactly one line on stderr, and no panic.
    fn one_error_line(&self) -> &str {
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        self.stderr.trim()
    }
}

fn idgated(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = spawn_idgated(args);
    let mut input = child.stdin.take().expect("stdin");
    // The command may stop reading early (it caps its input): a failed write is its business.
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check(stdin: &[u8]) -> Run {
    idgated(&["mrz", "check"], stdin)
}

fn ocr(files: &[&Path]) -> Run {
    let mut args = vec!["mrz", "ocr"];
    args.extend(files.iter().map(|p| p.to_str().expect("utf-8 path")));
    idgated(&args, b"")
}

#[test]
fn check_prints_the_fields_and_checks_of_a_valid_passport() {
    let run = check(TD3.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let v = run.json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["format"], "TD3");
    let f = &v["fields"];
    assert_eq!(f["document_number"], "L898902C3");
    assert_eq!(f["birth_date"], "740812");
    assert_eq!(f["expiry_date"], "120415");
    assert_eq!(f["surname"], "ERIKSSON");
    assert_eq!(f["given_names"], "ANNA MARIA");
    assert_eq!(f["nationality"], "UTO");
    assert_eq!(f["sex"], "F");
    assert_eq!(f["optional_data"], "ZE184226B");
    assert!(v.get("notes").is_none(), "UTO is a Doc 9303 code: {v}");
    for check in [
        "document_number",
        "birth_date",
        "expiry_date",
        "optional_data",
        "composite",
    ] {
        assert_eq!(v["checks"][check], "pass", "{check}");
    }
}

#[test]
fn check_reads_an_id_card_in_three_lines() {
    let run = check(TD1.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["format"], "TD1");
    assert_eq!(v["fields"]["document_number"], "D23145890");
    assert_eq!(v["checks"]["composite"], "pass");
}

#[test]
fn a_numeric_nationality_is_accepted_with_a_note_for_staff() {
    // Older ID cards print a numeric nationality; no check digit covers it, so it verifies, but
    // staff are told to compare it with the data page.
    let numeric = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD2314589071327408122F1204159<<<<<<<6\n";
    let run = check(numeric.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["fields"]["nationality"], "132");
    let notes = v["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{v}");
    assert!(
        notes[0]
            .as_str()
            .is_some_and(|n| n.contains("nationality 132 is numeric")),
        "{v}"
    );
}

#[test]
fn a_wrong_check_digit_is_named_in_the_checks_and_on_stderr() {
    // Birth date check digit 2 -> 3.
    let bad = TD3.replace("7408122F", "7408123F");
    let run = check(bad.as_bytes());
    assert_eq!(run.code, 2);
    let line = run.one_error_line();
    assert!(line.contains("date of birth check digit"), "{line}");
    let v = run.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["checks"]["birth_date"], "fail");
    assert_eq!(v["checks"]["document_number"], "pass");
    assert_eq!(v["checks"]["expiry_date"], "pass");
    assert_eq!(v["fields"]["birth_date"], "740812");
}

#[test]
fn bad_input_on_stdin_is_refused_with_one_clear_line() {
    let long = "P".repeat(10_000);
    let accented = format!(
        "P<UTOMU\u{d1}OZ<<J\u{d6}RG{}\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
        "<".repeat(28)
    );
    let cases: [(&[u8], &str); 7] = [
        (&[0xff, 0xfe, 0x00, 0x81, 0x13, 0x37], "not text"),
        (b"", "not 0 line"),
        (b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "line 1 has 43"),
        (b"P<utoERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n", "lowercase"),
        (accented.as_bytes(), "transliterated"),
        (long.as_bytes(), "longer than 4096 bytes"),
        (b"hello world\n", "2 lines"),
    ];
    for (input, expect) in cases {
        let run = check(input);
        assert_eq!(run.code, 2, "{expect}: {}", run.stderr);
        let line = run.one_error_line();
        assert!(line.contains(expect), "wanted '{expect}' in: {line}");
        let v = run.json();
        assert_eq!(v["valid"], false);
        assert!(v["error"].is_string());
    }
}

fn font() -> OcrbFont {
    OcrbFont::load(Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b")
}

/// A synthetic passport photo saved as PNG, and its MRZ lines.
fn passport_png(dir: &Path, seed: u64) -> (PathBuf, Vec<String>) {
    let mut rng = SynthRng::new(seed);
    let today = idgate_mrz::Date::new(2025, 6, 23).expect("date");
    let mrz = random_passport(&mut rng, today).expect("identity");
    let frame = render_frame(&font(), mrz, SceneParams::ideal(960, 540), &mut rng);
    let path = dir.join(format!("passport-{seed}.png"));
    frame.image.save(&path).expect("save");
    (path, frame.mrz.lines().to_vec())
}

#[test]
fn ocr_reads_a_passport_photo_and_says_why_a_blank_page_gave_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (photo, lines) = passport_png(dir.path(), 3);
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(320, 200, image::Luma([200]))
        .save(&blank)
        .expect("save");

    let run = ocr(&[&photo]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = &run.json_lines()[0];
    assert_eq!(v["file"], photo.to_str().expect("utf-8"));
    assert_eq!(v["found"], true);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["lines"], serde_json::json!(lines));
    assert_eq!(
        v["fields"]["document_number"],
        lines[1][..9].trim_end_matches('<')
    );
    assert_eq!(v["checks"]["composite"], "pass");
    assert!(v["confidence"].as_f64().expect("number") > 0.5);
    assert!(v.get("reason").is_none());

    let run = ocr(&[&photo, &blank]);
    assert_eq!(run.code, 3);
    let out = run.json_lines();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["found"], true);
    assert_eq!(out[1]["found"], false);
    assert_eq!(out[1]["reason"], "no_band");
    assert_eq!(out[1]["confidence"], 0.0);
}

#[test]
fn unreadable_files_exit_1_with_one_line_each_and_the_others_are_still_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let pdf = write(
        "scan.jpg",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    );
    let text = write("notes.jpg", b"passport number L898902C3\n");
    let noise = write("noise.png", &[0x5a; 3000]);
    // A real JPEG cut short after its header.
    let mut jpeg = Vec::new();
    image::GrayImage::from_pixel(64, 48, image::Luma([128]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("encode");
    let truncated = write("cut.jpg", &jpeg[..jpeg.len() / 3]);
    let missing = dir.path().join("missing.png");
    for (file, expect) in [
        (&pdf, "not a JPEG or PNG"),
        (&text, "not a JPEG or PNG"),
        (&noise, "not a JPEG or PNG"),
        (&truncated, "damaged or truncated"),
        (&missing, "cannot read the file"),
    ] {
        let run = ocr(&[file]);
        assert_eq!(run.code, 1, "{}: {}", file.display(), run.stderr);
        let line = run.one_error_line();
        assert!(line.contains(expect), "{line}");
        let v = &run.json_lines()[0];
        assert_eq!(v["found"], false);
        assert_eq!(v["reason"], "unreadable");
    }
    let (photo, _) = passport_png(dir.path(), 4);
    let run = ocr(&[&pdf, &photo]);
    assert_eq!(run.code, 1);
    let out = run.json_lines();
    assert_eq!(
        (out[0]["found"].clone(), out[1]["found"].clone()),
        (false.into(), true.into())
    );
}

/// A PNG header (signature + IHDR with a valid CRC) claiming `width`×`height`, and no pixel data.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // An empty IDAT and IEND: decoders read the header up to the first data chunk.
    for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(&crc32(chunk).to_be_bytes());
    }
    out
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_100_megapixel_image_is_refused_from_its_header_and_0x0_is_refused_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, png_header(12_000, 9_000)).expect("write");
    let run = ocr(&[&huge]);
    assert_eq!(run.code, 1);
    let line = run.one_error_line();
    assert!(line.contains("12000×9000"), "{line}");
    assert!(line.contains("50 megapixels"), "{line}");

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, png_header(0, 0)).expect("write");
    let run = ocr(&[&empty]);
    assert_eq!(run.code, 1);
    let line = run.one_error_line();
    assert!(line.contains("empty") || line.contains("damaged"), "{line}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let dir = tempfile::tempdir().expect("tmp");
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(64, 48, image::Luma([200]))
        .save(&blank)
        .expect("save");
    let b = blank.to_str().expect("utf-8");
    // `| head -0`: the reader goes away before the first line.
    let (code, stderr) = idgated_into_a_closed_pipe(&["mrz", "ocr", b, b, b, b, b, b, b, b], b"");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "");
    assert!(matches!(code, Some(0 | 3)), "{code:?}");

    let (code, stderr) = idgated_into_a_closed_pipe(&["mrz", "check"], TD3.as_bytes());
    assert!(!stderr.contains("panicked"));
    assert_eq!(code, Some(0));
}

/// The real specimens in ../shared (a development set, when present beside the repository): every
/// image read is read right, and never a wrong verified MRZ.
#[test]
fn real_specimens_are_never_read_wrong() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/mrz_real");
    let Ok(truth) = std::fs::read_to_string(dir.join("truth.tsv")) else {
        eprintln!("../shared/mrz_real not present: nothing to compare");
        return;
    };
    // Three small ones keep this debug-build test quick: a passport, an ID card, a visa.
    for row in truth.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if !["08.jpg", "04.jpg", "15.jpg"].contains(&cols[0]) {
            continue;
        }
        let run = ocr(&[&dir.join(cols[0])]);
        let v = &run.json_lines()[0];
        let want: Vec<&str> = cols[2..5]
            .iter()
            .copied()
            .filter(|l| !l.is_empty())
            .collect();
        if v["found"] == true {
            assert_eq!(v["lines"], serde_json::json!(want), "{}", cols[0]);
        }
    }
}
