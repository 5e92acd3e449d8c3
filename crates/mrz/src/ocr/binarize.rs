//! Local adaptive binarisation (Sauvola 2000) over integral images: dark text stays dark under
//! uneven light and gradients that defeat a global threshold.

use image::GrayImage;

/// Summed-area tables of the image and of its squares.
struct Integral {
    w: usize,
    sum: Vec<u64>,
    sq: Vec<u64>,
}

impl Integral {
    fn new(img: &GrayImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut sum = vec![0u64; (w + 1) * (h + 1)];
        let mut sq = vec![0u64; (w + 1) * (h + 1)];
        let raw = img.as_raw();
        for y in 0..h {
            let (mut row, mut row_sq) = (0u64, 0u64);
            for x in 0..w {
                let v = u64::from(raw[y * w + x]);
                row += v;
                row_sq += v * v;
                let i = (y + 1) * (w + 1) + x + 1;
                sum[i] = sum[i - (w + 1)] + row;
                sq[i] = sq[i - (w + 1)] + row_sq;
            }
        }
        Self { w, sum, sq }
    }

    /// Sum and sum of squares over x0..x1, y0..y1 (exclusive ends).
    fn window(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> (u64, u64) {
        let s = self.w + 1;
        let at = |t: &[u64], x: usize, y: usize| t[y * s + x];
        let sum = at(&self.sum, x1, y1) + at(&self.sum, x0, y0)
            - at(&self.sum, x1, y0)
            - at(&self.sum, x0, y1);
        let sq = at(&self.sq, x1, y1) + at(&self.sq, x0, y0)
            - at(&self.sq, x1, y0)
            - at(&self.sq, x0, y1);
        (sum, sq)
    }
}

/// A dark-text mask: `true` where the pixel is darker than the Sauvola threshold of its
/// `window`×`window` neighbourhood and the neighbourhood has some contrast.
pub fn sauvola(img: &GrayImage, window: usize, k: f32) -> Vec<bool> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let integral = Integral::new(img);
    let half = window / 2;
    let raw = img.as_raw();
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(half), (y + half + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(half), (x + half + 1).min(w));
            let n = ((x1 - x0) * (y1 - y0)) as f32;
            let (s, sq) = integral.window(x0, y0, x1, y1);
            let mean = s as f32 / n;
            let var = (sq as f32 / n - mean * mean).max(0.0);
            let sd = var.sqrt();
            // Flat regions (paper, desk) have no text: a minimum contrast keeps noise out.
            if sd < 6.0 {
                continue;
            }
            let threshold = mean * (1.0 + k * (sd / 128.0 - 1.0));
            out[y * w + x] = f32::from(raw[y * w + x]) < threshold;
        }
    }
    out
}
