//! Local adaptive binarisation (Sauvola 2000) over integral images: dark text stays dark under
//! uneven light and gradients that defeat a global threshold.

use image::GrayImage;

/// Summed-area tables of the image and of its squares. Wrapping `u32` arithmetic is exact for
/// window sums: a window's true sum of squares (at most 61² · 255²) fits in 32 bits, and
/// differences of wrapped totals are correct modulo 2³².
struct Integral {
    stride: usize,
    sum: Vec<u32>,
    sq: Vec<u32>,
}

impl Integral {
    fn new(img: &GrayImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let stride = w + 1;
        let mut sum = vec![0u32; stride * (h + 1)];
        let mut sq = vec![0u32; stride * (h + 1)];
        for (y, row) in img.as_raw().chunks_exact(w.max(1)).take(h).enumerate() {
            let (mut rs, mut rq) = (0u32, 0u32);
            let (above, here) = sum.split_at_mut((y + 1) * stride);
            let (above_q, here_q) = sq.split_at_mut((y + 1) * stride);
            let above = &above[y * stride..];
            let above_q = &above_q[y * stride..];
            for (x, &p) in row.iter().enumerate() {
                let v = u32::from(p);
                rs = rs.wrapping_add(v);
                rq = rq.wrapping_add(v * v);
                here[x + 1] = above[x + 1].wrapping_add(rs);
                here_q[x + 1] = above_q[x + 1].wrapping_add(rq);
            }
        }
        Self { stride, sum, sq }
    }

    /// Sum and sum of squares over x0..x1, y0..y1 (exclusive ends).
    #[inline]
    fn window(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> (u32, u32) {
        let s = self.stride;
        let (a, b, c, d) = (y0 * s + x0, y0 * s + x1, y1 * s + x0, y1 * s + x1);
        let sum = self.sum[d]
            .wrapping_sub(self.sum[b])
            .wrapping_sub(self.sum[c])
            .wrapping_add(self.sum[a]);
        let sq = self.sq[d]
            .wrapping_sub(self.sq[b])
            .wrapping_sub(self.sq[c])
            .wrapping_add(self.sq[a]);
        (sum, sq)
    }
}

/// A dark-text mask: `true` where the pixel is darker than the Sauvola threshold of its
/// `window`×`window` neighbourhood and the neighbourhood has some contrast. `window` is capped at 61.
pub fn sauvola(img: &GrayImage, window: usize, k: f32) -> Vec<bool> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = vec![false; w * h];
    if w == 0 || h == 0 {
        return out;
    }
    let integral = Integral::new(img);
    let half = window.min(61) / 2;
    let raw = img.as_raw();
    // The threshold varies slowly (the window spans several characters), so it is computed once
    // per 2×2 block and applied to its four pixels.
    for by in (0..h).step_by(2) {
        let (y0, y1) = (by.saturating_sub(half), (by + half + 1).min(h));
        for bx in (0..w).step_by(2) {
            let (x0, x1) = (bx.saturating_sub(half), (bx + half + 1).min(w));
            let n = ((x1 - x0) * (y1 - y0)) as f32;
            let (s, sq) = integral.window(x0, y0, x1, y1);
            let mean = s as f32 / n;
            let var = sq as f32 / n - mean * mean;
            // Flat regions (paper, desk) hold no text: a minimum contrast keeps noise out.
            if var < 36.0 {
                continue;
            }
            let threshold = mean * (1.0 + k * (var.sqrt() / 128.0 - 1.0));
            for y in by..(by + 2).min(h) {
                for x in bx..(bx + 2).min(w) {
                    let i = y * w + x;
                    out[i] = f32::from(raw[i]) < threshold;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_text_on_a_light_gradient_is_found_and_the_paper_is_not() {
        // A gradient from 120 to 250 with a dark 3×3 dot every 8 pixels, darker than its surroundings.
        let img = GrayImage::from_fn(64, 32, |x, y| {
            let paper = 120 + (x * 2) as u8;
            let dot = x % 8 < 3 && y % 8 < 3;
            image::Luma([if dot { paper / 3 } else { paper }])
        });
        let mask = sauvola(&img, 15, 0.25);
        for y in 0..32usize {
            for x in 0..64usize {
                let dot = x % 8 < 3 && y % 8 < 3;
                assert_eq!(mask[y * 64 + x], dot, "({x}, {y})");
            }
        }
    }
}
