//! The face step's camera job: enrol the chip photo, then per frame — quality hints, best of N
//! usable frames against the photo, passive PAD, and (when configured) the "move closer / move
//! back" challenge — and one verdict for the flow. Frames, crops and templates stay in memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use idgate_api::{CheckResult, Guidance, Step};
use idgate_face::{
    BestOfN, ChallengeConfig, ChallengeStatus, Engine, EngineConfig, FrameAnalysis,
    LivenessChallenge,
};
use idgate_flow::{Event, FaceVerdict, RunId};
use tokio::sync::mpsc::UnboundedSender;

use super::camera::{CameraHandle, PreviewSender};
use super::{ChipPhoto, DeviceEvent, send_flow};

/// The engine, loaded once (ONNX Runtime and three models) on the first face job or at start.
#[derive(Clone)]
pub struct FaceEngine {
    cfg: EngineConfig,
    engine: Arc<OnceLock<Result<Engine, String>>>,
}

impl std::fmt::Debug for FaceEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceEngine")
            .field("loaded", &self.engine.get().map(|r| r.is_ok()))
            .finish()
    }
}

impl FaceEngine {
    pub fn new(cfg: EngineConfig) -> Self {
        Self {
            cfg,
            engine: Arc::new(OnceLock::new()),
        }
    }

    /// Loads the engine if needed (blocking: call it on a device thread).
    pub fn get(&self) -> Result<&Engine, String> {
        self.engine
            .get_or_init(|| Engine::new(self.cfg.clone()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// How one face attempt decides.
#[derive(Debug, Clone)]
pub struct FaceSettings {
    /// Quality-passed frames compared (best of N).
    pub frames: usize,
    /// Ask for the movement challenge after the frames are in.
    pub challenge: bool,
    pub pad_threshold: f32,
}

pub struct FaceJob {
    pub run: RunId,
    pub camera: CameraHandle,
    pub engine: FaceEngine,
    pub settings: FaceSettings,
    pub photo: ChipPhoto,
    pub cancel: Arc<AtomicBool>,
    pub events: UnboundedSender<DeviceEvent>,
}

impl FaceJob {
    pub fn run(self) {
        let engine = match self.engine.get() {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("face engine unavailable: {e}");
                send_flow(&self.events, Event::JobFault { run: self.run });
                return;
            }
        };
        let reference = {
            let photo = self.photo.copy();
            let Some(photo) = photo else {
                tracing::error!("no chip photo for the face step");
                send_flow(&self.events, Event::JobFault { run: self.run });
                return;
            };
            let enrolled = engine.enroll_reference(&photo);
            // The decoded copy of the chip photo is wiped, not just freed.
            zeroize::Zeroize::zeroize(&mut photo.into_raw());
            match enrolled {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!("face engine failed on the chip photo: {e}");
                    send_flow(&self.events, Event::JobFault { run: self.run });
                    return;
                }
            }
        };
        let Some(reference) = reference else {
            // The passport photo has no usable face: no live frame can match it.
            self.done(FaceVerdict {
                score: 0.0,
                threshold: engine.match_threshold(),
                matched: false,
                liveness: CheckResult::NotRun,
            });
            return;
        };
        let mut best = BestOfN::new(
            reference.embedding.clone(),
            engine.match_threshold(),
            self.settings.frames,
        );
        drop(reference);
        let mut preview = PreviewSender::new(self.run, Step::Face, self.events.clone());
        let mut previous: Option<FrameAnalysis> = None;
        let mut challenge: Option<LivenessChallenge> = None;
        let mut prompt: Option<Guidance> = None;
        while let Some(frame) =
            self.camera
                .next_frame_for_job("face", self.run, &self.cancel, &self.events)
        {
            let analysis = match engine.analyze_frame(&frame, previous.as_ref()) {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!("face analysis failed: {e}");
                    send_flow(&self.events, Event::JobFault { run: self.run });
                    return;
                }
            };
            let boxes: Vec<(f32, f32, f32, f32)> = analysis
                .primary
                .iter()
                .map(|p| {
                    let b = p.detection.bbox;
                    (b.x, b.y, b.w, b.h)
                })
                .collect();
            preview.offer(&frame.image, &boxes);
            drop(frame);
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }

            if let Some(c) = challenge.as_mut() {
                match c.observe(&analysis.observation()) {
                    ChallengeStatus::InProgress { step } => {
                        let g = step.guidance();
                        if prompt != Some(g) {
                            prompt = Some(g);
                            send_flow(
                                &self.events,
                                Event::FaceChallenge {
                                    run: self.run,
                                    prompt: g,
                                },
                            );
                        }
                    }
                    ChallengeStatus::Passed => {
                        self.decide(&best, true);
                        return;
                    }
                    ChallengeStatus::Failed { reason } => {
                        tracing::info!(?reason, "liveness challenge failed");
                        self.decide(&best, false);
                        return;
                    }
                }
            } else {
                if let Some(g) = analysis.guidance.first() {
                    let progress = best.decide().map_or(0.0, |d| {
                        d.frames_used as f64 / self.settings.frames.max(1) as f64
                    });
                    send_flow(
                        &self.events,
                        Event::FaceHint {
                            run: self.run,
                            guidance: *g,
                            progress,
                        },
                    );
                }
                best.offer(&analysis);
                if best.is_complete() {
                    if self.settings.challenge {
                        challenge = Some(LivenessChallenge::start(
                            ChallengeConfig::default(),
                            analysis.timestamp,
                        ));
                    } else {
                        self.decide(&best, true);
                        return;
                    }
                } else if analysis.guidance.is_empty() {
                    let used = best.decide().map_or(0, |d| d.frames_used);
                    send_flow(
                        &self.events,
                        Event::FaceHint {
                            run: self.run,
                            guidance: Guidance::FaceHoldStill,
                            progress: used as f64 / self.settings.frames.max(1) as f64,
                        },
                    );
                }
            }
            previous = Some(analysis);
        }
    }

    /// The verdict over the frames used: the match, passive PAD, and the challenge's result.
    fn decide(&self, best: &BestOfN, challenge_passed: bool) {
        let Some(d) = best.decide() else {
            return;
        };
        // Without a PAD score (PAD disabled) only a passed challenge can show liveness.
        let pad_ok = match d.pad_live_median {
            Some(live) => live >= self.settings.pad_threshold,
            None => self.settings.challenge,
        };
        let liveness = if pad_ok && challenge_passed {
            CheckResult::Passed
        } else {
            CheckResult::Failed
        };
        tracing::info!(
            score = d.score,
            threshold = d.threshold,
            frames = d.frames_used,
            pad = d.pad_live_median,
            challenge_passed,
            "face decision"
        );
        self.done(FaceVerdict {
            score: d.score,
            threshold: d.threshold,
            matched: d.matched,
            liveness,
        });
    }

    fn done(&self, verdict: FaceVerdict) {
        if !self.cancel.load(Ordering::Relaxed) {
            send_flow(
                &self.events,
                Event::FaceDone {
                    run: self.run,
                    verdict,
                },
            );
        }
    }
}
