//! Plane-to-plane projective maps, for placing a page in a camera frame with mild perspective.

/// A 3×3 projective transform (row-major, `h[8] == 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography {
    h: [f64; 9],
}

impl Homography {
    /// The map taking each `src[i]` to `dst[i]`; `None` if three points are collinear.
    #[allow(clippy::needless_range_loop)] // elimination reads one row while writing another
    pub fn from_points(src: [(f64, f64); 4], dst: [(f64, f64); 4]) -> Option<Self> {
        // Eight equations in h0..h7 (DLT with h8 = 1), solved by Gaussian elimination.
        let mut a = [[0.0f64; 9]; 8];
        for (i, ((x, y), (u, v))) in src.into_iter().zip(dst).enumerate() {
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
            if a[pivot][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, pivot);
            for row in 0..8 {
                if row != col {
                    let f = a[row][col] / a[col][col];
                    for k in col..9 {
                        a[row][k] -= f * a[col][k];
                    }
                }
            }
        }
        let mut h = [1.0f64; 9];
        for (i, row) in a.iter().enumerate() {
            h[i] = row[8] / row[i];
        }
        Some(Self { h })
    }

    /// Maps a point; `None` at the line at infinity.
    pub fn apply(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let h = &self.h;
        let w = h[6] * x + h[7] * y + h[8];
        if w.abs() < 1e-12 {
            return None;
        }
        Some((
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        ))
    }

    /// The inverse map (adjugate / determinant).
    pub fn inverse(&self) -> Option<Self> {
        let [a, b, c, d, e, f, g, h, i] = self.h;
        let co = [
            e * i - f * h,
            c * h - b * i,
            b * f - c * e,
            f * g - d * i,
            a * i - c * g,
            c * d - a * f,
            d * h - e * g,
            b * g - a * h,
            a * e - b * d,
        ];
        let det = a * co[0] + b * co[3] + c * co[6];
        if det.abs() < 1e-15 || co[8].abs() < 1e-15 {
            return None;
        }
        let norm = co[8];
        Some(Self {
            h: co.map(|v| v / norm),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_map_to_corners_and_back() {
        let src = [(0.0, 0.0), (125.0, 0.0), (125.0, 88.0), (0.0, 88.0)];
        let dst = [(100.0, 50.0), (900.0, 80.0), (880.0, 640.0), (90.0, 600.0)];
        let hom = Homography::from_points(src, dst).expect("non-degenerate");
        let inv = hom.inverse().expect("invertible");
        for (s, d) in src.into_iter().zip(dst) {
            let (u, v) = hom.apply(s.0, s.1).expect("finite");
            assert!((u - d.0).abs() < 1e-6 && (v - d.1).abs() < 1e-6);
            let (x, y) = inv.apply(u, v).expect("finite");
            assert!((x - s.0).abs() < 1e-6 && (y - s.1).abs() < 1e-6);
        }
    }

    #[test]
    fn collinear_points_have_no_homography() {
        let line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(Homography::from_points(line, line).is_none());
    }
}
