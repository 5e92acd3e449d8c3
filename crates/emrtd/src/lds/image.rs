//! Decoding the facial image (JPEG or JPEG 2000) to 8-bit RGB, in memory only.
//!
//! The image bytes come from the chip, so the decoders see hostile input: dimensions are capped
//! before decoding, and a panic inside a third-party decoder is caught and reported as an error.

use std::fmt;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, ImageDecoder, Limits};
use zeroize::Zeroizing;

/// Largest width or height accepted (ICAO portraits are a few hundred pixels).
pub const MAX_SIDE: u32 = 4096;

/// Encoded image formats in the LDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918-1), starting with the SOI marker `FFD8`.
    Jpeg,
    /// JPEG 2000, as a JP2 file or a bare codestream.
    Jpeg2000,
}

impl ImageFormat {
    /// Recognises the format from the first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(&[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])
            || bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
        {
            Some(ImageFormat::Jpeg2000)
        } else {
            None
        }
    }
}

/// Why an image could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The bytes start with neither the JPEG SOI marker nor a JPEG 2000 signature box or
    /// codestream.
    #[error("the bytes are neither JPEG nor JPEG 2000")]
    UnknownFormat,
    /// The declared width or height (pixels) exceeds [`MAX_SIDE`]: refused before the decoder
    /// allocates.
    #[error("image of {0}×{1} exceeds the {MAX_SIDE}-pixel limit")]
    TooLarge(u32, u32),
    /// The decoder refused the image (corrupt or unsupported coding); the text is the decoder's.
    #[error("{0:?} decoder: {1}")]
    Decode(ImageFormat, String),
    /// The third-party decoder panicked on these bytes; caught here, so the caller gets this error
    /// instead of a crash.
    #[error("{0:?} decoder crashed on this image")]
    DecoderPanic(ImageFormat),
}

/// An 8-bit RGB image, row-major, 3 bytes per pixel. Biometric data: zeroized, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 3` bytes: R, G, B per pixel, rows top to bottom.
    pub pixels: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RgbImage({}×{}, <redacted>)", self.width, self.height)
    }
}

impl RgbImage {
    /// A borrowed `image` crate view, for callers that process it further.
    pub fn view(&self) -> Option<image::ImageBuffer<image::Rgb<u8>, &[u8]>> {
        image::ImageBuffer::from_raw(self.width, self.height, self.pixels.as_slice())
    }
}

/// Decodes `bytes` (format sniffed) to RGB.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    let format = ImageFormat::sniff(bytes).ok_or(ImageError::UnknownFormat)?;
    let decoded = catch_unwind(AssertUnwindSafe(|| match format {
        ImageFormat::Jpeg => decode_jpeg(bytes),
        ImageFormat::Jpeg2000 => decode_jpeg2000(bytes),
    }))
    .map_err(|_| ImageError::DecoderPanic(format))??;
    let rgb = decoded.to_rgb8();
    let (width, height) = rgb.dimensions();
    Ok(RgbImage {
        width,
        height,
        pixels: Zeroizing::new(rgb.into_raw()),
    })
}

fn decode_jpeg(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let err = |e: image::ImageError| ImageError::Decode(ImageFormat::Jpeg, e.to_string());
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(err)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(ImageError::TooLarge(w, h));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    decoder.set_limits(limits).map_err(err)?;
    DynamicImage::from_decoder(decoder).map_err(err)
}

/// The image size from the codestream's SIZ marker (`FF4F FF51`), read before OpenJPEG allocates.
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

fn decode_jpeg2000(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let (w, h) = jpeg2000_size(bytes)
        .ok_or_else(|| ImageError::Decode(ImageFormat::Jpeg2000, "no SIZ marker".into()))?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(ImageError::TooLarge(w, h));
    }
    let err = |e: jpeg2k::error::Error| ImageError::Decode(ImageFormat::Jpeg2000, e.to_string());
    let img = jpeg2k::Image::from_bytes(bytes).map_err(err)?;
    DynamicImage::try_from(&img).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .expect("encode");
        out
    }

    #[test]
    fn jpeg_decodes_to_rgb() {
        let rgb = decode(&synthetic_jpeg(48, 64)).expect("decodes");
        assert_eq!((rgb.width, rgb.height), (48, 64));
        assert_eq!(rgb.pixels.len(), 48 * 64 * 3);
        assert!(rgb.view().is_some());
        assert!(!format!("{rgb:?}").contains('['));
    }

    #[test]
    fn broken_images_are_errors_not_panics() {
        let jpeg = synthetic_jpeg(32, 32);
        for cut in [3, 20, 100, jpeg.len() / 2] {
            assert!(decode(&jpeg[..cut]).is_err(), "jpeg cut at {cut}");
        }
        assert_eq!(decode(b"GIF89a"), Err(ImageError::UnknownFormat));
        // A JP2 signature with garbage after it.
        let mut jp2 = vec![
            0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
        ];
        jp2.extend_from_slice(&[0x55; 64]);
        assert!(decode(&jp2).is_err());
        // A codestream claiming 60000×60000 is refused before OpenJPEG allocates.
        let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        j2k.extend_from_slice(&60_000u32.to_be_bytes());
        j2k.extend_from_slice(&60_000u32.to_be_bytes());
        j2k.extend_from_slice(&[0; 8]);
        assert_eq!(decode(&j2k), Err(ImageError::TooLarge(60_000, 60_000)));
    }
}

#[cfg(test)]
#[path = "../../tests/support/testdata.rs"]
mod testdata;

#[cfg(test)]
mod jpeg2000_tests {
    use super::*;

    // JHOVE (openpreserve/jhove) and jpylyzer (openpreserve/jpylyzer-test-files) test images, read from outside
    // the repository like every third-party file.
    fn jp2(name: &str) -> &'static [u8] {
        super::testdata::testdata(&format!("emrtd/jp2/{name}"))
    }

    #[test]
    fn valid_jp2_decodes() {
        let rgb = decode(jp2("monochrome.jp2")).expect("decodes");
        assert_eq!((rgb.width, rgb.height), (512, 384));
        assert_eq!(rgb.pixels.len(), 512 * 384 * 3);
    }

    #[test]
    fn damaged_jp2_files_are_errors_not_panics() {
        let damaged = [
            "bitwiser-codestreamheader-corrupted-xsiz-10918.jp2",
            "bitwiser-codestreamheader-corrupted-ysiz-11208.jp2",
            "bitwiser-headerbox-corrupted-boxlength-22181.jp2",
            "bitwiser-icc-corrupted-tagcount-1911.jp2",
            "bitwiser-resolutionbox-corrupted-boxlength-8127.jp2",
            "triggerUnboundLocalError.jp2",
        ]
        .map(jp2);
        for bytes in damaged {
            // Some damage (e.g. an ICC tag count) still leaves a decodable image; none may panic.
            let _ = decode(bytes);
        }
        let good = jp2("monochrome.jp2");
        for cut in [12, 40, 100, 300, good.len() - 10] {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}
