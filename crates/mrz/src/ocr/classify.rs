//! Character classification by normalised cross-correlation with OCR-B templates.
//!
//! Each cell of a located MRZ line is resampled into a small patch whose axes follow the line (so
//! skew and perspective are undone per cell), with a capital letter [`CAP`] pixels tall and the ink
//! centroid in the middle. The templates are the font's own glyphs rendered the same way, sharp and
//! blurred; the score of a class is its best correlation over ±1 pixel shifts.

use image::GrayImage;

use super::font::{MRZ_ALPHABET, OcrbFont};
use super::gray::sample;
use super::lines::TextLine;

/// Patch width and height in pixels.
pub const PW: usize = 16;
pub const PH: usize = 22;
/// Cap height in patch pixels.
pub(crate) const CAP: f32 = 14.0;
/// The patch is sampled with this margin so that shifted windows stay inside.
const M: usize = 1;
const SW: usize = PW + 2 * M;

/// Number of classes: `0-9`, `A-Z`, `<`.
pub const CLASSES: usize = 37;

/// The correlation of one cell with every class, in [`MRZ_ALPHABET`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellScores(pub [f32; CLASSES]);

impl CellScores {
    /// The best class among those `allowed` (by index), with its score.
    pub fn best_of(&self, allowed: impl Fn(usize) -> bool) -> Option<(usize, f32)> {
        self.0
            .iter()
            .enumerate()
            .filter(|(i, _)| allowed(*i))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, s)| (i, *s))
    }
}

/// Index of an MRZ character in [`MRZ_ALPHABET`].
pub fn class_of(c: u8) -> Option<usize> {
    MRZ_ALPHABET.iter().position(|&a| a == c)
}

/// The MRZ character of a class index.
pub fn char_of(class: usize) -> u8 {
    MRZ_ALPHABET.get(class).copied().unwrap_or(b'<')
}

/// One cell's normalised windows (the centred one first, then shifted by a pixel either way and
/// half a pixel up or down), kept so the cell can be scored again against the document's own glyphs.
#[derive(Debug, Clone)]
pub struct CellPatch {
    pub windows: Vec<[f32; PW * PH]>,
    /// Per class, the window that matched it best in [`Classifier::score`].
    pub best_window: std::cell::Cell<[usize; CLASSES]>,
}

/// A zero-mean, unit-norm template.
#[derive(Debug, Clone)]
struct Template {
    class: usize,
    values: [f32; PW * PH],
}

/// Templates for all classes, rendered once from the font.
#[derive(Debug, Clone)]
pub struct Classifier {
    templates: Vec<Template>,
    pairs: Vec<super::pairs::PairModel>,
}

/// Oversampling of the glyph canvas relative to the patch.
pub(crate) const UP: usize = 4;

/// `c` rendered into a canvas `UP` times the patch size: cap height `CAP·UP`, the advance centred,
/// the baseline where a patch centred on the cap middle puts it.
pub(crate) fn glyph_canvas(font: &OcrbFont, c: char) -> Option<Vec<f32>> {
    let g = font.render(c, CAP * UP as f32)?;
    let (bw, bh) = (PW * UP, PH * UP);
    let mut big = vec![0.0f32; bw * bh];
    let baseline = (PH as f32 / 2.0 + CAP / 2.0) * UP as f32;
    let advance = CAP * font.advance_per_cap_height() * UP as f32;
    let pen = (PW as f32 / 2.0) * UP as f32 - advance / 2.0;
    for gy in 0..g.height {
        for gx in 0..g.width {
            let v = g.coverage.get(gy * g.width + gx).copied().unwrap_or(0.0);
            let x = pen + g.left + gx as f32;
            let y = baseline + g.top + gy as f32;
            if x >= 0.0 && y >= 0.0 && (x as usize) < bw && (y as usize) < bh {
                big[y as usize * bw + x as usize] = v;
            }
        }
    }
    Some(big)
}

