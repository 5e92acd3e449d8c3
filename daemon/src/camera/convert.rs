//! Camera pixel formats to RGB8.

use idgate_face::CaptureError;
use image::RgbImage;
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// Packed YUYV 4:2:2 (Y0 U Y1 V per pixel pair, `stride` bytes per row) to RGB8, with the
/// BT.601 limited-range matrix UVC cameras use. Hand-written: no maintained crate does this
/// one conversion without pulling in a whole video stack, and it runs per frame.
pub fn yuyv_to_rgb(
    buf: &[u8],
    width: u32,
    height: u32,
    stride: u32,
) -> Result<RgbImage, CaptureError> {
    let (w, h, stride) = (width as usize, height as usize, stride as usize);
    if w == 0 || h == 0 || w % 2 != 0 || stride < w * 2 {
        return Err(CaptureError::Decode(format!(
            "bad YUYV geometry {width}x{height} stride {stride}"
        )));
    }
    let needed = stride * (h - 1) + w * 2;
    if buf.len() < needed {
        return Err(CaptureError::Decode(format!(
            "short YUYV frame: {} of {needed} bytes",
            buf.len()
        )));
    }
    let mut out = vec![0u8; w * h * 3];
    for (row, orow) in buf.chunks(stride).take(h).zip(out.chunks_exact_mut(w * 3)) {
        for (yuyv, rgb) in row[..w * 2].chunks_exact(4).zip(orow.chunks_exact_mut(6)) {
            let d = yuyv[1] as i32 - 128;
            let e = yuyv[3] as i32 - 128;
            for (k, &y) in [yuyv[0], yuyv[2]].iter().enumerate() {
                let c = 298 * (y as i32 - 16);
                let px = &mut rgb[k * 3..k * 3 + 3];
                px[0] = ((c + 409 * e + 128) >> 8).clamp(0, 255) as u8;
                px[1] = ((c - 100 * d - 208 * e + 128) >> 8).clamp(0, 255) as u8;
                px[2] = ((c + 516 * d + 128) >> 8).clamp(0, 255) as u8;
            }
        }
    }
    RgbImage::from_raw(width, height, out)
        .ok_or_else(|| CaptureError::Decode("YUYV buffer size".into()))
}

/// One MJPEG frame to RGB8 (zune-jpeg). Frames larger than `max_w`×`max_h` are rejected
/// before decoding, so a misbehaving device cannot make us allocate without bound.
pub fn decode_mjpeg(buf: &[u8], max_w: u32, max_h: u32) -> Result<RgbImage, CaptureError> {
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(max_w as usize)
        .set_max_height(max_h as usize);
    let mut d = JpegDecoder::new_with_options(ZCursor::new(buf), options);
    let px = d
        .decode()
        .map_err(|e| CaptureError::Decode(format!("MJPEG: {e:?}")))?;
    let info = d
        .info()
        .ok_or_else(|| CaptureError::Decode("MJPEG: no header".into()))?;
    RgbImage::from_raw(info.width as u32, info.height as u32, px)
        .ok_or_else(|| CaptureError::Decode("MJPEG: pixel count does not match the header".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_reference_colours() {
        // Pairs: (Y0 U Y1 V). Black (16,128,128), white (235,128,128), BT.601 red (81,90,240),
        // green (145,54,34), blue (41,240,110).
        let buf = [
            16, 128, 235, 128, //
            81, 90, 81, 240, //
            145, 54, 145, 34, //
            41, 240, 41, 110,
        ];
        let img = yuyv_to_rgb(&buf, 8, 1, 16).expect("decode");
        let px: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert_eq!(px[0], [0, 0, 0]);
        assert_eq!(px[1], [255, 255, 255]);
        let close = |a: [u8; 3], b: [u8; 3]| {
            a.iter()
                .zip(b)
                .all(|(x, y)| (*x as i32 - y as i32).abs() <= 3)
        };
        assert!(close(px[2], [255, 0, 0]), "{:?}", px[2]);
        assert!(close(px[4], [0, 255, 0]), "{:?}", px[4]);
        assert!(close(px[6], [0, 0, 255]), "{:?}", px[6]);
    }

    #[test]
    fn yuyv_honours_row_padding() {
        // 2×2 image, rows padded to 8 bytes; the padding bytes must be ignored.
        let buf = [235, 128, 235, 128, 9, 9, 9, 9, 16, 128, 16, 128, 9, 9, 9, 9];
        let img = yuyv_to_rgb(&buf, 2, 2, 8).expect("decode");
        assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(0, 1).0, [0, 0, 0]);
    }

    #[test]
    fn short_or_odd_yuyv_frames_are_errors_not_panics() {
        assert!(yuyv_to_rgb(&[0; 10], 4, 2, 8).is_err());
        assert!(yuyv_to_rgb(&[0; 12], 3, 2, 6).is_err());
        assert!(yuyv_to_rgb(&[0; 16], 4, 2, 4).is_err());
    }

    /// UVC cameras send MJPEG frames without Huffman tables (DHT), marked by an `AVI1` APP0
    /// segment; decoders must use the standard tables (ITU-T T.81 Annex K).
    fn strip_dht_as_uvc_does(jpg: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x08]);
        out.extend_from_slice(b"AVI1\0\0");
        let mut i = 2;
        while i + 4 <= jpg.len() && jpg[i] == 0xFF {
            let marker = jpg[i + 1];
            let len = u16::from_be_bytes([jpg[i + 2], jpg[i + 3]]) as usize;
            if marker == 0xDA {
                out.extend_from_slice(&jpg[i..]);
                break;
            }
            if marker != 0xC4 && marker != 0xE0 {
                out.extend_from_slice(&jpg[i..i + 2 + len]);
            }
            i += 2 + len;
        }
        out
    }

    #[test]
    fn mjpeg_without_huffman_tables_decodes_like_the_full_jpeg() {
        let src = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
        });
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90)
            .encode_image(&src)
            .expect("encode");
        let uvc = strip_dht_as_uvc_does(&jpg);
        assert!(
            !uvc.windows(2).any(|w| w == [0xFF, 0xC4]),
            "DHT still present"
        );
        let full = decode_mjpeg(&jpg, 640, 480).expect("full");
        let bare = decode_mjpeg(&uvc, 640, 480).expect("without DHT");
        assert!(full == bare, "default tables must reproduce the frame");
    }

    #[test]
    fn mjpeg_round_trip_and_garbage() {
        let src = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
        });
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 95)
            .encode_image(&src)
            .expect("encode");
        let img = decode_mjpeg(&jpg, 640, 480).expect("decode");
        assert_eq!((img.width(), img.height()), (64, 48));
        let p = img.get_pixel(32, 24).0;
        assert!(
            (p[0] as i32 - 128).abs() < 8 && (p[2] as i32 - 128).abs() < 8,
            "{p:?}"
        );
        assert!(decode_mjpeg(b"\xff\xd8garbage", 640, 480).is_err());
        assert!(decode_mjpeg(&jpg, 32, 32).is_err(), "over the size limit");
    }
}
