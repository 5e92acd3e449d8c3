//! Step 2, the chip: reading, authenticity, and what the person is told when it fails.

mod common;

use common::*;
use idgate_api::{CheckResult, CodeSource, Guidance, Outcome, Step};
use idgate_flow::{Command, Event, FlowConfig};

#[test]
fn progress_is_passed_on_and_tells_the_person_to_keep_still() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipHint {
        run,
        guidance: Guidance::ChipKeepStill,
    });
    assert_eq!(statuses(&cmds), [(Step::Chip, Guidance::ChipKeepStill)]);
    let cmds = desk.send(Event::ChipProgress {
        run,
        file: "DG2".into(),
        read: 4096,
        total: 15083,
        fraction: 0.4,
    });
    assert_eq!(
        cmds.first(),
        Some(&Command::ChipProgress {
            file: "DG2".into(),
            read: 4096,
            total: 15083
        })
    );
    assert!(matches!(cmds.get(1), Some(Command::Status(s)) if s.progress == 0.4));
    // Tiny steps are passed on as ChipProgress but do not flood Status.
    let cmds = desk.send(Event::ChipProgress {
        run,
        file: "DG2".into(),
        read: 4200,
        total: 15083,
        fraction: 0.41,
    });
    assert_eq!(cmds.len(), 1);
}

#[test]
fn a_genuine_chip_leads_to_the_face_step() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Ok(genuine_chip()),
    });
    assert!(face_run(&cmds).is_some());
    assert_eq!(statuses(&cmds), [(Step::Face, Guidance::FaceNone)]);
    assert_eq!(desk.flow.step(), Step::Face);
}

#[test]
fn a_chip_that_is_not_genuine_ends_at_once_in_ask_staff_even_with_attempts_left() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Err(Guidance::ChipNotGenuine),
    });
    let report = finished(&cmds).expect("finished at once");
    assert_eq!(report.outcome, Outcome::NotVerified);
    assert_eq!(report.guidance, Guidance::ChipNotGenuine);
    assert_eq!(report.alternatives, None, "staff must look, not a booking");
    assert!(chip_run(&cmds).is_none(), "never retried silently");
    assert_eq!(desk.flow.step(), Step::Result);
}

fn finishes_not_genuine(chip: idgate_flow::ChipReport) {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Ok(chip.clone()),
    });
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.guidance, Guidance::ChipNotGenuine, "{chip:?}");
    assert_eq!(report.chip.as_ref(), Some(&chip), "the checks are reported");
}

#[test]
fn failed_passive_authentication_is_not_genuine() {
    finishes_not_genuine(idgate_flow::ChipReport {
        passive_auth: CheckResult::Failed,
        ..genuine_chip()
    });
}

#[test]
fn passive_authentication_that_could_not_run_is_not_a_pass() {
    finishes_not_genuine(idgate_flow::ChipReport {
        passive_auth: CheckResult::NotRun,
        ..genuine_chip()
    });
}

#[test]
fn dg1_differing_from_the_code_is_not_genuine() {
    finishes_not_genuine(idgate_flow::ChipReport {
        dg1_matches_code: CheckResult::Failed,
        ..genuine_chip()
    });
}

#[test]
fn a_failed_chip_or_active_authentication_is_not_genuine() {
    finishes_not_genuine(idgate_flow::ChipReport {
        chip_auth: CheckResult::Failed,
        ..genuine_chip()
    });
    finishes_not_genuine(idgate_flow::ChipReport {
        chip_auth: CheckResult::NotSupported,
        active_auth: CheckResult::Failed,
        ..genuine_chip()
    });
}

#[test]
fn a_chip_without_clone_protection_is_refused_unless_the_deployment_allows_it() {
    let unprotected = idgate_flow::ChipReport {
        chip_auth: CheckResult::NotSupported,
        active_auth: CheckResult::NotSupported,
        ..genuine_chip()
    };
    finishes_not_genuine(unprotected.clone());

    let mut desk = Desk::with(FlowConfig {
        require_clone_protection: false,
        ..FlowConfig::default()
    });
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Ok(unprotected),
    });
    assert!(face_run(&cmds).is_some());
}

#[test]
fn with_only_a_can_dg1_cannot_be_compared_and_that_is_accepted() {
    let mut desk = Desk::new();
    desk.send(Event::Start { camera: false });
    let run = chip_run(&desk.send(manual(CodeSource::Can))).expect("chip");
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Ok(idgate_flow::ChipReport {
            dg1_matches_code: CheckResult::NotRun,
            ..genuine_chip()
        }),
    });
    assert!(face_run(&cmds).is_some());
}

