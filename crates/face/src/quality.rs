//! Per-frame quality measures and the guidance they raise.
//!
//! Measures follow ISO/IEC 29794-5 (OFIQ) where a landmark-only pipeline allows: face size as
//! inter-eye distance, centring and in-frame share, luminance mean and the share of under- and
//! over-exposed pixels in the face region, left/right illumination uniformity, sharpness as the
//! variance of the Laplacian on the aligned crop, head pose from the five landmarks, and an
//! eye-region contrast for occlusion. The person's guidance and the accept/reject decision come
//! from the same numbers: [`evaluate`] is the only place thresholds are applied.

use idgate_api::Guidance;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::align::{ALIGNED_SIZE, REFERENCE_POINTS};
use crate::detect::Detection;
use crate::imageops;

/// Thresholds of the quality gates. Defaults were chosen on `shared/faces` and on darkened,
/// over-exposed, blurred, rotated and occluded versions of those photos (see the crate's tests).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityConfig {
    /// Faces below this inter-eye distance in pixels are too small to match reliably (SFace's
    /// crop has 35 px between the eyes; fewer source pixels means upsampling).
    pub min_inter_eye_px: f32,
    /// Inter-eye distance relative to the frame width: below → `face.too_far`.
    pub min_inter_eye_ratio: f32,
    /// Inter-eye distance relative to the frame width: above → `face.too_close`.
    pub max_inter_eye_ratio: f32,
    /// Largest offset of the face centre from the frame centre, as a fraction of the frame size.
    pub max_centre_offset: f32,
    /// Smallest share of the face box that must lie inside the frame.
    pub min_in_frame: f32,
    /// Mean face luma (0–255) below which the face is too dark.
    pub min_luminance: f32,
    /// Mean face luma above which the face is too bright.
    pub max_luminance: f32,
    /// Luma at or below which a face pixel counts as under-exposed.
    pub dark_level: u8,
    /// Luma at or above which a face pixel counts as over-exposed.
    pub bright_level: u8,
    /// Largest share of under-exposed face pixels.
    pub max_underexposed: f32,
    /// Largest share of over-exposed face pixels.
    pub max_overexposed: f32,
    /// Smallest ratio of the darker to the brighter face half.
    pub min_illumination_ratio: f32,
    /// Smallest variance of the Laplacian on the aligned grey crop.
    pub min_sharpness: f32,
    /// Largest mean landmark movement since the previous frame, in inter-eye distances.
    pub max_motion: f32,
    /// Pose limits in degrees.
    pub max_yaw_deg: f32,
    pub max_pitch_deg: f32,
    pub max_roll_deg: f32,
    /// Smallest eye-region contrast (std of luma in the eye patches / face mean luma).
    pub min_eye_contrast: f32,
    /// A second face counts (→ `face.multiple`) if its box is at least this fraction of the
    /// largest face's width; smaller detections are background (posters, reflections).
    pub secondary_face_min_ratio: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            min_inter_eye_px: 28.0,
            min_inter_eye_ratio: 0.07,
            max_inter_eye_ratio: 0.30,
            max_centre_offset: 0.30,
            min_in_frame: 0.97,
            min_luminance: 50.0,
            max_luminance: 215.0,
            dark_level: 30,
            bright_level: 250,
            max_underexposed: 0.35,
            max_overexposed: 0.20,
            min_illumination_ratio: 0.55,
            min_sharpness: 20.0,
            max_motion: 0.10,
            max_yaw_deg: 25.0,
            max_pitch_deg: 25.0,
            max_roll_deg: 20.0,
            min_eye_contrast: 0.08,
            secondary_face_min_ratio: 0.2,
        }
    }
}

/// What was measured on the primary face of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityMeasures {
    pub detector_score: f32,
    pub inter_eye_px: f32,
    /// Inter-eye distance / frame width.
    pub inter_eye_ratio: f32,
    /// Face-box centre minus frame centre, as fractions of frame width and height.
    pub centre_offset: [f32; 2],
    /// Share of the face box inside the frame.
    pub in_frame: f32,
    /// Mean luma of the face region, 0–255.
    pub luminance_mean: f32,
    pub underexposed: f32,
    pub overexposed: f32,
    /// Darker half / brighter half mean luma (1 = even light).
    pub illumination_ratio: f32,
    /// Variance of the Laplacian on the aligned grey crop.
    pub sharpness: f32,
    /// Mean landmark displacement since the previous frame / inter-eye distance.
    pub motion: Option<f32>,
    pub yaw_deg: f32,
    pub pitch_deg: f32,
    pub roll_deg: f32,
    pub eye_contrast: f32,
}

