//! The match decision: the best of N quality-passed frames against the chip photo.

use serde::Serialize;

use crate::embed::Embedding;
use crate::engine::FrameAnalysis;

/// The outcome of the face comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatchDecision {
    /// Best cosine similarity between a live frame and the chip photo.
    pub score: f32,
    pub threshold: f32,
    pub matched: bool,
    /// Quality-passed frames compared.
    pub frames_used: usize,
    /// Frames offered in total (including those that failed quality).
    pub frames_seen: usize,
    /// Median fused passive-PAD live score over the frames used, if PAD ran.
    pub pad_live_median: Option<f32>,
}

/// Collects frames until `wanted` of them passed quality, then decides.
#[derive(Debug)]
pub struct BestOfN {
    reference: Embedding,
    threshold: f32,
    wanted: usize,
    scores: Vec<f32>,
    pad: Vec<f32>,
    seen: usize,
}

impl BestOfN {
    pub fn new(reference: Embedding, threshold: f32, wanted: usize) -> Self {
        BestOfN {
            reference,
            threshold,
            wanted: wanted.max(1),
            scores: Vec::new(),
            pad: Vec::new(),
            seen: 0,
        }
    }

    /// Offers one analysed frame; returns true if it was used (it passed every quality gate).
    pub fn offer(&mut self, a: &FrameAnalysis) -> bool {
        self.seen += 1;
        if self.is_complete() || !a.usable() {
            return false;
        }
        let Some(p) = a.primary.as_ref() else {
            return false;
        };
        let Some(e) = p.embedding.as_ref() else {
            return false;
        };
        self.scores.push(e.cosine(&self.reference));
        if let Some(pad) = p.pad {
            self.pad.push(pad.live);
        }
        true
    }

    /// True once `wanted` frames were used.
    pub fn is_complete(&self) -> bool {
        self.scores.len() >= self.wanted
    }

    /// The decision over the frames used so far; `None` before the first usable frame.
    pub fn decide(&self) -> Option<MatchDecision> {
        let best = self
            .scores
            .iter()
            .copied()
            .fold(None, |m: Option<f32>, s| Some(m.map_or(s, |m| m.max(s))))?;
        let pad_live_median = if self.pad.is_empty() {
            None
        } else {
            let mut v = self.pad.clone();
            v.sort_by(f32::total_cmp);
            v.get(v.len() / 2).copied()
        };
        Some(MatchDecision {
            score: best,
            threshold: self.threshold,
            matched: best >= self.threshold,
            frames_used: self.scores.len(),
            frames_seen: self.seen,
            pad_live_median,
        })
    }
}
