//! Step 3, the face: hints, the liveness challenge, the match, and the alternatives.

mod common;

use common::*;
use idgate_api::{CheckResult, CodeSource, Guidance, Lang, Outcome, Step};
use idgate_flow::{Alternatives, Command, Event, FaceVerdict, FlowConfig};

#[test]
fn quality_hints_become_statuses() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    let cmds = desk.send(Event::FaceHint {
        run,
        guidance: Guidance::FaceTooDark,
        progress: 0.0,
    });
    assert_eq!(statuses(&cmds), [(Step::Face, Guidance::FaceTooDark)]);
}

#[test]
fn a_challenge_is_shown_as_a_prompt_and_gives_the_movement_time() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    desk.now += std::time::Duration::from_secs(25);
    let cmds = desk.send(Event::FaceChallenge {
        run,
        prompt: Guidance::FaceMoveCloser,
    });
    assert_eq!(
        cmds.first(),
        Some(&Command::Challenge(Guidance::FaceMoveCloser))
    );
    assert_eq!(statuses(&cmds), [(Step::Face, Guidance::FaceMoveCloser)]);
    assert!(
        desk.wait(10).is_empty(),
        "35 s after the start, 10 s into the movement"
    );
}

#[test]
fn a_live_matching_face_verifies_the_person() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    desk.now += std::time::Duration::from_secs(4);
    let cmds = desk.send(Event::FaceDone {
        run,
        verdict: live_match(),
    });
    assert_eq!(statuses(&cmds), [(Step::Result, Guidance::FlowVerified)]);
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.outcome, Outcome::Verified);
    assert!(report.reasons.is_empty());
    assert_eq!(report.alternatives, None);
    assert_eq!(report.code_source, Some(CodeSource::Camera));
    assert_eq!(report.duration, std::time::Duration::from_secs(4));
    let steps: Vec<Step> = report.steps.iter().map(|s| s.step).collect();
    assert_eq!(steps, [Step::Code, Step::Chip, Step::Face]);

    let checks = report.to_checks();
    assert_eq!(checks.guidance.as_deref(), Some("flow.verified"));
    assert_eq!(checks.face_match.as_deref(), Some("passed"));
    assert_eq!(checks.face_liveness.as_deref(), Some("passed"));
    assert_eq!(checks.chip_passive_auth.as_deref(), Some("passed"));
    assert_eq!(checks.chip_access.as_deref(), Some("pace"));
    assert_eq!(checks.attempts_face, Some(1));
    assert_eq!(checks.alternatives_en, None);
}

#[test]
fn a_match_without_liveness_is_not_a_pass() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    let cmds = desk.send(Event::FaceDone {
        run,
        verdict: FaceVerdict {
            liveness: CheckResult::Failed,
            ..live_match()
        },
    });
    assert!(finished(&cmds).is_none());
    assert!(face_run(&cmds).is_some(), "tried again");
    assert_eq!(
        statuses(&cmds),
        [(Step::Face, Guidance::FaceLivenessFailed)]
    );
}

#[test]
fn repeated_no_match_ends_not_verified_with_reasons_and_alternatives_in_both_languages() {
    let mut desk = Desk::with(FlowConfig {
        alternatives: Alternatives {
            en: "Book a time at the town hall.".into(),
            da: "Bestil tid på rådhuset.".into(),
        },
        ..FlowConfig::default()
    });
    let mut run = desk.reach_face();
    for attempt in 1..=2 {
        let cmds = desk.send(Event::FaceDone {
            run,
            verdict: no_match(),
        });
        assert_eq!(statuses(&cmds), [(Step::Face, Guidance::FaceNoMatch)]);
        assert_eq!(desk.flow.attempts(), attempt + 1);
        run = face_run(&cmds).expect("again");
    }
    let cmds = desk.send(Event::FaceDone {
        run,
        verdict: no_match(),
    });
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.outcome, Outcome::NotVerified);
    assert_eq!(report.reasons, [Guidance::FaceNoMatch; 3]);
    let checks = report.to_checks();
    assert_eq!(
        checks.alternatives(Lang::En),
        Some("Book a time at the town hall.")
    );
    assert_eq!(
        checks.alternatives(Lang::Da),
        Some("Bestil tid på rådhuset.")
    );
    assert_eq!(checks.face_match.as_deref(), Some("failed"));
    assert_eq!(checks.face_score, Some(f64::from(0.12f32)));
    assert_eq!(checks.reasons, Some(vec!["face.no_match".to_owned(); 3]));
}

#[test]
fn a_face_timeout_names_the_last_hint_as_the_reason() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    desk.send(Event::FaceHint {
        run,
        guidance: Guidance::FaceTooFar,
        progress: 0.0,
    });
    let cmds = desk.wait(30);
    assert_eq!(cmds.first(), Some(&Command::StopFace));
    assert!(face_run(&cmds).is_some());
    assert_eq!(statuses(&cmds), [(Step::Face, Guidance::FaceTooFar)]);
    desk.wait(30);
    let report = finished(&desk.wait(30)).expect("finished").clone();
    assert_eq!(
        report.reasons,
        [Guidance::FaceTooFar, Guidance::FaceNone, Guidance::FaceNone]
    );
}