/// The face region in the aligned crop: forehead to chin, cheek to cheek.
const REGION: (usize, usize, usize, usize) = (24, 30, 88, 104);
/// Half-size of the eye patches around SFace's reference eye points.
const EYE_HALF: (usize, usize) = (11, 6);
/// Nose depth in front of the eye line, in inter-eye distances: maps landmark offsets to angles.
const NOSE_DEPTH: f32 = 0.55;

/// Head pose (yaw, pitch, roll) in degrees from the five landmarks.
pub fn head_pose(det: &Detection) -> (f32, f32, f32) {
    let [re, le, nose, rm, lm] = det.landmarks;
    let roll = (le[1] - re[1]).atan2(le[0] - re[0]);
    let (c, s) = (roll.cos(), roll.sin());
    let eye_mid = [(re[0] + le[0]) / 2.0, (re[1] + le[1]) / 2.0];
    // Undo the roll about the eye midpoint, so x runs along the eye line.
    let unroll = |p: [f32; 2]| {
        let (dx, dy) = (p[0] - eye_mid[0], p[1] - eye_mid[1]);
        [c * dx + s * dy, -s * dx + c * dy]
    };
    let ied = det.inter_eye_distance().max(1e-3);
    let n = unroll(nose);
    let m = unroll([(rm[0] + lm[0]) / 2.0, (rm[1] + lm[1]) / 2.0]);
    let yaw = (n[0] / ied / NOSE_DEPTH).atan();
    // The nose of a frontal face sits at this fraction of the eye–mouth distance (SFace reference).
    let t0 = ((REFERENCE_POINTS[2][1] - REFERENCE_POINTS[0][1])
        / ((REFERENCE_POINTS[3][1] + REFERENCE_POINTS[4][1]) / 2.0 - REFERENCE_POINTS[0][1]))
        as f32;
    let eye_mouth = m[1].max(1e-3);
    let pitch = ((t0 - n[1] / eye_mouth) * eye_mouth / ied / NOSE_DEPTH).atan();
    (yaw.to_degrees(), pitch.to_degrees(), roll.to_degrees())
}

fn box_in_frame(det: &Detection, w: u32, h: u32) -> f32 {
    let b = det.bbox;
    let x0 = b.x.max(0.0);
    let y0 = b.y.max(0.0);
    let x1 = (b.x + b.w).min(w as f32);
    let y1 = (b.y + b.h).min(h as f32);
    let inside = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
    if b.area() <= 0.0 {
        0.0
    } else {
        (inside / b.area()).min(1.0)
    }
}

fn mean_std(vals: impl Iterator<Item = f32>) -> (f32, f32) {
    let (mut n, mut s, mut s2) = (0f32, 0f32, 0f32);
    for v in vals {
        n += 1.0;
        s += v;
        s2 += v * v;
    }
    if n == 0.0 {
        return (0.0, 0.0);
    }
    let m = s / n;
    (m, (s2 / n - m * m).max(0.0).sqrt())
}

