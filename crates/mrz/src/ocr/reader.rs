//! One camera frame in, one reading out: locate the band, classify its cells, decode with check
//! digits, and say what the person should do if it did not work.

use std::path::Path;

use image::{GrayImage, RgbImage};

use crate::mrz::Mrz;

use super::adapt::rescore;
use super::binarize::sauvola;
use super::classify::{CLASSES, CellPatch, CellScores, Classifier, char_of};
use super::components::components;
use super::correct::{Decoded, decode, decode_with, format_of};
use super::font::{FontError, OcrbFont};
use super::gray::{downscale_half, rgb_to_gray, upscale_double};
use super::layout::{Kind, kind};
use super::learned::{LearnedClassifier, ModelError};
use super::lines::{Band, find_band, refine_band};
use super::quality::{Region, saturated_fraction, sharpness, sharpness_and_spread};

/// What the person should do so the camera can read the code. The daemon maps these to the
/// `code.*` guidance codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OcrHint {
    /// No MRZ in view: `code.show_page`.
    ShowPage,
    /// The MRZ is blurred: `code.hold_still`.
    HoldStill,
    /// Reflections over the MRZ: `code.glare`.
    Glare,
    /// Check digits keep failing: `code.unreadable`.
    Unreadable,
}

/// Below this band sharpness (Laplacian RMS over contrast, times the cap height in tens of
/// pixels, so that small and large print compare) the code is too blurred to read.
pub const BLUR_THRESHOLD: f32 = 0.22;
/// Below this whole-frame sharpness a frame without a readable band is out of focus or moving.
pub const FRAME_BLUR_THRESHOLD: f32 = 0.04;
/// Above this fraction of saturated pixels over the band, glare hides characters.
pub const GLARE_THRESHOLD: f32 = 0.015;

/// What one frame showed. `Debug` shows the quality figures and hint only.
#[derive(Clone)]
pub struct FrameReading {
    /// The reading, if an MRZ band was found.
    pub decoded: Option<Decoded>,
    /// Per-cell class scores (what [`super::FrameVoter`] accumulates), line by line.
    pub(crate) cells: Vec<Vec<CellScores>>,
    /// Sharpness of the band (or of the frame when no band was found).
    pub sharpness: f32,
    /// Saturated fraction of the band (or of the frame).
    pub glare: f32,
    /// What to tell the person, if this frame did not verify.
    pub hint: Option<OcrHint>,
    /// Cells (line, column) whose print is much fainter than the band's (washed out by glare) or
    /// cut by the image's edge (an `L` without its foot is a `1`): their class is a guess wherever
    /// no check digit binds it.
    pub(crate) washed: Vec<(usize, usize)>,
    /// Still images read with the learned classifier: cells where it and the templates prefer
    /// different characters of the field (see [`second_opinion`]).
    pub(crate) disputes: Vec<((usize, usize), Dispute)>,
}

/// A cell where the templates and the learned classifier prefer different characters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Dispute {
    /// The templates' choice and the network's, among the characters the field may hold.
    pub template: u8,
    pub network: u8,
    /// How far the network's choice trailed the templates' (correlation).
    pub gap: f32,
    /// The network's probability for its choice.
    pub p: f32,
    /// The network's probability for the templates' choice.
    pub p_template: f32,
}

impl Dispute {
    /// The evidence, in nats, for the network's letter over the templates' when both readers are
    /// weighed together (see [`NATS_PER_LEAD`]): positive when the network's odds outweigh the
    /// templates' lead.
    pub(crate) fn network_evidence(&self) -> f32 {
        (self.p.max(P_FLOOR) / self.p_template.max(P_FLOOR)).ln() - NATS_PER_LEAD * self.gap
    }
}

/// How many nats of the network's log-odds one unit of template lead (correlation) is worth.
/// From the measured rule it refines: a lead of 0.03 against a network 95 % sure (ln 19 ≈ 2.9
/// nats) was the old border, i.e. about 100 per unit; 80 leans to the templates.
pub(crate) const NATS_PER_LEAD: f32 = 80.0;
/// Evidence one reader's letter needs over the other's for the pair to agree on it.
pub(crate) const DECISIVE_NATS: f32 = 1.0;
/// The network's probabilities are floored here before odds are taken (a softmax's 1e-9 is not
/// a billion-to-one certainty).
const P_FLOOR: f32 = 1e-3;
/// Below [`SETTLE_P`], the network may still settle a near tie when it is at least this sure and
/// the weighed evidence is decisive: on a 376 px scan `CHRISTOPHE`'s faint bottom bar left the
/// templates `F` by 0.018 while the network gave `E` 0.94 and `F` 0.05. Above the 0.75–0.9 at
/// which its wrong overrulings on synthetic scans came (`B`→`D`, `O`→`D`).
pub(crate) const WEIGHED_SETTLE_P: f32 = 0.92;

