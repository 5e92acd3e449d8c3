//! Discriminants for look-alike pairs (O/D, 0/O, B/8, S/5 ...), trained at start-up on patches
//! rendered from the font with random shift, scale, blur and noise.
//!
//! Correlation with a template measures overall shape; O and D, or 0 and O, differ in a few
//! pixels (corners, height) that correlation weighs no more than any others. A per-pixel Fisher
//! discriminant (diagonal covariance, so no matrix inversion) weighs exactly those pixels.

use super::classify::{CLASSES, PH, PW, blur, centre_ink, class_of, dot, downsample, normalise};
use crate::synth::SynthRng;

/// The pairs OCR-B readers confuse, as MRZ characters.
const PAIRS: &[(u8, u8)] = &[
    (b'O', b'D'),
    (b'0', b'O'),
    (b'0', b'D'),
    (b'O', b'Q'),
    (b'0', b'Q'),
    (b'D', b'Q'),
    (b'B', b'8'),
    (b'B', b'D'),
    (b'S', b'5'),
    (b'Z', b'2'),
    (b'G', b'6'),
    (b'G', b'Q'),
    (b'I', b'1'),
    (b'1', b'T'),
    (b'8', b'6'),
    (b'3', b'5'),
];

/// Training patches per class.
const SAMPLES: usize = 80;

/// A linear discriminant between classes `a` (positive) and `b` (negative).
#[derive(Debug, Clone)]
pub(crate) struct PairModel {
    pub a: usize,
    pub b: usize,
    weights: [f32; PW * PH],
    threshold: f32,
    half_gap: f32,
}

impl PairModel {
    /// About +1 for a typical `a`, -1 for a typical `b`, given a normalised patch.
    pub fn decide(&self, patch: &[f32; PW * PH]) -> f32 {
        (dot(&self.weights, patch) - self.threshold) / self.half_gap
    }
}

/// Normalised training patches of one glyph canvas.
fn samples(big: &[f32], rng: &mut SynthRng) -> Vec<[f32; PW * PH]> {
    let mut out = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let (dx, dy) = (rng.uniform(-0.6, 0.6), rng.uniform(-0.4, 0.4));
        let scale = rng.uniform(0.97, 1.03);
        let mut p = centre_ink(&downsample(big, dx, dy, scale));
        let sigma = rng.uniform(0.0, 2.0);
        if sigma > 0.2 {
            p = blur(&p, PW, PH, sigma);
        }
        let peak = p.iter().copied().fold(0.0f32, f32::max);
        let noise = rng.uniform(0.0, 0.08) * peak;
        p.iter_mut().for_each(|v| *v += rng.gaussian() * noise);
        if normalise(&mut p) {
            let mut arr = [0.0f32; PW * PH];
            arr.copy_from_slice(&p);
            out.push(arr);
        }
    }
    out
}

fn mean_var(samples: &[[f32; PW * PH]]) -> ([f32; PW * PH], [f32; PW * PH]) {
    let n = samples.len().max(1) as f32;
    let mut mean = [0.0f32; PW * PH];
    let mut var = [0.0f32; PW * PH];
    for s in samples {
        mean.iter_mut().zip(s).for_each(|(m, v)| *m += v / n);
    }
    for s in samples {
        var.iter_mut()
            .zip(s.iter().zip(&mean))
            .for_each(|(q, (v, m))| *q += (v - m) * (v - m) / n);
    }
    (mean, var)
}

/// Trains one discriminant per look-alike pair from the glyph canvases (indexed by class).
pub(crate) fn train(glyphs: &[Option<Vec<f32>>]) -> Vec<PairModel> {
    // A fixed seed: the same font always gives the same classifier.
    let mut rng = SynthRng::new(0x0CB0_5EED);
    let mut per_class: Vec<Option<Vec<[f32; PW * PH]>>> = vec![None; CLASSES];
    let mut models = Vec::with_capacity(PAIRS.len());
    for &(ca, cb) in PAIRS {
        let (Some(a), Some(b)) = (class_of(ca), class_of(cb)) else {
            continue;
        };
        for class in [a, b] {
            if per_class[class].is_none() {
                if let Some(Some(big)) = glyphs.get(class) {
                    per_class[class] = Some(samples(big, &mut rng));
                }
            }
        }
        let (Some(sa), Some(sb)) = (&per_class[a], &per_class[b]) else {
            continue;
        };
        let ((ma, va), (mb, vb)) = (mean_var(sa), mean_var(sb));
        let mut weights = [0.0f32; PW * PH];
        for i in 0..PW * PH {
            weights[i] = (ma[i] - mb[i]) / (va[i] + vb[i] + 1e-4);
        }
        let za = sa.iter().map(|s| dot(&weights, s)).sum::<f32>() / sa.len().max(1) as f32;
        let zb = sb.iter().map(|s| dot(&weights, s)).sum::<f32>() / sb.len().max(1) as f32;
        let half_gap = (za - zb) / 2.0;
        if half_gap <= 1e-6 {
            continue;
        }
        models.push(PairModel {
            a,
            b,
            weights,
            threshold: (za + zb) / 2.0,
            half_gap,
        });
    }
    models
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::classify::glyph_canvas;
    use crate::ocr::font::{DEFAULT_FONT_PATH, MRZ_ALPHABET, OcrbFont};

    #[test]
    fn each_discriminant_separates_fresh_samples_of_its_pair() {
        let font = OcrbFont::load(std::path::Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b");
        let glyphs: Vec<Option<Vec<f32>>> = MRZ_ALPHABET
            .iter()
            .map(|&c| glyph_canvas(&font, char::from(c)))
            .collect();
        let models = train(&glyphs);
        assert_eq!(models.len(), PAIRS.len());
        let mut rng = SynthRng::new(99);
        for m in &models {
            let (Some(ga), Some(gb)) = (&glyphs[m.a], &glyphs[m.b]) else {
                panic!("glyphs")
            };
            let wrong_a = samples(ga, &mut rng)
                .iter()
                .filter(|s| m.decide(s) <= 0.0)
                .count();
            let wrong_b = samples(gb, &mut rng)
                .iter()
                .filter(|s| m.decide(s) >= 0.0)
                .count();
            let (a, b) = (char::from(MRZ_ALPHABET[m.a]), char::from(MRZ_ALPHABET[m.b]));
            println!("{a}/{b}: {wrong_a} + {wrong_b} of {} wrong", 2 * SAMPLES);
            assert!(
                wrong_a + wrong_b <= SAMPLES / 10,
                "{a}/{b}: {wrong_a} + {wrong_b} wrong"
            );
        }
    }
}
