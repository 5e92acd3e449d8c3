//! Degraded versions of real photos (made here, in memory) raise the guidance a person needs:
//! darkened → too_dark, over-exposed → too_bright, blurred → hold_still, rotated → angle,
//! one-sided light → uneven_light, sunglasses → occluded, framing → too_far / too_close / off_centre.

mod common;

use common::{engine, photo};
use idgate_api::Guidance;
use idgate_face::Detection;
use idgate_face::imageops::{Affine, warp_affine};
use image::{Rgb, RgbImage};

const BASES: [&str; 3] = [
    "obama.jpg",
    "alex_lacamoire_knn_train1.jpg",
    "lin-manuel-miranda.png",
];

fn face_of(img: &RgbImage) -> Detection {
    let a = engine().analyze_still(img).expect("analysis");
    assert!(
        a.guidance.is_empty(),
        "base photo must pass: {:?}",
        a.guidance
    );
    a.primary.expect("face").detection
}

fn guidance(img: &RgbImage) -> Vec<Guidance> {
    let a = engine().analyze_still(img).expect("analysis");
    eprintln!(
        "{:?} {:?}",
        a.guidance,
        a.primary.as_ref().map(|p| p.quality)
    );
    a.guidance
}

fn map_pixels(img: &RgbImage, f: impl Fn(u32, u32, f32) -> f32) -> RgbImage {
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y);
        Rgb(p
            .0
            .map(|c| f(x, y, c as f32).round().clamp(0.0, 255.0) as u8))
    })
}

fn assert_raises(name: &str, base: &str, img: &RgbImage, want: Guidance) {
    let got = guidance(img);
    assert!(
        got.contains(&want),
        "{base} {name}: expected {want}, got {got:?}"
    );
}

#[test]
fn a_darkened_photo_is_too_dark() {
    for base in BASES {
        let img = map_pixels(&photo(base), |_, _, v| v * 0.2);
        assert_raises("darkened", base, &img, Guidance::FaceTooDark);
    }
}

#[test]
fn an_overexposed_photo_is_too_bright() {
    for base in BASES {
        let img = map_pixels(&photo(base), |_, _, v| v * 2.2 + 60.0);
        assert_raises("overexposed", base, &img, Guidance::FaceTooBright);
    }
}

#[test]
fn a_blurred_photo_asks_to_hold_still() {
    for base in BASES {
        let src = photo(base);
        let d = face_of(&src);
        // Blur scaled to the face: about 3 px in the 112 px crop, where the eyes are 35 px apart.
        let sigma = 3.0 * d.inter_eye_distance() / 35.0;
        let img = image::imageops::blur(&src, sigma);
        assert_raises("blurred", base, &img, Guidance::FaceHoldStill);
    }
}

#[test]
fn a_rotated_photo_asks_to_look_straight() {
    for base in BASES {
        let src = photo(base);
        let d = face_of(&src);
        let (cx, cy) = d.bbox.centre();
        let th = 35f64.to_radians();
        let (c, s) = (th.cos(), th.sin());
        let (cx, cy) = (cx as f64, cy as f64);
        let m = Affine {
            m: [[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy]],
        };
        let img = warp_affine(&src, &m, src.width(), src.height()).expect("rotation");
        assert_raises("rotated", base, &img, Guidance::FaceAngle);
    }
}

#[test]
fn light_from_one_side_is_uneven() {
    for base in BASES {
        let src = photo(base);
        let d = face_of(&src);
        let (cx, _) = d.bbox.centre();
        let soft = d.bbox.w * 0.08;
        // A lamp on the image-right side: the far half of the face in shadow (a quarter of the
        // light), with a soft edge along the nose.
        let img = map_pixels(&src, |x, _, v| {
            let t = 1.0 / (1.0 + (-(x as f32 - cx) / soft).exp());
            v * (0.25 + 0.75 * t) * 1.2
        });
        assert_raises("one-sided light", base, &img, Guidance::FaceUnevenLight);
    }
}

#[test]
fn sunglasses_occlude_the_eyes() {
    for base in BASES {
        let mut img = photo(base);
        let d = face_of(&img);
        let [re, le, ..] = d.landmarks;
        let ied = d.inter_eye_distance();
        let (x0, x1) = (re[0].min(le[0]) - 0.45 * ied, re[0].max(le[0]) + 0.45 * ied);
        let (y0, y1) = (re[1].min(le[1]) - 0.25 * ied, re[1].max(le[1]) + 0.25 * ied);
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (x, y) = (x as f32, y as f32);
            if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
                *p = Rgb([12, 12, 14]);
            }
        }
        assert_raises("sunglasses", base, &img, Guidance::FaceOccluded);
    }
}

#[test]
fn framing_gives_too_far_too_close_and_off_centre() {
    let src = photo("obama.jpg");
    let d = face_of(&src);
    let (w, h) = (src.width(), src.height());

    // The photo small in the middle of a large grey canvas: the face is far away.
    let mut far = RgbImage::from_pixel(w * 4, h * 4, Rgb([90, 90, 90]));
    image::imageops::overlay(&mut far, &src, (w * 3 / 2) as i64, (h * 3 / 2) as i64);
    assert_raises("small in frame", "obama.jpg", &far, Guidance::FaceTooFar);

    // A tight crop around the face: too close.
    let side = (d.bbox.w * 1.3) as u32;
    let (cx, cy) = d.bbox.centre();
    let x = (cx as u32).saturating_sub(side / 2);
    let y = (cy as u32).saturating_sub(side / 2);
    let close = image::imageops::crop_imm(&src, x, y, side, side).to_image();
    assert_raises("tight crop", "obama.jpg", &close, Guidance::FaceTooClose);

    // The face cut by the right edge of the frame.
    let cut_at = (d.bbox.x + d.bbox.w * 0.75) as u32;
    let edge = image::imageops::crop_imm(&src, 0, 0, cut_at, h).to_image();
    assert_raises(
        "cut by the edge",
        "obama.jpg",
        &edge,
        Guidance::FaceOffCentre,
    );
}
