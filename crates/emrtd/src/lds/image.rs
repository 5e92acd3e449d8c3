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
    /// Refused from its header, before any decoder ran.
    #[error("JPEG 2000 header refused: {0}")]
    Jpeg2000Header(#[from] Jpeg2000HeaderError),
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

/// Most components a portrait may have (grey, grey + alpha, RGB, RGB + alpha).
pub const MAX_COMPONENTS: u16 = 4;
/// Most tiles a JPEG 2000 codestream may declare (OpenJPEG allocates per tile).
pub const MAX_TILES: u64 = 1024;
/// Most pixels per image (ICAO portraits are well under one megapixel).
pub const MAX_PIXELS: u64 = 8 * 1024 * 1024;

/// Why a JPEG 2000 header was refused before decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Jpeg2000HeaderError {
    /// The JP2 box structure (ISO/IEC 15444-1 Annex I) is broken; the text says how.
    #[error("malformed JP2 box structure: {0}")]
    Boxes(&'static str),
    /// No top-level contiguous codestream (`jp2c`) box.
    #[error("the JP2 file has no contiguous codestream (jp2c) box")]
    NoCodestream,
    /// The codestream does not start with SOC (`FF4F`) directly followed by SIZ (`FF51`).
    #[error("the codestream does not start with SOC followed by SIZ")]
    NoSiz,
    /// The SIZ marker (ISO/IEC 15444-1 A.5.1) is truncated or inconsistent.
    #[error("malformed SIZ marker: {0}")]
    Siz(&'static str),
    /// More image components than [`MAX_COMPONENTS`].
    #[error("{0} components (at most {MAX_COMPONENTS})")]
    TooManyComponents(u16),
    /// More tiles in the grid than [`MAX_TILES`].
    #[error("{0} tiles (at most {MAX_TILES})")]
    TooManyTiles(u64),
    /// More pixels than [`MAX_PIXELS`] (or a side above [`MAX_SIDE`]).
    #[error("{0} pixels (at most {MAX_PIXELS})")]
    TooManyPixels(u64),
}

/// What the SIZ marker of a codestream declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jpeg2000Header {
    /// Image width in pixels (Xsiz − XOsiz).
    pub width: u32,
    /// Image height in pixels (Ysiz − YOsiz).
    pub height: u32,
    /// Number of components (Csiz).
    pub components: u16,
    /// Tiles in the tile grid.
    pub tiles: u64,
}

const JP2_SIGNATURE_BOX: [u8; 12] = [
    0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
];

/// The codestream of a JP2 file: the content of the first top-level `jp2c` box (ISO/IEC 15444-1
/// Annex I). Boxes are walked by their lengths, so SIZ-looking bytes in an earlier box (a decoy in
/// an XML or UUID box) are never read as the header.
fn jp2_codestream(bytes: &[u8]) -> Result<&[u8], Jpeg2000HeaderError> {
    use Jpeg2000HeaderError::Boxes;
    if !bytes.starts_with(&JP2_SIGNATURE_BOX) {
        return Err(Boxes("no JP2 signature box"));
    }
    let mut rest = &bytes[JP2_SIGNATURE_BOX.len()..];
    while !rest.is_empty() {
        let head = rest.get(..8).ok_or(Boxes("truncated box header"))?;
        let lbox = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let tbox = &head[4..8];
        let (header_len, box_len) = match lbox {
            0 => (8u64, rest.len() as u64),
            1 => {
                let xl = rest.get(8..16).ok_or(Boxes("truncated XLBox"))?;
                let mut b = [0u8; 8];
                b.copy_from_slice(xl);
                (16, u64::from_be_bytes(b))
            }
            2..=7 => return Err(Boxes("box length below its header")),
            n => (8, n),
        };
        if box_len < header_len || box_len > rest.len() as u64 {
            return Err(Boxes("box length beyond the file"));
        }
        // Both fit in `rest`, checked above.
        let (content, next) = (
            &rest[header_len as usize..box_len as usize],
            &rest[box_len as usize..],
        );
        if tbox == b"jp2c" {
            return Ok(content);
        }
        rest = next;
    }
    Err(Jpeg2000HeaderError::NoCodestream)
}

/// Reads and bounds the SIZ marker (ISO/IEC 15444-1 A.5.1) that must directly follow SOC.
pub fn jpeg2000_header(bytes: &[u8]) -> Result<Jpeg2000Header, Jpeg2000HeaderError> {
    use Jpeg2000HeaderError::Siz;
    let codestream = if bytes.starts_with(&[0xFF, 0x4F]) {
        bytes
    } else {
        jp2_codestream(bytes)?
    };
    if !codestream.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(Jpeg2000HeaderError::NoSiz);
    }
    let siz = &codestream[4..];
    let u16_at = |i: usize| -> Result<u16, Jpeg2000HeaderError> {
        let b = siz.get(i..i + 2).ok_or(Siz("truncated"))?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |i: usize| -> Result<u64, Jpeg2000HeaderError> {
        let b = siz.get(i..i + 4).ok_or(Siz("truncated"))?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64)
    };
    // Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz {Ssiz XRsiz YRsiz}*Csiz
    let lsiz = u16_at(0)? as usize;
    let (x, y, xo, yo) = (u32_at(4)?, u32_at(8)?, u32_at(12)?, u32_at(16)?);
    let (xt, yt, xto, yto) = (u32_at(20)?, u32_at(24)?, u32_at(28)?, u32_at(32)?);
    let components = u16_at(36)?;
    if components == 0 {
        return Err(Siz("no component"));
    }
    if components > MAX_COMPONENTS {
        return Err(Jpeg2000HeaderError::TooManyComponents(components));
    }
    if lsiz != 38 + 3 * components as usize || siz.len() < lsiz {
        return Err(Siz("Lsiz does not match the component count"));
    }
    for c in 0..components as usize {
        let at = 38 + 3 * c;
        if siz[at + 1] == 0 || siz[at + 2] == 0 {
            return Err(Siz("a component sub-sampling of zero"));
        }
    }
    if xo >= x || yo >= y {
        return Err(Siz("an image offset beyond the image"));
    }
    if xt == 0 || yt == 0 || xto > xo || yto > yo || xto + xt <= xo || yto + yt <= yo {
        return Err(Siz("a tile grid that does not cover the image"));
    }
    let (width, height) = (x - xo, y - yo);
    let pixels = width * height;
    if width > MAX_SIDE as u64 || height > MAX_SIDE as u64 || pixels > MAX_PIXELS {
        return Err(Jpeg2000HeaderError::TooManyPixels(pixels));
    }
    let tiles = (x - xto).div_ceil(xt) * (y - yto).div_ceil(yt);
    if tiles > MAX_TILES {
        return Err(Jpeg2000HeaderError::TooManyTiles(tiles));
    }
    Ok(Jpeg2000Header {
        width: width as u32,
        height: height as u32,
        components,
        tiles,
    })
}

