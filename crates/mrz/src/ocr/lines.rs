//! Finding the MRZ band among the dark blobs of a frame: link blobs into text lines, fit each line's
//! straight axis and character grid, then pick 2 or 3 parallel, left-aligned lines of 44, 36 or 30
//! evenly spaced characters.
//!
//! Perspective keeps lines straight but makes the pitch drift along a line, so positions along a
//! line are fitted with a quadratic in the cell index.

use image::GrayImage;

use super::components::Blob;
use super::gray::sample;

/// One located MRZ line: a straight axis and `n` character cells along it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    pub n: usize,
    /// Unit vector along the line (left to right).
    pub dir: (f32, f32),
    /// A point on the line's centre axis.
    pub origin: (f32, f32),
    /// Position of cell `i`'s centre along `dir` from `origin`: `s0 + s1·i + s2·i²`.
    pub s: [f32; 3],
    /// Height of a capital letter, pixels.
    pub cap_height: f32,
    /// Offset of cell `i`'s centre across the axis (positive: below): `t0 + t1·i + t2·i²`. A page
    /// bent over the passport's spine or the lens's distortion curves a line, and a straight axis
    /// through the middle then misses its ends by a good part of a character.
    pub bend: [f32; 3],
}

impl TextLine {
    /// Image coordinates of the centre of cell `i` (fractional `i` allowed).
    pub fn cell_centre(&self, i: f32) -> (f32, f32) {
        let s = self.s[0] + self.s[1] * i + self.s[2] * i * i;
        let t = self.bend[0] + self.bend[1] * i + self.bend[2] * i * i;
        (
            self.origin.0 + self.dir.0 * s - self.dir.1 * t,
            self.origin.1 + self.dir.1 * s + self.dir.0 * t,
        )
    }

    /// Distance between cell centres around cell `i`.
    pub fn pitch_at(&self, i: f32) -> f32 {
        (self.s[1] + 2.0 * self.s[2] * i).abs()
    }

    /// Cap height around cell `i`: perspective scales it with the pitch.
    pub fn cap_at(&self, i: f32) -> f32 {
        self.cap_height * self.pitch_at(i) / self.mean_pitch().max(1e-3)
    }

    /// Mean pitch over the line.
    pub fn mean_pitch(&self) -> f32 {
        self.pitch_at((self.n as f32 - 1.0) / 2.0)
    }

    /// Signed distance of a point from the axis (positive: below, for a left-to-right line).
    fn offset_of(&self, p: (f32, f32)) -> f32 {
        let (dx, dy) = (p.0 - self.origin.0, p.1 - self.origin.1);
        -dx * self.dir.1 + dy * self.dir.0
    }

    fn angle(&self) -> f32 {
        self.dir.1.atan2(self.dir.0)
    }
}

/// The MRZ: its lines from top to bottom, all with the same number of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub lines: Vec<TextLine>,
}

impl Band {
    pub fn line_len(&self) -> usize {
        self.lines.first().map_or(0, |l| l.n)
    }

    /// Axis-aligned bounds (x0, y0, x1, y1) of the band, with half a cap height of margin.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for l in &self.lines {
            let m = l.cap_height;
            for i in [-0.5, l.n as f32 - 0.5] {
                let (x, y) = l.cell_centre(i);
                b = (
                    b.0.min(x - m),
                    b.1.min(y - m),
                    b.2.max(x + m),
                    b.3.max(y + m),
                );
            }
        }
        b
    }
}

/// A character-sized blob: not too small, not much wider than tall (merged runs of `<` may be wider).
fn plausible(b: &Blob, max_height: u32) -> bool {
    let (w, h) = (b.width(), b.height());
    (6..=max_height).contains(&h) && w >= 1 && w <= 14 * h && b.pixels >= 10
}

fn is_single(b: &Blob) -> bool {
    b.width() as f32 <= 1.5 * b.height() as f32
}

