//! The document's own glyphs as templates. Every printer draws OCR-B a little differently (heavier,
//! lighter, narrower, engraved), and the font file's templates separate look-alikes such as `0`/`O`
//! or `8`/`S` least well exactly where the print departs from them. But an MRZ repeats most of its
//! characters: the cells read with a clear margin in a first pass are samples of *this* printer's
//! glyphs. Their average per class becomes a second template, and every cell is scored again against
//! it (leaving the cell's own sample out, so no cell votes for itself).

use super::classify::{CLASSES, CellPatch, CellScores, PH, PW, class_of, dot};
use super::correct::Decoded;

/// Cells whose first-pass margin is at least this become samples of their class.
const SAMPLE_MARGIN: f32 = 0.05;
/// Classes need this many samples (besides the cell being scored) to form a template. One is
/// enough: a printer's variant of a glyph may occur once where only it fits (a digit-only date) and
/// again where letters compete. Measured on a photographed passport: the `3` of the expiry date
/// taught the reader the four `3`s of the personal number, which the font's `3` matched no better
/// than `S` (0.80 against 0.81); with two samples required they read `SS1SS4`, refused.
const MIN_SAMPLES: usize = 1;
/// Only classes within this of a cell's best score are scored again (the others cannot win).
const CONTENDERS: f32 = 0.2;

/// Scores `cells` again with templates averaged from the confidently read cells of `first`.
pub fn rescore(
    patches: &[Vec<CellPatch>],
    cells: &[Vec<CellScores>],
    first: &Decoded,
) -> Vec<Vec<CellScores>> {
    let mut sums = vec![[0.0f32; PW * PH]; CLASSES];
    let mut counts = [0usize; CLASSES];
    // (line, col) -> (class, window) of the cells that were taken as samples.
    let mut taken: Vec<Vec<Option<(usize, usize)>>> =
        patches.iter().map(|r| vec![None; r.len()]).collect();
    for (l, row) in patches.iter().enumerate() {
        for (c, patch) in row.iter().enumerate() {
            let margin = first.margins.get(l).and_then(|r| r.get(c)).copied();
            let class = first
                .lines
                .get(l)
                .and_then(|r| r.get(c))
                .copied()
                .and_then(class_of);
            let (Some(margin), Some(class)) = (margin, class) else {
                continue;
            };
            if margin < SAMPLE_MARGIN {
                continue;
            }
            let k = patch.best_window.get()[class];
            let Some(w) = patch.windows.get(k) else {
                continue;
            };
            sums[class].iter_mut().zip(w).for_each(|(s, v)| *s += v);
            counts[class] += 1;
            taken[l][c] = Some((class, k));
        }
    }
    let mut out = cells.to_vec();
    let mut template = [0.0f32; PW * PH];
    for (l, row) in patches.iter().enumerate() {
        for (c, patch) in row.iter().enumerate() {
            let Some(scores) = out.get_mut(l).and_then(|r| r.get_mut(c)) else {
                continue;
            };
            let top = scores.0.iter().copied().fold(-1.0f32, f32::max);
            let own = taken[l][c];
            for class in 0..CLASSES {
                if scores.0[class] < top - CONTENDERS {
                    continue;
                }
                let mine = own.filter(|(k, _)| *k == class);
                let n = counts[class] - usize::from(mine.is_some());
                if n < MIN_SAMPLES {
                    continue;
                }
                template.copy_from_slice(&sums[class]);
                if let Some((_, w)) = mine {
                    if let Some(window) = patch.windows.get(w) {
                        template.iter_mut().zip(window).for_each(|(t, v)| *t -= v);
                    }
                }
                let norm = dot(&template, &template).sqrt();
                if norm < 1e-6 {
                    continue;
                }
                let best = patch
                    .windows
                    .iter()
                    .map(|w| dot(&template, w) / norm)
                    .fold(-1.0f32, f32::max);
                scores.0[class] = scores.0[class].max(best);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MrzFormat;
    use crate::ocr::classify::normalise;

    /// A normalised window with ink where `ink(x, y)` holds.
    fn window(ink: impl Fn(usize, usize) -> bool) -> [f32; PW * PH] {
        let mut w = [0.0f32; PW * PH];
        for (i, v) in w.iter_mut().enumerate() {
            *v = if ink(i % PW, i / PW) { 1.0 } else { 0.0 };
        }
        assert!(normalise(&mut w));
        w
    }

    fn patch(w: [f32; PW * PH]) -> CellPatch {
        CellPatch {
            windows: vec![w],
            best_window: std::cell::Cell::new([0; CLASSES]),
        }
    }

    fn scores(pairs: &[(u8, f32)]) -> CellScores {
        let mut s = [0.3f32; CLASSES];
        for &(ch, v) in pairs {
            if let Some(i) = class_of(ch) {
                s[i] = v;
            }
        }
        CellScores(s)
    }

    #[test]
    fn one_clear_sample_of_this_printers_glyph_reads_its_twin_elsewhere() {
        // This printer's `3` (a shape of its own) matches the font's `3` no better than `S`; once it
        // is read clearly where only a digit fits, the same shape elsewhere is scored against it.
        let three = window(|x, y| (y < 4 && x > 3) || (x + y == 14) || (y > 12 && x > 2 && x < 13));
        let patches = vec![vec![patch(three), patch(three)]];
        let cells = vec![vec![
            scores(&[(b'3', 0.90), (b'S', 0.80)]),
            scores(&[(b'S', 0.81), (b'3', 0.80)]),
        ]];
        let first = Decoded {
            format: MrzFormat::Td3,
            lines: vec![b"3S".to_vec()],
            scores: vec![vec![0.90, 0.81]],
            margins: vec![vec![0.10, 0.01]],
            corrections: 0,
            mrz: None,
        };
        let out = rescore(&patches, &cells, &first);
        let (i3, is) = (class_of(b'3').expect("3"), class_of(b'S').expect("S"));
        assert!(out[0][1].0[i3] > 0.99, "{}", out[0][1].0[i3]);
        assert!(out[0][1].0[i3] > out[0][1].0[is] + 0.1);
        // The sample itself gets no template from its own window: nothing else shows a clear `3`.
        assert_eq!(out[0][0].0[i3], 0.90);
    }
}