impl std::fmt::Debug for FrameReading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameReading")
            .field("decoded", &self.decoded)
            .field("sharpness", &self.sharpness)
            .field("glare", &self.glare)
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

impl FrameReading {
    /// The MRZ, if this frame alone verified every check digit.
    pub fn mrz(&self) -> Option<&Mrz> {
        self.decoded.as_ref().and_then(|d| d.mrz.as_ref())
    }

    pub fn band_found(&self) -> bool {
        self.decoded.is_some()
    }
}

/// How much the learned classifier's probability (times this) adds to the correlation score of a
/// character it agrees on, or of one it settles a near tie for.
pub const STILL_WEIGHT: f32 = 0.06;
/// The learned classifier confirms the templates' choice only at this probability or above.
const CONFIRM_P: f32 = 0.9;
/// A template lead below this, in a letter field, is a near tie the learned classifier may settle…
pub(crate) const SETTLE_GAP: f32 = 0.03;
/// …when it is at least this sure of the other letter. Calibrated on synthetic stills: the
/// network's wrong overrulings (`B`→`D`, `O`→`D` on 250–400 px scans) came at 0.75–0.9.
pub(crate) const SETTLE_P: f32 = 0.95;

/// The learned classifier's opinion on one cell of a still image (the templates' scores are
/// changed in place, the disagreement returned for `still::clear`):
/// - it agrees with the templates' best character of the field, at [`CONFIRM_P`] or more: that
///   character's lead grows by `STILL_WEIGHT × p`;
/// - it prefers another letter in a name or state code (no check digit covers them), the templates'
///   lead is a near tie below [`SETTLE_GAP`] and the network is at least [`SETTLE_P`] sure: its
///   letter wins (`KINQDOM` → `KINGDOM` on a 272 px scan); so it does at [`WEIGHED_SETTLE_P`] when
///   both readers weighed together ([`Dispute::network_evidence`]) decide for its letter;
/// - any other disagreement changes nothing, and `still::clear` refuses the letter when the
///   templates' lead is a near tie or the network is sure, unless the weighed evidence is
///   decisively the templates'.
///
/// Its probabilities for every cell also go to `correct.rs` (`decode_with`), where a rival reading
/// of a check-digit-guarded field that it clearly contradicts is dismissed.
///
/// Only letters (names, state codes, document code) are given this opinion: in fields a check
/// digit covers the network neither flips (a `00` → `OO` pair keeps the digit) nor confirms.
fn second_opinion(scores: &mut CellScores, p: &[f32; CLASSES], k: Kind) -> Option<Dispute> {
    let best = |v: &[f32; CLASSES]| {
        v.iter()
            .enumerate()
            .filter(|(i, _)| k.allows(char_of(*i)))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
    };
    // Where a check digit guards the cell, it alone decides: a confirmation there widens the
    // lead of a wrong reading past the rival check (`correct.rs`, `ambiguous`): measured, a
    // blurred document number `Y…B.O` for `T…8.0` (three changes that keep both check digits).
    if !matches!(k, Kind::Letter | Kind::LetterOrFiller) {
        return None;
    }
    let (t, m) = (best(&scores.0)?, best(p)?);
    if t == m {
        if p[t] >= CONFIRM_P {
            scores.0[t] += STILL_WEIGHT * p[t];
        }
        return None;
    }
    let gap = scores.0[t] - scores.0[m];
    let dispute = Dispute {
        template: char_of(t),
        network: char_of(m),
        gap,
        p: p[m],
        p_template: p[t],
    };
    let weighed = p[m] >= WEIGHED_SETTLE_P && dispute.network_evidence() >= DECISIVE_NATS;
    if gap < SETTLE_GAP && (p[m] >= SETTLE_P || weighed) {
        scores.0[m] = scores.0[t] + STILL_WEIGHT * (p[m] - p[t]);
    }
    Some(dispute)
}

/// Why the reader could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Reads MRZs from camera frames. Build once (templates are rendered from the font), share freely:
/// reading takes `&self`.
#[derive(Debug, Clone)]
pub struct MrzReader {
    classifier: Classifier,
    /// The learned classifier (`learned.rs`), consulted on still images; `None` reads with the templates alone.
    learned: Option<LearnedClassifier>,
}

