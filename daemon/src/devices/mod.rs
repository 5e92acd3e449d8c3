//! The devices behind the flow's commands: the reader (chip read), the camera (OCR, face). Each
//! job runs on a thread of its own — PC/SC transmits and inference block — and reports back over
//! a channel as flow events tagged with the job's run id. Stopping a job sets its cancel flag;
//! the job ends at its next device call and its late results are ignored by the flow.

mod camera;
mod chip;
mod face;
mod ocr;
mod photo;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use idgate_api::{PreviewBox, Step};
use idgate_flow::{AccessKey, Event, RunId};
use tokio::sync::mpsc::UnboundedSender;

use crate::audit::DeviceIds;
use crate::reader::ReaderWatch;

pub use camera::CameraHandle;
pub use chip::ChipSettings;
pub use face::{FaceEngine, FaceSettings};

/// A small frame for the `Preview` signal.
#[derive(Debug, Clone)]
pub struct Preview {
    pub run: RunId,
    pub step: Step,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub boxes: Vec<PreviewBox>,
}

/// What device threads tell the station actor. `Debug` leaves out the OCR lines (MRZ data) and
/// the frames.
pub enum DeviceEvent {
    Flow(Event),
    ReaderPresent(bool),
    CameraPresent(bool),
    /// OCR lines so far (MRZ data: passed to the owner's bus signal only, never logged).
    CodeLines {
        run: RunId,
        lines: Vec<String>,
        marks: Vec<String>,
    },
    Preview(Preview),
}

impl std::fmt::Debug for DeviceEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceEvent::Flow(event) => f.debug_tuple("Flow").field(event).finish(),
            DeviceEvent::ReaderPresent(p) => f.debug_tuple("ReaderPresent").field(p).finish(),
            DeviceEvent::CameraPresent(p) => f.debug_tuple("CameraPresent").field(p).finish(),
            DeviceEvent::CodeLines { run, lines, marks } => f
                .debug_struct("CodeLines")
                .field("run", run)
                .field("lines", &format_args!("<{} lines redacted>", lines.len()))
                .field("marks", &marks.len())
                .finish(),
            DeviceEvent::Preview(p) => f
                .debug_struct("Preview")
                .field("run", &p.run)
                .field("step", &p.step)
                .field("size", &(p.width, p.height))
                .finish_non_exhaustive(),
        }
    }
}

/// Which devices are there now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStatus {
    pub reader_present: bool,
    pub camera_present: bool,
}

/// How often the camera's presence flag is looked at for changes.
const CAMERA_PRESENCE_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// A running job: its run, its cancel flag and its thread.
struct Job {
    run: RunId,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Job {
    fn stop(mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        // Not joined: a thread blocked in a device call ends on its own; its results are stale.
        drop(self.thread.take());
    }
}

/// The chip photo (DG2, decoded) kept in memory between the chip and face steps only, writable
/// only by the chip read of the current run.
pub type ChipPhoto = Arc<photo::PhotoSlot>;

/// The station's devices.
pub struct Devices {
    events: UnboundedSender<DeviceEvent>,
    reader: Option<ReaderWatch>,
    chip: ChipSettings,
    camera: Option<CameraHandle>,
    ocr_reader: Option<Arc<idgate_mrz::ocr::MrzReader>>,
    face_engine: FaceEngine,
    face_settings: FaceSettings,
    simulated: bool,
    photo: ChipPhoto,
    ocr: Option<Job>,
    chip_job: Option<Job>,
    face: Option<Job>,
    stop_monitors: Arc<AtomicBool>,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices")
            .field("reader", &self.reader.as_ref().and_then(|r| r.current()))
            .field("camera", &self.camera)
            .field("simulated", &self.simulated)
            .finish_non_exhaustive()
    }
}

impl Devices {
    pub fn new(
        events: UnboundedSender<DeviceEvent>,
        chip: ChipSettings,
        face_engine: FaceEngine,
        face_settings: FaceSettings,
        stop_monitors: Arc<AtomicBool>,
        simulated: bool,
    ) -> Self {
        Self {
            events,
            reader: None,
            chip,
            camera: None,
            ocr_reader: None,
            face_engine,
            face_settings,
            simulated,
            photo: Arc::new(photo::PhotoSlot::default()),
            ocr: None,
            chip_job: None,
            face: None,
            stop_monitors,
        }
    }

    /// Starts following the PC/SC reader the policy accepts.
    pub fn watch_reader(&mut self, policy: crate::reader::ReaderPolicy) -> std::io::Result<()> {
        let events = self.events.clone();
        let watch =
            crate::reader::spawn_monitor(policy, self.stop_monitors.clone(), move |present| {
                let _ = events.send(DeviceEvent::ReaderPresent(present));
            })?;
        self.reader = Some(watch);
        Ok(())
    }

