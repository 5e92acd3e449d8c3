//! A specimen data page: light patterned background, photo placeholder, printed fields and the MRZ
//! in OCR-B at the ICAO pitch (Doc 9303 Part 3 §4.2: 10 characters per 25.4 mm).

use std::collections::HashMap;

use image::{Rgb, RgbImage};

use crate::format::MrzFormat;
use crate::mrz::Mrz;
use crate::ocr::font::{GlyphBitmap, OcrbFont};

use super::rng::SynthRng;

/// MRZ character pitch in millimetres.
pub const MRZ_PITCH_MM: f32 = 2.54;

/// Size of the document in millimetres (Doc 9303 Parts 4–6: ID-3, ID-2, ID-1).
pub fn page_size_mm(format: MrzFormat) -> (f32, f32) {
    match format {
        MrzFormat::Td1 => (85.6, 53.98),
        MrzFormat::Td2 | MrzFormat::MrvB => (105.0, 74.0),
        MrzFormat::Td3 | MrzFormat::MrvA => (125.0, 88.0),
    }
}

/// Where the MRZ lies on a rendered page, in page pixels (for tests and the bench).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MrzPlacement {
    /// Left edge of the first character cell.
    pub left: f32,
    /// Baseline of each line (up to three).
    pub baselines: [f32; 3],
    pub pitch: f32,
    pub cap_height: f32,
    /// Glyph advance width in page pixels (the glyph is centred in it, the pen starts each cell).
    pub advance: f32,
    pub line_count: usize,
    pub line_len: usize,
}

/// A rendered page and where its MRZ is.
#[derive(Debug, Clone)]
pub struct Page {
    pub image: RgbImage,
    /// Pixels per millimetre.
    pub ppm: f32,
    pub placement: MrzPlacement,
}

/// Glyph bitmaps of one size, rendered once per page.
struct Glyphs<'a> {
    font: &'a OcrbFont,
    cap_height: f32,
    cache: HashMap<char, Option<GlyphBitmap>>,
}

impl<'a> Glyphs<'a> {
    fn new(font: &'a OcrbFont, cap_height: f32) -> Self {
        Self {
            font,
            cap_height,
            cache: HashMap::new(),
        }
    }

    /// Draws `text` starting with the pen at (x, baseline), advancing `pitch` per character.
    fn draw(
        &mut self,
        img: &mut RgbImage,
        text: &str,
        x: f32,
        baseline: f32,
        pitch: f32,
        ink: [f32; 3],
    ) {
        for (i, c) in text.chars().enumerate() {
            let (font, cap) = (self.font, self.cap_height);
            let glyph = self.cache.entry(c).or_insert_with(|| font.render(c, cap));
            if let Some(g) = glyph {
                blend_glyph(img, g, x + i as f32 * pitch, baseline, ink);
            }
        }
    }
}

