//! A desk to drive the flow in tests: a flow, a clock we move by hand, and readers for commands.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use idgate_api::{CheckResult, ChipAccess, CodeSource, Guidance, Step};
use idgate_flow::{
    AccessKey, ChipReport, Command, Event, FaceVerdict, Flow, FlowConfig, FlowError, Report, RunId,
};
use idgate_mrz::ChipAccessKey;

pub struct Desk {
    pub flow: Flow,
    pub now: Instant,
}

impl Desk {
    pub fn new() -> Self {
        Self::with(FlowConfig::default())
    }

    pub fn with(cfg: FlowConfig) -> Self {
        Self {
            flow: Flow::new(cfg),
            now: Instant::now(),
        }
    }

    pub fn send(&mut self, event: Event) -> Vec<Command> {
        self.flow
            .handle(self.now, event)
            .expect("the event fits the step")
    }

    pub fn try_send(&mut self, event: Event) -> Result<Vec<Command>, FlowError> {
        self.flow.handle(self.now, event)
    }

    /// Lets `secs` pass and ticks.
    pub fn wait(&mut self, secs: u64) -> Vec<Command> {
        self.now += Duration::from_secs(secs);
        self.send(Event::Tick)
    }

    /// Starts with a camera and returns the OCR run.
    pub fn start(&mut self) -> RunId {
        ocr_run(&self.send(Event::Start { camera: true })).expect("OCR started")
    }

    /// Drives to the chip step (code read by the camera) and returns the chip run.
    pub fn reach_chip(&mut self) -> RunId {
        let run = self.start();
        chip_run(&self.send(Event::CodeRead { run, key: key() })).expect("chip read started")
    }

    /// Drives to the face step with a genuine chip and returns the face run.
    pub fn reach_face(&mut self) -> RunId {
        let run = self.reach_chip();
        face_run(&self.send(Event::ChipDone {
            run,
            result: Ok(genuine_chip()),
        }))
        .expect("face started")
    }
}

/// ICAO 9303 Part 11 Appendix D.2's specimen fields (a test key, not a person).
pub fn key() -> AccessKey {
    AccessKey::Mrz(ChipAccessKey::new("L898902C", "690806", "940623").expect("valid"))
}

pub fn genuine_chip() -> ChipReport {
    ChipReport {
        access: ChipAccess::Pace,
        files: vec!["EF.COM".into(), "EF.SOD".into(), "DG1".into(), "DG2".into()],
        dg1_matches_code: CheckResult::Passed,
        passive_auth: CheckResult::Passed,
        chip_auth: CheckResult::Passed,
        active_auth: CheckResult::NotSupported,
    }
}

pub fn live_match() -> FaceVerdict {
    FaceVerdict {
        score: 0.62,
        threshold: 0.363,
        matched: true,
        liveness: CheckResult::Passed,
    }
}

pub fn no_match() -> FaceVerdict {
    FaceVerdict {
        score: 0.12,
        threshold: 0.363,
        matched: false,
        liveness: CheckResult::Passed,
    }
}

pub fn ocr_run(cmds: &[Command]) -> Option<RunId> {
    cmds.iter().find_map(|c| match c {
        Command::StartOcr { run } => Some(*run),
        _ => None,
    })
}

pub fn chip_run(cmds: &[Command]) -> Option<RunId> {
    cmds.iter().find_map(|c| match c {
        Command::StartChipRead { run, .. } => Some(*run),
        _ => None,
    })
}

pub fn face_run(cmds: &[Command]) -> Option<RunId> {
    cmds.iter().find_map(|c| match c {
        Command::StartFace { run } => Some(*run),
        _ => None,
    })
}

/// The statuses emitted, as (step, code).
pub fn statuses(cmds: &[Command]) -> Vec<(Step, Guidance)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Status(s) => Some((s.step, s.guidance)),
            _ => None,
        })
        .collect()
}

pub fn finished(cmds: &[Command]) -> Option<&Report> {
    cmds.iter().find_map(|c| match c {
        Command::Finished(r) => Some(r.as_ref()),
        _ => None,
    })
}

pub fn has(cmds: &[Command], wanted: &Command) -> bool {
    cmds.iter().any(|c| c == wanted)
}

pub fn manual(source: CodeSource) -> Event {
    Event::CodeEntered { key: key(), source }
}
