//! Views of a still image for a second look when the frame pipeline found no verified reading:
//! enlarged (small web scans), padded (crops that hold only the MRZ), contrast-stretched (glare
//! that washes the print out). A camera frame never needs them; a still has no next frame.

use image::{GrayImage, Luma};

/// Longer side a small still is enlarged to: within what [`super::MrzReader::read_gray`] reads
/// at full size (it halves frames wider than 1400 px).
const ENLARGED_SIDE: f32 = 1300.0;
/// Below this longer side a still is enlarged (the frame pipeline already doubles up to 800 px,
/// so enlarging gains only where 1300 px is clearly more than double).
const SMALL_SIDE: u32 = 600;
/// A band alone is padded to at least this height over width: the line finder takes characters
/// taller than a sixth of the image for page furniture.
const MIN_ASPECT: f32 = 0.5;

/// The still enlarged when small and padded with its own background when it is a narrow strip
/// (either way round), or `None` when it is neither.
pub fn enlarge_and_pad(img: &GrayImage) -> Option<GrayImage> {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return None;
    }
    let long = w.max(h);
    let enlarged = (long < SMALL_SIDE).then(|| {
        let k = ENLARGED_SIDE / long as f32;
        let (nw, nh) = (
            ((w as f32 * k).round() as u32).max(1),
            ((h as f32 * k).round() as u32).max(1),
        );
        image::imageops::resize(img, nw, nh, image::imageops::FilterType::CatmullRom)
    });
    let src = enlarged.as_ref().unwrap_or(img);
    let (w, h) = (src.width(), src.height());
    let want_h = ((w as f32 * MIN_ASPECT) as u32).max(h);
    let want_w = ((h as f32 * MIN_ASPECT) as u32).max(w);
    if want_h == h && want_w == w {
        return enlarged;
    }
    let fill = border_median(src);
    let mut out = GrayImage::from_pixel(want_w, want_h, Luma([fill]));
    image::imageops::replace(
        &mut out,
        src,
        i64::from((want_w - w) / 2),
        i64::from((want_h - h) / 2),
    );
    Some(out)
}

/// The median grey of the outermost pixels: the paper around a cropped band.
fn border_median(img: &GrayImage) -> u8 {
    let (w, h) = (img.width(), img.height());
    let mut hist = [0u32; 256];
    let mut n = 0u32;
    for (x, y, p) in img.enumerate_pixels() {
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            hist[usize::from(p.0[0])] += 1;
            n += 1;
        }
    }
    let mut seen = 0;
    for (v, &c) in hist.iter().enumerate() {
        seen += c;
        if 2 * seen >= n {
            return v as u8;
        }
    }
    255
}

/// Smallest local range stretched to full contrast: flatter regions are paper, not faint print,
/// and stretching them would only raise noise.
const MIN_RANGE: f32 = 40.0;

/// Local contrast stretch: each pixel mapped between the darkest and brightest grey of its
/// neighbourhood (tiles of about a character, 3×3 tiles around, interpolated), so print washed
/// out by glare comes back as dark as elsewhere.
pub fn stretch_contrast(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return img.clone();
    }
    let tile = (w.min(h) / 30).clamp(8, 48);
    let (tw, th) = (w.div_ceil(tile), h.div_ceil(tile));
    let mut lo = vec![255u8; tw * th];
    let mut hi = vec![0u8; tw * th];
    for (y, row) in img.as_raw().chunks_exact(w).enumerate() {
        let ty = y / tile;
        for (x, &p) in row.iter().enumerate() {
            let t = ty * tw + x / tile;
            lo[t] = lo[t].min(p);
            hi[t] = hi[t].max(p);
        }
    }
    // Over 3×3 tiles, so that a tile inside a stroke or on bare paper still sees both.
    let spread = |src: &[u8], pick: fn(u8, u8) -> u8| -> Vec<f32> {
        (0..tw * th)
            .map(|t| {
                let (tx, ty) = ((t % tw) as isize, (t / tw) as isize);
                let mut v = src[t];
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        let (x, y) = (tx + dx, ty + dy);
                        if x >= 0 && y >= 0 && (x as usize) < tw && (y as usize) < th {
                            v = pick(v, src[y as usize * tw + x as usize]);
                        }
                    }
                }
                f32::from(v)
            })
            .collect()
    };
    let lo = spread(&lo, u8::min);
    let hi = spread(&hi, u8::max);
    let at = |map: &[f32], x: usize, y: usize| -> f32 {
        // Bilinear between tile centres.
        let fx = ((x as f32 + 0.5) / tile as f32 - 0.5).clamp(0.0, (tw - 1) as f32);
        let fy = ((y as f32 + 0.5) / tile as f32 - 0.5).clamp(0.0, (th - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(tw - 1), (y0 + 1).min(th - 1));
        let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
        let top = map[y0 * tw + x0] * (1.0 - ax) + map[y0 * tw + x1] * ax;
        let bottom = map[y1 * tw + x0] * (1.0 - ax) + map[y1 * tw + x1] * ax;
        top * (1.0 - ay) + bottom * ay
    };
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (l, hgh) = (at(&lo, x, y), at(&hi, x, y));
        let range = (hgh - l).max(MIN_RANGE);
        let p = f32::from(img.as_raw()[y * w + x]);
        Luma([((p - l) / range * 255.0).clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_alone_is_padded_with_its_paper_and_kept_whole() {
        let strip = GrayImage::from_fn(900, 80, |x, y| {
            Luma([if (x / 9) % 2 == 0 && (20..60).contains(&y) {
                20
            } else {
                230
            }])
        });
        let out = enlarge_and_pad(&strip).expect("a strip is padded");
        assert_eq!((out.width(), out.height()), (900, 450));
        assert_eq!(out.get_pixel(0, 0).0[0], 230);
        assert_eq!(out.get_pixel(0, 185 + 20).0[0], 20);
    }

    #[test]
    fn a_small_scan_is_enlarged_and_a_large_page_left_alone() {
        let small = GrayImage::from_pixel(300, 200, Luma([200]));
        let out = enlarge_and_pad(&small).expect("a small scan is enlarged");
        assert_eq!((out.width(), out.height()), (1300, 867));
        assert!(enlarge_and_pad(&GrayImage::from_pixel(1280, 720, Luma([200]))).is_none());
        assert!(enlarge_and_pad(&GrayImage::new(0, 0)).is_none());
    }

    #[test]
    fn washed_out_print_is_stretched_to_full_contrast() {
        // Print at 200 on paper at 245 (glare) on the left, 30 on 230 on the right.
        let img = GrayImage::from_fn(400, 300, |x, y| {
            let ink = (x / 6) % 2 == 0 && (y / 6) % 2 == 0;
            Luma([match (x < 200, ink) {
                (true, true) => 200,
                (true, false) => 245,
                (false, true) => 30,
                (false, false) => 230,
            }])
        });
        let out = stretch_contrast(&img);
        assert!(
            out.get_pixel(60, 144).0[0] < 40,
            "washed-out ink is dark again"
        );
        assert!(out.get_pixel(67, 144).0[0] > 200, "paper stays light");
        assert!(out.get_pixel(300, 144).0[0] < 40);
    }
}