/// A canvas averaged down to a `PW`×`PH` patch, shifted by (`dx`, `dy`) patch pixels and scaled by
/// `scale` about the patch centre (4×4 samples per pixel).
pub(crate) fn downsample(big: &[f32], dx: f32, dy: f32, scale: f32) -> Vec<f32> {
    let (bw, bh) = (PW * UP, PH * UP);
    let at = |x: f32, y: f32| {
        if x < 0.0 || y < 0.0 || x >= bw as f32 || y >= bh as f32 {
            0.0
        } else {
            big[y as usize * bw + x as usize]
        }
    };
    let mut out = vec![0.0f32; PW * PH];
    for y in 0..PH {
        for x in 0..PW {
            let mut acc = 0.0;
            for sy in 0..UP {
                for sx in 0..UP {
                    let px = x as f32 + (sx as f32 + 0.5) / UP as f32 - PW as f32 / 2.0;
                    let py = y as f32 + (sy as f32 + 0.5) / UP as f32 - PH as f32 / 2.0;
                    let bx = ((px - dx) / scale + PW as f32 / 2.0) * UP as f32;
                    let by = ((py - dy) / scale + PH as f32 / 2.0) * UP as f32;
                    acc += at(bx, by);
                }
            }
            out[y * PW + x] = acc / (UP * UP) as f32;
        }
    }
    out
}

/// Shifts a patch so its ink centroid is in the middle column, as cells are.
pub(crate) fn centre_ink(patch: &[f32]) -> Vec<f32> {
    let shift = centroid_x(patch, PW).map_or(0.0, |cx| cx - PW as f32 / 2.0);
    shift_x(patch, PW, PH, shift)
}

/// Weight of patch column `x`: the neighbours' ink reaches into the patch edges, so the edges count less.
fn column_weight(x: usize) -> f32 {
    let d = (x as f32 + 0.5 - PW as f32 / 2.0).abs();
    (1.0 - (d - 5.0) / 4.0).clamp(0.25, 1.0)
}

/// Zero mean, column-weighted, unit norm (in place); `false` for a flat patch.
pub(crate) fn normalise(values: &mut [f32]) -> bool {
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    let mut norm = 0.0f32;
    for (i, v) in values.iter_mut().enumerate() {
        *v = (*v - mean) * column_weight(i % PW);
        norm += *v * *v;
    }
    if norm < 1e-6 {
        return false;
    }
    let inv = norm.sqrt().recip();
    values.iter_mut().for_each(|v| *v *= inv);
    true
}

/// Ink centroid (x) of an ink image `w` wide.
fn centroid_x(ink: &[f32], w: usize) -> Option<f32> {
    let (mut sum, mut mass) = (0.0f32, 0.0f32);
    for (i, v) in ink.iter().enumerate() {
        sum += (i % w) as f32 * v;
        mass += v;
    }
    (mass > 1e-3).then(|| sum / mass + 0.5)
}

pub(crate) fn blur(values: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let r = (sigma * 2.5).ceil() as i64;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = k.iter().sum();
    let mut tmp = vec![0.0f32; w * h];
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let xx = (x as i64 + j as i64 - r).clamp(0, w as i64 - 1) as usize;
                acc += kv * values[y * w + xx];
            }
            tmp[y * w + x] = acc / total;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let yy = (y as i64 + j as i64 - r).clamp(0, h as i64 - 1) as usize;
                acc += kv * tmp[yy * w + x];
            }
            out[y * w + x] = acc / total;
        }
    }
    out
}

impl Classifier {
    /// Renders the templates (at four times the patch resolution, then averaged down) and trains
    /// the look-alike discriminants.
    pub fn new(font: &OcrbFont) -> Self {
        let glyphs: Vec<Option<Vec<f32>>> = MRZ_ALPHABET
            .iter()
            .map(|&c| glyph_canvas(font, char::from(c)))
            .collect();
        let mut templates = Vec::with_capacity(CLASSES * 4);
        for (class, big) in glyphs.iter().enumerate() {
            let Some(big) = big else {
                continue;
            };
            let centred = centre_ink(&downsample(big, 0.0, 0.0, 1.0));
            for sigma in [0.0f32, 0.7, 1.3, 1.9] {
                let mut values = if sigma > 0.0 {
                    blur(&centred, PW, PH, sigma)
                } else {
                    centred.clone()
                };
                if normalise(&mut values) {
                    let mut arr = [0.0f32; PW * PH];
                    arr.copy_from_slice(&values);
                    templates.push(Template { class, values: arr });
                }
            }
        }
        let pairs = super::pairs::train(&glyphs);
        Self { templates, pairs }
    }

