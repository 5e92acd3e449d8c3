//! Grey-level image helpers: conversion, downscaling, bilinear sampling.

use image::{GrayImage, RgbImage};

/// Luma (ITU-R BT.601 weights, integer arithmetic).
pub fn rgb_to_gray(rgb: &RgbImage) -> GrayImage {
    let mut out = GrayImage::new(rgb.width(), rgb.height());
    for (o, p) in out.pixels_mut().zip(rgb.pixels()) {
        let [r, g, b] = p.0;
        o.0[0] = ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8;
    }
    out
}

/// Halves both dimensions by averaging 2×2 blocks.
pub fn downscale_half(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    let src = img.as_raw();
    let stride = img.width() as usize;
    let mut out = GrayImage::new(w.max(1), h.max(1));
    for y in 0..h as usize {
        for x in 0..w as usize {
            let i = 2 * y * stride + 2 * x;
            let sum = u32::from(src[i])
                + u32::from(src[i + 1])
                + u32::from(src[i + stride])
                + u32::from(src[i + stride + 1]);
            out.as_mut()[y * w as usize + x] = ((sum + 2) / 4) as u8;
        }
    }
    out
}

/// Doubles both dimensions by bilinear interpolation.
pub fn upscale_double(img: &GrayImage) -> GrayImage {
    GrayImage::from_fn(img.width() * 2, img.height() * 2, |x, y| {
        let v = sample(img, (x as f32 - 0.5) / 2.0, (y as f32 - 0.5) / 2.0);
        image::Luma([v.round().clamp(0.0, 255.0) as u8])
    })
}

/// Bilinear sample at continuous pixel coordinates (pixel centres at integer + 0.5 are *not* assumed:
/// (0, 0) is the centre of the first pixel); coordinates outside the image are clamped to the edge.
#[inline]
pub fn sample(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return 0.0;
    }
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let raw = img.as_raw();
    let p = |xx: usize, yy: usize| f32::from(raw[yy * w + xx]);
    let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
    let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}
