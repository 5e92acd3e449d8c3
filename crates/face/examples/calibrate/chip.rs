//! What a chip photo (DG2) looks like: the photo fitted into 240×320, JPEG 2000 at a usual
//! DG2 size, optionally grey. Everything stays in memory.

use image::imageops::FilterType;
use image::{DynamicImage, RgbImage};

use crate::j2k;

/// A way of turning a photo into a chip photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    pub name: &'static str,
    /// Fit into this box (down-scaling only).
    pub fit: (u32, u32),
    /// JPEG 2000 rate in bits per pixel; `None` = not compressed.
    pub bpp: Option<f32>,
    pub grey: bool,
}

/// The variants measured: size alone, the usual ~12 KB colour DG2, a harsh ~5 KB one, grey.
pub const VARIANTS: [Variant; 5] = [
    Variant {
        name: "240x320",
        fit: (240, 320),
        bpp: None,
        grey: false,
    },
    Variant {
        name: "240x320 j2k 1.25bpp",
        fit: (240, 320),
        bpp: Some(1.25),
        grey: false,
    },
    Variant {
        name: "240x320 j2k 0.5bpp",
        fit: (240, 320),
        bpp: Some(0.5),
        grey: false,
    },
    Variant {
        name: "240x320 grey j2k 1.25bpp",
        fit: (240, 320),
        bpp: Some(1.25),
        grey: true,
    },
    Variant {
        name: "180x240 grey j2k 1bpp",
        fit: (180, 240),
        bpp: Some(1.0),
        grey: true,
    },
];

/// The photo as a chip would hold it, decoded back to RGB, and the encoded size in bytes.
pub fn make(img: &RgbImage, v: &Variant) -> Result<(RgbImage, usize), String> {
    let (w, h) = img.dimensions();
    let scale = (v.fit.0 as f32 / w as f32)
        .min(v.fit.1 as f32 / h as f32)
        .min(1.0);
    let (sw, sh) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let small = if (sw, sh) == (w, h) {
        img.clone()
    } else {
        image::imageops::resize(img, sw, sh, FilterType::Triangle)
    };
    let Some(bpp) = v.bpp else {
        let out = if v.grey {
            DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(small).to_luma8()).to_rgb8()
        } else {
            small
        };
        return Ok((out, (sw * sh * 3) as usize));
    };
    let (samples, channels) = if v.grey {
        (DynamicImage::ImageRgb8(small).to_luma8().into_raw(), 1)
    } else {
        (small.into_raw(), 3)
    };
    let code = j2k::encode(&samples, sw, sh, channels, bpp)?;
    let decoded = jpeg2k::Image::from_bytes(&code).map_err(|e| e.to_string())?;
    let rgb = DynamicImage::try_from(&decoded)
        .map_err(|e| e.to_string())?
        .to_rgb8();
    Ok((rgb, code.len()))
}

/// The photo in grey (as RGB), for comparing a grey chip photo with a grey copy of the live face.
pub fn grey(img: &RgbImage) -> RgbImage {
    DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(img.clone()).to_luma8()).to_rgb8()
}
