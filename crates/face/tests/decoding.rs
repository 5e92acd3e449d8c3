//! Photos as people send them and as chips hold them: every format decodes to the same face,
//! the content decides the format (not the name), EXIF orientation is applied, and a chip-like
//! photo (240×320, grey, JPEG 2000 at a usual DG2 size) still matches. All in memory except the
//! name test, which writes a synthetic (face-free) picture.

mod common;

// The calibration tool's in-memory JPEG 2000 encoder (OpenJPEG), to make chip-like photos.
#[allow(dead_code)]
#[path = "../examples/calibrate/j2k.rs"]
mod j2k;

use std::io::Cursor;

use common::{engine, faces_dir, photo};
use idgate_face::{compare_images, decode_image, load_image};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

#[test]
fn every_format_people_send_decodes_to_the_same_face() {
    let original = photo("obama2.jpg");
    let colour = DynamicImage::ImageRgb8(original.clone());
    let grey = DynamicImage::ImageLuma8(colour.to_luma8());
    let rgba = DynamicImage::ImageRgba8(colour.to_rgba8());
    for (what, bytes) in [
        ("png", encoded(&colour, ImageFormat::Png)),
        ("webp (lossless)", encoded(&colour, ImageFormat::WebP)),
        ("jpeg", encoded(&colour, ImageFormat::Jpeg)),
        ("grey png", encoded(&grey, ImageFormat::Png)),
        ("rgba png", encoded(&rgba, ImageFormat::Png)),
    ] {
        let img = decode_image(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(img.dimensions(), original.dimensions(), "{what}");
        let r = compare_images(engine(), &photo("obama.jpg"), &img).expect("compare");
        assert!(r.same, "{what}: {r:?}");
    }
}

#[test]
fn exif_orientation_is_applied() {
    // Stored 640×480 with EXIF orientation 6 (rotate 90°): shown, and analysed, as 480×640.
    let img = photo("antispoof_sample_image_T1.jpg");
    assert_eq!(img.dimensions(), (480, 640));
    let a = engine().analyze_still(&img).expect("analysis");
    assert_eq!(a.face_count, 1);
}

#[test]
fn a_file_named_for_another_format_decodes_by_its_content() {
    let dir = tempfile::tempdir().expect("tmp");
    let picture = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| {
        Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    }));
    for (name, format) in [
        ("png-content.jpg", ImageFormat::Png),
        ("webp-content.png", ImageFormat::WebP),
        ("jpeg-content.webp", ImageFormat::Jpeg),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, encoded(&picture, format)).expect("write");
        let img = load_image(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(img.dimensions(), (64, 48), "{name}");
    }
    // A HEIC photo renamed .jpg: the error says what it is and what to do.
    let heic = dir.path().join("IMG_0001.jpg");
    std::fs::write(&heic, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic").expect("write");
    let e = load_image(&heic).expect_err("HEIC is not read");
    let msg = e.to_string();
    assert!(
        msg.contains("IMG_0001.jpg") && msg.contains("HEIC") && msg.contains("JPEG"),
        "{msg}"
    );
    assert!(load_image(&faces_dir().join("no-such-file.jpg")).is_err());
}

/// The photo as a chip holds it: fitted into `w`×`h`, grey if asked, JPEG 2000 at `bpp`.
fn chip_photo(img: &RgbImage, w: u32, h: u32, grey: bool, bpp: f32) -> (Vec<u8>, RgbImage) {
    let dynamic =
        DynamicImage::ImageRgb8(img.clone()).resize(w, h, image::imageops::FilterType::Triangle);
    let (sw, sh) = (dynamic.width(), dynamic.height());
    let (samples, channels) = if grey {
        (dynamic.to_luma8().into_raw(), 1)
    } else {
        (dynamic.to_rgb8().into_raw(), 3)
    };
    let code = j2k::encode(&samples, sw, sh, channels, bpp).expect("j2k");
    let decoded = decode_image(&code).expect("the station reads JPEG 2000");
    (code, decoded)
}

#[test]
fn a_chip_like_photo_small_grey_and_jpeg2000_still_matches_and_does_not_match_another_person() {
    let e = engine();
    for grey in [false, true] {
        let (code, chip) = chip_photo(&photo("obama.jpg"), 240, 320, grey, 1.25);
        assert!(code.len() < 14_000, "a usual DG2 size, got {}", code.len());
        assert!(chip.width() <= 240 && chip.height() <= 320);
        if grey {
            assert!(chip.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        }
        let same = compare_images(e, &chip, &photo("obama2.jpg")).expect("compare");
        assert!(same.same, "grey {grey}: {same:?}");
        let other = compare_images(e, &chip, &photo("biden.jpg")).expect("compare");
        assert!(!other.same, "grey {grey}: {other:?}");
    }
}