/// The best right-hand neighbour of every blob, within an angular cone around `slope` (dy/dx).
fn link_right(blobs: &[Blob], slope: f32, cone: f32) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..blobs.len()).collect();
    order.sort_by(|&a, &b| blobs[a].x0.cmp(&blobs[b].x0));
    let mut best: Vec<Option<(usize, f32)>> = vec![None; blobs.len()];
    for (oi, &i) in order.iter().enumerate() {
        let a = &blobs[i];
        let ha = a.height() as f32;
        for &j in &order[oi + 1..] {
            let b = &blobs[j];
            let hb = b.height() as f32;
            let hmax = ha.max(hb);
            let gap = b.x0 as f32 - a.x1 as f32;
            if gap > 2.6 * hmax {
                // Sorted by left edge: everything further is further still, unless `a` is wide.
                if b.x0 as f32 > a.x1 as f32 + 2.6 * ha.max(40.0) {
                    break;
                }
                continue;
            }
            if gap < -0.35 * hmax || b.cx() <= a.cx() {
                continue;
            }
            let ratio = hb / ha;
            if !(0.45..=2.2).contains(&ratio) {
                continue;
            }
            // Centres of blobs on one straight line satisfy dy = slope·dx, however wide the blobs.
            let dx = b.cx() - a.cx();
            let dy = b.cy() - a.cy();
            let deviation = (dy - slope * dx.max(0.0)).abs();
            if deviation > cone * dx.abs().max(hmax) + 0.3 * hmax {
                continue;
            }
            let score = gap.max(0.0) + 2.0 * deviation;
            if best[i].is_none_or(|(_, s)| score < s) {
                best[i] = Some((j, score));
            }
        }
    }
    // Keep a link only if it is also the target's best incoming link, so chains never merge.
    let mut incoming: Vec<Option<(usize, f32)>> = vec![None; blobs.len()];
    for (i, b) in best.iter().enumerate() {
        if let Some((j, s)) = *b {
            if incoming[j].is_none_or(|(_, t)| s < t) {
                incoming[j] = Some((i, s));
            }
        }
    }
    best.iter()
        .enumerate()
        .map(|(i, b)| b.and_then(|(j, _)| (incoming[j].map(|(k, _)| k) == Some(i)).then_some(j)))
        .collect()
}

fn chains(links: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut has_incoming = vec![false; links.len()];
    for j in links.iter().flatten() {
        if let Some(h) = has_incoming.get_mut(*j) {
            *h = true;
        }
    }
    let mut out = Vec::new();
    for (start, _) in has_incoming.iter().enumerate().filter(|(_, h)| !**h) {
        let mut chain = vec![start];
        let mut at = start;
        while let Some(next) = links.get(at).copied().flatten() {
            if chain.len() > links.len() {
                break; // cannot happen with mutual-best links; guards against a cycle anyway
            }
            chain.push(next);
            at = next;
        }
        out.push(chain);
    }
    out
}

fn median(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    Some(values[values.len() / 2])
}

