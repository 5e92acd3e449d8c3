//! A page as a camera sees it: placed in a larger frame with rotation, scale and mild perspective,
//! then uneven light, optional glare, blur, sensor noise and JPEG compression.

use std::fmt;

use image::{Rgb, RgbImage};

use crate::date::Date;
use crate::format::MrzFormat;
use crate::mrz::Mrz;
use crate::ocr::font::OcrbFont;

use super::homography::Homography;
use super::identity::random_mrz;
use super::page::{Page, page_size_mm, render_page};
use super::rng::SynthRng;

/// How the page is shown to the camera.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneParams {
    pub frame_width: u32,
    pub frame_height: u32,
    /// Page rotation in degrees (positive: clockwise on screen).
    pub rotation_deg: f32,
    /// Page size relative to the largest that fits the frame at this rotation, up to 1.25 (a page
    /// larger than the frame is cropped at the top; keep `offset.1 = 1` so the MRZ stays in view).
    pub fit: f32,
    /// Page centre offset as a fraction of the free room, each in `[-1, 1]`.
    pub offset: (f32, f32),
    /// Corner displacement for perspective, as a fraction of the page diagonal.
    pub perspective: f32,
    /// Gaussian blur sigma in frame pixels.
    pub blur_sigma: f32,
    /// Sensor noise sigma in grey levels.
    pub noise_sigma: f32,
    /// Brightness at the darkest and brightest frame corner (multiplicative).
    pub light: (f32, f32),
    /// A saturated specular spot over the MRZ.
    pub glare: bool,
    /// Re-encode as JPEG of this quality.
    pub jpeg_quality: Option<u8>,
}

impl SceneParams {
    /// The ranges the OCR is specified for: page filling about 30–100 % of the frame, ±15°, mild
    /// perspective, uneven light, blur up to about a pixel, noise, JPEG 40–95.
    pub fn random(rng: &mut SynthRng, frame_width: u32, frame_height: u32) -> Self {
        let fit = rng.uniform(0.62, 1.2);
        Self {
            frame_width,
            frame_height,
            rotation_deg: rng.uniform(-15.0, 15.0),
            fit,
            // A page larger than the frame is held so that its bottom edge, with the MRZ, is in view.
            offset: (
                rng.uniform(-1.0, 1.0),
                if fit > 1.0 {
                    1.0
                } else {
                    rng.uniform(-1.0, 1.0)
                },
            ),
            perspective: rng.uniform(0.0, 0.03),
            blur_sigma: rng.uniform(0.0, 1.1),
            noise_sigma: rng.uniform(0.0, 6.0),
            light: (rng.uniform(0.55, 0.9), rng.uniform(0.95, 1.15)),
            glare: false,
            jpeg_quality: if rng.chance(0.8) {
                Some(rng.range(40, 95) as u8)
            } else {
                None
            },
        }
    }

    /// A flat, sharp, well-lit page filling most of the frame.
    pub fn ideal(frame_width: u32, frame_height: u32) -> Self {
        Self {
            frame_width,
            frame_height,
            rotation_deg: 0.0,
            fit: 0.9,
            offset: (0.0, 0.0),
            perspective: 0.0,
            blur_sigma: 0.0,
            noise_sigma: 0.0,
            light: (1.0, 1.0),
            glare: false,
            jpeg_quality: None,
        }
    }
}

/// A synthetic camera frame and the MRZ it shows. `Debug` redacts the MRZ.
pub struct SynthFrame {
    pub image: RgbImage,
    pub mrz: Mrz,
    pub params: SceneParams,
    /// Fraction of the frame area the page covers.
    pub page_area_fraction: f32,
    /// Where each MRZ character's centre (middle of the cap height) is in the frame, line by line.
    pub cell_centres: Vec<Vec<(f32, f32)>>,
    /// Cap height of the MRZ characters in frame pixels (at the middle of the band).
    pub cap_height: f32,
}

impl fmt::Debug for SynthFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SynthFrame")
            .field("format", &self.mrz.format())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// A random valid MRZ of `format` on a page shown under random [`SceneParams`].
