//! The active liveness challenge: "move closer", then "move back", asked by the flow and
//! answered within a time window by one face tracked without cuts (box overlap frame to frame
//! and the same identity throughout). A photo replayed unchanged never changes size and fails
//! on time; a cut to another person fails on identity. Time is passed in with each frame.

use std::time::Duration;

use idgate_api::Guidance;
use serde::{Deserialize, Serialize};

use crate::detect::BBox;
use crate::embed::Embedding;

/// Limits of the challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChallengeConfig {
    /// "Move closer" is met when the inter-eye distance reaches this multiple of the first one.
    pub closer_factor: f32,
    /// "Move back" is met when it falls to this fraction of the largest one seen.
    pub back_factor: f32,
    /// Time allowed for each instruction.
    pub step_timeout: Duration,
    /// Consecutive face boxes must overlap at least this much (IoU), or the track is cut.
    pub min_iou: f32,
    /// Every frame's embedding must match the first frame's at least this well (cosine).
    pub min_identity: f32,
    /// Longest run of frames without a usable face that does not break the track.
    pub max_gap: Duration,
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        ChallengeConfig {
            closer_factor: 1.25,
            back_factor: 0.85,
            step_timeout: Duration::from_secs(6),
            min_iou: 0.3,
            min_identity: 0.5,
            max_gap: Duration::from_millis(1000),
        }
    }
}

/// Which instruction is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeStep {
    MoveCloser,
    MoveBack,
}

impl ChallengeStep {
    pub fn guidance(self) -> Guidance {
        match self {
            ChallengeStep::MoveCloser => Guidance::FaceMoveCloser,
            ChallengeStep::MoveBack => Guidance::FaceMoveBack,
        }
    }
}

/// Why a challenge failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeFailure {
    /// The instruction was not followed in time.
    Timeout(ChallengeStep),
    /// The face jumped (no overlap with the previous frame) or vanished for too long.
    TrackLost,
    /// The embedding no longer matches the face the challenge started with.
    IdentityChanged,
    /// More than one face appeared.
    MultipleFaces,
}

/// Where the challenge stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ChallengeStatus {
    /// Waiting for the person to follow `step`.
    InProgress {
        step: ChallengeStep,
    },
    Passed,
    Failed {
        reason: ChallengeFailure,
    },
}

impl ChallengeStatus {
    /// What to show the person now.
    pub fn guidance(&self) -> Option<Guidance> {
        match self {
            ChallengeStatus::InProgress { step } => Some(step.guidance()),
            ChallengeStatus::Passed => None,
            ChallengeStatus::Failed { .. } => Some(Guidance::FaceLivenessFailed),
        }
    }
}

/// One frame as the challenge sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub timestamp: Duration,
    /// Faces in the frame (after the quality step's secondary-face filter).
    pub face_count: usize,
    /// The tracked face: box, inter-eye distance and embedding (None when no usable face).
    pub face: Option<(BBox, f32, &'a Embedding)>,
}

/// The challenge state machine. Created when the flow asks for it; fed every frame.
#[derive(Debug)]
pub struct LivenessChallenge {
    cfg: ChallengeConfig,
    status: ChallengeStatus,
    step_started: Duration,
    anchor: Option<Embedding>,
    last_box: Option<BBox>,
    last_seen: Duration,
    baseline: Option<f32>,
    peak: f32,
}

impl LivenessChallenge {
    /// Starts with "move closer" at time `now`.
    pub fn start(cfg: ChallengeConfig, now: Duration) -> Self {
        LivenessChallenge {
            cfg,
            status: ChallengeStatus::InProgress {
                step: ChallengeStep::MoveCloser,
            },
            step_started: now,
            anchor: None,
            last_box: None,
            last_seen: now,
            baseline: None,
            peak: 0.0,
        }
    }

    pub fn status(&self) -> ChallengeStatus {
        self.status
    }

    fn fail(&mut self, reason: ChallengeFailure) -> ChallengeStatus {
        self.status = ChallengeStatus::Failed { reason };
        self.status
    }

    /// Advances the clock without a frame (e.g. the camera stalled): only timeouts can happen.
    pub fn poll(&mut self, now: Duration) -> ChallengeStatus {
        if let ChallengeStatus::InProgress { step } = self.status {
            if now.saturating_sub(self.step_started) > self.cfg.step_timeout {
                return self.fail(ChallengeFailure::Timeout(step));
            }
            if self.anchor.is_some() && now.saturating_sub(self.last_seen) > self.cfg.max_gap {
                return self.fail(ChallengeFailure::TrackLost);
            }
        }
        self.status
    }

