//! Small pixel operations the pipeline needs at camera rate (resize, warp, crop, luminance).
//! Hand-written because they run per frame on tiny outputs, where `image::imageops`' generic
//! filters cost several times more; every access is bounds-checked by construction (clamped).

use image::{Rgb, RgbImage};

/// A 2×3 affine map `[a b c; d e f]` taking (x, y) to (a x + b y + c, d x + e y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub m: [[f64; 3]; 2],
}

impl Affine {
    /// The inverse map, or `None` if the map is singular.
    pub fn inverse(&self) -> Option<Affine> {
        let [[a, b, c], [d, e, f]] = self.m;
        let det = a * e - b * d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let ia = e / det;
        let ib = -b / det;
        let id = -d / det;
        let ie = a / det;
        Some(Affine {
            m: [[ia, ib, -(ia * c + ib * f)], [id, ie, -(id * c + ie * f)]],
        })
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [[a, b, c], [d, e, f]] = self.m;
        (a * x + b * y + c, d * x + e * y + f)
    }
}

/// Bilinear sample with a constant black border outside the image (as OpenCV's BORDER_CONSTANT).
#[inline]
fn sample_bilinear(src: &RgbImage, x: f64, y: f64) -> [f32; 3] {
    let (w, h) = (src.width() as i64, src.height() as i64);
    let x0 = x.floor();
    let y0 = y.floor();
    let fx = (x - x0) as f32;
    let fy = (y - y0) as f32;
    let (x0, y0) = (x0 as i64, y0 as i64);
    let raw = src.as_raw();
    let px = |xx: i64, yy: i64| -> [f32; 3] {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            return [0.0; 3];
        }
        let i = ((yy * w + xx) * 3) as usize;
        match raw.get(i..i + 3) {
            Some(p) => [p[0] as f32, p[1] as f32, p[2] as f32],
            None => [0.0; 3],
        }
    };
    let p00 = px(x0, y0);
    let p10 = px(x0 + 1, y0);
    let p01 = px(x0, y0 + 1);
    let p11 = px(x0 + 1, y0 + 1);
    let mut out = [0.0f32; 3];
    for c in 0..3 {
        let top = p00[c] + (p10[c] - p00[c]) * fx;
        let bot = p01[c] + (p11[c] - p01[c]) * fx;
        out[c] = top + (bot - top) * fy;
    }
    out
}

/// `dst(x, y) = src(M⁻¹ (x, y))` with bilinear interpolation, as OpenCV's `warpAffine(INTER_LINEAR)`.
/// Returns `None` if `m` is singular.
pub fn warp_affine(src: &RgbImage, m: &Affine, out_w: u32, out_h: u32) -> Option<RgbImage> {
    let inv = m.inverse()?;
    let mut out = RgbImage::new(out_w, out_h);
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (sx, sy) = inv.apply(x as f64, y as f64);
        let v = sample_bilinear(src, sx, sy);
        *p = Rgb([round_u8(v[0]), round_u8(v[1]), round_u8(v[2])]);
    }
    Some(out)
}

#[inline]
fn round_u8(v: f32) -> u8 {
    // Same as `round()` for the clamped (non-negative) range, without the libm call that
    // `round` compiles to on baseline x86-64.
    (v.clamp(0.0, 255.0) + 0.5) as u8
}

/// Resizes to exactly `out_w`×`out_h`. Downscaling by more than 2 first averages integer
/// blocks (like OpenCV's INTER_AREA) so small outputs do not alias; then bilinear with
/// pixel-centre alignment (OpenCV's INTER_LINEAR convention).
pub fn resize(src: &RgbImage, out_w: u32, out_h: u32) -> RgbImage {
    let out_w = out_w.max(1);
    let out_h = out_h.max(1);
    if src.width() == 0 || src.height() == 0 {
        return RgbImage::new(out_w, out_h);
    }
    let kx = (src.width() / out_w).max(1);
    let ky = (src.height() / out_h).max(1);
    let reduced;
    let base = if kx >= 2 || ky >= 2 {
        reduced = box_reduce(src, kx, ky);
        // An exact integer reduction (640×480 camera frames → the detector's 320×240) is done:
        // bilinear at scale 1 would copy every pixel unchanged.
        if reduced.dimensions() == (out_w, out_h) {
            return reduced;
        }
        &reduced
    } else {
        src
    };
    resize_bilinear(base, out_w, out_h)
}