pub fn random_frame(
    font: &OcrbFont,
    rng: &mut SynthRng,
    format: MrzFormat,
    today: Date,
    frame_width: u32,
    frame_height: u32,
) -> Option<SynthFrame> {
    let mrz = random_mrz(rng, format, today).ok()?;
    let params = SceneParams::random(rng, frame_width, frame_height);
    Some(render_frame(font, mrz, params, rng))
}

/// Renders `mrz` on a page and shows it to the camera as `params` say.
pub fn render_frame(
    font: &OcrbFont,
    mrz: Mrz,
    params: SceneParams,
    rng: &mut SynthRng,
) -> SynthFrame {
    let ppm = page_ppm(mrz.format(), &params);
    let page = render_page(font, &mrz, ppm, rng);
    let photo = photograph(&page, mrz.format(), &params, rng);
    SynthFrame {
        image: photo.image,
        mrz,
        params,
        page_area_fraction: photo.page_area_fraction,
        cell_centres: photo.cell_centres,
        cap_height: photo.cap_height,
    }
}

/// A page as the camera saw it.
#[derive(Debug, Clone)]
pub struct Photo {
    pub image: RgbImage,
    pub page_area_fraction: f32,
    /// Where each MRZ character's centre (middle of the cap height) is in the frame, line by line.
    pub cell_centres: Vec<Vec<(f32, f32)>>,
    /// Cap height of the MRZ characters in frame pixels (near the start of the band).
    pub cap_height: f32,
}

/// The frame size in pixels and the rotated page's bounding box in millimetres: (fw, fh, bw, bh).
fn frame_and_page_box(format: MrzFormat, params: &SceneParams) -> (f64, f64, f64, f64) {
    let (fw, fh) = (
        params.frame_width.max(16) as f64,
        params.frame_height.max(16) as f64,
    );
    let (w_mm, h_mm) = page_size_mm(format);
    let theta = f64::from(params.rotation_deg).to_radians();
    let (c, s) = (theta.cos().abs(), theta.sin().abs());
    (
        fw,
        fh,
        f64::from(w_mm) * c + f64::from(h_mm) * s,
        f64::from(w_mm) * s + f64::from(h_mm) * c,
    )
}

/// Frame pixels per page millimetre for `params`.
fn frame_scale(format: MrzFormat, params: &SceneParams) -> f64 {
    let (fw, fh, bw, bh) = frame_and_page_box(format, params);
    // Above 1 the page overflows the frame's narrower dimension (it is cropped, the MRZ kept in view
    // by the offset), never the wider one.
    let fit = f64::from(params.fit.clamp(0.05, 1.25));
    let fits = (fw / bw).min(fh / bh);
    (fits * fit).min(fw / bw).min(fh / bh * fit)
}

/// The resolution to render a page at for `params`: a little finer than it will appear, so the
/// warp averages like a lens would.
pub fn page_ppm(format: MrzFormat, params: &SceneParams) -> f32 {
    (frame_scale(format, params) * 1.5).clamp(3.0, 24.0) as f32
}

