//! `idgated mrz check` and `idgated mrz ocr`: the code step from the command line, for staff,
//! admins and acceptance checks. Output is JSON (one object, or one per image per line); the exit
//! code says what happened (see [`exit`]). MRZ data goes to stdout only, never to a log or a file.

use std::io::{self, Read, Write};
use std::path::Path;

use idgate_mrz::check_digit::check_digit;
use idgate_mrz::ocr::{MrzReader, StillReading};
use idgate_mrz::{Mrz, MrzError, MrzFormat};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// Exit codes of the `mrz` commands.
pub mod exit {
    /// Every input gave a verified MRZ.
    pub const OK: u8 = 0;
    /// An image file could not be read or decoded.
    pub const UNREADABLE: u8 = 1;
    /// `mrz check`: the lines are not a valid MRZ.
    pub const INVALID: u8 = 2;
    /// `mrz ocr`: at least one image gave no verified MRZ.
    pub const NOT_READ: u8 = 3;
}

/// Largest input `mrz check` reads: an MRZ is at most 90 characters; this leaves room for
/// whitespace and a few mistakes while refusing to slurp a file piped in by accident.
pub const MAX_CHECK_INPUT: usize = 4096;

/// Largest image file `mrz ocr` reads.
pub const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024;

/// Largest image `mrz ocr` decodes, in pixels (50 megapixels: a 600 dpi scan of an A4 page is
/// 35 MP). Larger images are refused from their header, before any pixel is decoded.
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;

/// Why an image could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    #[error("the file is larger than {} MiB", MAX_IMAGE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("not a JPEG or PNG image")]
    NotAnImage,
    #[error("the image is {width}×{height}, above the limit of {} megapixels", MAX_IMAGE_PIXELS / 1_000_000)]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image is empty (0 pixels)")]
    Empty,
    #[error("the image is damaged or truncated: {0}")]
    Decode(String),
}

/// Writes a line to stdout; a closed pipe (`| head`) is reported as `Ok(false)`: stop quietly.
fn emit(out: &mut impl Write, value: &Value) -> io::Result<bool> {
    let result = writeln!(out, "{value}").and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// One line on stderr (decoder messages may hold line breaks); a closed stderr is not worth failing over.
fn say(line: &str) {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = writeln!(io::stderr(), "idgated: {line}");
}

// ---------------------------------------------------------------------------------------------
// mrz check

/// `idgated mrz check`: MRZ lines from `input` → one JSON object on `out`.
pub fn check(input: impl Read, out: &mut impl Write) -> io::Result<u8> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(256));
    input
        .take(MAX_CHECK_INPUT as u64 + 1)
        .read_to_end(&mut bytes)?;
    let (report, error) = check_bytes(&bytes);
    emit(out, &report)?;
    match error {
        None => Ok(exit::OK),
        Some(line) => {
            say(&line);
            Ok(exit::INVALID)
        }
    }
}