/// 2×2 block averages: the camera-frame → detector case, on every frame, so written for the
/// auto-vectoriser (two rows at a time, no per-pixel bounds checks).
fn halve(src: &RgbImage) -> RgbImage {
    let (w, h) = (src.width() / 2, src.height() / 2);
    let sw = src.width() as usize * 3;
    let mut out = vec![0u8; w as usize * h as usize * 3];
    for (orow, rows) in out
        .chunks_exact_mut(w as usize * 3)
        .zip(src.as_raw().chunks_exact(sw * 2))
    {
        let (r0, r1) = rows.split_at(sw);
        for ((o, a), b) in orow
            .chunks_exact_mut(3)
            .zip(r0.chunks_exact(6))
            .zip(r1.chunks_exact(6))
        {
            for c in 0..3 {
                let sum = a[c] as u16 + a[c + 3] as u16 + b[c] as u16 + b[c + 3] as u16;
                o[c] = ((sum + 2) / 4) as u8;
            }
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
}

/// Averages `kx`×`ky` blocks (the remainder at the right/bottom edge is dropped).
fn box_reduce(src: &RgbImage, kx: u32, ky: u32) -> RgbImage {
    if kx == 2 && ky == 2 && src.width() >= 2 && src.height() >= 2 {
        return halve(src);
    }
    let w = (src.width() / kx).max(1);
    let h = (src.height() / ky).max(1);
    let sw = src.width() as usize;
    let raw = src.as_raw();
    let mut out = RgbImage::new(w, h);
    let mut acc = vec![0u32; w as usize * 3];
    let n = kx * ky;
    for oy in 0..h {
        acc.iter_mut().for_each(|a| *a = 0);
        for dy in 0..ky {
            let row_start = ((oy * ky + dy) as usize) * sw * 3;
            let Some(row) = raw.get(row_start..row_start + (w * kx) as usize * 3) else {
                continue;
            };
            for (ox, block) in row.chunks_exact(kx as usize * 3).enumerate() {
                for px in block.chunks_exact(3) {
                    acc[ox * 3] += px[0] as u32;
                    acc[ox * 3 + 1] += px[1] as u32;
                    acc[ox * 3 + 2] += px[2] as u32;
                }
            }
        }
        for ox in 0..w {
            let i = ox as usize * 3;
            out.put_pixel(
                ox,
                oy,
                Rgb([
                    ((acc[i] + n / 2) / n) as u8,
                    ((acc[i + 1] + n / 2) / n) as u8,
                    ((acc[i + 2] + n / 2) / n) as u8,
                ]),
            );
        }
    }
    out
}

fn resize_bilinear(src: &RgbImage, out_w: u32, out_h: u32) -> RgbImage {
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let sx = sw as f32 / out_w as f32;
    let sy = sh as f32 / out_h as f32;
    // Precompute the horizontal taps once per column.
    let cols: Vec<(usize, usize, f32)> = (0..out_w)
        .map(|x| {
            let fx = ((x as f32 + 0.5) * sx - 0.5).max(0.0);
            let x0 = (fx.floor() as usize).min(sw - 1);
            let x1 = (x0 + 1).min(sw - 1);
            (x0 * 3, x1 * 3, fx - x0 as f32)
        })
        .collect();
    let raw = src.as_raw();
    let mut out = vec![0u8; out_w as usize * out_h as usize * 3];
    for (y, orow) in out.chunks_exact_mut(out_w as usize * 3).enumerate() {
        let fy = ((y as f32 + 0.5) * sy - 0.5).max(0.0);
        let y0 = (fy.floor() as usize).min(sh - 1);
        let y1 = (y0 + 1).min(sh - 1);
        let wy = fy - y0 as f32;
        let r0 = &raw[y0 * sw * 3..(y0 + 1) * sw * 3];
        let r1 = &raw[y1 * sw * 3..(y1 + 1) * sw * 3];
        for (o, &(x0, x1, wx)) in orow.chunks_exact_mut(3).zip(cols.iter()) {
            for c in 0..3 {
                let top = r0[x0 + c] as f32 + (r0[x1 + c] as f32 - r0[x0 + c] as f32) * wx;
                let bot = r1[x0 + c] as f32 + (r1[x1 + c] as f32 - r1[x0 + c] as f32) * wx;
                o[c] = round_u8(top + (bot - top) * wy);
            }
        }
    }
    RgbImage::from_raw(out_w, out_h, out).unwrap_or_else(|| RgbImage::new(out_w, out_h))
}

/// Crops the rectangle `[x0, x1] × [y0, y1]` (inclusive, clamped to the image) and resizes it.
pub fn crop_resize(src: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, w: u32, h: u32) -> RgbImage {
    let x1 = x1.min(src.width().saturating_sub(1));
    let y1 = y1.min(src.height().saturating_sub(1));
    let x0 = x0.min(x1);
    let y0 = y0.min(y1);
    let view = image::imageops::crop_imm(src, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
    resize(&view, w, h)
}

/// ITU-R BT.601 luma of an RGB pixel, 0–255.
#[inline]
pub fn luma(p: &Rgb<u8>) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// The luma plane of an image as f32, row-major.
pub fn gray(src: &RgbImage) -> Vec<f32> {
    src.pixels().map(luma).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_inverse_round_trips() {
        let m = Affine {
            m: [[0.8, -0.3, 12.0], [0.3, 0.8, -4.0]],
        };
        let inv = m.inverse().expect("invertible");
        let (x, y) = m.apply(17.0, 33.0);
        let (bx, by) = inv.apply(x, y);
        assert!((bx - 17.0).abs() < 1e-9 && (by - 33.0).abs() < 1e-9);
        let singular = Affine {
            m: [[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]],
        };
        assert!(singular.inverse().is_none());
    }

    #[test]
    fn identity_warp_keeps_pixels_and_borders_are_black() {
        let src = RgbImage::from_fn(8, 8, |x, y| Rgb([(x * 30) as u8, (y * 30) as u8, 7]));
        let id = Affine {
            m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        };
        let out = warp_affine(&src, &id, 8, 8).expect("warp");
        assert_eq!(out, src);
        let shift = Affine {
            m: [[1.0, 0.0, 4.0], [0.0, 1.0, 0.0]],
        };
        let out = warp_affine(&src, &shift, 8, 8).expect("warp");
        assert_eq!(out.get_pixel(0, 0), &Rgb([0, 0, 0]));
        assert_eq!(out.get_pixel(5, 2), src.get_pixel(1, 2));
    }

    #[test]
    fn resize_preserves_flat_colour_and_halves_gradients() {
        let flat = RgbImage::from_pixel(640, 480, Rgb([10, 200, 90]));
        let small = resize(&flat, 123, 77);
        assert!(small.pixels().all(|p| *p == Rgb([10, 200, 90])));
        let ramp = RgbImage::from_fn(100, 10, |x, _| Rgb([x as u8 * 2, 0, 0]));
        let half = resize(&ramp, 50, 5);
        // Pixel 10 covers source pixels 20 and 21: (40 + 42) / 2.
        assert_eq!(half.get_pixel(10, 2)[0], 41);
        let big = resize(&ramp, 400, 40);
        assert_eq!((big.width(), big.height()), (400, 40));
    }

    #[test]
    fn halving_averages_each_2x2_block_rounding_half_up_and_drops_an_odd_edge() {
        let mut seed = 7u32;
        let src = RgbImage::from_fn(37, 23, |_, _| {
            let mut c = [0u8; 3];
            for v in &mut c {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *v = (seed >> 16) as u8;
            }
            Rgb(c)
        });
        let half = resize(&src, 18, 11);
        assert_eq!(half.dimensions(), (18, 11));
        for (x, y, p) in half.enumerate_pixels() {
            for c in 0..3 {
                let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .map(|(dx, dy)| src.get_pixel(2 * x + dx, 2 * y + dy)[c] as u32)
                    .sum();
                assert_eq!(p[c] as u32, (sum + 2) / 4, "pixel {x},{y} channel {c}");
            }
        }
    }

    #[test]
    fn crop_resize_clamps_out_of_range_rectangles() {
        let src = RgbImage::from_pixel(20, 10, Rgb([1, 2, 3]));
        let out = crop_resize(&src, 15, 5, 500, 500, 8, 8);
        assert_eq!((out.width(), out.height()), (8, 8));
        assert_eq!(out.get_pixel(4, 4), &Rgb([1, 2, 3]));
    }
}