/// Least-squares fit of `y = c0 + c1·x (+ c2·x²)`.
#[allow(clippy::needless_range_loop)] // elimination reads one row while writing another
fn polyfit(points: &[(f32, f32)], quadratic: bool) -> Option<[f32; 3]> {
    let n = points.len();
    if n < 2 || (quadratic && n < 6) {
        return None;
    }
    let deg = if quadratic { 3 } else { 2 };
    // Normal equations in f64; x is a cell index (at most 44), so they are well conditioned.
    let mut m = [[0.0f64; 4]; 3];
    for &(x, y) in points {
        let (x, y) = (f64::from(x), f64::from(y));
        let pows = [1.0, x, x * x];
        for r in 0..deg {
            for c in 0..deg {
                m[r][c] += pows[r] * pows[c];
            }
            m[r][3] += pows[r] * y;
        }
    }
    for col in 0..deg {
        let pivot = (col..deg).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        for r in 0..deg {
            if r != col {
                let f = m[r][col] / m[col][col];
                for c in col..4 {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
    }
    let mut out = [0.0f32; 3];
    for r in 0..deg {
        out[r] = (m[r][3] / m[r][r]) as f32;
    }
    Some(out)
}

/// Fits a chain, or the chain without up to two blobs at either end: on real pages a page edge,
/// a stamp or a printed frame often sits in line with the MRZ, just before or after it.
fn fit_trimmed(blobs: &[Blob], chain: &[usize]) -> Option<TextLine> {
    for trim in 0..=4usize {
        for left in 0..=trim.min(2) {
            let right = trim - left;
            if right > 2 || left + right + 12 > chain.len() {
                continue;
            }
            if let Some(line) = fit_line(blobs, &chain[left..chain.len() - right]) {
                return Some(line);
            }
        }
    }
    None
}

/// The line's bend: character centres' offsets across the straight axis, fitted with a quadratic
/// in the cell index (outliers such as a mark touching a character dropped, then fitted again).
/// Straight lines give (almost) zeros.
fn fit_bend(
    tall: &[&&Blob],
    dir: (f32, f32),
    mean: (f32, f32),
    grid: &[f32; 3],
    h_med: f32,
) -> [f32; 3] {
    let points: Vec<(f32, f32)> = tall
        .iter()
        .filter_map(|b| {
            let (dx, dy) = (b.cx() - mean.0, b.cy() - mean.1);
            let s = dx * dir.0 + dy * dir.1;
            // Cell index at `s`: Newton steps on the grid's quadratic from its linear inverse.
            let mut i = (s - grid[0]) / grid[1];
            for _ in 0..2 {
                let slope = grid[1] + 2.0 * grid[2] * i;
                if slope.abs() < 1e-3 {
                    return None;
                }
                i -= (grid[0] + grid[1] * i + grid[2] * i * i - s) / slope;
            }
            i.is_finite().then_some((i, -dx * dir.1 + dy * dir.0))
        })
        .collect();
    let Some(first) = polyfit(&points, true) else {
        return [0.0; 3];
    };
    let at = |c: &[f32; 3], i: f32| c[0] + c[1] * i + c[2] * i * i;
    let kept: Vec<(f32, f32)> = points
        .iter()
        .copied()
        .filter(|&(i, t)| (t - at(&first, i)).abs() < 0.2 * h_med)
        .collect();
    polyfit(&kept, true).unwrap_or(first)
}

/// Fits the axis and cell grid of a chain of blobs; `None` unless it holds 30, 36 or 44 cells.
fn fit_line(blobs: &[Blob], chain: &[usize]) -> Option<TextLine> {
    let members: Vec<&Blob> = chain.iter().filter_map(|&i| blobs.get(i)).collect();
    let mut heights: Vec<f32> = members
        .iter()
        .filter(|b| is_single(b))
        .map(|b| b.height() as f32)
        .collect();
    let h_med = median(&mut heights)?;
    let tall: Vec<&&Blob> = members
        .iter()
        .filter(|b| {
            is_single(b) && (b.height() as f32) > 0.7 * h_med && (b.height() as f32) < 1.4 * h_med
        })
        .collect();
    if tall.len() < 12 {
        return None;
    }
    // Axis: total least squares through the centres of character-sized blobs.
    let n = tall.len() as f32;
    let (mx, my) = (
        tall.iter().map(|b| b.cx()).sum::<f32>() / n,
        tall.iter().map(|b| b.cy()).sum::<f32>() / n,
    );
    let (mut sxx, mut sxy, mut syy) = (0.0f32, 0.0f32, 0.0f32);
    for b in &tall {
        let (dx, dy) = (b.cx() - mx, b.cy() - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let dir = (theta.cos(), theta.sin());
    let along = |x: f32, y: f32| (x - mx) * dir.0 + (y - my) * dir.1;

    // Pitch: the median distance between neighbouring single characters.
    let singles: Vec<&&Blob> = members.iter().filter(|b| is_single(b)).collect();
    let mut steps: Vec<f32> = singles
        .windows(2)
        .map(|w| along(w[1].cx(), w[1].cy()) - along(w[0].cx(), w[0].cy()))
        .filter(|d| *d > 0.3 * h_med)
        .collect();
    let pitch0 = median(&mut steps)?;
    if !(0.6 * h_med..=1.8 * h_med).contains(&pitch0) {
        return None;
    }
    // Extent of the line along the axis, from the first blob's left edge to the last blob's right edge.
    let half_extent =
        |b: &Blob| (b.width() as f32 * dir.0.abs() + b.height() as f32 * dir.1.abs()) / 2.0;
    let first = members.first()?;
    let last = members.last()?;
    let left = along(first.cx(), first.cy()) - half_extent(first);
    let right = along(last.cx(), last.cy()) + half_extent(last);

    // Cell indices by walking the chain: neighbours are one cell apart (more across a merged run of
    // fillers), and the local pitch is tracked because perspective makes it drift along the line.
    let mut positions: Vec<f32> = singles.iter().map(|b| along(b.cx(), b.cy())).collect();
    positions.dedup_by(|a, b| (*a - *b).abs() < 0.3 * h_med);
    let s_first = *positions.first()?;
    // Glyphs are about 0.85 pitch wide, so a cell centre lies 0.43 pitch inside the left edge.
    let mut idx = ((s_first - left - 0.43 * pitch0) / pitch0).round().max(0.0);
    let mut local = pitch0;
    let mut points = vec![(idx, s_first)];
    for w in positions.windows(2) {
        let ds = w[1] - w[0];
        let k = (ds / local).round().max(1.0);
        if k == 1.0 && (0.7 * local..1.3 * local).contains(&ds) {
            local = 0.7 * local + 0.3 * ds;
        }
        idx += k;
        points.push((idx, w[1]));
    }
    let s_last = *positions.last()?;
    let trailing = ((right - 0.43 * local - s_last) / local).round().max(0.0);
    let count = idx + trailing + 1.0;
    let n_cells = [30usize, 36, 44].into_iter().find(|&n| n as f32 == count)?;
    let grid = polyfit(&points, points.len() >= 12)?;
    let bend = fit_bend(&tall, dir, (mx, my), &grid, h_med);
    let (ox, oy) = (mx, my);
    let line = TextLine {
        n: n_cells,
        dir,
        origin: (ox, oy),
        s: grid,
        bend,
        // Most blobs are capitals or digits; fillers are lower: the upper heights are the cap height.
        cap_height: {
            let mut hs: Vec<f32> = singles.iter().map(|b| b.height() as f32).collect();
            hs.sort_by(f32::total_cmp);
            hs.get(hs.len() * 3 / 4).copied().unwrap_or(h_med)
        },
    };
    // The fitted grid must span the blobs it came from.
    let pitch = line.mean_pitch();
    if !(0.6 * h_med..=1.8 * h_med).contains(&pitch) {
        return None;
    }
    Some(line)
}

/// Finds the MRZ among the blobs of a `width`×`height` frame.
pub fn find_band(all: &[Blob], height: u32) -> Option<Band> {
    let blobs: Vec<Blob> = all
        .iter()
        .copied()
        .filter(|b| plausible(b, (height / 6).max(8)))
        .collect();
    if blobs.len() < 40 {
        return None;
    }
    // Pass 1: a wide cone (±21°, the issue's ±20° of a hand-held page with some margin) to learn
    // the page's skew from the links between single characters.
    let loose = link_right(&blobs, 0.0, 0.38);
    let mut slopes: Vec<f32> = loose
        .iter()
        .enumerate()
        .filter_map(|(i, j)| {
            let (a, b) = (&blobs[i], &blobs[(*j)?]);
            (is_single(a) && is_single(b)).then(|| (b.cy() - a.cy()) / (b.cx() - a.cx()).max(1.0))
        })
        .collect();
    let slope = median(&mut slopes)?;
    // Pass 2: a narrow cone around that skew.
    let links = link_right(&blobs, slope, 0.12);
    let mut lines: Vec<TextLine> = chains(&links)
        .iter()
        .filter(|c| c.len() >= 12)
        .filter_map(|c| fit_trimmed(&blobs, c))
        .collect();
    lines.sort_by(|a, b| {
        let ya = a.cell_centre(0.0).1;
        let yb = b.cell_centre(0.0).1;
        ya.total_cmp(&yb)
    });
    group(&lines)
}

/// Two or three lines of equal length, parallel, left-aligned, one line pitch apart.
fn group(lines: &[TextLine]) -> Option<Band> {
    let mut best: Option<(f32, Band)> = None;
    for (i, top) in lines.iter().enumerate() {
        let want = if top.n == 30 { 3 } else { 2 };
        let mut members = vec![top.clone()];
        for other in &lines[i + 1..] {
            if members.len() == want {
                // One cap height for the band: a line of fillers alone would underestimate it.
                let cap = members.iter().map(|l| l.cap_height).fold(0.0, f32::max);
                members.iter_mut().for_each(|l| l.cap_height = cap);
                break;
            }
            let prev = members.last()?;
            let pitch = prev.mean_pitch();
            let start_prev = prev.cell_centre(0.0);
            let start = other.cell_centre(0.0);
            let spacing = prev.offset_of(start);
            let shift =
                (start.0 - start_prev.0) * prev.dir.0 + (start.1 - start_prev.1) * prev.dir.1;
            let ok = other.n == top.n
                && (other.angle() - prev.angle()).abs() < 0.06
                && (1.2 * prev.cap_height..=2.8 * prev.cap_height).contains(&spacing)
                && shift.abs() < 0.6 * pitch
                && (other.mean_pitch() / pitch - 1.0).abs() < 0.12;
            if ok {
                members.push(other.clone());
            }
        }
        if members.len() == want {
            // One cap height for the band: a line of fillers alone would underestimate it.
            let cap = members.iter().map(|l| l.cap_height).fold(0.0, f32::max);
            members.iter_mut().for_each(|l| l.cap_height = cap);
            // Prefer the lowest band on the page (the MRZ is at the bottom) among equals.
            let score = members.iter().map(|l| l.cell_centre(0.0).1).sum::<f32>();
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, Band { lines: members }));
            }
        }
    }
    best.map(|(_, b)| b)
}

/// Height of the band of ink across an MRZ line (digits reach higher than capitals) over the cap height.
const DIGIT_OVER_CAP: f32 = 1.03;

/// Refines a line's vertical geometry from its ink profile across the axis: capitals and digits
/// share the baseline and (nearly) the cap line, so the profile's edges give the cap height and the
/// mid-line better than blob boxes, which rotation and fillers distort.
pub fn refine_vertical(img: &GrayImage, line: &mut TextLine) {
    let h0 = line.cap_height.max(4.0);
    let step = 0.5f32;
    let half = (0.95 * h0 / step) as i32;
    let mut profile = vec![0.0f32; (2 * half + 1) as usize];
    let normal = (-line.dir.1, line.dir.0);
    for i in 0..line.n {
        let (cx, cy) = line.cell_centre(i as f32);
        let pitch = line.pitch_at(i as f32);
        let mut u = -0.35 * pitch;
        while u <= 0.35 * pitch {
            for (k, p) in profile.iter_mut().enumerate() {
                let v = (k as i32 - half) as f32 * step;
                let x = cx + u * line.dir.0 + v * normal.0;
                let y = cy + u * line.dir.1 + v * normal.1;
                *p += 255.0 - sample(img, x, y);
            }
            u += 1.0;
        }
    }
    let (lo, hi) = profile
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    if hi - lo < 1.0 {
        return;
    }
    // Half height: the edge of a blurred stroke stays put there, so blur does not inflate the band.
    let threshold = lo + 0.5 * (hi - lo);
    // Walk outwards from the axis while the profile stays above the threshold: the neighbouring
    // MRZ line's ink, further out, must not extend the band.
    let centre = half as usize;
    let crossing = |inside: usize, outside: usize| {
        let (pi, po) = (profile[inside], profile[outside]);
        let t = if (pi - po).abs() > 1e-3 {
            (pi - threshold) / (pi - po)
        } else {
            0.5
        };
        (inside as f32 + t.clamp(0.0, 1.0) * (outside as f32 - inside as f32) - half as f32) * step
    };
    if profile.get(centre).is_none_or(|&p| p < threshold) {
        return;
    }
    let mut k = centre;
    while k > 0 && profile[k - 1] >= threshold {
        k -= 1;
    }
    if k == 0 {
        return;
    }
    let top = crossing(k, k - 1);
    let mut k = centre;
    while k + 1 < profile.len() && profile[k + 1] >= threshold {
        k += 1;
    }
    if k + 1 >= profile.len() {
        return;
    }
    let bottom = crossing(k, k + 1);
    let cap = bottom - top;
    if !(0.5 * h0..=1.5 * h0).contains(&cap) {
        return;
    }
    // The band runs from about the digits' tops (8 % above the capitals in OCR-B) to the baseline:
    // the capitals' middle lies a little below its middle. 1.03 is calibrated on synthetic pages
    // against the true cap height (the `cell_grid` test keeps it within 5 %).
    let cap_height = cap / DIGIT_OVER_CAP;
    let shift = (top + bottom) / 2.0 + (cap - cap_height) / 2.0;
    line.origin = (
        line.origin.0 + shift * normal.0,
        line.origin.1 + shift * normal.1,
    );
    line.cap_height = cap_height;
}

/// Refines every line, then gives all lines the largest cap height: a line of mostly fillers
/// (which sit above the baseline) underestimates it.
pub fn refine_band(img: &GrayImage, band: &mut Band) {
    band.lines.iter_mut().for_each(|l| refine_vertical(img, l));
    let cap = band.lines.iter().map(|l| l.cap_height).fold(0.0, f32::max);
    band.lines.iter_mut().for_each(|l| l.cap_height = cap);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::binarize::sauvola;
    use crate::ocr::components::components;
    use crate::ocr::font::{DEFAULT_FONT_PATH, OcrbFont};
    use crate::ocr::gray::rgb_to_gray;
    use crate::synth::{SceneParams, SynthRng, random_passport, render_frame};

    #[test]
    fn the_cell_grid_lies_on_the_printed_characters() {
        let font = OcrbFont::load(std::path::Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b");
        let mut rng = SynthRng::new(9);
        let today = crate::Date::new(2025, 6, 23).expect("date");
        for (rotation, perspective) in [(0.0, 0.0), (-12.0, 0.025)] {
            let mrz = random_passport(&mut rng, today).expect("identity");
            let mut params = SceneParams::ideal(960, 540);
            params.rotation_deg = rotation;
            params.perspective = perspective;
            let frame = render_frame(&font, mrz, params, &mut rng);
            let img = rgb_to_gray(&frame.image);
            let mask = sauvola(&img, 31, 0.25);
            let blobs = components(&mask, img.width() as usize, img.height() as usize);
            let mut band = find_band(&blobs, img.height()).expect("band found");
            refine_band(&img, &mut band);
            assert_eq!(band.lines.len(), 2);
            for (l, line) in band.lines.iter().enumerate() {
                assert_eq!(line.n, 44);
                for i in 0..line.n {
                    let (x, y) = line.cell_centre(i as f32);
                    let (tx, ty) = frame.cell_centres[l][i];
                    let off = ((x - tx).powi(2) + (y - ty).powi(2)).sqrt();
                    assert!(off < 1.5, "line {l} cell {i} is {off:.2} px off");
                }
                let ratio = line.cap_at(2.0) / frame.cap_height;
                assert!((0.95..1.05).contains(&ratio), "cap height off by {ratio}");
            }
        }
    }

    #[test]
    fn the_cell_grid_follows_a_bent_page() {
        // A page bowed over the spine: every point moved down by k·(x - centre)², so the MRZ lines
        // curve by several pixels between their middle and their ends.
        let font = OcrbFont::load(std::path::Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b");
        let mut rng = SynthRng::new(21);
        let today = crate::Date::new(2025, 6, 23).expect("date");
        let mrz = random_passport(&mut rng, today).expect("identity");
        let frame = render_frame(&font, mrz, SceneParams::ideal(960, 540), &mut rng);
        let flat = rgb_to_gray(&frame.image);
        let k = 6.0e-5;
        let bend = |x: f32| k * (x - 480.0).powi(2);
        let img = image::GrayImage::from_fn(960, 540, |x, y| {
            let v = sample(&flat, x as f32, y as f32 - bend(x as f32));
            image::Luma([v.round() as u8])
        });
        let mask = sauvola(&img, 31, 0.25);
        let blobs = components(&mask, 960, 540);
        let mut band = find_band(&blobs, 540).expect("band found");
        refine_band(&img, &mut band);
        let mut worst_sag = 0.0f32;
        for (l, line) in band.lines.iter().enumerate() {
            for i in 0..line.n {
                let (x, y) = line.cell_centre(i as f32);
                let (tx, ty) = frame.cell_centres[l][i];
                let ty = ty + bend(tx);
                worst_sag = worst_sag.max(bend(tx));
                let off = ((x - tx).powi(2) + (y - ty).powi(2)).sqrt();
                assert!(off < 1.5, "line {l} cell {i} is {off:.2} px off");
            }
        }
        assert!(
            worst_sag > 4.0,
            "the page is bent by {worst_sag:.1} px only"
        );
    }
}
