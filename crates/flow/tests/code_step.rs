//! Step 1, the code: camera OCR or typed entry, as the person at the desk experiences it.

mod common;

use common::*;
use idgate_api::{CodeSource, Guidance, Outcome, Step};
use idgate_flow::{Command, Event, FlowError};

#[test]
fn starting_with_a_camera_starts_the_ocr_and_asks_for_the_photo_page() {
    let mut desk = Desk::new();
    let cmds = desk.send(Event::Start { camera: true });
    assert!(ocr_run(&cmds).is_some());
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeShowPage)]);
    assert_eq!(desk.flow.step(), Step::Code);
    assert_eq!(desk.flow.attempts(), 1);
}

#[test]
fn starting_without_a_camera_waits_for_typed_entry_with_no_timeout() {
    let mut desk = Desk::new();
    let cmds = desk.send(Event::Start { camera: false });
    assert_eq!(ocr_run(&cmds), None);
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeTypeIn)]);
    assert_eq!(desk.flow.next_deadline(), None);
    assert!(
        desk.wait(3600).is_empty(),
        "a person typing is never timed out"
    );
}

#[test]
fn a_retry_without_a_camera_asks_again_to_type_the_code() {
    let mut desk = Desk::new();
    desk.send(Event::Start { camera: false });
    let cmds = desk.send(Event::Retry);
    assert_eq!(ocr_run(&cmds), None, "no camera to start");
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeTypeIn)]);
    assert_eq!(desk.flow.attempts(), 2);
}

#[test]
fn ocr_hints_become_statuses_but_repeats_are_not_sent_again() {
    let mut desk = Desk::new();
    let run = desk.start();
    let hint = |g| Event::CodeHint {
        run,
        guidance: g,
        progress: -1.0,
    };
    assert_eq!(
        statuses(&desk.send(hint(Guidance::CodeGlare))),
        [(Step::Code, Guidance::CodeGlare)]
    );
    assert!(desk.send(hint(Guidance::CodeGlare)).is_empty());
    assert_eq!(
        statuses(&desk.send(hint(Guidance::CodeHoldStill))),
        [(Step::Code, Guidance::CodeHoldStill)]
    );
}

#[test]
fn a_read_code_stops_the_ocr_and_starts_the_chip_read_with_its_key() {
    let mut desk = Desk::new();
    let run = desk.start();
    let cmds = desk.send(Event::CodeRead { run, key: key() });
    assert_eq!(cmds.first(), Some(&Command::StopOcr));
    assert!(matches!(&cmds[1], Command::StartChipRead { key: k, .. } if *k == key()));
    assert_eq!(statuses(&cmds), [(Step::Chip, Guidance::ChipPlace)]);
    assert_eq!(desk.flow.step(), Step::Chip);
}

#[test]
fn typing_the_code_while_the_camera_looks_stops_the_ocr() {
    let mut desk = Desk::new();
    desk.start();
    let cmds = desk.send(manual(CodeSource::Manual));
    assert_eq!(cmds.first(), Some(&Command::StopOcr));
    assert!(chip_run(&cmds).is_some());
}

#[test]
fn choosing_manual_entry_stops_the_ocr_and_its_clock() {
    let mut desk = Desk::new();
    desk.start();
    let cmds = desk.send(Event::UseManualEntry);
    assert_eq!(cmds.first(), Some(&Command::StopOcr));
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeTypeIn)]);
    assert_eq!(desk.flow.next_deadline(), None);
    let cmds = desk.send(manual(CodeSource::Manual));
    assert!(!has(&cmds, &Command::StopOcr), "nothing left to stop");
    assert!(chip_run(&cmds).is_some());
}

#[test]
fn an_invalid_entry_asks_to_check_the_field_and_costs_no_attempt() {
    let mut desk = Desk::new();
    desk.send(Event::Start { camera: false });
    for _ in 0..5 {
        let cmds = desk.send(Event::CodeRejected);
        assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeFieldInvalid)]);
    }
    assert_eq!(desk.flow.attempts(), 1);
    assert_eq!(desk.flow.step(), Step::Code);
}

#[test]
fn an_ocr_timeout_restarts_the_step_and_suggests_typing() {
    let mut desk = Desk::new();
    let first = desk.start();
    assert!(desk.wait(59).is_empty(), "not yet");
    let cmds = desk.wait(1);
    assert_eq!(cmds.first(), Some(&Command::StopOcr));
    let second = ocr_run(&cmds).expect("OCR restarted");
    assert_ne!(first, second);
    assert_eq!(statuses(&cmds), [(Step::Code, Guidance::CodeUnreadable)]);
    assert_eq!(desk.flow.attempts(), 2);
}

#[test]
fn a_result_from_the_timed_out_ocr_run_is_ignored() {
    let mut desk = Desk::new();
    let first = desk.start();
    desk.wait(60);
    let cmds = desk.send(Event::CodeRead {
        run: first,
        key: key(),
    });
    assert!(cmds.is_empty());
    assert_eq!(desk.flow.step(), Step::Code);
}

#[test]
fn when_the_code_cannot_be_read_three_times_the_person_gets_the_alternatives() {
    let mut desk = Desk::new();
    desk.start();
    desk.wait(60);
    desk.wait(60);
    let cmds = desk.wait(60);
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.outcome, Outcome::NotVerified);
    assert_eq!(report.guidance, Guidance::FlowAlternatives);
    assert_eq!(report.reasons, [Guidance::CodeUnreadable; 3]);
    assert!(report.alternatives.is_some());
    assert_eq!(report.attempts.code, 3);
    assert_eq!(
        statuses(&cmds).last(),
        Some(&(Step::Result, Guidance::FlowAlternatives))
    );
}

#[test]
fn code_events_outside_the_code_step_are_refused_by_name() {
    let mut desk = Desk::new();
    assert_eq!(
        desk.try_send(manual(CodeSource::Manual)),
        Err(FlowError::WrongStep {
            step: Step::Idle,
            event: "CodeEntered"
        })
    );
    desk.reach_chip();
    assert_eq!(
        desk.try_send(Event::UseManualEntry),
        Err(FlowError::WrongStep {
            step: Step::Chip,
            event: "UseManualEntry"
        })
    );
}

#[test]
fn start_while_running_is_refused() {
    let mut desk = Desk::new();
    desk.start();
    assert!(desk.try_send(Event::Start { camera: true }).is_err());
}