fn decode_jpeg2000(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    jpeg2000_header(bytes)?;
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
        assert!(matches!(
            decode(&j2k),
            Err(ImageError::Jpeg2000Header(Jpeg2000HeaderError::Siz(_)))
        ));
    }
}

#[cfg(test)]
mod jpeg2000_header_tests {
    use super::*;

    /// SOC + SIZ: an `x`×`y` image in `xt`×`yt` tiles with `components` 8-bit components.
    fn codestream(x: u32, y: u32, xt: u32, yt: u32, components: u16) -> Vec<u8> {
        let mut out = vec![0xFF, 0x4F, 0xFF, 0x51];
        out.extend_from_slice(&(38 + 3 * components).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        for v in [x, y, 0, 0, xt, yt, 0, 0] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&components.to_be_bytes());
        for _ in 0..components {
            out.extend_from_slice(&[7, 1, 1]);
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    fn jp2_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut out = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(content);
        out
    }

    fn jp2(boxes: &[Vec<u8>]) -> Vec<u8> {
        let mut out = JP2_SIGNATURE_BOX.to_vec();
        out.extend_from_slice(&jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
        boxes.iter().for_each(|b| out.extend_from_slice(b));
        out
    }

    #[test]
    fn the_siz_inside_jp2c_counts_not_a_decoy_in_an_earlier_box() {
        // An XML box carrying a harmless 64×64 SIZ in front of a 60000×60000 codestream.
        let decoy = jp2_box(b"xml ", &codestream(64, 64, 64, 64, 3));
        let huge = jp2_box(b"jp2c", &codestream(60_000, 60_000, 60_000, 60_000, 3));
        let file = jp2(&[decoy, huge]);
        assert_eq!(
            jpeg2000_header(&file),
            Err(Jpeg2000HeaderError::TooManyPixels(3_600_000_000))
        );
        assert_eq!(
            decode(&file),
            Err(ImageError::Jpeg2000Header(
                Jpeg2000HeaderError::TooManyPixels(3_600_000_000)
            ))
        );
        // The same decoy with a sane codestream: the codestream's figures are reported.
        let decoy = jp2_box(b"xml ", &codestream(60_000, 60_000, 64, 64, 3));
        let sane = jp2_box(b"jp2c", &codestream(413, 531, 413, 531, 3));
        let header = jpeg2000_header(&jp2(&[decoy, sane])).expect("sane header");
        assert_eq!(
            (header.width, header.height, header.components, header.tiles),
            (413, 531, 3, 1)
        );
    }

    #[test]
    fn a_jp2_without_codestream_or_with_broken_boxes_is_refused() {
        let only_decoy = jp2(&[jp2_box(b"xml ", &codestream(64, 64, 64, 64, 3))]);
        assert_eq!(
            jpeg2000_header(&only_decoy),
            Err(Jpeg2000HeaderError::NoCodestream)
        );
        let mut overlong = jp2(&[jp2_box(b"jp2c", &codestream(64, 64, 64, 64, 3))]);
        overlong.truncate(overlong.len() - 5);
        assert!(matches!(
            jpeg2000_header(&overlong),
            Err(Jpeg2000HeaderError::Boxes(_))
        ));
    }

    #[test]
    fn in_a_raw_codestream_siz_must_directly_follow_soc() {
        // A COM marker between SOC and SIZ: the SIZ after it is not read.
        let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x64, 0x00, 0x04, 0x00, 0x01];
        j2k.extend_from_slice(&codestream(64, 64, 64, 64, 3)[2..]);
        assert_eq!(jpeg2000_header(&j2k), Err(Jpeg2000HeaderError::NoSiz));
        // `decode` does not even recognise it as JPEG 2000.
        assert_eq!(decode(&j2k), Err(ImageError::UnknownFormat));
    }

    #[test]
    fn components_tiles_and_pixels_are_capped_before_decoding() {
        assert_eq!(
            decode(&codestream(64, 64, 64, 64, 5)),
            Err(ImageError::Jpeg2000Header(
                Jpeg2000HeaderError::TooManyComponents(5)
            ))
        );
        // 1×1 tiles over 64×64: 4096 tiles.
        assert_eq!(
            decode(&codestream(64, 64, 1, 1, 3)),
            Err(ImageError::Jpeg2000Header(
                Jpeg2000HeaderError::TooManyTiles(4096)
            ))
        );
        // 3000×3000 is under the side limit but over the pixel limit.
        assert_eq!(
            decode(&codestream(3000, 3000, 3000, 3000, 3)),
            Err(ImageError::Jpeg2000Header(
                Jpeg2000HeaderError::TooManyPixels(9_000_000)
            ))
        );
        assert_eq!(
            jpeg2000_header(&codestream(640, 480, 256, 256, 3)).map(|h| h.tiles),
            Ok(6)
        );
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