/// Shows `page` (of `format`, rendered at [`page_ppm`]) to the camera as `params` say.
pub fn photograph(
    page: &Page,
    format: MrzFormat,
    params: &SceneParams,
    rng: &mut SynthRng,
) -> Photo {
    let (fw, fh, bw, bh) = frame_and_page_box(format, params);
    let theta = f64::from(params.rotation_deg).to_radians();
    let scale = frame_scale(format, params);
    let ppm = f64::from(page.ppm);

    let free = ((fw - bw * scale) / 2.0, (fh - bh * scale) / 2.0);
    let centre = (
        fw / 2.0 + free.0 * f64::from(params.offset.0.clamp(-1.0, 1.0)),
        fh / 2.0 + free.1 * f64::from(params.offset.1.clamp(-1.0, 1.0)),
    );
    let (pw, ph) = (
        f64::from(page.image.width()),
        f64::from(page.image.height()),
    );
    let k = scale / ppm;
    let diag = (pw * pw + ph * ph).sqrt() * k;
    let corners = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let dst = corners.map(|(x, y)| {
        let (dx, dy) = ((x - pw / 2.0) * k, (y - ph / 2.0) * k);
        let (rx, ry) = (
            dx * theta.cos() - dy * theta.sin(),
            dx * theta.sin() + dy * theta.cos(),
        );
        let jitter = f64::from(params.perspective) * diag;
        (
            centre.0 + rx + f64::from(rng.uniform(-1.0, 1.0)) * jitter,
            centre.1 + ry + f64::from(rng.uniform(-1.0, 1.0)) * jitter,
        )
    });
    let to_page = Homography::from_points(corners, dst).and_then(|h| h.inverse());

    let desk = [
        rng.uniform(30.0, 110.0),
        rng.uniform(30.0, 100.0),
        rng.uniform(25.0, 90.0),
    ];
    let mut frame = RgbImage::new(params.frame_width.max(16), params.frame_height.max(16));
    let (light_lo, light_hi) = params.light;
    let light_dir = rng.uniform(0.0, std::f32::consts::TAU);
    let (ldx, ldy) = (light_dir.cos(), light_dir.sin());
    let mut covered = 0u64;
    for (x, y, px) in frame.enumerate_pixels_mut() {
        let (u, v) = (x as f32 / fw as f32 - 0.5, y as f32 / fh as f32 - 0.5);
        let t = ((u * ldx + v * ldy) / std::f32::consts::SQRT_2 + 0.5).clamp(0.0, 1.0);
        let light = light_lo + (light_hi - light_lo) * t;
        let sample = to_page
            .as_ref()
            .and_then(|h| h.apply(f64::from(x) + 0.5, f64::from(y) + 0.5))
            .and_then(|(sx, sy)| sample_bilinear(page, sx - 0.5, sy - 0.5));
        let rgb = match sample {
            Some(rgb) => {
                covered += 1;
                rgb
            }
            None => {
                let grain = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 13) as f32;
                std::array::from_fn(|c| desk[c] + grain)
            }
        };
        *px = Rgb(rgb.map(|c| (c * light).clamp(0.0, 255.0) as u8));
    }
    if params.glare {
        add_glare(&mut frame, page, to_page.as_ref(), rng);
    }
    if params.blur_sigma > 0.05 {
        gaussian_blur(&mut frame, params.blur_sigma);
    }
    if params.noise_sigma > 0.0 {
        for px in frame.pixels_mut() {
            let n = rng.gaussian() * params.noise_sigma;
            for ch in px.0.iter_mut() {
                *ch = (f32::from(*ch) + n + rng.gaussian() * params.noise_sigma * 0.3)
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }
    if let Some(quality) = params.jpeg_quality {
        frame = jpeg_round_trip(frame, quality);
    }
    let page_area_fraction = covered as f32 / (fw * fh) as f32;
    let to_frame = to_page.as_ref().and_then(Homography::inverse);
    let p = page.placement;
    let map = |x: f32, y: f32| {
        to_frame
            .as_ref()
            .and_then(|h| h.apply(f64::from(x), f64::from(y)))
            .map_or((0.0, 0.0), |(u, v)| (u as f32 - 0.5, v as f32 - 0.5))
    };
    let cell_centres: Vec<Vec<(f32, f32)>> = (0..p.line_count)
        .map(|l| {
            let mid = p.baselines.get(l).copied().unwrap_or(0.0) - p.cap_height / 2.0;
            (0..p.line_len)
                .map(|i| map(p.left + i as f32 * p.pitch + p.advance / 2.0, mid))
                .collect()
        })
        .collect();
    let (cx, cy) = (p.left + p.pitch * 2.0, p.baselines[0]);
    let (top, bottom) = (map(cx, cy - p.cap_height), map(cx, cy));
    let cap_height = ((top.0 - bottom.0).powi(2) + (top.1 - bottom.1).powi(2)).sqrt();
    Photo {
        image: frame,
        page_area_fraction,
        cell_centres,
        cap_height,
    }
}

fn sample_bilinear(page: &Page, x: f64, y: f64) -> Option<[f32; 3]> {
    let img = &page.image;
    if x < -0.5 || y < -0.5 || x > f64::from(img.width()) - 0.5 || y > f64::from(img.height()) - 0.5
    {
        return None;
    }
    let (x, y) = (
        x.clamp(0.0, f64::from(img.width() - 1)),
        y.clamp(0.0, f64::from(img.height() - 1)),
    );
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = (
        (x0 + 1).min(img.width() - 1),
        (y0 + 1).min(img.height() - 1),
    );
    let (fx, fy) = ((x - f64::from(x0)) as f32, (y - f64::from(y0)) as f32);
    let p = |xx, yy| img.get_pixel(xx, yy).0.map(f32::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    Some(std::array::from_fn(|i| {
        (a[i] * (1.0 - fx) + b[i] * fx) * (1.0 - fy) + (c[i] * (1.0 - fx) + d[i] * fx) * fy
    }))
}

/// A bright elliptical specular highlight over part of the MRZ band.
fn add_glare(frame: &mut RgbImage, page: &Page, to_page: Option<&Homography>, rng: &mut SynthRng) {
    let Some(to_frame) = to_page.and_then(Homography::inverse) else {
        return;
    };
    let p = page.placement;
    let n = p.line_len as f32;
    let along = p.left + p.pitch * n * rng.uniform(0.25, 0.75);
    let Some((cx, cy)) = to_frame.apply(f64::from(along), f64::from(p.baselines[0])) else {
        return;
    };
    let radius = f64::from(p.pitch)
        * f64::from(rng.uniform(5.0, 9.0))
        * (frame.width() as f64 / page.image.width() as f64);
    for (x, y, px) in frame.enumerate_pixels_mut() {
        let d2 =
            ((f64::from(x) - cx) / (radius * 1.6)).powi(2) + ((f64::from(y) - cy) / radius).powi(2);
        if d2 < 1.5 {
            let a = ((1.5 - d2) / 0.5).min(1.0) as f32;
            for ch in px.0.iter_mut() {
                *ch = (f32::from(*ch) * (1.0 - a) + 255.0 * a) as u8;
            }
        }
    }
}

/// Separable Gaussian blur, in place.
fn gaussian_blur(img: &mut RgbImage, sigma: f32) {
    let radius = (sigma * 3.0).ceil() as usize;
    let kernel: Vec<f32> = (0..=2 * radius)
        .map(|i| {
            let d = i as f32 - radius as f32;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut buf: Vec<f32> = img.as_raw().iter().map(|&v| f32::from(v)).collect();
    let mut tmp = vec![0.0f32; buf.len()];
    // Rows, then columns; edges repeat the border pixel.
    for (axis, (len, stride, lines, line_stride)) in
        [(w, 3, h, 3 * w), (h, 3 * w, w, 3)].into_iter().enumerate()
    {
        let (src, dst) = if axis == 0 {
            (&buf, &mut tmp)
        } else {
            (&tmp, &mut buf)
        };
        for line in 0..lines {
            let base = line * line_stride;
            for i in 0..len {
                let mut acc = [0.0f32; 3];
                for (k, kv) in kernel.iter().enumerate() {
                    let j = (i + k).saturating_sub(radius).min(len - 1);
                    let at = base + j * stride;
                    acc[0] += kv * src[at];
                    acc[1] += kv * src[at + 1];
                    acc[2] += kv * src[at + 2];
                }
                let at = base + i * stride;
                dst[at..at + 3].copy_from_slice(&acc);
            }
        }
    }
    for (o, v) in img.iter_mut().zip(&buf) {
        *o = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// Compresses and decodes again, as a webcam's MJPEG stream does.
fn jpeg_round_trip(frame: RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100));
    if frame.write_with_encoder(encoder).is_err() {
        return frame;
    }
    match image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg) {
        Ok(decoded) => decoded.to_rgb8(),
        Err(_) => frame,
    }
}
