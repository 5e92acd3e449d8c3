//! The station camera as the jobs share it, and the preview frames cut from it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idgate_api::wire::{PREVIEW_MAX_FPS, PREVIEW_MAX_HEIGHT, PREVIEW_MAX_WIDTH};
use idgate_api::{PreviewBox, Step};
use idgate_face::{CaptureError, Frame, FrameSource};
use idgate_flow::{Event, RunId};
use image::RgbImage;
use tokio::sync::mpsc::UnboundedSender;

use super::{DeviceEvent, Preview, send_flow};

/// One camera, used by one job at a time (OCR or face).
#[derive(Clone)]
pub struct CameraHandle {
    source: Arc<Mutex<Box<dyn FrameSource + Send>>>,
    /// How the audit log names it (device path or USB id; never a serial of a person).
    pub id: String,
    /// Whether the camera is there (the monitor or the simulation keeps it current).
    pub present: Arc<AtomicBool>,
}

impl std::fmt::Debug for CameraHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraHandle")
            .field("id", &self.id)
            .field("present", &self.present.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl CameraHandle {
    pub fn new(source: Box<dyn FrameSource + Send>, id: String, present: bool) -> Self {
        Self {
            source: Arc::new(Mutex::new(source)),
            id,
            present: Arc::new(AtomicBool::new(present)),
        }
    }

    /// The next frame; blocks at the camera's frame rate.
    pub fn next_frame(&self) -> Result<Frame, CaptureError> {
        let mut source = self
            .source
            .lock()
            .map_err(|_| CaptureError::Disconnected("camera lock poisoned".into()))?;
        source.next_frame()
    }

    /// The next frame for a job, riding out short camera failures. `None` once the job is
    /// cancelled, or after `MAX_CAMERA_FAILURES` failures in a row: then the flow has been sent
    /// a device fault and the job should end.
    pub fn next_frame_for_job(
        &self,
        step: &str,
        run: RunId,
        cancel: &AtomicBool,
        events: &UnboundedSender<DeviceEvent>,
    ) -> Option<Frame> {
        let mut failures = 0;
        while !cancel.load(Ordering::Relaxed) {
            match self.next_frame() {
                Ok(frame) => return Some(frame),
                Err(e) => {
                    failures += 1;
                    if failures >= MAX_CAMERA_FAILURES {
                        tracing::warn!("camera failed during the {step} step: {e}");
                        // Tagged with the run: if the job was stopped meanwhile, it is stale.
                        send_flow(events, Event::JobFault { run });
                        return None;
                    }
                    std::thread::sleep(CAMERA_RETRY);
                }
            }
        }
        None
    }
}

/// Sends downscaled previews at most `PREVIEW_MAX_FPS` times a second.
#[derive(Debug)]
pub struct PreviewSender {
    run: RunId,
    step: Step,
    events: UnboundedSender<DeviceEvent>,
    last: Option<Instant>,
}

impl PreviewSender {
    pub fn new(run: RunId, step: Step, events: UnboundedSender<DeviceEvent>) -> Self {
        Self {
            run,
            step,
            events,
            last: None,
        }
    }

    /// Offers a frame and boxes in frame pixels (x, y, w, h).
    pub fn offer(&mut self, frame: &RgbImage, boxes: &[(f32, f32, f32, f32)]) {
        let period = Duration::from_millis(1000 / u64::from(PREVIEW_MAX_FPS.max(1)));
        if self.last.is_some_and(|t| t.elapsed() < period) {
            return;
        }
        self.last = Some(Instant::now());
        let (w, h) = (frame.width().max(1), frame.height().max(1));
        let scale = (PREVIEW_MAX_WIDTH as f32 / w as f32)
            .min(PREVIEW_MAX_HEIGHT as f32 / h as f32)
            .min(1.0);
        let pw = ((w as f32 * scale).round() as u32).clamp(1, PREVIEW_MAX_WIDTH);
        let ph = ((h as f32 * scale).round() as u32).clamp(1, PREVIEW_MAX_HEIGHT);
        let small = image::imageops::thumbnail(frame, pw, ph);
        let boxes: Vec<PreviewBox> = boxes
            .iter()
            .map(|&(x, y, bw, bh)| {
                (
                    (x * scale).round() as i32,
                    (y * scale).round() as i32,
                    (bw * scale).round() as i32,
                    (bh * scale).round() as i32,
                )
            })
            .collect();
        let _ = self.events.send(DeviceEvent::Preview(Preview {
            run: self.run,
            step: self.step,
            width: pw,
            height: ph,
            rgb: small.into_raw(),
            boxes,
        }));
    }
}

/// Consecutive camera failures after which a job reports a device fault.
const MAX_CAMERA_FAILURES: u32 = 20;

/// Pause after a failed frame (the reconnecting camera retries at most once a second anyway).
const CAMERA_RETRY: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    /// A camera that fails `failures` times, then delivers frames.
    struct Flaky {
        failures: u32,
    }

    impl FrameSource for Flaky {
        fn next_frame(&mut self) -> Result<Frame, CaptureError> {
            if self.failures > 0 {
                self.failures -= 1;
                return Err(CaptureError::Disconnected("unplugged".into()));
            }
            Ok(Frame::new(RgbImage::new(4, 4), Duration::ZERO))
        }
    }

    fn camera(failures: u32) -> CameraHandle {
        CameraHandle::new(Box::new(Flaky { failures }), "test".into(), true)
    }

    #[test]
    fn a_job_rides_out_fewer_failures_than_the_limit() {
        let (events, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let frame = camera(MAX_CAMERA_FAILURES - 1).next_frame_for_job(
            "code",
            RunId(1),
            &AtomicBool::new(false),
            &events,
        );
        assert!(frame.is_some());
        assert!(seen.try_recv().is_err(), "no fault reported");
    }

    #[test]
    fn a_camera_that_keeps_failing_ends_the_job_with_a_device_fault() {
        let (events, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let frame = camera(MAX_CAMERA_FAILURES).next_frame_for_job(
            "face",
            RunId(1),
            &AtomicBool::new(false),
            &events,
        );
        assert!(frame.is_none());
        assert!(matches!(
            seen.try_recv(),
            Ok(DeviceEvent::Flow(Event::JobFault { run: RunId(1) }))
        ));
    }

    #[test]
    fn a_cancelled_job_gets_no_frame_and_reports_nothing() {
        let (events, mut seen) = tokio::sync::mpsc::unbounded_channel();
        let frame = camera(0).next_frame_for_job("code", RunId(1), &AtomicBool::new(true), &events);
        assert!(frame.is_none());
        assert!(seen.try_recv().is_err());
    }
}
