//! Which detected face is the subject of an image.
//!
//! A passport photo, a photo a person hands in and the person at the desk all put the subject
//! large and near the centre; bystanders sit at the edges. The detector's confidence says how
//! sure it is that a box is *a* face, not whose face it is: on news photos a sharp bystander
//! often outscores the subject (`shared/faces_cal/README.md`), so it must not choose the subject.

use crate::detect::Detection;

/// How the subject is chosen among several faces (the calibration tool measures all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRule {
    /// The face area weighted by closeness to the image centre (the station's rule).
    Central,
    /// The largest face box.
    Largest,
    /// The detector's most confident face (what OpenCV samples do).
    Confidence,
}

impl SubjectRule {
    pub const ALL: [SubjectRule; 3] = [
        SubjectRule::Central,
        SubjectRule::Largest,
        SubjectRule::Confidence,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SubjectRule::Central => "central",
            SubjectRule::Largest => "largest",
            SubjectRule::Confidence => "confidence",
        }
    }

    /// The index of the subject in `dets`; `None` when there is no face.
    pub fn pick(self, dets: &[Detection], width: u32, height: u32) -> Option<usize> {
        let key = |d: &Detection| match self {
            SubjectRule::Central => d.bbox.area() * centrality(d, width, height),
            SubjectRule::Largest => d.bbox.area(),
            SubjectRule::Confidence => d.score,
        };
        dets.iter()
            .enumerate()
            .max_by(|a, b| key(a.1).total_cmp(&key(b.1)))
            .map(|(i, _)| i)
    }
}

/// 1 at the image centre, falling to 0 in the corners: (1 − d)², d = the box centre's distance
/// from the image centre relative to the half-diagonal. Squared so that a bystander halfway to a
/// corner needs four times the subject's area to be taken for the subject.
pub fn centrality(d: &Detection, width: u32, height: u32) -> f32 {
    let (hw, hh) = (width.max(1) as f32 / 2.0, height.max(1) as f32 / 2.0);
    let (cx, cy) = d.bbox.centre();
    let (dx, dy) = ((cx - hw) / hw, (cy - hh) / hh);
    let dist = ((dx * dx + dy * dy) / 2.0).sqrt().min(1.0);
    (1.0 - dist).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::BBox;

    fn face(x: f32, y: f32, size: f32, score: f32) -> Detection {
        Detection {
            bbox: BBox {
                x,
                y,
                w: size,
                h: size,
            },
            landmarks: [[0.0; 2]; 5],
            score,
        }
    }

    #[test]
    fn a_centred_subject_wins_over_a_sharper_slightly_larger_bystander_at_the_edge() {
        // 250×250 news crop: subject centred, bystander in the lower-left corner.
        let dets = [face(0.0, 150.0, 110.0, 0.95), face(80.0, 80.0, 90.0, 0.80)];
        assert_eq!(SubjectRule::Confidence.pick(&dets, 250, 250), Some(0));
        assert_eq!(SubjectRule::Largest.pick(&dets, 250, 250), Some(0));
        assert_eq!(SubjectRule::Central.pick(&dets, 250, 250), Some(1));
    }

    #[test]
    fn a_much_larger_face_off_centre_is_still_the_subject() {
        // The person at the desk leaning to one side, a small face far behind in the middle.
        let dets = [face(300.0, 220.0, 40.0, 0.9), face(20.0, 100.0, 260.0, 0.9)];
        assert_eq!(SubjectRule::Central.pick(&dets, 640, 480), Some(1));
    }

    #[test]
    fn no_faces_no_subject() {
        for rule in SubjectRule::ALL {
            assert_eq!(rule.pick(&[], 640, 480), None);
        }
    }
}