/// The report for `bytes` and, when they are not a valid MRZ, the one line saying why.
pub fn check_bytes(bytes: &[u8]) -> (Value, Option<String>) {
    let refuse = |why: String| (json!({ "valid": false, "error": why.clone() }), Some(why));
    if bytes.len() > MAX_CHECK_INPUT {
        return refuse(format!(
            "the input is longer than {MAX_CHECK_INPUT} bytes; an MRZ has at most 90 characters"
        ));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return refuse("the input is not text (UTF-8)".into());
    };
    let lines: Vec<&str> = text.split_whitespace().collect();
    match Mrz::parse(text) {
        Ok(mrz) => {
            let rows: Vec<&[u8]> = mrz.lines().iter().map(|l| l.as_bytes()).collect();
            let mut report = Map::new();
            report.insert("valid".into(), json!(true));
            report.extend(describe(&mrz));
            report.insert("checks".into(), checks(mrz.format(), &rows));
            (Value::Object(report), None)
        }
        Err(e @ (MrzError::CheckDigit { .. } | MrzError::InvalidField { .. })) => {
            // The shape is right: show every field and every check, so the wrong one stands out.
            let rows: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
            let format = format_of_rows(&rows);
            let mut report = Map::new();
            report.insert("valid".into(), json!(false));
            report.insert("error".into(), json!(e.to_string()));
            if let Some(format) = format {
                report.insert("format".into(), json!(format.to_string()));
                report.insert("fields".into(), raw_fields(format, &rows));
                report.insert("checks".into(), checks(format, &rows));
            }
            (Value::Object(report), Some(e.to_string()))
        }
        Err(e @ MrzError::BadCharacter { line, column }) => {
            let found = lines
                .get(line.wrapping_sub(1))
                .and_then(|l| l.chars().nth(column.wrapping_sub(1)));
            let why = match found {
                Some(c) if c.is_ascii_lowercase() => {
                    format!("{e}: '{c}' is lowercase (MRZ letters are capitals)")
                }
                Some(c) if !c.is_ascii() => {
                    format!("{e}: '{c}' is not A-Z, 0-9 or '<' (MRZ text is transliterated)")
                }
                _ => e.to_string(),
            };
            refuse(why)
        }
        Err(e) => refuse(e.to_string()),
    }
}

/// The layout of rows whose shape is already known to be right.
fn format_of_rows(rows: &[&[u8]]) -> Option<MrzFormat> {
    let visa = rows.first().and_then(|r| r.first()) == Some(&b'V');
    match (rows.len(), rows.first().map(|r| r.len())) {
        (3, Some(30)) => Some(MrzFormat::Td1),
        (2, Some(36)) => Some(if visa {
            MrzFormat::MrvB
        } else {
            MrzFormat::Td2
        }),
        (2, Some(44)) => Some(if visa {
            MrzFormat::MrvA
        } else {
            MrzFormat::Td3
        }),
        _ => None,
    }
}

/// Where a field lies: (line, start, end).
type Span = (usize, usize, usize);

/// The check digits of `format`: name, the spans they cover, and the digit's position.
fn check_layout(format: MrzFormat) -> Vec<(&'static str, Vec<Span>, (usize, usize))> {
    match format {
        MrzFormat::Td1 => vec![
            ("document_number", vec![(0, 5, 14)], (0, 14)),
            ("birth_date", vec![(1, 0, 6)], (1, 6)),
            ("expiry_date", vec![(1, 8, 14)], (1, 14)),
            (
                "composite",
                vec![(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)],
                (1, 29),
            ),
        ],
        MrzFormat::Td2 | MrzFormat::Td3 => {
            let end = format.line_len() - 1;
            let mut v = vec![
                ("document_number", vec![(1, 0, 9)], (1, 9)),
                ("birth_date", vec![(1, 13, 19)], (1, 19)),
                ("expiry_date", vec![(1, 21, 27)], (1, 27)),
            ];
            if format == MrzFormat::Td3 {
                v.push(("optional_data", vec![(1, 28, 42)], (1, 42)));
            }
            v.push((
                "composite",
                vec![(1, 0, 10), (1, 13, 20), (1, 21, end)],
                (1, end),
            ));
            v
        }
        MrzFormat::MrvA | MrzFormat::MrvB => vec![
            ("document_number", vec![(1, 0, 9)], (1, 9)),
            ("birth_date", vec![(1, 13, 19)], (1, 19)),
            ("expiry_date", vec![(1, 21, 27)], (1, 27)),
        ],
    }
}

/// Bytes `start..end` of line `line` (empty when out of range).
fn cut<'a>(rows: &[&'a [u8]], (line, start, end): Span) -> &'a [u8] {
    rows.get(line)
        .and_then(|r| r.get(start..end.min(r.len())))
        .unwrap_or(&[])
}

