//! Fuzz target `ocr_frames`: camera OCR on adversarial frames — stripes, checkerboards, noise,
//! and text that is almost an MRZ (wrong check digits, wrong lengths, letters where digits go)
//! rendered in OCR-B. Never a panic, and never a verified MRZ that is not the text shown.
//! Needs the OCR-B font (`fonts-ocr-b`). Runner: `scripts/fuzz ocr_frames`.

use std::sync::Arc;

use idgate_mrz::ocr::{DEFAULT_FONT_PATH, MrzReader, OcrbFont};
use idgate_mrz::synth::{SynthRng, render_page_text};
use idgate_mrz::{Mrz, MrzFormat};
use idgate_testbed::fuzz::{fuzz, mutated};
use image::{GrayImage, Luma};
use proptest::prelude::*;

const LINE1: &str = "P<UTOSPECIMEN<<STATION<PERSON<<<<<<<<<<<<<<<";
const LINE2: &str = "IDG0042116UTO6108049M3504155<<<<<<<<<<<<<<02";

#[derive(Debug, Clone)]
enum Frame {
    Stripes {
        period: u32,
        vertical: bool,
        w: u32,
        h: u32,
    },
    Checker {
        cell: u32,
        w: u32,
        h: u32,
    },
    Noise {
        seed: u64,
        w: u32,
        h: u32,
    },
    Text {
        line1: String,
        line2: String,
        seed: u64,
    },
}

fn frames() -> impl Strategy<Value = Frame> {
    let size = (1u32..400, 1u32..300);
    prop_oneof![
        (1u32..40, any::<bool>(), size.clone()).prop_map(|(period, vertical, (w, h))| {
            Frame::Stripes {
                period,
                vertical,
                w,
                h,
            }
        }),
        (1u32..40, size.clone()).prop_map(|(cell, (w, h))| Frame::Checker { cell, w, h }),
        (any::<u64>(), size).prop_map(|(seed, (w, h))| Frame::Noise { seed, w, h }),
        (
            mutated(LINE1.into(), 4),
            mutated(LINE2.into(), 4),
            any::<u64>()
        )
            .prop_map(|(line1, line2, seed)| Frame::Text { line1, line2, seed }),
    ]
}

fn render(font: &OcrbFont, frame: &Frame) -> GrayImage {
    match frame {
        Frame::Stripes {
            period,
            vertical,
            w,
            h,
        } => GrayImage::from_fn(*w, *h, |x, y| {
            let t = if *vertical { x } else { y };
            Luma([if (t / period) % 2 == 0 { 20 } else { 235 }])
        }),
        Frame::Checker { cell, w, h } => GrayImage::from_fn(*w, *h, |x, y| {
            Luma([if (x / cell + y / cell) % 2 == 0 {
                10
            } else {
                245
            }])
        }),
        Frame::Noise { seed, w, h } => {
            let mut rng = SynthRng::new(*seed);
            GrayImage::from_fn(*w, *h, |_, _| Luma([(rng.next_u64() & 0xff) as u8]))
        }
        Frame::Text { line1, line2, seed } => {
            let mut rng = SynthRng::new(*seed);
            let page = render_page_text(font, MrzFormat::Td3, &[line1, line2], &[], 8.0, &mut rng);
            image::DynamicImage::ImageRgb8(page.image).to_luma8()
        }
    }
}

#[test]
fn ocr_frames() {
    let font_path = std::path::Path::new(DEFAULT_FONT_PATH);
    let reader = MrzReader::new(font_path).expect("OCR-B font (apt: fonts-ocr-b)");
    let font = Arc::new(OcrbFont::load(font_path).expect("font"));
    fuzz("ocr_frames", 24, frames(), |frame| {
        let image = render(&font, &frame);
        let reading = reader.read_gray(&image);
        // Whatever the OCR calls verified is an MRZ the parser accepts, its lines as read.
        if let Some(mrz) = reading.decoded.as_ref().and_then(|d| d.mrz.as_ref()) {
            prop_assert!(Mrz::parse(&mrz.lines().join("\n")).is_ok(), "{frame:?}");
            let as_read: Vec<String> = reading
                .decoded
                .iter()
                .flat_map(|d| d.lines.iter())
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            prop_assert_eq!(&as_read[..], mrz.lines());
        }
        Ok(())
    });
}
