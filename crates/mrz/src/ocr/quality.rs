//! Frame quality measures behind the guidance hints: sharpness (Laplacian energy relative to
//! contrast) and glare (saturated pixels).

use image::GrayImage;

/// A rectangle in pixels, exclusive ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl Region {
    pub fn whole(img: &GrayImage) -> Self {
        Self {
            x0: 0,
            y0: 0,
            x1: img.width(),
            y1: img.height(),
        }
    }

    /// `(x0, y0, x1, y1)` in floating point, clamped to the image.
    pub fn clamped(img: &GrayImage, b: (f32, f32, f32, f32)) -> Self {
        let cl = |v: f32, max: u32| v.clamp(0.0, max as f32) as u32;
        Self {
            x0: cl(b.0, img.width()),
            y0: cl(b.1, img.height()),
            x1: cl(b.2, img.width()),
            y1: cl(b.3, img.height()),
        }
    }
}

/// Sharpness: RMS of the 4-neighbour Laplacian divided by the 10–90 % intensity spread. Text printed
/// sharply scores above about 0.1; a page blurred by motion or focus well below.
pub fn sharpness(img: &GrayImage, r: Region) -> f32 {
    sharpness_and_spread(img, r).0
}

/// [`sharpness`] and the 10–90 % intensity spread it is relative to.
pub fn sharpness_and_spread(img: &GrayImage, r: Region) -> (f32, f32) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let (x0, y0) = (r.x0.max(1) as usize, r.y0.max(1) as usize);
    let (x1, y1) = (
        (r.x1 as usize).min(w.saturating_sub(1)),
        (r.y1 as usize).min(h.saturating_sub(1)),
    );
    if x1 <= x0 || y1 <= y0 {
        return (0.0, 0.0);
    }
    let mut hist = [0u32; 256];
    let (mut sum, mut sum_sq, mut n) = (0.0f64, 0.0f64, 0.0f64);
    // Every second pixel in each direction: enough for a statistic, four times cheaper.
    for y in (y0..y1).step_by(2) {
        for x in (x0..x1).step_by(2) {
            let p = i32::from(raw[y * w + x]);
            hist[p as usize] += 1;
            let lap = 4 * p
                - i32::from(raw[y * w + x - 1])
                - i32::from(raw[y * w + x + 1])
                - i32::from(raw[(y - 1) * w + x])
                - i32::from(raw[(y + 1) * w + x]);
            let lap = f64::from(lap);
            sum += lap;
            sum_sq += lap * lap;
            n += 1.0;
        }
    }
    let total: u32 = hist.iter().sum();
    let percentile = |q: f32| {
        let target = (total as f32 * q) as u32;
        let mut acc = 0u32;
        hist.iter()
            .position(|&c| {
                acc += c;
                acc > target
            })
            .unwrap_or(255) as f32
    };
    let spread = percentile(0.9) - percentile(0.1);
    let mean = sum / n;
    let rms = (sum_sq / n - mean * mean).max(0.0).sqrt() as f32;
    (rms / spread.max(16.0), spread)
}

/// Fraction of pixels at or above 250 (blown-out highlights).
pub fn saturated_fraction(img: &GrayImage, r: Region) -> f32 {
    let w = img.width() as usize;
    let raw = img.as_raw();
    let (mut hot, mut n) = (0u32, 0u32);
    for y in r.y0 as usize..(r.y1 as usize).min(img.height() as usize) {
        for x in r.x0 as usize..(r.x1 as usize).min(w) {
            n += 1;
            if raw[y * w + x] >= 250 {
                hot += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { hot as f32 / n as f32 }
}
