//! Camera OCR on synthetic frames rendered in memory with the real OCR-B font (package fonts-ocr-b).
//! Kept small: this crate is built without optimisation for tests; `examples/ocr_bench.rs` measures
//! accuracy and speed on hundreds of frames in release mode.

use std::sync::{Arc, OnceLock};

use idgate_mrz::ocr::{DEFAULT_FONT_PATH, FrameVoter, MrzReader, MrzScanner, OcrHint, OcrbFont};
use idgate_mrz::synth::{
    HandheldCamera, SceneParams, SynthRng, page_ppm, photograph, random_frame, random_passport,
    render_frame, render_page_text,
};
use idgate_mrz::{Date, MrzFormat};

fn font() -> &'static OcrbFont {
    static FONT: OnceLock<OcrbFont> = OnceLock::new();
    FONT.get_or_init(|| {
        OcrbFont::load(DEFAULT_FONT_PATH.as_ref()).expect("fonts-ocr-b is installed")
    })
}

fn reader() -> Arc<MrzReader> {
    static READER: OnceLock<Arc<MrzReader>> = OnceLock::new();
    READER
        .get_or_init(|| Arc::new(MrzReader::with_font(font())))
        .clone()
}

fn today() -> Date {
    Date::new(2025, 6, 23).expect("real date")
}

const W: u32 = 960;
const H: u32 = 540;

#[test]
fn a_flat_sharp_passport_page_is_read_exactly() {
    let mut rng = SynthRng::new(11);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let frame = render_frame(font(), mrz, SceneParams::ideal(W, H), &mut rng);
    let reading = reader().read_rgb(&frame.image);
    assert_eq!(reading.mrz(), Some(&frame.mrz));
    assert_eq!(reading.hint, None);
}

/// Reads `count` random frames of 1280×720 (rotation up to ±15°, page filling 30–80 % of the
/// frame, perspective, uneven light, blur, noise, JPEG); returns (read exactly, wrong chip key).
fn read_random_frames(seed: u64, count: usize) -> (usize, usize) {
    let mut rng = SynthRng::new(seed);
    let reader = reader();
    let (mut right, mut wrong_key) = (0, 0);
    let formats = [
        MrzFormat::Td3,
        MrzFormat::Td1,
        MrzFormat::Td2,
        MrzFormat::MrvA,
        MrzFormat::Td3,
        MrzFormat::MrvB,
    ];
    for i in 0..count {
        let frame = random_frame(
            font(),
            &mut rng,
            formats[i % formats.len()],
            today(),
            1280,
            720,
        )
        .expect("frame");
        let reading = reader.read_rgb(&frame.image);
        match reading.mrz() {
            Some(m) if *m == frame.mrz => right += 1,
            Some(m) if m.access_key() != frame.mrz.access_key() => wrong_key += 1,
            _ => {}
        }
    }
    (right, wrong_key)
}

#[test]
fn id_cards_visas_and_passports_are_read_under_camera_conditions() {
    let (right, wrong_key) = read_random_frames(2024, 4);
    assert!(right >= 3, "only {right} of 4 frames read");
    assert_eq!(wrong_key, 0, "a wrong document number or date was accepted");
}

/// Heavy in a debug build: `cargo test --release -p idgate-mrz --test ocr -- --ignored`.
#[test]
#[ignore]
fn thirty_random_frames_are_read_with_no_wrong_chip_key() {
    let (right, wrong_key) = read_random_frames(77, 30);
    assert!(right >= 24, "only {right} of 30 frames read");
    assert_eq!(wrong_key, 0, "a wrong document number or date was accepted");
}

#[test]
fn an_empty_desk_asks_for_the_page() {
    let frame = image::RgbImage::from_fn(W, H, |x, y| {
        image::Rgb([60 + (x % 7) as u8, 55 + (y % 5) as u8, 50])
    });
    let reading = reader().read_rgb(&frame);
    assert!(!reading.band_found());
    assert_eq!(reading.hint, Some(OcrHint::ShowPage));
}

#[test]
fn a_heavily_blurred_page_asks_to_hold_still() {
    let mut rng = SynthRng::new(5);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let mut params = SceneParams::ideal(W, H);
    params.blur_sigma = 2.6;
    let frame = render_frame(font(), mrz, params, &mut rng);
    let reading = reader().read_rgb(&frame.image);
    assert_eq!(reading.mrz(), None);
    assert_eq!(reading.hint, Some(OcrHint::HoldStill));
}