/// Measures the primary face. `aligned` is its 112×112 crop; `previous` the same face's
/// detection in the previous frame, if any.
pub fn measure(
    frame_w: u32,
    frame_h: u32,
    det: &Detection,
    aligned: &RgbImage,
    previous: Option<&Detection>,
    cfg: &QualityConfig,
) -> QualityMeasures {
    let side = ALIGNED_SIZE as usize;
    let g = imageops::gray(aligned);
    let at = |x: usize, y: usize| g.get(y * side + x).copied().unwrap_or(0.0);
    let (x0, y0, x1, y1) = REGION;
    let region = || (y0..y1).flat_map(move |y| (x0..x1).map(move |x| (x, y)));
    let n = ((x1 - x0) * (y1 - y0)) as f32;
    let (lum, _) = mean_std(region().map(|(x, y)| at(x, y)));
    let under = region()
        .filter(|&(x, y)| at(x, y) <= cfg.dark_level as f32)
        .count() as f32
        / n;
    let over = region()
        .filter(|&(x, y)| at(x, y) >= cfg.bright_level as f32)
        .count() as f32
        / n;
    let mid = (x0 + x1) / 2;
    let (left, _) = mean_std(
        (y0..y1)
            .flat_map(|y| (x0..mid).map(move |x| (x, y)))
            .map(|(x, y)| at(x, y)),
    );
    let (right, _) = mean_std(
        (y0..y1)
            .flat_map(|y| (mid..x1).map(move |x| (x, y)))
            .map(|(x, y)| at(x, y)),
    );
    let illum = if left.max(right) <= 0.0 {
        1.0
    } else {
        left.min(right) / left.max(right)
    };

    // 4-neighbour Laplacian over the face region.
    let (_, lap_std) =
        mean_std(region().map(|(x, y)| {
            at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y)
        }));
    let sharpness = lap_std * lap_std;

    let eye_contrast = REFERENCE_POINTS[..2]
        .iter()
        .map(|p| {
            let (cx, cy) = (p[0].round() as usize, p[1].round() as usize);
            let (hx, hy) = EYE_HALF;
            let (_, sd) = mean_std(
                (cy - hy..cy + hy).flat_map(|y| (cx - hx..cx + hx).map(move |x| at(x, y))),
            );
            sd / lum.max(1.0)
        })
        .fold(f32::INFINITY, f32::min);

    let ied = det.inter_eye_distance();
    let (cx, cy) = det.bbox.centre();
    let motion = previous.map(|p| {
        let d: f32 = det
            .landmarks
            .iter()
            .zip(p.landmarks.iter())
            .map(|(a, b)| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt())
            .sum::<f32>()
            / 5.0;
        d / ied.max(1e-3)
    });
    let (yaw, pitch, roll) = head_pose(det);
    QualityMeasures {
        detector_score: det.score,
        inter_eye_px: ied,
        inter_eye_ratio: ied / frame_w.max(1) as f32,
        centre_offset: [
            cx / frame_w.max(1) as f32 - 0.5,
            cy / frame_h.max(1) as f32 - 0.5,
        ],
        in_frame: box_in_frame(det, frame_w, frame_h),
        luminance_mean: lum,
        underexposed: under,
        overexposed: over,
        illumination_ratio: illum,
        sharpness,
        motion,
        yaw_deg: yaw,
        pitch_deg: pitch,
        roll_deg: roll,
        eye_contrast,
    }
}

