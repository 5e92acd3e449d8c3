//! A frame source that replays image files or scripted shots, for tests and demos without a
//! camera: a still photo held unchanged, a zoom that simulates moving closer or back (by
//! cropping a real photo over time), and cuts between images.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;

use crate::error::{CaptureError, FaceError};
use crate::frame::{Frame, FrameSource};
use crate::imageops;

/// Decodes an image file to RGB8, applying its EXIF orientation (as `cv2.imread` does).
pub fn load_image(path: &Path) -> Result<RgbImage, FaceError> {
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| FaceError::Image {
        what: what.clone(),
        reason: e.to_string(),
    })?;
    decode_image_named(&bytes, &what)
}

/// Decodes image bytes to RGB8, applying EXIF orientation: JPEG, PNG, WebP and JPEG 2000,
/// recognised by content ([`crate::imagefile`]).
pub fn decode_image(bytes: &[u8]) -> Result<RgbImage, FaceError> {
    decode_image_named(bytes, "from memory")
}

fn decode_image_named(bytes: &[u8], what: &str) -> Result<RgbImage, FaceError> {
    crate::imagefile::decode(bytes, what)
}

/// One segment of a replay script.
#[derive(Clone)]
pub enum Shot {
    /// The image itself, unchanged, for `duration` (a photo held still in front of the camera).
    Still {
        image: Arc<RgbImage>,
        duration: Duration,
    },
    /// A view of the image at the script's frame size, zoomed from `from` to `to` over
    /// `duration` around `centre` (fractions of width and height). Zoom 1 shows the largest
    /// window of the frame's aspect that fits; zoom 2 shows half of it, so the face appears twice
    /// as large, as if the person had moved closer.
    Zoom {
        image: Arc<RgbImage>,
        from: f32,
        to: f32,
        centre: (f32, f32),
        duration: Duration,
    },
}

impl std::fmt::Debug for Shot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shot::Still { duration, .. } => write!(f, "Still({duration:?})"),
            Shot::Zoom {
                from, to, duration, ..
            } => write!(f, "Zoom({from}→{to}, {duration:?})"),
        }
    }
}

impl Shot {
    fn duration(&self) -> Duration {
        match self {
            Shot::Still { duration, .. } | Shot::Zoom { duration, .. } => *duration,
        }
    }
}

/// Plays shots at a fixed frame rate; timestamps start at zero and advance by 1/fps.
#[derive(Debug, Clone)]
pub struct ReplaySource {
    shots: Vec<(Shot, u64)>,
    fps: f32,
    size: (u32, u32),
    next: u64,
}

impl ReplaySource {
    /// A script of shots rendered at `width`×`height` (for zooms) and `fps` frames per second.
    pub fn new(shots: Vec<Shot>, fps: f32, width: u32, height: u32) -> Result<Self, FaceError> {
        if !(fps.is_finite() && fps > 0.0) || width < 16 || height < 16 {
            return Err(FaceError::Config(format!(
                "replay needs fps > 0 and a frame of at least 16x16 (got {fps} fps, {width}x{height})"
            )));
        }
        let shots = shots
            .into_iter()
            .map(|s| {
                let n = (s.duration().as_secs_f32() * fps).round().max(1.0) as u64;
                (s, n)
            })
            .collect();
        Ok(ReplaySource {
            shots,
            fps,
            size: (width, height),
            next: 0,
        })
    }

    /// Each file once, unchanged, one frame per file.
    pub fn from_files<P: AsRef<Path>>(paths: &[P], fps: f32) -> Result<Self, FaceError> {
        let mut shots = Vec::new();
        for p in paths {
            shots.push(Shot::Still {
                image: Arc::new(load_image(p.as_ref())?),
                duration: Duration::from_secs_f32(1.0 / fps.max(1e-3)),
            });
        }
        ReplaySource::new(shots, fps, 640, 480)
    }