fn blend_glyph(img: &mut RgbImage, g: &GlyphBitmap, pen_x: f32, baseline: f32, ink: [f32; 3]) {
    let x0 = (pen_x + g.left).round() as i64;
    let y0 = (baseline + g.top).round() as i64;
    for gy in 0..g.height {
        for gx in 0..g.width {
            let a = g.coverage.get(gy * g.width + gx).copied().unwrap_or(0.0);
            if a <= 0.0 {
                continue;
            }
            let (x, y) = (x0 + gx as i64, y0 + gy as i64);
            if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
                continue;
            }
            let px = img.get_pixel_mut(x as u32, y as u32);
            for (ch, &k) in px.0.iter_mut().zip(&ink) {
                *ch = (f32::from(*ch) * (1.0 - a) + k * a)
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Renders the data page of `mrz` at `ppm` pixels per millimetre.
pub fn render_page(font: &OcrbFont, mrz: &Mrz, ppm: f32, rng: &mut SynthRng) -> Page {
    let lines: Vec<&str> = mrz.lines().iter().map(String::as_str).collect();
    let labels = [
        "PASSPORT",
        mrz.primary_identifier(),
        mrz.secondary_identifier(),
        mrz.nationality(),
        "12 AUG 1974",
        "UTOPIA CITY",
        "AUTHORITY",
    ];
    render_page_text(font, mrz.format(), &lines, &labels, ppm, rng)
}

/// Renders a page of `format` showing `lines` as its MRZ (any text, e.g. with a wrong check digit
/// for tests) and `labels` as printed fields.
pub fn render_page_text(
    font: &OcrbFont,
    format: MrzFormat,
    lines: &[&str],
    labels: &[&str],
    ppm: f32,
    rng: &mut SynthRng,
) -> Page {
    let (w_mm, h_mm) = page_size_mm(format);
    let (w, h) = ((w_mm * ppm).round() as u32, (h_mm * ppm).round() as u32);
    let paper = [
        rng.uniform(225.0, 250.0),
        rng.uniform(220.0, 245.0),
        rng.uniform(205.0, 240.0),
    ];
    // Guilloche-like security background: two interfering wave families, a few grey levels deep.
    let (f1, f2, f3) = (
        rng.uniform(0.6, 1.6),
        rng.uniform(0.05, 0.2),
        rng.uniform(0.3, 1.2),
    );
    let depth = rng.uniform(4.0, 14.0);
    let tint = [
        rng.uniform(0.6, 1.0),
        rng.uniform(0.6, 1.0),
        rng.uniform(0.6, 1.0),
    ];
    let mut image = RgbImage::from_fn(w, h, |x, y| {
        let (xm, ym) = (x as f32 / ppm, y as f32 / ppm);
        let wave = (xm * f1 + (ym * f2).sin() * 6.0).sin() * 0.5 + (ym * f3 + xm * 0.1).cos() * 0.5;
        Rgb(std::array::from_fn(|c| {
            (paper[c] - depth * (0.5 + 0.5 * wave) * tint[c]).clamp(0.0, 255.0) as u8
        }))
    });

    // Photo placeholder: a grey rectangle with a darker head-and-shoulders silhouette. A TD1 card
    // carries its MRZ on the back, without the photo: there the rectangle is a small chip-like patch.
    let td1 = format == MrzFormat::Td1;
    let (px0, py0, pw, ph) = if td1 {
        (
            (w_mm * 0.08) * ppm,
            (h_mm * 0.1) * ppm,
            (w_mm * 0.12) * ppm,
            (h_mm * 0.18) * ppm,
        )
    } else {
        (
            (w_mm * 0.05) * ppm,
            (h_mm * 0.2) * ppm,
            (w_mm * 0.26) * ppm,
            (h_mm * 0.5) * ppm,
        )
    };
    let shade = rng.uniform(120.0, 190.0);
    for y in py0 as u32..(py0 + ph) as u32 {
        for x in px0 as u32..(px0 + pw) as u32 {
            let (u, v) = ((x as f32 - px0) / pw - 0.5, (y as f32 - py0) / ph);
            let head = (u / 0.28).powi(2) + ((v - 0.38) / 0.25).powi(2) < 1.0;
            let body = v > 0.72 && u.abs() < 0.45 - (v - 0.72) * -0.3;
            let g = if head || body { shade * 0.55 } else { shade };
            if x < w && y < h {
                image.put_pixel(x, y, Rgb([g as u8, (g * 0.97) as u8, (g * 0.95) as u8]));
            }
        }
    }

    // Printed fields in a smaller size, shorter than any MRZ line.
    let ink = std::array::from_fn(|_| rng.uniform(15.0, 60.0));
    let text_cap = rng.uniform(1.4, 2.0) * ppm;
    let mut small = Glyphs::new(font, text_cap);
    let text_x = px0 + pw + 4.0 * ppm;
    let (rows, text_h) = if td1 {
        (3, h_mm * 0.3)
    } else {
        (labels.len(), h_mm * 0.5)
    };
    let line_step = (text_h / rows as f32) * ppm;
    for (i, label) in labels.iter().take(rows).enumerate() {
        let label: String = label.chars().take(18).collect();
        let y = py0 + line_step * (i as f32 + 0.8);
        small.draw(&mut image, &label, text_x, y, text_cap * 0.95, ink);
    }

    // The MRZ: cap height about 2.4 mm, line pitch about 4.2 mm, bottom line 4–6 mm above the edge.
    let pitch = MRZ_PITCH_MM * ppm;
    let cap_height = rng.uniform(2.2, 2.5) * ppm;
    let line_pitch = rng.uniform(3.9, 4.6) * ppm;
    let n = format.line_len() as f32;
    let left = (w as f32 - n * pitch) / 2.0 + rng.uniform(-0.5, 0.5) * ppm;
    let bottom = h as f32 - rng.uniform(4.0, 6.0) * ppm;
    let count = lines.len();
    let mut baselines = [0.0f32; 3];
    let mut mrz_glyphs = Glyphs::new(font, cap_height);
    let mrz_ink = std::array::from_fn(|_| rng.uniform(5.0, 45.0));
    for (i, line) in lines.iter().enumerate() {
        let baseline = bottom - (count - 1 - i) as f32 * line_pitch;
        if let Some(b) = baselines.get_mut(i) {
            *b = baseline;
        }
        // Advance widths centre each glyph in its cell; cell i spans [left + i·pitch, left + (i+1)·pitch).
        mrz_glyphs.draw(&mut image, line, left, baseline, pitch, mrz_ink);
    }
    Page {
        image,
        ppm,
        placement: MrzPlacement {
            left,
            baselines,
            pitch,
            cap_height,
            advance: cap_height * font.advance_per_cap_height(),
            line_count: count,
            line_len: format.line_len(),
        },
    }
}
