//! YuNet face detection (dynamic-input model), decoded like OpenCV's `FaceDetectorYN`:
//! score = sqrt(cls·obj), boxes and five landmarks from priors on strides 8/16/32, then NMS.

use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};

use crate::error::FaceError;
use crate::imageops;

/// An axis-aligned box in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl BBox {
    pub fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    pub fn centre(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Intersection over union; 0 for empty boxes.
    pub fn iou(&self, other: &BBox) -> f32 {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = (self.x + self.w).min(other.x + other.w);
        let y1 = (self.y + self.h).min(other.y + other.h);
        let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// One detected face: box, five landmarks and the detector's confidence.
///
/// Landmarks in YuNet order: right eye, left eye (of the person, so image-left first),
/// nose tip, right mouth corner, left mouth corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub bbox: BBox,
    pub landmarks: [[f32; 2]; 5],
    pub score: f32,
}

impl Detection {
    /// Distance between the eye centres in pixels.
    pub fn inter_eye_distance(&self) -> f32 {
        let [r, l, ..] = self.landmarks;
        ((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2)).sqrt()
    }
}

/// Detector settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectorConfig {
    /// The image is scaled (keeping aspect) to fit this box before detection; the
    /// detector input is that size rounded up to multiples of 32.
    pub max_width: u32,
    pub max_height: u32,
    /// Minimum sqrt(cls·obj) (OpenCV's default is 0.9).
    pub score_threshold: f32,
    /// IoU above which the weaker of two boxes is suppressed (OpenCV's default 0.3).
    pub nms_threshold: f32,
    /// At most this many faces are kept (strongest first).
    pub top_k: usize,
    /// Small images are scaled up at most this much: a face that fills a small photo (a tight
    /// crop, a chip photo) is lost when scaled far beyond the face sizes YuNet was trained on
    /// (150×150 crops: 19 of 40 found at ×4.3, all at ×2; `examples/calibrate`).
    pub max_upscale: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        // 640×480 camera frames become 320×240 (input 320×256): ~1 ms on 2 cores, and a face
        // at desk distance still spans 60+ px there.
        DetectorConfig {
            max_width: 320,
            max_height: 240,
            score_threshold: 0.75,
            nms_threshold: 0.3,
            top_k: 20,
            max_upscale: 2.0,
        }
    }
}

impl DetectorConfig {
    /// Settings for single still images (CLI, chip photo): a larger input for small faces.
    pub fn still() -> Self {
        DetectorConfig {
            max_width: 640,
            max_height: 640,
            ..DetectorConfig::default()
        }
    }
}

pub(crate) const DETECTOR_MODEL: &str = "face_detection_yunet_2023mar_dynamic.onnx";
const STRIDES: [usize; 3] = [8, 16, 32];

/// The YuNet detector session.
pub struct Detector {
    session: Mutex<Session>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Detector(YuNet)")
    }
}

fn infer_err(reason: impl ToString) -> FaceError {
    FaceError::Inference {
        model: "yunet",
        reason: reason.to_string(),
    }
}

impl Detector {
    pub fn new(session: Session) -> Self {
        Detector {
            session: Mutex::new(session),
        }
    }

    /// Detects faces in `img`, strongest first, in `img`'s pixel coordinates.
    pub fn detect(
        &self,
        img: &RgbImage,
        cfg: &DetectorConfig,
    ) -> Result<Vec<Detection>, FaceError> {
        let (w, h) = (img.width(), img.height());
        if w < 8 || h < 8 {
            return Err(FaceError::ImageTooSmall {
                width: w,
                height: h,
            });
        }
        if cfg.max_width < 32 || cfg.max_height < 32 {
            return Err(FaceError::Config("detector size below 32 px".into()));
        }
        // Fit into the configured box; small images are scaled up too (tiny chip photos), but
        // at most `max_upscale` times.
        let scale = (cfg.max_width as f32 / w as f32)
            .min(cfg.max_height as f32 / h as f32)
            .min(cfg.max_upscale.max(1.0));
        let rw = ((w as f32 * scale).round() as u32).clamp(1, cfg.max_width);
        let rh = ((h as f32 * scale).round() as u32).clamp(1, cfg.max_height);
        let resized = imageops::resize(img, rw, rh);
        let pw = rw.div_ceil(32) * 32;
        let ph = rh.div_ceil(32) * 32;
        let input = to_bgr_planar_padded(&resized, pw as usize, ph as usize);
        let mut faces = {
            let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
            let tensor =
                TensorRef::from_array_view(([1usize, 3, ph as usize, pw as usize], &*input))
                    .map_err(infer_err)?;
            let outputs = session
                .run(ort::inputs!["input" => tensor])
                .map_err(infer_err)?;
            let mut faces = Vec::new();
            for (si, &stride) in STRIDES.iter().enumerate() {
                let get = |kind: &str| -> Result<&[f32], FaceError> {
                    let name = format!("{kind}_{stride}");
                    let v = outputs
                        .get(name.as_str())
                        .ok_or_else(|| infer_err(format!("missing output {name}")))?;
                    v.try_extract_tensor::<f32>()
                        .map(|(_, d)| d)
                        .map_err(infer_err)
                };
                let _ = si;
                decode_stride(
                    stride,
                    pw as usize,
                    ph as usize,
                    get("cls")?,
                    get("obj")?,
                    get("bbox")?,
                    get("kps")?,
                    cfg.score_threshold,
                    &mut faces,
                )?;
            }
            faces
        };
        let inv = 1.0 / scale;
        for f in &mut faces {
            f.bbox.x *= inv;
            f.bbox.y *= inv;
            f.bbox.w *= inv;
            f.bbox.h *= inv;
            for p in &mut f.landmarks {
                p[0] *= inv;
                p[1] *= inv;
            }
        }
        Ok(nms(faces, cfg.nms_threshold, cfg.top_k))
    }
}

