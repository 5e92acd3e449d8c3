//! Passive presentation-attack detection with the two MiniFASNet models of
//! minivision-ai/Silent-Face-Anti-Spoofing: crops at scale 2.7 and 4.0 around the face box,
//! 80×80, BGR float 0–255, softmax over (spoof, real, spoof-2), averaged; class 1 = real.

use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};

use crate::detect::BBox;
use crate::error::FaceError;
use crate::imageops;

pub(crate) const PAD_MODELS: [(&str, f32); 2] = [
    ("2.7_80x80_MiniFASNetV2.onnx", 2.7),
    ("4_0_0_80x80_MiniFASNetV1SE.onnx", 4.0),
];
const SIDE: u32 = 80;

/// Result of passive PAD on one face.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PadScore {
    /// Fused probability that the face is a live person (class 1), 0–1.
    pub live: f32,
    /// Per-model probabilities of class 1 (scale 2.7, scale 4.0).
    pub per_model: [f32; 2],
}

/// The two MiniFASNet sessions.
pub struct PadModels {
    sessions: [(Mutex<Session>, f32); 2],
}

impl std::fmt::Debug for PadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PadModels(MiniFASNetV2, MiniFASNetV1SE)")
    }
}

fn infer_err(reason: impl ToString) -> FaceError {
    FaceError::Inference {
        model: "minifasnet",
        reason: reason.to_string(),
    }
}

/// The crop rectangle of Silent-Face-Anti-Spoofing's `CropImage._get_new_box`: the box scaled
/// about its centre (capped so it fits the image), shifted back inside the image.
/// Returns inclusive pixel bounds (x0, y0, x1, y1).
pub fn crop_box(src_w: u32, src_h: u32, b: &BBox, scale: f32) -> (u32, u32, u32, u32) {
    let (sw, sh) = (src_w as f32, src_h as f32);
    let bw = b.w.max(1.0);
    let bh = b.h.max(1.0);
    let scale = scale.min((sh - 1.0) / bh).min((sw - 1.0) / bw).max(0.0);
    let nw = bw * scale;
    let nh = bh * scale;
    let (cx, cy) = (b.x + bw / 2.0, b.y + bh / 2.0);
    let mut x0 = cx - nw / 2.0;
    let mut y0 = cy - nh / 2.0;
    let mut x1 = cx + nw / 2.0;
    let mut y1 = cy + nh / 2.0;
    if x0 < 0.0 {
        x1 -= x0;
        x0 = 0.0;
    }
    if y0 < 0.0 {
        y1 -= y0;
        y0 = 0.0;
    }
    if x1 > sw - 1.0 {
        x0 -= x1 - sw + 1.0;
        x1 = sw - 1.0;
    }
    if y1 > sh - 1.0 {
        y0 -= y1 - sh + 1.0;
        y1 = sh - 1.0;
    }
    let clamp = |v: f32, hi: f32| v.clamp(0.0, hi.max(0.0)) as u32;
    (
        clamp(x0, sw - 1.0),
        clamp(y0, sh - 1.0),
        clamp(x1, sw - 1.0),
        clamp(y1, sh - 1.0),
    )
}

fn softmax3(v: &[f32]) -> Option<[f32; 3]> {
    let [a, b, c] = <[f32; 3]>::try_from(v.get(..3)?).ok()?;
    let m = a.max(b).max(c);
    let e = [(a - m).exp(), (b - m).exp(), (c - m).exp()];
    let s = e[0] + e[1] + e[2];
    Some([e[0] / s, e[1] / s, e[2] / s])
}

impl PadModels {
    pub fn new(v2: Session, v1se: Session) -> Self {
        PadModels {
            sessions: [
                (Mutex::new(v2), PAD_MODELS[0].1),
                (Mutex::new(v1se), PAD_MODELS[1].1),
            ],
        }
    }

    /// Scores the face in box `b` of `img`.
    pub fn score(&self, img: &RgbImage, b: &BBox) -> Result<PadScore, FaceError> {
        let mut per_model = [0.0f32; 2];
        let plane = (SIDE * SIDE) as usize;
        let mut input = vec![0.0f32; plane * 3];
        for (slot, (session, scale)) in per_model.iter_mut().zip(self.sessions.iter()) {
            let (x0, y0, x1, y1) = crop_box(img.width(), img.height(), b, *scale);
            let crop = imageops::crop_resize(img, x0, y0, x1, y1, SIDE, SIDE);
            for (i, px) in crop.as_raw().chunks_exact(3).enumerate().take(plane) {
                input[i] = px[2] as f32;
                input[plane + i] = px[1] as f32;
                input[2 * plane + i] = px[0] as f32;
            }
            let mut session = session.lock().unwrap_or_else(|p| p.into_inner());
            let side = SIDE as usize;
            let tensor = TensorRef::from_array_view(([1usize, 3, side, side], &*input))
                .map_err(infer_err)?;
            let outputs = session.run(ort::inputs![tensor]).map_err(infer_err)?;
            let (_, raw) = outputs[0].try_extract_tensor::<f32>().map_err(infer_err)?;
            let p = softmax3(raw).ok_or_else(|| infer_err("expected 3 logits"))?;
            *slot = p[1];
        }
        Ok(PadScore {
            live: (per_model[0] + per_model[1]) / 2.0,
            per_model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_box_scales_about_the_centre_inside_the_image() {
        let b = BBox {
            x: 200.0,
            y: 150.0,
            w: 100.0,
            h: 120.0,
        };
        let (x0, y0, x1, y1) = crop_box(640, 480, &b, 2.7);
        // 270 × 324 around (250, 210).
        assert_eq!((x0, y0, x1, y1), (115, 48, 385, 372));
    }

    #[test]
    fn crop_box_shifts_at_the_border_and_caps_the_scale() {
        let b = BBox {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 120.0,
        };
        let (x0, y0, x1, y1) = crop_box(640, 480, &b, 4.0);
        // 4.0 × 120 = 480 > 479: the scale is capped to 479/120 and the box moved inside.
        assert_eq!((x0, y0), (0, 0));
        assert_eq!(y1, 479);
        assert!(x1 < 640 && x1 > 390);
    }

    #[test]
    fn softmax_sums_to_one() {
        let p = softmax3(&[1.0, 3.0, -2.0]).expect("3 values");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > p[0] && p[0] > p[2]);
        assert!(softmax3(&[1.0]).is_none());
    }
}