impl MrzReader {
    /// The shipped reader: OCR-B from `font_path` (see [`super::DEFAULT_FONT_PATH`]) for the
    /// templates, and the learned classifier as second opinion on still images.
    pub fn new(font_path: &Path) -> Result<Self, ReaderError> {
        Ok(Self::with_learned(&OcrbFont::load(font_path)?)?)
    }

    /// Templates from `font` alone (still images then refuse every near tie the templates leave
    /// in a name: the reader before the learned second opinion, kept for comparison and tests).
    pub fn with_font(font: &OcrbFont) -> Self {
        Self::with_parts(font, None)
    }

    /// Templates from `font` plus the shipped learned classifier, consulted on still images only
    /// (weights refused if their hash is wrong).
    pub fn with_learned(font: &OcrbFont) -> Result<Self, ModelError> {
        Ok(Self::with_parts(font, Some(LearnedClassifier::shipped()?)))
    }

    /// Templates from `font`, with or without a learned classifier.
    pub fn with_parts(font: &OcrbFont, learned: Option<LearnedClassifier>) -> Self {
        Self {
            classifier: Classifier::new(font),
            learned,
        }
    }

    pub fn read_rgb(&self, frame: &RgbImage) -> FrameReading {
        self.read_gray(&rgb_to_gray(frame))
    }

    pub fn read_gray(&self, frame: &GrayImage) -> FrameReading {
        self.read_gray_found_on(frame, None, false)
    }

    /// Reads `frame`, finding the band on `finder` (a view of the same size, e.g. with its
    /// contrast stretched) when given; the cells are always read from `frame`.
    pub(crate) fn read_gray_found_on(
        &self,
        frame: &GrayImage,
        finder: Option<&GrayImage>,
        still: bool,
    ) -> FrameReading {
        let finder = finder.filter(|f| f.dimensions() == frame.dimensions());
        let scale = |img: &GrayImage| {
            if frame.width() > 1400 {
                Some(downscale_half(img))
            } else if frame.width() > 0 && frame.width() <= 800 && frame.height() <= 800 {
                Some(upscale_double(img))
            } else {
                None
            }
        };
        let find_work = finder.map(|f| scale(f).unwrap_or_else(|| f.clone()));
        // Large frames are searched at half size (the MRZ of a page filling the view is still big);
        // small ones (VGA) at double size, so that a page at 30 % still gives blobs to link.
        let work;
        let img = if frame.width() > 1400 {
            work = downscale_half(frame);
            &work
        } else if frame.width() > 0 && frame.width() <= 800 && frame.height() <= 800 {
            work = upscale_double(frame);
            &work
        } else {
            frame
        };
        let (w, h) = (img.width() as usize, img.height() as usize);
        // The window spans a few characters of the smallest MRZ we read (page at 30 % of the frame).
        let window = ((h as f32 / 24.0) as usize).clamp(15, 61) | 1;
        let mask = sauvola(find_work.as_ref().unwrap_or(img), window, 0.25);
        let blobs = components(&mask, w, h);
        match find_band(&blobs, h as u32) {
            Some(mut band) => {
                refine_band(find_work.as_ref().unwrap_or(img), &mut band);
                self.read_band(img, &band, still)
            }
            None => {
                let whole = Region::whole(img);
                let glare = saturated_fraction(img, whole);
                let (sharp, spread) = sharpness_and_spread(img, whole);
                // Something with contrast (a page on a desk) but no edges: out of focus or moving.
                let hint = if glare > 0.02 {
                    OcrHint::Glare
                } else if sharp < FRAME_BLUR_THRESHOLD && spread > 50.0 {
                    OcrHint::HoldStill
                } else {
                    OcrHint::ShowPage
                };
                FrameReading {
                    decoded: None,
                    cells: Vec::new(),
                    sharpness: sharp,
                    glare,
                    hint: Some(hint),
                    washed: Vec::new(),
                    disputes: Vec::new(),
                }
            }
        }
    }

