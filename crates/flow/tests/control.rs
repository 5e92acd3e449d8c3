//! Cancel, retry, device faults and the end states, in any step.

mod common;

use common::*;
use idgate_api::{Guidance, Outcome, Step};
use idgate_flow::{Command, Event, Flow, FlowConfig, FlowError};

#[test]
fn cancel_in_each_step_stops_its_device_and_finishes_cancelled() {
    type Drive = fn(&mut Desk);
    let cases: [(Drive, Command); 3] = [
        (
            |d| {
                d.start();
            },
            Command::StopOcr,
        ),
        (
            |d| {
                d.reach_chip();
            },
            Command::StopChipRead,
        ),
        (
            |d| {
                d.reach_face();
            },
            Command::StopFace,
        ),
    ];
    for (drive, stop) in cases {
        let mut desk = Desk::new();
        drive(&mut desk);
        let cmds = desk.send(Event::Cancel);
        assert_eq!(cmds.first(), Some(&stop));
        assert_eq!(statuses(&cmds), [(Step::Result, Guidance::FlowCancelled)]);
        let report = finished(&cmds).expect("finished");
        assert_eq!(report.outcome, Outcome::Cancelled);
        assert_eq!(report.alternatives, None);
        assert_eq!(desk.flow.next_deadline(), None, "no clock left running");
    }
}

#[test]
fn cancel_with_nothing_running_is_refused() {
    let mut desk = Desk::new();
    assert_eq!(
        desk.try_send(Event::Cancel),
        Err(FlowError::WrongStep {
            step: Step::Idle,
            event: "Cancel"
        })
    );
    let run = desk.reach_face();
    desk.send(Event::FaceDone {
        run,
        verdict: live_match(),
    });
    assert!(desk.try_send(Event::Cancel).is_err());
}

#[test]
fn retry_after_a_result_starts_a_fresh_verification() {
    let mut desk = Desk::new();
    let run = desk.reach_face();
    desk.send(Event::FaceDone {
        run,
        verdict: live_match(),
    });
    let cmds = desk.send(Event::Retry);
    assert!(ocr_run(&cmds).is_some());
    assert_eq!(desk.flow.step(), Step::Code);
    assert_eq!(desk.flow.attempts(), 1);
    assert_eq!(
        desk.try_send(Event::FaceDone {
            run,
            verdict: live_match()
        }),
        Ok(vec![]),
        "the old face run is stale"
    );
}

/// Code, chip and face runs of one verification up to the face step.
fn all_runs(desk: &mut Desk) -> [idgate_flow::RunId; 3] {
    let code = desk.start();
    let chip = chip_run(&desk.send(Event::CodeRead {
        run: code,
        key: key(),
    }))
    .expect("chip");
    let face = face_run(&desk.send(Event::ChipDone {
        run: chip,
        result: Ok(genuine_chip()),
    }))
    .expect("face");
    [code, chip, face]
}

#[test]
fn the_next_sessions_flow_never_reuses_a_run_id_of_an_earlier_session() {
    // Session A reaches the face step, then its claim ends (its jobs may still be ending).
    let mut a = Desk::new();
    let a_runs = all_runs(&mut a);
    // Session B's flow continues the numbering: every device run it starts is new.
    let mut b = Desk {
        flow: Flow::continuing(FlowConfig::default(), a.flow.runs_issued()),
        now: a.now,
    };
    let b_runs = all_runs(&mut b);
    for run in b_runs {
        assert!(
            !a_runs.contains(&run),
            "{run:?} was also a run of session A"
        );
    }
    // A late chip result of session A does not move session B's chip step.
    let mut c = Desk {
        flow: Flow::continuing(FlowConfig::default(), b.flow.runs_issued()),
        now: b.now,
    };
    c.reach_chip();
    for run in a_runs.into_iter().chain(b_runs) {
        assert_eq!(
            c.try_send(Event::ChipDone {
                run,
                result: Ok(genuine_chip()),
            }),
            Ok(vec![]),
            "{run:?} is stale in the later session"
        );
    }
    assert_eq!(c.flow.step(), Step::Chip);
}

#[test]
fn retry_in_a_step_restarts_it_and_counts_an_attempt() {
    let mut desk = Desk::new();
    let first = desk.reach_chip();
    let cmds = desk.send(Event::Retry);
    assert_eq!(cmds.first(), Some(&Command::StopChipRead));
    let second = chip_run(&cmds).expect("restarted");
    assert_ne!(first, second);
    assert_eq!(desk.flow.attempts(), 2);
    desk.send(Event::Retry);
    let cmds = desk.send(Event::Retry);
    assert_eq!(
        finished(&cmds).map(|r| r.guidance),
        Some(Guidance::FlowAlternatives),
        "retries cannot wear the limit down"
    );
}

#[test]
fn a_device_fault_ends_in_ask_staff() {
    let mut desk = Desk::new();
    desk.reach_chip();
    let cmds = desk.send(Event::DeviceFault);
    assert_eq!(cmds.first(), Some(&Command::StopChipRead));
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.guidance, Guidance::FlowStationFault);
    assert_eq!(report.outcome, Outcome::NotVerified);
    assert_eq!(report.alternatives, None);
}

#[test]
fn a_stale_jobs_fault_is_ignored_and_the_current_jobs_fault_ends_in_ask_staff() {
    // Session A's face job, stopped when its claim ended, reports its camera gone late.
    let mut a = Desk::new();
    let [_, _, a_face] = all_runs(&mut a);
    let mut b = Desk {
        flow: Flow::continuing(FlowConfig::default(), a.flow.runs_issued()),
        now: a.now,
    };
    let b_face = b.reach_face();
    assert_eq!(b.try_send(Event::JobFault { run: a_face }), Ok(vec![]));
    assert_eq!(b.flow.step(), Step::Face, "the stale fault changed nothing");
    let cmds = b.send(Event::JobFault { run: b_face });
    assert_eq!(cmds.first(), Some(&Command::StopFace));
    let report = finished(&cmds).expect("finished");
    assert_eq!(report.guidance, Guidance::FlowStationFault);
}

#[test]
fn every_transition_emits_a_status_with_a_code() {
    let mut desk = Desk::new();
    let mut all = Vec::new();
    let run = ocr_run(&{
        let c = desk.send(Event::Start { camera: true });
        all.extend(statuses(&c));
        c
    })
    .expect("ocr");
    let c = desk.send(Event::CodeRead { run, key: key() });
    all.extend(statuses(&c));
    let run = chip_run(&c).expect("chip");
    let c = desk.send(Event::ChipDone {
        run,
        result: Ok(genuine_chip()),
    });
    all.extend(statuses(&c));
    let run = face_run(&c).expect("face");
    let c = desk.send(Event::FaceDone {
        run,
        verdict: live_match(),
    });
    all.extend(statuses(&c));
    assert_eq!(
        all,
        [
            (Step::Code, Guidance::CodeShowPage),
            (Step::Chip, Guidance::ChipPlace),
            (Step::Face, Guidance::FaceNone),
            (Step::Result, Guidance::FlowVerified),
        ]
    );
}

#[test]
fn ticks_before_a_deadline_do_nothing() {
    let mut desk = Desk::new();
    desk.reach_face();
    let deadline = desk
        .flow
        .next_deadline()
        .expect("the face step has a clock");
    assert_eq!(deadline - desk.now, std::time::Duration::from_secs(30));
    assert!(desk.wait(29).is_empty());
}