    /// Feeds one frame.
    pub fn observe(&mut self, obs: &Observation<'_>) -> ChallengeStatus {
        let ChallengeStatus::InProgress { step } = self.status else {
            return self.status;
        };
        if obs.face_count > 1 {
            return self.fail(ChallengeFailure::MultipleFaces);
        }
        let Some((bbox, ied, emb)) = obs.face else {
            return self.poll(obs.timestamp);
        };
        if self.anchor.is_some() && obs.timestamp.saturating_sub(self.last_seen) > self.cfg.max_gap
        {
            return self.fail(ChallengeFailure::TrackLost);
        }
        match &self.anchor {
            None => self.anchor = Some(emb.clone()),
            Some(anchor) => {
                if anchor.cosine(emb) < self.cfg.min_identity {
                    return self.fail(ChallengeFailure::IdentityChanged);
                }
            }
        }
        if let Some(prev) = self.last_box {
            if prev.iou(&bbox) < self.cfg.min_iou {
                return self.fail(ChallengeFailure::TrackLost);
            }
        }
        self.last_box = Some(bbox);
        self.last_seen = obs.timestamp;
        let baseline = *self.baseline.get_or_insert(ied);
        self.peak = self.peak.max(ied);
        match step {
            ChallengeStep::MoveCloser if ied >= baseline * self.cfg.closer_factor => {
                self.status = ChallengeStatus::InProgress {
                    step: ChallengeStep::MoveBack,
                };
                self.step_started = obs.timestamp;
            }
            ChallengeStep::MoveBack if ied <= self.peak * self.cfg.back_factor => {
                self.status = ChallengeStatus::Passed;
            }
            _ => return self.poll(obs.timestamp),
        }
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(seed: f32) -> Embedding {
        let v: Vec<f32> = (0..128).map(|i| ((i as f32 + 1.0) * seed).sin()).collect();
        Embedding::from_raw(&v).expect("embedding")
    }

    fn face_at(size: f32) -> BBox {
        BBox {
            x: 320.0 - size / 2.0,
            y: 240.0 - size / 2.0,
            w: size,
            h: size * 1.2,
        }
    }

    fn run(sizes: &[f32], who: &[f32], dt_ms: u64) -> ChallengeStatus {
        let mut c = LivenessChallenge::start(ChallengeConfig::default(), Duration::ZERO);
        let mut status = c.status();
        for (i, (&s, &w)) in sizes.iter().zip(who.iter().cycle()).enumerate() {
            let e = emb(w);
            status = c.observe(&Observation {
                timestamp: Duration::from_millis(i as u64 * dt_ms),
                face_count: 1,
                face: Some((face_at(s), s * 0.4, &e)),
            });
        }
        status
    }

    #[test]
    fn closer_then_back_passes() {
        let sizes: Vec<f32> = (0..20)
            .map(|i| 150.0 + 6.0 * i as f32)
            .chain((0..15).map(|i| 270.0 - 6.0 * i as f32))
            .collect();
        assert_eq!(run(&sizes, &[0.3], 100), ChallengeStatus::Passed);
    }

    #[test]
    fn the_instruction_switches_once_closer_is_reached() {
        let sizes: Vec<f32> = (0..20).map(|i| 150.0 + 6.0 * i as f32).collect();
        assert_eq!(
            run(&sizes, &[0.3], 100),
            ChallengeStatus::InProgress {
                step: ChallengeStep::MoveBack
            }
        );
    }

    #[test]
    fn a_face_that_never_changes_size_times_out() {
        let sizes = vec![150.0; 80];
        assert_eq!(
            run(&sizes, &[0.3], 100),
            ChallengeStatus::Failed {
                reason: ChallengeFailure::Timeout(ChallengeStep::MoveCloser)
            }
        );
    }

    #[test]
    fn a_different_person_mid_challenge_fails() {
        let sizes: Vec<f32> = (0..20).map(|i| 150.0 + 6.0 * i as f32).collect();
        let who: Vec<f32> = (0..20).map(|i| if i < 10 { 0.3 } else { 1.7 }).collect();
        let mut c = LivenessChallenge::start(ChallengeConfig::default(), Duration::ZERO);
        let mut last = c.status();
        for (i, s) in sizes.iter().enumerate() {
            let e = emb(who[i]);
            last = c.observe(&Observation {
                timestamp: Duration::from_millis(i as u64 * 100),
                face_count: 1,
                face: Some((face_at(*s), s * 0.4, &e)),
            });
        }
        assert_eq!(
            last,
            ChallengeStatus::Failed {
                reason: ChallengeFailure::IdentityChanged
            }
        );
    }

    #[test]
    fn a_jump_in_position_breaks_the_track() {
        let mut c = LivenessChallenge::start(ChallengeConfig::default(), Duration::ZERO);
        let e = emb(0.3);
        c.observe(&Observation {
            timestamp: Duration::ZERO,
            face_count: 1,
            face: Some((face_at(150.0), 60.0, &e)),
        });
        let far = BBox {
            x: 10.0,
            y: 10.0,
            w: 150.0,
            h: 180.0,
        };
        let s = c.observe(&Observation {
            timestamp: Duration::from_millis(100),
            face_count: 1,
            face: Some((far, 60.0, &e)),
        });
        assert_eq!(
            s,
            ChallengeStatus::Failed {
                reason: ChallengeFailure::TrackLost
            }
        );
        assert_eq!(s.guidance(), Some(Guidance::FaceLivenessFailed));
    }

    #[test]
    fn a_second_face_fails_and_time_alone_can_time_out() {
        let mut c = LivenessChallenge::start(ChallengeConfig::default(), Duration::ZERO);
        assert_eq!(c.status().guidance(), Some(Guidance::FaceMoveCloser));
        assert!(matches!(
            c.poll(Duration::from_secs(3)),
            ChallengeStatus::InProgress { .. }
        ));
        assert_eq!(
            c.poll(Duration::from_secs(7)),
            ChallengeStatus::Failed {
                reason: ChallengeFailure::Timeout(ChallengeStep::MoveCloser)
            }
        );
        let mut c = LivenessChallenge::start(ChallengeConfig::default(), Duration::ZERO);
        let s = c.observe(&Observation {
            timestamp: Duration::ZERO,
            face_count: 2,
            face: None,
        });
        assert_eq!(
            s,
            ChallengeStatus::Failed {
                reason: ChallengeFailure::MultipleFaces
            }
        );
    }
}