#[test]
fn an_unsupported_document_ends_in_ask_staff() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let report = finished(&desk.send(Event::ChipDone {
        run,
        result: Err(Guidance::ChipUnsupported),
    }))
    .expect("finished")
    .clone();
    assert_eq!(report.guidance, Guidance::ChipUnsupported);
    assert_eq!(report.alternatives, None);
}

#[test]
fn a_wrong_code_sends_the_person_back_to_the_code_step_with_that_reason() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Err(Guidance::ChipWrongCode),
    });
    assert!(ocr_run(&cmds).is_some(), "the camera looks again");
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::ChipWrongCode)]);
    assert_eq!(desk.flow.step(), Step::Code);
    assert_eq!(desk.flow.attempts(), 2, "second code attempt");
}

#[test]
fn a_card_lost_mid_read_is_read_again_with_keep_still() {
    let mut desk = Desk::new();
    let first = desk.reach_chip();
    let cmds = desk.send(Event::ChipDone {
        run: first,
        result: Err(Guidance::ChipKeepStill),
    });
    let second = chip_run(&cmds).expect("read again");
    assert_ne!(first, second);
    assert_eq!(statuses(&cmds), [(Step::Chip, Guidance::ChipKeepStill)]);
    assert_eq!(desk.flow.attempts(), 2);
}

#[test]
fn a_chip_timeout_stops_the_read_and_restarts_it() {
    let mut desk = Desk::new();
    let first = desk.reach_chip();
    let cmds = desk.wait(30);
    assert_eq!(cmds.first(), Some(&Command::StopChipRead));
    assert_ne!(chip_run(&cmds), Some(first));
    assert!(chip_run(&cmds).is_some());
    assert_eq!(statuses(&cmds), [(Step::Chip, Guidance::ChipTimeout)]);
    // The old read finishing late changes nothing.
    assert!(
        desk.send(Event::ChipDone {
            run: first,
            result: Ok(genuine_chip())
        })
        .is_empty()
    );
    assert_eq!(desk.flow.step(), Step::Chip);
}

#[test]
fn three_failed_reads_end_with_the_reasons_and_the_alternatives() {
    let mut desk = Desk::new();
    let run = desk.reach_chip();
    chip_run(&desk.send(Event::ChipDone {
        run,
        result: Err(Guidance::ChipKeepStill),
    }))
    .expect("2nd");
    desk.wait(30);
    assert_eq!(desk.flow.attempts(), 3);
    let cmds = desk.wait(30);
    let report = finished(&cmds).expect("finished");
    assert_eq!(
        report.reasons,
        [
            Guidance::ChipKeepStill,
            Guidance::ChipTimeout,
            Guidance::ChipTimeout
        ]
    );
    assert_eq!(report.guidance, Guidance::FlowAlternatives);
    assert!(report.alternatives.is_some());
    assert_eq!(report.attempts.chip, 3);
}

#[test]
fn the_access_key_is_dropped_once_the_chip_step_is_over() {
    // The key lives in the chip state (`State::Chip { key }`): present while reading the chip,
    // gone with the state once the flow moves on.
    let mut desk = Desk::new();
    desk.reach_chip();
    let shown = format!("{:?}", desk.flow);
    assert!(shown.contains("Chip { key:"), "{shown}");
    let mut desk = Desk::new();
    desk.reach_face();
    let shown = format!("{:?}", desk.flow);
    assert!(shown.contains("state: Face"), "{shown}");
    assert!(!shown.contains("key"), "{shown}");
}

#[test]
fn the_flow_debug_output_never_shows_the_key() {
    let mut desk = Desk::new();
    desk.reach_chip();
    let shown = format!("{:?}", desk.flow);
    assert!(shown.contains("redacted"));
    assert!(!shown.contains("L898902C"));
}

#[test]
fn a_code_that_keeps_failing_to_open_the_chip_ends_with_the_alternatives() {
    let mut desk = Desk::new();
    let mut run = desk.reach_chip();
    for _ in 0..2 {
        let ocr = ocr_run(&desk.send(Event::ChipDone {
            run,
            result: Err(Guidance::ChipWrongCode),
        }))
        .expect("back to the code");
        run = chip_run(&desk.send(Event::CodeRead {
            run: ocr,
            key: key(),
        }))
        .expect("chip");
    }
    let cmds = desk.send(Event::ChipDone {
        run,
        result: Err(Guidance::ChipWrongCode),
    });
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.reasons, [Guidance::ChipWrongCode; 3]);
    assert_eq!(report.guidance, Guidance::FlowAlternatives);
    assert_eq!(report.attempts.code, 3);
    assert_eq!(report.attempts.chip, 3);
}