/// NCHW f32, BGR channel order, 0–255, zero padding to the right and bottom: what
/// `cv::dnn::blobFromImage(padWithDivisor(img))` gives YuNet in OpenCV.
fn to_bgr_planar_padded(img: &RgbImage, pw: usize, ph: usize) -> Vec<f32> {
    let plane = pw * ph;
    let mut out = vec![0.0f32; plane * 3];
    let w = img.width() as usize;
    for (i, row) in img.as_raw().chunks_exact(w * 3).enumerate().take(ph) {
        let base = i * pw;
        for (j, px) in row.chunks_exact(3).enumerate().take(pw) {
            out[base + j] = px[2] as f32;
            out[plane + base + j] = px[1] as f32;
            out[2 * plane + base + j] = px[0] as f32;
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn decode_stride(
    stride: usize,
    pw: usize,
    ph: usize,
    cls: &[f32],
    obj: &[f32],
    bbox: &[f32],
    kps: &[f32],
    threshold: f32,
    out: &mut Vec<Detection>,
) -> Result<(), FaceError> {
    let cols = pw / stride;
    let rows = ph / stride;
    let n = cols * rows;
    if cls.len() < n || obj.len() < n || bbox.len() < n * 4 || kps.len() < n * 10 {
        return Err(infer_err(format!(
            "stride {stride}: expected {n} priors, got cls {} obj {} bbox {} kps {}",
            cls.len(),
            obj.len(),
            bbox.len(),
            kps.len()
        )));
    }
    let s = stride as f32;
    for r in 0..rows {
        for c in 0..cols {
            let idx = r * cols + c;
            let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
            if score < threshold {
                continue;
            }
            let b = &bbox[idx * 4..idx * 4 + 4];
            let cx = (c as f32 + b[0]) * s;
            let cy = (r as f32 + b[1]) * s;
            let w = b[2].exp() * s;
            let h = b[3].exp() * s;
            if !(w.is_finite() && h.is_finite()) {
                continue;
            }
            let k = &kps[idx * 10..idx * 10 + 10];
            let mut landmarks = [[0.0f32; 2]; 5];
            for (i, lm) in landmarks.iter_mut().enumerate() {
                *lm = [(k[2 * i] + c as f32) * s, (k[2 * i + 1] + r as f32) * s];
            }
            out.push(Detection {
                bbox: BBox {
                    x: cx - w / 2.0,
                    y: cy - h / 2.0,
                    w,
                    h,
                },
                landmarks,
                score,
            });
        }
    }
    Ok(())
}

/// Greedy non-maximum suppression, strongest first (as `cv::dnn::NMSBoxes`).
pub fn nms(mut faces: Vec<Detection>, iou_threshold: f32, top_k: usize) -> Vec<Detection> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut keep: Vec<Detection> = Vec::new();
    for f in faces {
        if keep.len() >= top_k {
            break;
        }
        if keep.iter().all(|k| k.bbox.iou(&f.bbox) <= iou_threshold) {
            keep.push(f);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x: f32, y: f32, w: f32, score: f32) -> Detection {
        Detection {
            bbox: BBox { x, y, w, h: w },
            landmarks: [[0.0; 2]; 5],
            score,
        }
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = BBox {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&BBox { x: 20.0, ..a }), 0.0);
        let half = a.iou(&BBox { x: 5.0, ..a });
        assert!((half - 50.0 / 150.0).abs() < 1e-6);
    }

    #[test]
    fn nms_keeps_the_strongest_of_overlapping_boxes_and_all_separate_ones() {
        let kept = nms(
            vec![
                det(0.0, 0.0, 10.0, 0.8),
                det(1.0, 1.0, 10.0, 0.95),
                det(50.0, 50.0, 10.0, 0.9),
            ],
            0.3,
            10,
        );
        let scores: Vec<f32> = kept.iter().map(|d| d.score).collect();
        assert_eq!(scores, vec![0.95, 0.9]);
    }

    #[test]
    fn decode_places_priors_on_the_stride_grid() {
        // One 64×32 input at stride 32: 2 columns × 1 row. Prior (col 1, row 0) fires.
        let cls = [0.0, 1.0];
        let obj = [0.0, 0.81];
        let bbox = [0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0];
        let mut kps = [0.0f32; 20];
        kps[10] = 0.25; // first landmark of prior 1: x offset
        let mut out = Vec::new();
        decode_stride(32, 64, 32, &cls, &obj, &bbox, &kps, 0.5, &mut out).expect("decode");
        assert_eq!(out.len(), 1);
        let d = out[0];
        assert!((d.score - 0.9).abs() < 1e-6);
        // centre = (1 + 0.5) * 32 = 48, size = exp(0) * 32 = 32.
        assert_eq!(
            d.bbox,
            BBox {
                x: 32.0,
                y: 0.0,
                w: 32.0,
                h: 32.0
            }
        );
        assert_eq!(d.landmarks[0], [(0.25 + 1.0) * 32.0, 0.0]);
    }

    #[test]
    fn decode_rejects_short_outputs() {
        let mut out = Vec::new();
        assert!(
            decode_stride(
                32,
                64,
                32,
                &[0.0],
                &[0.0],
                &[0.0; 4],
                &[0.0; 10],
                0.5,
                &mut out
            )
            .is_err()
        );
    }
}
