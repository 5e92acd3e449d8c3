//! SFace embeddings: 128 floats per aligned face, L2-normalised, compared by cosine similarity.

use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;
use zeroize::Zeroize;

use crate::align::ALIGNED_SIZE;
use crate::error::FaceError;

pub(crate) const RECOGNIZER_MODEL: &str = "face_recognition_sface_2021dec_fp32.onnx";
/// Length of an SFace embedding.
pub const EMBEDDING_LEN: usize = 128;

/// A face template. Biometric data: never logged, never written; `Debug` shows nothing of it.
#[derive(Clone, PartialEq)]
pub struct Embedding(Box<[f32; EMBEDDING_LEN]>);

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedding(<redacted>)")
    }
}

impl Drop for Embedding {
    fn drop(&mut self) {
        // Templates are personal data: wipe them rather than leave them in freed memory.
        self.0.zeroize();
    }
}

impl Embedding {
    /// L2-normalises `raw`; `None` for a zero or non-finite vector.
    pub fn from_raw(raw: &[f32]) -> Option<Embedding> {
        if raw.len() != EMBEDDING_LEN || raw.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm <= f32::EPSILON {
            return None;
        }
        let mut out = Box::new([0.0f32; EMBEDDING_LEN]);
        for (o, v) in out.iter_mut().zip(raw) {
            *o = v / norm;
        }
        Some(Embedding(out))
    }

    /// Cosine similarity in [−1, 1] (both sides are unit vectors).
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| a * b).sum()
    }
}

/// The SFace recogniser session.
pub struct Recognizer {
    session: Mutex<Session>,
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recognizer(SFace)")
    }
}

fn infer_err(reason: impl ToString) -> FaceError {
    FaceError::Inference {
        model: "sface",
        reason: reason.to_string(),
    }
}

impl Recognizer {
    pub fn new(session: Session) -> Self {
        Recognizer {
            session: Mutex::new(session),
        }
    }

    /// Embeds an aligned 112×112 crop. SFace takes RGB, 0–255, NCHW: OpenCV feeds it
    /// `blobFromImage(aligned, 1, {112,112}, 0, swapRB=true)` of a BGR crop.
    pub fn embed(&self, aligned: &RgbImage) -> Result<Embedding, FaceError> {
        if aligned.width() != ALIGNED_SIZE || aligned.height() != ALIGNED_SIZE {
            return Err(infer_err(format!(
                "aligned crop must be {ALIGNED_SIZE}x{ALIGNED_SIZE}, got {}x{}",
                aligned.width(),
                aligned.height()
            )));
        }
        let plane = (ALIGNED_SIZE * ALIGNED_SIZE) as usize;
        let mut input = vec![0.0f32; plane * 3];
        for (i, px) in aligned.as_raw().chunks_exact(3).enumerate().take(plane) {
            input[i] = px[0] as f32;
            input[plane + i] = px[1] as f32;
            input[2 * plane + i] = px[2] as f32;
        }
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let side = ALIGNED_SIZE as usize;
        let tensor =
            TensorRef::from_array_view(([1usize, 3, side, side], &*input)).map_err(infer_err)?;
        let outputs = session
            .run(ort::inputs!["data" => tensor])
            .map_err(infer_err)?;
        let (_, raw) = outputs[0].try_extract_tensor::<f32>().map_err(infer_err)?;
        let emb = Embedding::from_raw(raw).ok_or_else(|| infer_err("degenerate embedding"));
        // The input buffer holds the face: clear it before it is freed.
        input.zeroize();
        emb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_are_unit_vectors_and_cosine_is_symmetric() {
        let a: Vec<f32> = (0..128).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..128).map(|i| (128 - i) as f32).collect();
        let ea = Embedding::from_raw(&a).expect("a");
        let eb = Embedding::from_raw(&b).expect("b");
        assert!((ea.cosine(&ea) - 1.0).abs() < 1e-5);
        assert!((ea.cosine(&eb) - eb.cosine(&ea)).abs() < 1e-7);
        assert!(ea.cosine(&eb) < 0.9);
    }

    #[test]
    fn degenerate_vectors_are_rejected() {
        assert!(Embedding::from_raw(&[0.0; 128]).is_none());
        assert!(Embedding::from_raw(&[1.0; 127]).is_none());
        let mut nan = [1.0f32; 128];
        nan[3] = f32::NAN;
        assert!(Embedding::from_raw(&nan).is_none());
    }

    #[test]
    fn debug_never_shows_the_template() {
        let e = Embedding::from_raw(&[0.5; 128]).expect("e");
        assert_eq!(format!("{e:?}"), "Embedding(<redacted>)");
    }
}