    /// Ink patches of cell `i` of `line` (`SW`×`PH`, ink = bright), centred on the ink centroid,
    /// at vertical sub-pixel offsets `dys` (patch pixels).
    fn patches<const K: usize>(
        img: &GrayImage,
        line: &TextLine,
        i: usize,
        dys: [f32; K],
    ) -> [[f32; SW * PH]; K] {
        let fi = i as f32;
        let (cx, cy) = line.cell_centre(fi);
        // Isotropic: the glyph keeps its proportions whatever the pitch-to-height ratio of the print.
        let scale = line.cap_at(fi) / CAP;
        let (ux, uy) = (line.dir.0 * scale, line.dir.1 * scale);
        let (vx, vy) = (-line.dir.1 * scale, line.dir.0 * scale);
        let grab = |dx: f32, dy: f32, out: &mut [f32; SW * PH]| {
            for y in 0..PH {
                let py = y as f32 + 0.5 - PH as f32 / 2.0 + dy;
                for x in 0..SW {
                    let px = x as f32 + 0.5 - SW as f32 / 2.0 + dx;
                    let v = sample(
                        img,
                        cx + px * ux + py * vx - 0.5,
                        cy + px * uy + py * vy - 0.5,
                    );
                    out[y * SW + x] = 255.0 - v;
                }
            }
        };
        let mut first = [0.0f32; SW * PH];
        grab(0.0, 0.0, &mut first);
        // Ink above the patch's own mid-level, so paper texture does not pull the centroid.
        let (lo, hi) = first
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let mid = (lo + hi) / 2.0;
        // Only the cell's own columns: where the pitch is tight against the cap height, a heavy
        // neighbour (`M`, `W`) inside the window would pull the centre off the glyph.
        let half = line.pitch_at(fi) / scale / 2.0;
        let ink: Vec<f32> = first
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let x = (i % SW) as f32 + 0.5 - SW as f32 / 2.0;
                if x.abs() <= half {
                    (v - mid).max(0.0)
                } else {
                    0.0
                }
            })
            .collect();
        let dx = centroid_x(&ink, SW).map_or(0.0, |c| (c - SW as f32 / 2.0).clamp(-3.0, 3.0));
        let mut out = [[0.0f32; SW * PH]; K];
        for (patch, dy) in out.iter_mut().zip(dys) {
            grab(dx, dy, patch);
        }
        out
    }

    /// The normalised windows of cell `i` of `line` at every shift; the first is the centred one.
    pub fn cell(img: &GrayImage, line: &TextLine, i: usize) -> CellPatch {
        // The line geometry is good to a fraction of a pixel across the line: half-pixel steps
        // vertically keep the digits' extra height (0 against O) visible.
        let patches = Self::patches(img, line, i, [0.0, -0.5, 0.5]);
        let mut windows: Vec<[f32; PW * PH]> = Vec::with_capacity(9);
        for patch in &patches {
            for dx in [M, 0, 2 * M] {
                let mut w = [0.0f32; PW * PH];
                for y in 0..PH {
                    let src = y * SW + dx;
                    w[y * PW..(y + 1) * PW].copy_from_slice(&patch[src..src + PW]);
                }
                if normalise(&mut w) {
                    windows.push(w);
                }
            }
        }
        CellPatch {
            windows,
            best_window: std::cell::Cell::new([0; CLASSES]),
        }
    }

    /// Scores of every class for one cell's windows (and, in `cell`, the window each class matched best).
    pub fn score(&self, cell: &CellPatch) -> CellScores {
        let windows = &cell.windows;
        let mut scores = [-1.0f32; CLASSES];
        // Coarse to fine: every template at the centred window, then the leading classes at all shifts.
        let centre = windows.first();
        let Some(centre) = centre else {
            return CellScores(scores);
        };
        for t in &self.templates {
            if let Some(s) = scores.get_mut(t.class) {
                *s = s.max(dot(&t.values, centre));
            }
        }
        let mut order: Vec<usize> = (0..CLASSES).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut best_window = [0usize; CLASSES];
        for &class in order.iter().take(REFINE) {
            for t in self.templates.iter().filter(|t| t.class == class) {
                for (k, w) in windows.iter().enumerate() {
                    let d = dot(&t.values, w);
                    if d > scores[class] {
                        scores[class] = d;
                        best_window[class] = k;
                    }
                }
            }
        }
        // Look-alikes close in correlation are decided by their trained discriminant.
        let top = order.first().map_or(-1.0, |&c| scores[c]);
        for pair in &self.pairs {
            let (a, b) = (pair.a, pair.b);
            if scores[a] < top - PAIR_RANGE || scores[b] < top - PAIR_RANGE {
                continue;
            }
            let lead = if scores[a] >= scores[b] { a } else { b };
            let Some(w) = windows.get(best_window[lead]) else {
                continue;
            };
            let margin = PAIR_MARGIN * pair.decide(w).tanh();
            let high = scores[a].max(scores[b]);
            if margin >= 0.0 {
                scores[a] = high;
                scores[b] = high - margin;
            } else {
                scores[b] = high;
                scores[a] = high + margin;
            }
        }
        cell.best_window.set(best_window);
        CellScores(scores)
    }
}