    /// Uses `camera` for the code and face steps, and tells the station whenever its presence
    /// changes (the camera's monitor only sets the flag: without this the bus would keep saying
    /// what it said at start).
    pub fn set_camera(&mut self, camera: CameraHandle) {
        let present = camera.present.clone();
        self.camera = Some(camera);
        let events = self.events.clone();
        let stop = self.stop_monitors.clone();
        let mut told = present.load(Ordering::Relaxed);
        let _ = events.send(DeviceEvent::CameraPresent(told));
        let watcher = std::thread::Builder::new()
            .name("camera-presence".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(CAMERA_PRESENCE_POLL);
                    let now = present.load(Ordering::Relaxed);
                    if now != told {
                        told = now;
                        tracing::info!(present = now, "camera presence changed");
                        if events.send(DeviceEvent::CameraPresent(now)).is_err() {
                            return;
                        }
                    }
                }
            });
        if let Err(e) = watcher {
            self.fault(&format!("cannot follow the camera's presence: {e}"));
        }
    }

    /// Enables camera OCR of the code (without it the code is typed).
    pub fn set_ocr_reader(&mut self, reader: Arc<idgate_mrz::ocr::MrzReader>) {
        self.ocr_reader = Some(reader);
    }

    /// Whether the code step can use the camera.
    pub fn ocr_available(&self) -> bool {
        self.ocr_reader.is_some() && self.status().camera_present
    }

    pub fn status(&self) -> DeviceStatus {
        DeviceStatus {
            reader_present: self.reader.as_ref().is_some_and(|r| r.current().is_some()),
            camera_present: self
                .camera
                .as_ref()
                .is_some_and(|c| c.present.load(Ordering::Relaxed)),
        }
    }

    pub fn ids(&self) -> DeviceIds {
        DeviceIds {
            reader: self.reader.as_ref().and_then(|r| r.current()),
            camera: self.camera.as_ref().map(|c| c.id.clone()),
            simulated: self.simulated,
        }
    }

    /// Whether `run` is the run of a job still going (for signals that bypass the flow).
    pub fn is_current_run(&self, run: RunId) -> bool {
        [&self.ocr, &self.chip_job, &self.face]
            .iter()
            .any(|j| j.as_ref().is_some_and(|j| j.run == run))
    }

    fn fault(&self, why: &str) {
        tracing::warn!("device fault: {why}");
        let _ = self.events.send(DeviceEvent::Flow(Event::DeviceFault));
    }

    /// Runs `job` on a thread of its own; `None` (and a device fault) when no thread can start.
    fn start_job(
        &self,
        name: &str,
        run: RunId,
        cancel: Arc<AtomicBool>,
        job: impl FnOnce() + Send + 'static,
    ) -> Option<Job> {
        match std::thread::Builder::new().name(name.into()).spawn(job) {
            Ok(thread) => Some(Job {
                run,
                cancel,
                thread: Some(thread),
            }),
            Err(e) => {
                self.fault(&format!("cannot start {name}: {e}"));
                None
            }
        }
    }

    pub fn start_ocr(&mut self, run: RunId) {
        self.stop_ocr();
        let (Some(camera), Some(reader)) = (self.camera.clone(), self.ocr_reader.clone()) else {
            self.fault("no camera OCR for the code step");
            return;
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let job = ocr::OcrJob {
            run,
            camera,
            reader,
            cancel: cancel.clone(),
            events: self.events.clone(),
        };
        self.ocr = self.start_job("ocr", run, cancel, move || job.run());
    }

    pub fn stop_ocr(&mut self) {
        if let Some(job) = self.ocr.take() {
            job.stop();
        }
    }

    pub fn start_chip(&mut self, run: RunId, key: AccessKey) {
        self.stop_chip();
        let Some(reader) = self.reader.as_ref().and_then(|r| r.current()) else {
            self.fault("no reader for the chip step");
            return;
        };
        self.photo.open(run);
        let cancel = Arc::new(AtomicBool::new(false));
        let job = chip::ChipJob {
            run,
            key,
            reader,
            settings: self.chip.clone(),
            cancel: cancel.clone(),
            events: self.events.clone(),
            photo: self.photo.clone(),
        };
        self.chip_job = self.start_job("chip-read", run, cancel, move || job.run());
    }

    pub fn stop_chip(&mut self) {
        if let Some(job) = self.chip_job.take() {
            job.stop();
        }
    }

    pub fn start_face(&mut self, run: RunId) {
        self.stop_face();
        let Some(camera) = self.camera.clone() else {
            self.fault("no camera for the face step");
            return;
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let job = face::FaceJob {
            run,
            camera,
            engine: self.face_engine.clone(),
            settings: self.face_settings.clone(),
            photo: self.photo.clone(),
            cancel: cancel.clone(),
            events: self.events.clone(),
        };
        self.face = self.start_job("face", run, cancel, move || job.run());
    }

    /// Loads the face engine in the background so the first face step does not wait for it.
    pub fn preload_face_engine(&self) {
        let engine = self.face_engine.clone();
        let _ = std::thread::Builder::new()
            .name("face-load".into())
            .spawn(move || match engine.get() {
                Ok(_) => tracing::info!("face engine loaded"),
                Err(e) => tracing::warn!("face engine not available: {e}"),
            });
    }

    pub fn stop_face(&mut self) {
        if let Some(job) = self.face.take() {
            job.stop();
        }
    }

    pub fn stop_all(&mut self) {
        self.stop_ocr();
        self.stop_chip();
        self.stop_face();
    }

    /// Drops the chip photo (after the face step, or when the session ends).
    pub fn forget_chip_photo(&self) {
        self.photo.clear();
    }

    /// Stops every job and monitor thread.
    pub fn shutdown(&mut self) {
        self.stop_all();
        self.stop_monitors.store(true, Ordering::Relaxed);
    }
}

/// Sends a flow event from a device thread.
fn send_flow(events: &UnboundedSender<DeviceEvent>, event: Event) {
    let _ = events.send(DeviceEvent::Flow(event));
}
