//! Image files as people send them: the format is read from the content (a PNG named `.jpg`
//! decodes as PNG), EXIF orientation is applied, JPEG 2000 (chip photos) is read through
//! OpenJPEG, and a format the station does not read is named in the error.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use crate::error::FaceError;

/// Longest side accepted (a 60-megapixel photo still fits); larger images are refused before
/// the decoder allocates.
pub const MAX_SIDE: u32 = 12_000;

/// What the first bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// JPEG, PNG or WebP: decoded by the `image` crate.
    Common(ImageFormat),
    /// A JPEG 2000 file (JP2) or codestream (J2K), as chip photos are.
    Jpeg2000,
    /// A known format the station does not read, with its name.
    Unsupported(&'static str),
    Unknown,
}

/// Recognises the format from the content alone.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    const JP2: &[u8] = &[
        0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
    ];
    if bytes.starts_with(JP2) || bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Sniffed::Jpeg2000;
    }
    // ISO base media files (HEIC, AVIF) carry their brand at offset 8 after "ftyp".
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"avif") | Some(b"avis") => Sniffed::Unsupported("AVIF"),
            Some(b"heic") | Some(b"heix") | Some(b"hevc") | Some(b"mif1") | Some(b"msf1") => {
                Sniffed::Unsupported("HEIC/HEIF (iPhone photo)")
            }
            _ => Sniffed::Unsupported("an ISO media file (video or HEIF)"),
        };
    }
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Sniffed::Common(f),
        Ok(ImageFormat::Gif) => Sniffed::Unsupported("GIF"),
        Ok(ImageFormat::Tiff) => Sniffed::Unsupported("TIFF"),
        Ok(ImageFormat::Bmp) => Sniffed::Unsupported("BMP"),
        Ok(_) => Sniffed::Unsupported("an image format the station does not read"),
        Err(_) if bytes.starts_with(b"%PDF") => Sniffed::Unsupported("PDF"),
        Err(_) => Sniffed::Unknown,
    }
}

/// Decodes image bytes to RGB8 (grey and RGBA become RGB), applying EXIF orientation as
/// `cv2.imread` does. `what` names the image in errors.
pub fn decode(bytes: &[u8], what: &str) -> Result<RgbImage, FaceError> {
    let err = |reason: String| FaceError::Image {
        what: what.to_owned(),
        reason,
    };
    let decoded = match sniff(bytes) {
        Sniffed::Common(format) => catch_unwind(AssertUnwindSafe(|| decode_common(bytes, format)))
            .map_err(|_| err(format!("the {format:?} decoder failed on this file")))?
            .map_err(err)?,
        Sniffed::Jpeg2000 => catch_unwind(AssertUnwindSafe(|| decode_jpeg2000(bytes)))
            .map_err(|_| err("the JPEG 2000 decoder failed on this file".into()))?
            .map_err(err)?,
        Sniffed::Unsupported(name) => {
            return Err(err(format!(
                "this is {name}, which the station does not read: save it as JPEG, PNG or WebP"
            )));
        }
        Sniffed::Unknown => {
            return Err(err(
                "not an image the station reads (JPEG, PNG, WebP or JPEG 2000)".into(),
            ));
        }
    };
    Ok(decoded.into_rgb8())
}

fn decode_common(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    // A missing or malformed EXIF block means "as stored", not an error.
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img)
}

/// The image size from the codestream's SIZ marker (`FF4F FF51`), read before OpenJPEG allocates
/// (as emrtd's DG2 decoder does; this crate does not depend on emrtd).
fn jpeg2000_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let at = bytes
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?;
    let siz = bytes.get(at + 4..at + 24)?;
    let be = |i: usize| u32::from_be_bytes([siz[i], siz[i + 1], siz[i + 2], siz[i + 3]]);
    // Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4)
    let (x, y, xo, yo) = (be(4), be(8), be(12), be(16));
    Some((x.saturating_sub(xo), y.saturating_sub(yo)))
}

fn decode_jpeg2000(bytes: &[u8]) -> Result<DynamicImage, String> {
    let (w, h) = jpeg2000_size(bytes).ok_or("JPEG 2000 without an image header (SIZ)")?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!("JPEG 2000 image of {w}x{h} pixels refused"));
    }
    let img = jpeg2k::Image::from_bytes(bytes).map_err(|e| e.to_string())?;
    DynamicImage::try_from(&img).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_content() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n...."),
            Sniffed::Common(ImageFormat::Png)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Sniffed::Common(ImageFormat::Jpeg)
        );
        assert_eq!(
            sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 "),
            Sniffed::Common(ImageFormat::WebP)
        );
        assert_eq!(sniff(&[0xFF, 0x4F, 0xFF, 0x51, 0, 0x29]), Sniffed::Jpeg2000);
        assert_eq!(
            sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
            Sniffed::Unsupported("HEIC/HEIF (iPhone photo)")
        );
        assert_eq!(sniff(b"GIF89a...."), Sniffed::Unsupported("GIF"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Unsupported("PDF"));
        assert_eq!(sniff(b"hello"), Sniffed::Unknown);
        assert_eq!(sniff(b""), Sniffed::Unknown);
    }

    #[test]
    fn unsupported_and_broken_files_are_typed_errors_that_say_what_they_are() {
        let heic = decode(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "p.jpg")
            .expect_err("HEIC is not read");
        assert!(heic.to_string().contains("HEIC"), "{heic}");
        assert!(heic.to_string().contains("p.jpg"), "{heic}");
        let text = decode(b"name,date\n", "list.png").expect_err("text");
        assert!(text.to_string().contains("not an image"), "{text}");
        // A truncated PNG and a J2K header claiming 60000×60000 are errors, not panics.
        assert!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "cut.png").is_err());
        let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        j2k.extend_from_slice(&60_000u32.to_be_bytes());
        j2k.extend_from_slice(&60_000u32.to_be_bytes());
        j2k.extend_from_slice(&[0; 8]);
        let big = decode(&j2k, "chip.jp2").expect_err("too large");
        assert!(big.to_string().contains("60000x60000"), "{big}");
    }
}