/// Classes re-scored at every shift.
const REFINE: usize = 6;

/// Look-alike pairs within this correlation of the best class are decided by their discriminant,
/// which sets their margin to at most `PAIR_MARGIN`.
const PAIR_RANGE: f32 = 0.12;
const PAIR_MARGIN: f32 = 0.1;

/// Dot product in eight lanes, so the compiler can vectorise it.
#[inline]
pub(crate) fn dot(a: &[f32; PW * PH], b: &[f32; PW * PH]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for k in 0..8 {
            acc[k] += ca[k] * cb[k];
        }
    }
    acc.iter().sum()
}

pub(crate) fn shift_x(values: &[f32], w: usize, h: usize, shift: f32) -> Vec<f32> {
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let sx = x as f32 + shift;
            let x0 = sx.floor();
            let f = sx - x0;
            let at = |xx: f32| {
                if xx < 0.0 || xx >= w as f32 {
                    0.0
                } else {
                    values[y * w + xx as usize]
                }
            };
            out[y * w + x] = at(x0) * (1.0 - f) + at(x0 + 1.0) * f;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::font::DEFAULT_FONT_PATH;

    /// `text` printed in OCR-B with a cap height of `cap` px at `pitch` px per character, and the
    /// cell grid that fits it.
    fn printed(font: &OcrbFont, text: &str, cap: f32, pitch: f32) -> (GrayImage, TextLine) {
        let (left, baseline) = (20.0f32, 50.0f32);
        let advance = cap * font.advance_per_cap_height();
        let width = (left * 2.0 + pitch * text.len() as f32) as u32;
        let mut img = GrayImage::from_pixel(width, 80, image::Luma([235]));
        for (i, c) in text.chars().enumerate() {
            let Some(g) = font.render(c, cap) else {
                continue;
            };
            let pen = left + i as f32 * pitch + (pitch - advance) / 2.0;
            for gy in 0..g.height {
                for gx in 0..g.width {
                    let a = g.coverage[gy * g.width + gx];
                    let x = (pen + g.left).round() as i64 + gx as i64;
                    let y = (baseline + g.top).round() as i64 + gy as i64;
                    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
                        let px = img.get_pixel_mut(x as u32, y as u32);
                        px.0[0] = (f32::from(px.0[0]) * (1.0 - a) + 30.0 * a) as u8;
                    }
                }
            }
        }
        let line = TextLine {
            n: text.len(),
            dir: (1.0, 0.0),
            origin: (0.0, baseline - cap / 2.0),
            s: [left + pitch / 2.0, pitch, 0.0],
            cap_height: cap,
            bend: [0.0; 3],
        };
        (img, line)
    }

    #[test]
    fn a_heavy_neighbour_does_not_pull_a_cell_off_its_glyph() {
        // Print with a pitch tighter than the cap height (a printer's narrow OCR-B, 23.jpg of the real
        // set): the `M` after the middle letter reaches into its window, and an ink centroid taken
        // over the whole window moved the cell onto the gap (`D` read `J`, `C` read `O`).
        let font = OcrbFont::load(std::path::Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b");
        let classifier = Classifier::new(&font);
        for (text, pitch) in [("1DM", 24.0), ("LOM", 24.0), ("<CM", 22.0), ("<CM", 24.0)] {
            let (img, line) = printed(&font, text, 28.0, pitch);
            let scores = classifier.score(&Classifier::cell(&img, &line, 1));
            let best = scores.best_of(|_| true).map(|(i, _)| char_of(i));
            assert_eq!(
                best,
                text.as_bytes().get(1).copied(),
                "{text} at pitch {pitch}"
            );
        }
    }
}
