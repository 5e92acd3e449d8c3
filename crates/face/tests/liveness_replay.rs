//! The replay source drives the liveness challenge both ways: a real photo zoomed in and out
//! (the person moving closer, then back) passes; the same photo replayed unchanged fails on
//! time; a cut to another person mid-challenge fails. The usable frames feed best-of-N.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{engine, photo};
use idgate_face::{
    BestOfN, CaptureError, ChallengeConfig, ChallengeFailure, ChallengeStatus, ChallengeStep,
    FrameAnalysis, FrameSource, LivenessChallenge, MatchDecision, ReplaySource, Shot,
};
use image::RgbImage;

/// The face centre of a photo as fractions of its size (where the replay zooms).
fn face_centre(img: &RgbImage) -> (f32, f32) {
    let a = engine().analyze_still(img).expect("analysis");
    let (cx, cy) = a.primary.expect("face").detection.bbox.centre();
    (cx / img.width() as f32, cy / img.height() as f32)
}

fn zoom(img: &Arc<RgbImage>, from: f32, to: f32, ms: u64) -> Shot {
    Shot::Zoom {
        image: img.clone(),
        from,
        to,
        centre: face_centre(img),
        duration: Duration::from_millis(ms),
    }
}

struct Run {
    status: ChallengeStatus,
    frames: usize,
    decision: Option<MatchDecision>,
}

/// Plays the source into the challenge (started at the first frame) and a best-of-N match.
fn play(mut src: ReplaySource, mut best: Option<BestOfN>) -> Run {
    let e = engine();
    let mut challenge: Option<LivenessChallenge> = None;
    let mut prev: Option<FrameAnalysis> = None;
    let mut frames = 0;
    loop {
        let frame = match src.next_frame() {
            Ok(f) => f,
            Err(CaptureError::EndOfStream) => break,
            Err(other) => panic!("replay failed: {other}"),
        };
        frames += 1;
        let a = e.analyze_frame(&frame, prev.as_ref()).expect("analysis");
        let c = challenge.get_or_insert_with(|| {
            LivenessChallenge::start(ChallengeConfig::default(), frame.timestamp)
        });
        let status = c.observe(&a.observation());
        if let Some(b) = best.as_mut() {
            b.offer(&a);
        }
        prev = Some(a);
        if !matches!(status, ChallengeStatus::InProgress { .. }) {
            break;
        }
    }
    Run {
        status: challenge.map_or(
            ChallengeStatus::InProgress {
                step: ChallengeStep::MoveCloser,
            },
            |c| c.status(),
        ),
        frames,
        decision: best.and_then(|b| b.decide()),
    }
}

#[test]
fn moving_closer_then_back_passes_and_matches_the_chip_photo() {
    let obama = Arc::new(photo("obama.jpg"));
    let shots = vec![zoom(&obama, 1.0, 1.6, 2000), zoom(&obama, 1.6, 1.0, 2000)];
    let src = ReplaySource::new(shots, 10.0, 640, 480).expect("script");
    let chip = engine()
        .enroll_reference(&photo("obama2.jpg"))
        .expect("engine")
        .expect("chip face");
    let run = play(
        src,
        Some(BestOfN::new(chip.embedding, engine().match_threshold(), 5)),
    );
    assert_eq!(
        run.status,
        ChallengeStatus::Passed,
        "after {} frames",
        run.frames
    );
    let d = run.decision.expect("usable frames");
    assert!(d.matched && d.frames_used >= 3, "{d:?}");
    assert!(d.pad_live_median.is_some());
}

#[test]
fn the_same_frames_do_not_match_another_persons_chip_photo() {
    let obama = Arc::new(photo("obama.jpg"));
    let src =
        ReplaySource::new(vec![zoom(&obama, 1.0, 1.3, 1000)], 10.0, 640, 480).expect("script");
    let chip = engine()
        .enroll_reference(&photo("biden.jpg"))
        .expect("engine")
        .expect("chip face");
    let run = play(
        src,
        Some(BestOfN::new(chip.embedding, engine().match_threshold(), 5)),
    );
    let d = run.decision.expect("usable frames");
    assert!(!d.matched && d.score < d.threshold, "{d:?}");
}

#[test]
fn a_still_photo_replayed_unchanged_fails_the_challenge() {
    let obama = Arc::new(photo("obama.jpg"));
    // One camera-sized view of the photo, then that exact image for 8 s.
    let mut first =
        ReplaySource::new(vec![zoom(&obama, 1.0, 1.0, 100)], 10.0, 640, 480).expect("script");
    let view = Arc::new(first.next_frame().expect("frame").image);
    let shots = vec![Shot::Still {
        image: view,
        duration: Duration::from_secs(8),
    }];
    let run = play(
        ReplaySource::new(shots, 5.0, 640, 480).expect("script"),
        None,
    );
    assert_eq!(
        run.status,
        ChallengeStatus::Failed {
            reason: ChallengeFailure::Timeout(ChallengeStep::MoveCloser)
        }
    );
}

#[test]
fn a_cut_to_another_person_fails_the_challenge() {
    let obama = Arc::new(photo("obama.jpg"));
    let biden = Arc::new(photo("biden.jpg"));
    let shots = vec![zoom(&obama, 1.0, 1.15, 1000), zoom(&biden, 1.15, 1.6, 2000)];
    let run = play(
        ReplaySource::new(shots, 10.0, 640, 480).expect("script"),
        None,
    );
    assert!(
        matches!(
            run.status,
            ChallengeStatus::Failed {
                reason: ChallengeFailure::IdentityChanged | ChallengeFailure::TrackLost
            }
        ),
        "{:?} after {} frames",
        run.status,
        run.frames
    );
    // It failed at the cut, not later.
    assert!(run.frames <= 12, "failed only after {} frames", run.frames);
}

#[test]
fn a_face_that_jumps_between_frames_asks_to_hold_still() {
    let obama = Arc::new(photo("obama.jpg"));
    let (cx, cy) = face_centre(&obama);
    let view = |dx: f32| {
        let shot = Shot::Zoom {
            image: obama.clone(),
            from: 1.2,
            to: 1.2,
            centre: (cx + dx, cy),
            duration: Duration::from_millis(100),
        };
        ReplaySource::new(vec![shot], 10.0, 640, 480)
            .expect("script")
            .next_frame()
            .expect("frame")
    };
    let e = engine();
    let first = e.analyze_frame(&view(0.0), None).expect("analysis");
    assert!(first.usable(), "{:?}", first.guidance);
    let same = e.analyze_frame(&view(0.0), Some(&first)).expect("analysis");
    assert!(
        same.usable(),
        "a still face is not motion: {:?}",
        same.guidance
    );
    let moved = e
        .analyze_frame(&view(0.06), Some(&first))
        .expect("analysis");
    let motion = moved
        .primary
        .as_ref()
        .and_then(|p| p.quality.motion)
        .expect("motion measured");
    assert!(motion > 0.1, "{motion}");
    assert!(
        moved
            .guidance
            .contains(&idgate_api::Guidance::FaceHoldStill),
        "{:?}",
        moved.guidance
    );
}