    fn read_band(&self, img: &GrayImage, band: &Band, still: bool) -> FrameReading {
        let patches: Vec<Vec<CellPatch>> = band
            .lines
            .iter()
            .map(|line| {
                (0..line.n)
                    .map(|i| Classifier::cell(img, line, i))
                    .collect()
            })
            .collect();
        let mut cells: Vec<Vec<CellScores>> = patches
            .iter()
            .map(|row| row.iter().map(|p| self.classifier.score(p)).collect())
            .collect();
        // A second pass against the document's own glyphs (see `adapt`).
        if let Some(format) = cells
            .first()
            .and_then(|row| row.first())
            .and_then(|first| format_of(band.line_len(), first))
        {
            let first = decode(format, &cells);
            cells = rescore(&patches, &cells, &first);
        }
        let format = cells
            .first()
            .and_then(|row| row.first())
            .and_then(|first| format_of(band.line_len(), first));
        let mut disputes = Vec::new();
        let mut network = Vec::new();
        // The learned classifier as a second opinion on stills only: the live scanner has the next
        // frames for that, and measured with the network its single frames misread names.
        if let (Some(model), Some(format), true) = (&self.learned, format, still) {
            for (l, (row, prow)) in cells.iter_mut().zip(&patches).enumerate() {
                let mut opinions = Vec::with_capacity(row.len());
                for (c, (scores, patch)) in row.iter_mut().zip(prow).enumerate() {
                    // A cell without a window gets no opinion (all zero: it vetoes nothing).
                    let Some(w) = patch.windows.first() else {
                        opinions.push([0.0; CLASSES]);
                        continue;
                    };
                    let p = model.probabilities(w);
                    opinions.push(p);
                    if let Some(d) = second_opinion(scores, &p, kind(format, l, c)) {
                        disputes.push(((l, c), d));
                    }
                }
                network.push(opinions);
            }
        }
        let region = Region::clamped(img, band.bounds());
        let cap = band.lines.first().map_or(10.0, |l| l.cap_height);
        let sharp = sharpness(img, region) * cap / 10.0;
        let glare = saturated_fraction(img, region);
        let decoded = cells
            .first()
            .and_then(|row| row.first())
            .and_then(|first| format_of(band.line_len(), first))
            .map(|format| {
                let opinion = (!network.is_empty()).then_some(network.as_slice());
                decode_with(format, &cells, opinion)
            });
        let verified = decoded.as_ref().is_some_and(|d| d.mrz.is_some());
        let hint = if verified {
            None
        } else if glare > GLARE_THRESHOLD {
            Some(OcrHint::Glare)
        } else if sharp < BLUR_THRESHOLD {
            Some(OcrHint::HoldStill)
        } else {
            None
        };
        FrameReading {
            decoded,
            cells,
            sharpness: sharp,
            glare,
            hint,
            washed: washed_cells(img, band),
            disputes,
        }
    }
}

/// A cell whose ink range is below this fraction of the band's median is washed out.
const WASHED: f32 = 0.3;
/// A cell whose darkest ink in its upper or lower half is lighter than the band's usual ink by
/// this fraction of the band's usual range is partly washed out (a glare spot's edge across it can
/// turn an `E` into an `F` while the cell's range still looks normal).
const LIFTED: f32 = 0.6;

