//! Five-point alignment to the 112×112 SFace crop, as OpenCV's `FaceRecognizerSF::alignCrop`:
//! a least-squares similarity transform (Umeyama, no reflection) onto SFace's reference points,
//! then a bilinear warp with a black border.

use image::RgbImage;

use crate::detect::Detection;
use crate::imageops::{self, Affine};

/// Side of the aligned crop SFace expects.
pub const ALIGNED_SIZE: u32 = 112;

/// SFace's reference landmarks in the 112×112 crop (right eye, left eye, nose, mouth corners),
/// from OpenCV `modules/objdetect/src/face_recognize.cpp`.
pub const REFERENCE_POINTS: [[f64; 2]; 5] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];

/// The similarity transform (rotation, uniform scale, translation) that maps `src` onto `dst`
/// with least squared error.
///
/// For 2-D points Umeyama's SVD solution without reflection has this closed form: with the
/// centred point sets, `a = Σ p·q / Σ|p|²`, `b = Σ p×q / Σ|p|²` and `R·s = [a −b; b a]`
/// (the SVD OpenCV runs gives the same matrix), so no SVD is needed.
pub fn similarity_transform(src: &[[f64; 2]; 5], dst: &[[f64; 2]; 5]) -> Option<Affine> {
    let n = src.len() as f64;
    let mean = |pts: &[[f64; 2]; 5]| {
        let (sx, sy) = pts
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
        (sx / n, sy / n)
    };
    let (smx, smy) = mean(src);
    let (dmx, dmy) = mean(dst);
    let mut dot = 0.0;
    let mut cross = 0.0;
    let mut norm = 0.0;
    for (p, q) in src.iter().zip(dst.iter()) {
        let (px, py) = (p[0] - smx, p[1] - smy);
        let (qx, qy) = (q[0] - dmx, q[1] - dmy);
        dot += px * qx + py * qy;
        cross += px * qy - py * qx;
        norm += px * px + py * py;
    }
    if norm <= 1e-9 || !norm.is_finite() {
        return None;
    }
    let a = dot / norm;
    let b = cross / norm;
    Some(Affine {
        m: [
            [a, -b, dmx - (a * smx - b * smy)],
            [b, a, dmy - (b * smx + a * smy)],
        ],
    })
}

/// The transform from image pixels to the aligned crop for one detection.
pub fn alignment_transform(det: &Detection) -> Option<Affine> {
    let src = det.landmarks.map(|p| [p[0] as f64, p[1] as f64]);
    similarity_transform(&src, &REFERENCE_POINTS)
}

/// Warps the face of `det` to the 112×112 SFace crop. `None` if the landmarks are degenerate.
pub fn align_crop(img: &RgbImage, det: &Detection) -> Option<RgbImage> {
    let m = alignment_transform(det)?;
    imageops::warp_affine(img, &m, ALIGNED_SIZE, ALIGNED_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_similarity_exactly() {
        // dst = s·R(θ)·src + t with s = 0.5, θ = 20°, t = (10, −3).
        let (s, th) = (0.5f64, 20f64.to_radians());
        let (c, sn) = (s * th.cos(), s * th.sin());
        let src = [
            [100.0, 120.0],
            [160.0, 118.0],
            [131.0, 150.0],
            [108.0, 182.0],
            [155.0, 180.0],
        ];
        let dst = src.map(|p| [c * p[0] - sn * p[1] + 10.0, sn * p[0] + c * p[1] - 3.0]);
        let m = similarity_transform(&src, &dst).expect("transform");
        let want = [[c, -sn, 10.0], [sn, c, -3.0]];
        for (got, want) in m.m.iter().flatten().zip(want.iter().flatten()) {
            assert!((got - want).abs() < 1e-9, "{:?}", m.m);
        }
    }

    #[test]
    fn reference_points_map_to_themselves() {
        let m = similarity_transform(&REFERENCE_POINTS, &REFERENCE_POINTS).expect("transform");
        assert!(
            (m.m[0][0] - 1.0).abs() < 1e-12 && m.m[0][1].abs() < 1e-12 && m.m[0][2].abs() < 1e-9
        );
    }

    #[test]
    fn coincident_points_are_rejected() {
        assert!(similarity_transform(&[[5.0, 5.0]; 5], &REFERENCE_POINTS).is_none());
    }
}