/// The guidance the measures raise, most important first (what to fix first). Empty = good frame.
pub fn evaluate(m: &QualityMeasures, cfg: &QualityConfig) -> Vec<Guidance> {
    let mut out = Vec::new();
    if m.in_frame < cfg.min_in_frame
        || m.centre_offset[0].abs() > cfg.max_centre_offset
        || m.centre_offset[1].abs() > cfg.max_centre_offset
    {
        out.push(Guidance::FaceOffCentre);
    }
    if m.inter_eye_px < cfg.min_inter_eye_px || m.inter_eye_ratio < cfg.min_inter_eye_ratio {
        out.push(Guidance::FaceTooFar);
    } else if m.inter_eye_ratio > cfg.max_inter_eye_ratio {
        out.push(Guidance::FaceTooClose);
    }
    if m.yaw_deg.abs() > cfg.max_yaw_deg
        || m.pitch_deg.abs() > cfg.max_pitch_deg
        || m.roll_deg.abs() > cfg.max_roll_deg
    {
        out.push(Guidance::FaceAngle);
    }
    let too_dark = m.luminance_mean < cfg.min_luminance || m.underexposed > cfg.max_underexposed;
    let too_bright = m.luminance_mean > cfg.max_luminance || m.overexposed > cfg.max_overexposed;
    if too_dark && !too_bright {
        out.push(Guidance::FaceTooDark);
    }
    if too_bright {
        out.push(Guidance::FaceTooBright);
    }
    if !too_dark && !too_bright && m.illumination_ratio < cfg.min_illumination_ratio {
        out.push(Guidance::FaceUnevenLight);
    }
    // Occlusion and sharpness are only meaningful once the light is right.
    if !too_dark && !too_bright && m.eye_contrast < cfg.min_eye_contrast {
        out.push(Guidance::FaceOccluded);
    }
    if m.sharpness < cfg.min_sharpness || m.motion.is_some_and(|v| v > cfg.max_motion) {
        out.push(Guidance::FaceHoldStill);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::BBox;

    fn face(landmarks: [[f32; 2]; 5]) -> Detection {
        Detection {
            bbox: BBox {
                x: 100.0,
                y: 100.0,
                w: 100.0,
                h: 120.0,
            },
            landmarks,
            score: 0.95,
        }
    }

    fn frontal() -> [[f32; 2]; 5] {
        REFERENCE_POINTS.map(|p| [p[0] as f32 * 2.0 + 100.0, p[1] as f32 * 2.0 + 100.0])
    }

    #[test]
    fn the_reference_landmarks_are_a_frontal_pose() {
        let (yaw, pitch, roll) = head_pose(&face(frontal()));
        assert!(
            yaw.abs() < 2.0 && pitch.abs() < 2.0 && roll.abs() < 1.0,
            "{yaw} {pitch} {roll}"
        );
    }

    #[test]
    fn a_rotated_face_has_that_roll_and_no_yaw() {
        let th = 30f32.to_radians();
        let lm = frontal().map(|p| {
            let (dx, dy) = (p[0] - 200.0, p[1] - 200.0);
            [
                200.0 + th.cos() * dx - th.sin() * dy,
                200.0 + th.sin() * dx + th.cos() * dy,
            ]
        });
        let (yaw, _, roll) = head_pose(&face(lm));
        assert!((roll - 30.0).abs() < 0.5, "{roll}");
        assert!(yaw.abs() < 2.0);
    }

    #[test]
    fn a_nose_shifted_sideways_reads_as_yaw() {
        let mut lm = frontal();
        lm[2][0] += 40.0; // a third of an inter-eye distance (~70 px)
        let (yaw, _, _) = head_pose(&face(lm));
        assert!(yaw > 25.0, "{yaw}");
    }

    fn good() -> QualityMeasures {
        QualityMeasures {
            detector_score: 0.95,
            inter_eye_px: 70.0,
            inter_eye_ratio: 0.11,
            centre_offset: [0.02, -0.05],
            in_frame: 1.0,
            luminance_mean: 120.0,
            underexposed: 0.01,
            overexposed: 0.0,
            illumination_ratio: 0.9,
            sharpness: 150.0,
            motion: Some(0.01),
            yaw_deg: 3.0,
            pitch_deg: -4.0,
            roll_deg: 1.0,
            eye_contrast: 0.25,
        }
    }

    #[test]
    fn each_gate_raises_its_own_code() {
        let cfg = QualityConfig::default();
        assert!(evaluate(&good(), &cfg).is_empty());
        type Case = (fn(&mut QualityMeasures), Guidance);
        let cases: [Case; 9] = [
            (|m| m.inter_eye_ratio = 0.03, Guidance::FaceTooFar),
            (|m| m.inter_eye_ratio = 0.5, Guidance::FaceTooClose),
            (|m| m.in_frame = 0.6, Guidance::FaceOffCentre),
            (|m| m.luminance_mean = 20.0, Guidance::FaceTooDark),
            (|m| m.overexposed = 0.6, Guidance::FaceTooBright),
            (|m| m.illumination_ratio = 0.3, Guidance::FaceUnevenLight),
            (|m| m.sharpness = 2.0, Guidance::FaceHoldStill),
            (|m| m.roll_deg = 40.0, Guidance::FaceAngle),
            (|m| m.eye_contrast = 0.01, Guidance::FaceOccluded),
        ];
        for (change, want) in cases {
            let mut m = good();
            change(&mut m);
            assert_eq!(evaluate(&m, &cfg), vec![want]);
        }
    }

    #[test]
    fn motion_between_frames_asks_to_hold_still() {
        let mut m = good();
        m.motion = Some(0.5);
        assert_eq!(
            evaluate(&m, &QualityConfig::default()),
            vec![Guidance::FaceHoldStill]
        );
    }

    #[test]
    fn config_round_trips_and_fills_defaults() {
        let cfg: QualityConfig = serde_json_like_default();
        assert_eq!(cfg, QualityConfig::default());
    }

    fn serde_json_like_default() -> QualityConfig {
        // An empty table takes every default (serde(default)).
        serde::Deserialize::deserialize(serde::de::value::MapDeserializer::<
            std::iter::Empty<(String, f32)>,
            serde::de::value::Error,
        >::new(std::iter::empty()))
        .expect("defaults")
    }
}
