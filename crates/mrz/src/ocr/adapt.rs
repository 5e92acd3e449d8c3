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
/// Classes need this many samples (besides the cell being scored) to form a template.
const MIN_SAMPLES: usize = 2;
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