    /// Total number of frames the script yields.
    pub fn len(&self) -> u64 {
        self.shots.iter().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn render(&self, shot: &Shot, k: u64, n: u64) -> RgbImage {
        match shot {
            Shot::Still { image, .. } => (**image).clone(),
            Shot::Zoom {
                image,
                from,
                to,
                centre,
                ..
            } => {
                let p = if n > 1 {
                    k as f32 / (n - 1) as f32
                } else {
                    0.0
                };
                let zoom = (from + (to - from) * p).max(0.05);
                render_zoom(image, zoom, *centre, self.size.0, self.size.1)
            }
        }
    }
}

/// The view of `img` at `zoom` around `centre`, resized to `w`×`h`.
fn render_zoom(img: &RgbImage, zoom: f32, centre: (f32, f32), w: u32, h: u32) -> RgbImage {
    let (iw, ih) = (img.width() as f32, img.height() as f32);
    let aspect = w as f32 / h as f32;
    let (mut vw, mut vh) = if iw / ih > aspect {
        (ih * aspect, ih)
    } else {
        (iw, iw / aspect)
    };
    vw /= zoom;
    vh /= zoom;
    // Keep the window inside the image where it fits; a zoom below 1 shows the border as black.
    let cx = centre.0 * iw;
    let cy = centre.1 * ih;
    let x0 = if vw <= iw {
        (cx - vw / 2.0).clamp(0.0, iw - vw)
    } else {
        cx - vw / 2.0
    };
    let y0 = if vh <= ih {
        (cy - vh / 2.0).clamp(0.0, ih - vh)
    } else {
        cy - vh / 2.0
    };
    let sx = vw / w as f32;
    let sy = vh / h as f32;
    let m = imageops::Affine {
        m: [
            [1.0 / sx as f64, 0.0, -(x0 / sx) as f64],
            [0.0, 1.0 / sy as f64, -(y0 / sy) as f64],
        ],
    };
    if zoom >= 1.0 && sx >= 1.0 {
        // Downscaling: crop then area-resize, which does not alias.
        imageops::crop_resize(
            img,
            x0.max(0.0) as u32,
            y0.max(0.0) as u32,
            (x0 + vw - 1.0).max(0.0) as u32,
            (y0 + vh - 1.0).max(0.0) as u32,
            w,
            h,
        )
    } else {
        imageops::warp_affine(img, &m, w, h).unwrap_or_else(|| RgbImage::new(w, h))
    }
}

impl FrameSource for ReplaySource {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        let mut i = self.next;
        for (shot, n) in &self.shots {
            if i < *n {
                let image = self.render(shot, i, *n);
                let timestamp = Duration::from_secs_f64(self.next as f64 / self.fps as f64);
                self.next += 1;
                return Ok(Frame::new(image, timestamp));
            }
            i -= n;
        }
        Err(CaptureError::EndOfStream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn gradient(w: u32, h: u32) -> Arc<RgbImage> {
        Arc::new(RgbImage::from_fn(w, h, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 0])
        }))
    }

    #[test]
    fn frames_advance_at_the_given_rate_and_then_end() {
        let shots = vec![
            Shot::Still {
                image: gradient(64, 48),
                duration: Duration::from_millis(500),
            },
            Shot::Zoom {
                image: gradient(320, 240),
                from: 1.0,
                to: 2.0,
                centre: (0.5, 0.5),
                duration: Duration::from_millis(500),
            },
        ];
        let mut src = ReplaySource::new(shots, 10.0, 160, 120).expect("script");
        assert_eq!(src.len(), 10);
        let mut stamps = Vec::new();
        let mut sizes = Vec::new();
        while let Ok(f) = src.next_frame() {
            stamps.push(f.timestamp.as_millis());
            sizes.push((f.width(), f.height()));
        }
        assert_eq!(stamps, vec![0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
        assert_eq!(sizes[0], (64, 48));
        assert_eq!(sizes[9], (160, 120));
        assert_eq!(src.next_frame(), Err(CaptureError::EndOfStream));
    }

    #[test]
    fn a_still_shot_repeats_the_identical_image() {
        let img = gradient(50, 40);
        let shots = vec![Shot::Still {
            image: img.clone(),
            duration: Duration::from_secs(1),
        }];
        let mut src = ReplaySource::new(shots, 5.0, 160, 120).expect("script");
        let a = src.next_frame().expect("frame");
        let b = src.next_frame().expect("frame");
        assert_eq!(a.image, *img);
        assert_eq!(a.image, b.image);
        assert_ne!(a.timestamp, b.timestamp);
    }

    #[test]
    fn zooming_in_magnifies_about_the_centre() {
        // Horizontal ramp 0..255 over 256 px: at zoom 2 the view covers the middle half.
        let img = Arc::new(RgbImage::from_fn(256, 192, |x, _| Rgb([x as u8, 0, 0])));
        let zoom1 = render_zoom(&img, 1.0, (0.5, 0.5), 128, 96);
        let zoom2 = render_zoom(&img, 2.0, (0.5, 0.5), 128, 96);
        let left1 = zoom1.get_pixel(0, 48)[0] as i32;
        let left2 = zoom2.get_pixel(0, 48)[0] as i32;
        assert!(left1 <= 2, "{left1}");
        assert!((left2 - 64).abs() <= 2, "{left2}");
        let centre = zoom2.get_pixel(64, 48)[0] as i32;
        assert!((centre - 128).abs() <= 2, "{centre}");
    }

    #[test]
    fn bad_scripts_are_rejected() {
        assert!(ReplaySource::new(vec![], 0.0, 640, 480).is_err());
        assert!(ReplaySource::new(vec![], 10.0, 4, 4).is_err());
    }

    fn faces_dir() -> std::path::PathBuf {
        std::env::var_os("IDGATE_FACES_DIR")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("IDGATE_ROOT").map(|r| std::path::PathBuf::from(r).join("../shared/faces")))
            .expect("set IDGATE_FACES_DIR or IDGATE_ROOT (cargo sets IDGATE_ROOT via .cargo/config.toml)")
    }

    #[test]
    fn exif_orientation_is_applied_on_load() {
        // The anti-spoof samples are stored 640x480 with EXIF orientation 6 (rotate 90° clockwise;
        // faces/README says 2, the file says 6): decoding must return the upright 480x640 portrait
        // that cv2.imread gives and Silent-Face-Anti-Spoofing expects (3:4).
        let path = faces_dir().join("antispoof_sample_image_T1.jpg");
        let oriented = load_image(&path).expect("decode T1");
        let raw = image::open(&path).expect("raw decode").into_rgb8();
        assert_eq!((raw.width(), raw.height()), (640, 480));
        assert_eq!((oriented.width(), oriented.height()), (480, 640));
        assert!(
            oriented == image::imageops::rotate90(&raw),
            "orientation 6 not applied"
        );
    }

    #[test]
    fn garbage_bytes_are_a_typed_error() {
        assert!(matches!(
            decode_image(b"not an image"),
            Err(FaceError::Image { .. })
        ));
    }
}