#[test]
fn glare_over_the_code_asks_to_tilt_the_page() {
    let mut rng = SynthRng::new(6);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let mut params = SceneParams::ideal(W, H);
    params.glare = true;
    let frame = render_frame(font(), mrz, params, &mut rng);
    let reading = reader().read_rgb(&frame.image);
    assert_eq!(reading.mrz(), None);
    assert_eq!(reading.hint, Some(OcrHint::Glare));
}

#[test]
fn a_code_whose_check_digits_never_verify_is_reported_unreadable() {
    // A passport MRZ printed with a wrong birth date check digit: every frame reads, none verifies.
    let mut rng = SynthRng::new(8);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let mut line2 = mrz.lines()[1].clone().into_bytes();
    line2[19] = if line2[19] == b'9' {
        b'0'
    } else {
        line2[19] + 1
    };
    let line2 = String::from_utf8(line2).expect("ascii");
    let lines = [mrz.lines()[0].as_str(), line2.as_str()];
    let mut scanner = MrzScanner::new(reader()).with_unreadable_after(3);
    let mut hints = Vec::new();
    for _ in 0..3 {
        let params = SceneParams::ideal(W, H);
        let page = render_page_text(
            font(),
            MrzFormat::Td3,
            &lines,
            &["PASSPORT"],
            page_ppm(MrzFormat::Td3, &params),
            &mut rng,
        );
        let photo = photograph(&page, MrzFormat::Td3, &params, &mut rng);
        let update = scanner.push_rgb(&photo.image);
        assert!(update.mrz.is_none());
        hints.push(update.hint);
    }
    assert_eq!(hints, [None, None, Some(OcrHint::Unreadable)]);
}

#[test]
fn a_page_held_in_front_of_the_camera_settles_within_a_few_frames() {
    let mut rng = SynthRng::new(21);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let font = Arc::new(OcrbFont::load(DEFAULT_FONT_PATH.as_ref()).expect("fonts-ocr-b"));
    let mut base = SceneParams::ideal(W, H);
    base.rotation_deg = -4.0;
    let mut camera = HandheldCamera::new(font, mrz.clone(), base, 7);
    let mut scanner = MrzScanner::new(reader());
    let mut settled = None;
    for _ in 0..4 {
        let update = scanner.push_rgb(&camera.next_frame());
        if update.mrz.is_some() {
            let consensus = update.consensus.expect("consensus");
            assert!(consensus.agreeing >= 2);
            assert!(consensus.confidence > 0.9);
            assert!(consensus.uncertain.is_empty());
            assert_eq!(consensus.lines, mrz.lines());
            settled = update.mrz;
            break;
        }
    }
    assert_eq!(settled.as_ref(), Some(&mrz));
}

#[test]
fn one_frame_alone_does_not_settle_the_scan() {
    let mut rng = SynthRng::new(22);
    let mrz = random_passport(&mut rng, today()).expect("identity");
    let frame = render_frame(font(), mrz, SceneParams::ideal(W, H), &mut rng);
    let reading = reader().read_rgb(&frame.image);
    assert!(reading.mrz().is_some());
    let mut voter = FrameVoter::default();
    assert!(voter.add(&reading));
    let consensus = voter.consensus().expect("one vote");
    assert!(consensus.mrz.is_some());
    assert!(
        !consensus.settled,
        "a single frame must be confirmed by another"
    );
    assert!(voter.add(&reading));
    assert!(voter.consensus().expect("two votes").settled);
}

#[test]
fn frames_without_an_mrz_do_not_vote() {
    let desk = image::RgbImage::from_pixel(W, H, image::Rgb([70, 70, 70]));
    let mut voter = FrameVoter::default();
    assert!(!voter.add(&reader().read_rgb(&desk)));
    assert!(voter.consensus().is_none());
}

#[test]
fn frames_of_any_size_or_content_are_read_without_panicking() {
    let reader = reader();
    let mut rng = SynthRng::new(1);
    for (w, h) in [(0, 0), (1, 1), (3, 900), (1500, 3), (1501, 901), (64, 48)] {
        let noise = image::GrayImage::from_fn(w, h, |_, _| image::Luma([rng.below(256) as u8]));
        let reading = reader.read_gray(&noise);
        assert!(reading.mrz().is_none());
        assert!(reading.hint.is_some());
    }
}
