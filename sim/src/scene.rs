//! What the simulated person is doing, decided only from what the station shows them: each
//! session [`Status`] (step and guidance code), exactly what a real person reads on the screen.
//! The station's jobs know nothing of it.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use idgate_api::{Guidance, Step};
use idgate_flow::Status;

/// What the simulated person shows the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    Nothing = 0,
    DataPage = 1,
    Face = 2,
}

/// Shared between the station's status observer (which writes what the person was asked) and
/// the simulated camera and hands (which act on it).
#[derive(Debug, Default)]
pub struct SceneControl {
    scene: AtomicU8,
    /// 0 none, 1 move closer, 2 move back.
    prompt: AtomicU8,
    /// The chip step is on: the passport belongs on the reader.
    chip_wanted: AtomicBool,
}

impl SceneControl {
    /// Reacts to one status as a cooperative person would: holds up the data page during the
    /// code step, puts the passport on the reader during the chip step, looks into the camera
    /// (moving closer or back when asked) during the face step, and steps away otherwise.
    pub fn follow(&self, status: &Status) {
        let scene = match status.step {
            Step::Code => Scene::DataPage,
            Step::Face => Scene::Face,
            Step::Idle | Step::Chip | Step::Result => Scene::Nothing,
        };
        if self.scene() != scene {
            self.scene.store(scene as u8, Ordering::Relaxed);
            self.prompt.store(0, Ordering::Relaxed);
        }
        match status.guidance {
            Guidance::FaceMoveCloser => self.prompt.store(1, Ordering::Relaxed),
            Guidance::FaceMoveBack => self.prompt.store(2, Ordering::Relaxed),
            _ => {}
        }
        self.chip_wanted
            .store(status.step == Step::Chip, Ordering::Relaxed);
    }

    pub fn scene(&self) -> Scene {
        match self.scene.load(Ordering::Relaxed) {
            1 => Scene::DataPage,
            2 => Scene::Face,
            _ => Scene::Nothing,
        }
    }

    /// The liveness movement asked for last in this face step.
    pub fn prompt(&self) -> Option<Guidance> {
        match self.prompt.load(Ordering::Relaxed) {
            1 => Some(Guidance::FaceMoveCloser),
            2 => Some(Guidance::FaceMoveBack),
            _ => None,
        }
    }

    pub fn chip_wanted(&self) -> bool {
        self.chip_wanted.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(step: Step, guidance: Guidance) -> Status {
        Status {
            step,
            guidance,
            progress: -1.0,
        }
    }

    #[test]
    fn the_person_does_what_each_step_asks_and_nothing_else() {
        let person = SceneControl::default();
        assert_eq!(person.scene(), Scene::Nothing);
        person.follow(&status(Step::Code, Guidance::CodeShowPage));
        assert_eq!(person.scene(), Scene::DataPage);
        assert!(!person.chip_wanted());
        person.follow(&status(Step::Chip, Guidance::ChipPlace));
        assert_eq!(person.scene(), Scene::Nothing);
        assert!(person.chip_wanted());
        person.follow(&status(Step::Face, Guidance::FaceMoveCloser));
        assert_eq!(person.scene(), Scene::Face);
        assert!(!person.chip_wanted(), "the passport is taken back");
        assert_eq!(person.prompt(), Some(Guidance::FaceMoveCloser));
        person.follow(&status(Step::Face, Guidance::FaceMoveBack));
        assert_eq!(person.prompt(), Some(Guidance::FaceMoveBack));
        person.follow(&status(Step::Result, Guidance::FlowVerified));
        assert_eq!(person.scene(), Scene::Nothing);
        assert_eq!(person.prompt(), None);
    }

    #[test]
    fn a_new_face_step_starts_without_an_old_prompt() {
        let person = SceneControl::default();
        person.follow(&status(Step::Face, Guidance::FaceMoveCloser));
        person.follow(&status(Step::Code, Guidance::CodeShowPage));
        person.follow(&status(Step::Face, Guidance::FaceHoldStill));
        assert_eq!(person.prompt(), None);
    }
}