/// Cells washed out by glare, wholly (grey range far below the band's median) or in part (the ink
/// of one half much lighter than the band's), and cells that reach beyond the image.
fn washed_cells(img: &GrayImage, band: &Band) -> Vec<(usize, usize)> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    // Per cell: darkest grey in the upper and lower half, brightest overall; None beyond the edge.
    let cells: Vec<Vec<Option<(f32, f32, f32)>>> = band
        .lines
        .iter()
        .map(|line| {
            (0..line.n)
                .map(|i| {
                    let (cx, cy) = line.cell_centre(i as f32);
                    let (hw, hh) = (line.pitch_at(i as f32) * 0.45, line.cap_at(i as f32) * 0.6);
                    if cx - hw < 0.0 || cy - hh < 0.0 || cx + hw > w - 1.0 || cy + hh > h - 1.0 {
                        return None;
                    }
                    let (mut top, mut bottom, mut hi) = (255.0f32, 255.0f32, 0.0f32);
                    let steps = 12;
                    for a in 0..=steps {
                        for b in 0..=steps {
                            let x = cx - hw + 2.0 * hw * a as f32 / steps as f32;
                            let y = cy - hh + 2.0 * hh * b as f32 / steps as f32;
                            let v = super::gray::sample(img, x, y);
                            if 2 * b <= steps {
                                top = top.min(v);
                            }
                            if 2 * b >= steps {
                                bottom = bottom.min(v);
                            }
                            hi = hi.max(v);
                        }
                    }
                    Some((top, bottom, hi))
                })
                .collect()
        })
        .collect();
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let present = || cells.iter().flatten().flatten();
    let (Some(range), Some(ink)) = (
        median(present().map(|&(t, b, hi)| hi - t.min(b)).collect()),
        median(present().map(|&(t, b, _)| t.min(b)).collect()),
    ) else {
        return Vec::new();
    };
    let washed = |cell: &Option<(f32, f32, f32)>| match *cell {
        None => true,
        Some((t, b, hi)) => hi - t.min(b) < WASHED * range || t.max(b) - ink > LIFTED * range,
    };
    cells
        .iter()
        .enumerate()
        .flat_map(|(l, row)| {
            row.iter()
                .enumerate()
                .filter(move |(_, c)| washed(c))
                .map(move |(c, _)| (l, c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::classify::class_of;

    /// Template scores with `a` at `sa`, `b` at `sb`, every other class at 0.3; network
    /// probabilities with `pb` on `b` and the rest on `a`.
    fn cell(a: u8, sa: f32, b: u8, sb: f32, pb: f32) -> (CellScores, [f32; CLASSES]) {
        let (ia, ib) = (class_of(a).expect("class"), class_of(b).expect("class"));
        let mut s = [0.3f32; CLASSES];
        s[ia] = sa;
        s[ib] = sb;
        let mut p = [0.0f32; CLASSES];
        p[ia] = 1.0 - pb;
        p[ib] = pb;
        (CellScores(s), p)
    }

    fn best(scores: &CellScores, k: Kind) -> Option<u8> {
        scores
            .best_of(|i| k.allows(char_of(i)))
            .map(|(i, _)| char_of(i))
    }

    #[test]
    fn the_network_settles_a_near_tie_in_a_name_when_it_is_sure() {
        // `KINQDOM`: the templates put `Q` a hair ahead of `G`, the network is sure of `G`.
        let (mut s, p) = cell(b'Q', 0.70, b'G', 0.69, 0.99);
        let dispute = second_opinion(&mut s, &p, Kind::LetterOrFiller);
        assert_eq!(best(&s, Kind::LetterOrFiller), Some(b'G'));
        assert!(dispute.is_some_and(|d| d.template == b'Q' && d.network == b'G'));
    }

    #[test]
    fn the_network_does_not_overturn_a_clear_template_reading_or_settle_when_unsure() {
        let (mut s, p) = cell(b'B', 0.75, b'D', 0.70, 0.99);
        second_opinion(&mut s, &p, Kind::LetterOrFiller);
        assert_eq!(best(&s, Kind::LetterOrFiller), Some(b'B'));
        // A near tie, but the network is only 90 % sure (its wrong `B` -> `D` on small scans).
        let (mut s, p) = cell(b'B', 0.70, b'D', 0.69, 0.9);
        second_opinion(&mut s, &p, Kind::LetterOrFiller);
        assert_eq!(best(&s, Kind::LetterOrFiller), Some(b'B'));
    }

    #[test]
    fn a_near_tie_is_settled_by_weighing_both_readers_when_the_network_rules_the_other_out() {
        // `CHRISTOPHF` on a 376 px scan: the templates' `F` 0.018 ahead, the network 94 % sure of
        // `E` and 6 % of `F`: ln(0.94 / 0.06) = 2.75 nats against 80 × 0.018 = 1.44.
        let (mut s, p) = cell(b'F', 0.700, b'E', 0.682, 0.94);
        second_opinion(&mut s, &p, Kind::LetterOrFiller);
        assert_eq!(best(&s, Kind::LetterOrFiller), Some(b'E'));
        // The same network against a lead of 0.028: 2.24 nats of lead, not decisive.
        let (mut s, p) = cell(b'F', 0.700, b'E', 0.672, 0.94);
        second_opinion(&mut s, &p, Kind::LetterOrFiller);
        assert_eq!(best(&s, Kind::LetterOrFiller), Some(b'F'));
    }

    #[test]
    fn the_network_neither_flips_nor_confirms_a_character_a_check_digit_guards() {
        // `0` against `O` in a document number: two such flips can keep the check digit.
        let (mut s, p) = cell(b'0', 0.70, b'O', 0.695, 1.0);
        let before = s;
        second_opinion(&mut s, &p, Kind::Any);
        assert_eq!(s, before);
        // Nor does agreement widen a lead there: it would hide a rival reading that verifies too.
        let (mut s, p) = cell(b'0', 0.70, b'O', 0.695, 0.0);
        second_opinion(&mut s, &p, Kind::Digit);
        assert_eq!(s, before);
    }

    #[test]
    fn agreement_widens_the_lead() {
        let (mut s, p) = cell(b'E', 0.70, b'F', 0.69, 0.02);
        second_opinion(&mut s, &p, Kind::LetterOrFiller);
        let (e, f) = (class_of(b'E').expect("E"), class_of(b'F').expect("F"));
        assert!(s.0[e] - s.0[f] > SETTLE_GAP, "{} {}", s.0[e], s.0[f]);
    }
}