/// `pass`/`fail` for each check digit of `rows`. A TD1/TD2 document number longer than nine
/// characters (`<` in the check digit's place) is checked over its continuation in the optional data.
fn checks(format: MrzFormat, rows: &[&[u8]]) -> Value {
    let mut out = Map::new();
    for (name, spans, (dl, dc)) in check_layout(format) {
        let mut data: Zeroizing<Vec<u8>> =
            Zeroizing::new(spans.iter().flat_map(|&s| cut(rows, s).to_vec()).collect());
        let mut digit = rows.get(dl).and_then(|r| r.get(dc)).copied();
        if name == "document_number"
            && digit == Some(b'<')
            && matches!(format, MrzFormat::Td1 | MrzFormat::Td2)
        {
            let (ol, os) = if format == MrzFormat::Td1 {
                (0, 15)
            } else {
                (1, 28)
            };
            let rest = cut(rows, (ol, os, format.line_len()));
            let len = rest.iter().position(|&c| c == b'<').unwrap_or(rest.len());
            if len >= 2 {
                data.extend_from_slice(&rest[..len - 1]);
                digit = rest.get(len - 1).copied();
            }
        }
        let empty_personal_number =
            name == "optional_data" && digit == Some(b'<') && data.iter().all(|&c| c == b'<');
        let pass = empty_personal_number || (digit.is_some() && check_digit(&data) == digit);
        out.insert(name.into(), json!(if pass { "pass" } else { "fail" }));
    }
    Value::Object(out)
}

/// The fields of rows that failed a check, cut by position (fillers become spaces, trimmed).
fn raw_fields(format: MrzFormat, rows: &[&[u8]]) -> Value {
    let text = |s: Span| {
        String::from_utf8_lossy(cut(rows, s))
            .replace('<', " ")
            .trim()
            .to_owned()
    };
    let raw = |s: Span| String::from_utf8_lossy(cut(rows, s)).into_owned();
    let (name, number, birth, sex, expiry, nationality, optional) = match format {
        MrzFormat::Td1 => (
            (2, 0, 30),
            (0, 5, 14),
            (1, 0, 6),
            (1, 7, 8),
            (1, 8, 14),
            (1, 15, 18),
            (0, 15, 30),
        ),
        _ => {
            let n = format.line_len();
            let opt_end = if format == MrzFormat::Td3 {
                42
            } else if format == MrzFormat::Td2 {
                35
            } else {
                n
            };
            (
                (0, 5, n),
                (1, 0, 9),
                (1, 13, 19),
                (1, 20, 21),
                (1, 21, 27),
                (1, 10, 13),
                (1, 28, opt_end),
            )
        }
    };
    let name_raw = raw(name);
    let (surname, given) = name_raw.split_once("<<").unwrap_or((name_raw.as_str(), ""));
    json!({
        "document_code": text((0, 0, 2)),
        "issuing_state": text((0, 2, 5)),
        "document_number": text(number),
        "birth_date": raw(birth),
        "expiry_date": raw(expiry),
        "surname": surname.replace('<', " ").trim(),
        "given_names": given.replace('<', " ").trim(),
        "nationality": text(nationality),
        "sex": raw(sex),
        "optional_data": text(optional),
    })
}

/// `format` and `fields` of a verified MRZ.
fn describe(mrz: &Mrz) -> Map<String, Value> {
    let mut fields = json!({
        "document_code": mrz.document_code(),
        "issuing_state": mrz.issuing_state(),
        "document_number": mrz.document_number(),
        "birth_date": mrz.birth_date_yymmdd(),
        "expiry_date": mrz.expiry_date_yymmdd(),
        "surname": mrz.primary_identifier(),
        "given_names": mrz.secondary_identifier(),
        "nationality": mrz.nationality(),
        "sex": mrz.sex().mrz_char().to_string(),
        "optional_data": mrz.optional_data(),
    });
    if mrz.format() == MrzFormat::Td1 {
        fields["optional_data_2"] = json!(mrz.optional_data_2());
    }
    let mut m = Map::new();
    m.insert("format".into(), json!(mrz.format().to_string()));
    m.insert("fields".into(), fields);
    let notes = code_notes(mrz);
    if !notes.is_empty() {
        m.insert("notes".into(), json!(notes));
    }
    m
}

/// What staff should look at although every check digit holds: a state code outside Doc 9303
/// Part 3 (no check digit covers one; the parser accepts three digits and unknown letters, see
/// `idgate_mrz` `parse.rs`), so a misprint or a misread shows before the chip step is blamed.
fn code_notes(mrz: &Mrz) -> Vec<String> {
    [
        ("issuing state", mrz.issuing_state()),
        ("nationality", mrz.nationality()),
    ]
    .into_iter()
    .filter_map(|(name, code)| {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
            Some(format!(
                "the {name} {code} is numeric, not a Doc 9303 letter code: compare it with the data page"
            ))
        } else if !idgate_mrz::state_codes::is_known(code.as_bytes()) {
            Some(format!(
                "the {name} {code} is not a code of Doc 9303 Part 3: compare it with the data page"
            ))
        } else {
            None
        }
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// mrz ocr

/// Reads and decodes an image file: the size limits are checked on the file and on the image
/// header before any pixel is decoded; the format is taken from the content, not the name.
pub fn load_gray(path: &Path) -> Result<image::GrayImage, ImageError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let bytes = std::fs::read(path)?;
    decode_gray(&bytes)
}

/// [`load_gray`] on bytes in memory.
pub fn decode_gray(bytes: &[u8]) -> Result<image::GrayImage, ImageError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (image::ImageFormat::Jpeg | image::ImageFormat::Png)) => f,
        _ => return Err(ImageError::NotAnImage),
    };
    let reader = || image::ImageReader::with_format(io::Cursor::new(bytes), format);
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(ImageError::TooManyPixels { width, height });
    }
    let mut reader = reader();
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 8);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    Ok(img.into_luma8())
}

/// The JSON line for one image's reading.
pub fn ocr_report(file: &str, reading: &StillReading) -> Value {
    let mut m = Map::new();
    m.insert("file".into(), json!(file));
    m.insert("found".into(), json!(reading.mrz.is_some()));
    if let Some(mrz) = &reading.mrz {
        m.extend(describe(mrz));
        let rows: Vec<&[u8]> = mrz.lines().iter().map(|l| l.as_bytes()).collect();
        m.insert("checks".into(), checks(mrz.format(), &rows));
    } else if let Some(format) = reading.format {
        m.insert("format".into(), json!(format.to_string()));
    }
    m.insert("lines".into(), json!(reading.lines));
    m.insert("confidence".into(), json!(round3(reading.confidence)));
    if let Some(miss) = reading.miss {
        m.insert("reason".into(), json!(miss.code()));
        m.insert("detail".into(), json!(miss.to_string()));
    }
    Value::Object(m)
}

fn round3(v: f32) -> f64 {
    (f64::from(v) * 1000.0).round() / 1000.0
}

/// `idgated mrz ocr IMAGE…`: one JSON line per image on `out`.
pub fn ocr(
    reader: &MrzReader,
    images: &[impl AsRef<Path>],
    out: &mut impl Write,
) -> io::Result<u8> {
    let mut code = exit::OK;
    for path in images {
        let path = path.as_ref();
        let file = path.display().to_string();
        let line = match load_gray(path) {
            Ok(img) => {
                let reading = reader.read_still(&img);
                if reading.mrz.is_none() && code == exit::OK {
                    code = exit::NOT_READ;
                }
                ocr_report(&file, &reading)
            }
            Err(e) => {
                say(&format!("{file}: {e}"));
                code = exit::UNREADABLE;
                let detail = e
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                json!({ "file": file, "found": false, "reason": "unreadable", "detail": detail })
            }
        };
        if !emit(out, &line)? {
            return Ok(code);
        }
    }
    Ok(code)
}
