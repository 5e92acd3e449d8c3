//! The simulated camera: what a cooperative person would show — the data page while the code is
//! read, their face while the face is checked (moving closer and back when asked), an empty desk
//! otherwise. Frames come at a real frame rate with real timestamps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idgate_api::Guidance;
use idgate_face::{CaptureError, Frame, FrameSource, ReplaySource, Shot};
use idgate_mrz::Mrz;
use idgate_mrz::ocr::OcrbFont;
use idgate_mrz::synth::{HandheldCamera, SceneParams};
use image::{Rgb, RgbImage};

use crate::scene::{Scene, SceneControl};

/// How fast the simulated person moves when asked (zoom per second).
const MOVE_SPEED: f32 = 0.25;
/// How much closer "closer" is than the resting distance.
const NEAR_FACTOR: f32 = 1.6;

/// Where the face is in the live photo and the zoom at which the person sits at rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Framing {
    /// Face centre, as fractions of the photo's width and height.
    pub centre: (f32, f32),
    pub zoom: f32,
}

pub struct SimCamera {
    scene: Arc<SceneControl>,
    /// The data page held up by hand: every frame a little moved, refocused, noisy.
    page: HandheldCamera,
    face: Arc<RgbImage>,
    framing: Framing,
    desk: RgbImage,
    size: (u32, u32),
    fps: f32,
    started: Instant,
    /// Frame slots since `started` (frames not read are skipped, as a real camera drops them).
    frames: u64,
    zoom: f32,
    /// Whether the camera is on its port; unplugged, every read fails as a closed V4L2 device's.
    plugged: Arc<AtomicBool>,
}

impl std::fmt::Debug for SimCamera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCamera")
            .field("size", &self.size)
            .field("fps", &self.fps)
            .finish_non_exhaustive()
    }
}

impl SimCamera {
    pub fn new(
        font: Arc<OcrbFont>,
        mrz: Mrz,
        face: RgbImage,
        framing: Framing,
        scene: Arc<SceneControl>,
        size: (u32, u32),
        fps: f32,
    ) -> Self {
        let page = HandheldCamera::new(font, mrz, SceneParams::ideal(size.0, size.1), 0x1d6a7e);
        Self {
            scene,
            page,
            face: Arc::new(face),
            framing,
            desk: RgbImage::from_pixel(size.0, size.1, Rgb([92, 84, 76])),
            size,
            fps: fps.max(1.0),
            started: Instant::now(),
            frames: 0,
            zoom: framing.zoom,
            plugged: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The camera's USB port: clear it and the camera is unplugged, set it and it is back.
    pub fn port(&self) -> Arc<AtomicBool> {
        self.plugged.clone()
    }

    fn face_frame(&mut self) -> RgbImage {
        let step = MOVE_SPEED * self.framing.zoom / self.fps;
        let (far, near) = (self.framing.zoom, self.framing.zoom * NEAR_FACTOR);
        match self.scene.prompt() {
            Some(Guidance::FaceMoveCloser) => self.zoom = (self.zoom + step).min(near),
            Some(Guidance::FaceMoveBack) => self.zoom = (self.zoom - step).max(far),
            _ => {}
        }
        let shot = Shot::Zoom {
            image: self.face.clone(),
            from: self.zoom,
            to: self.zoom,
            centre: self.framing.centre,
            duration: Duration::from_secs_f32(1.0 / self.fps),
        };
        ReplaySource::new(vec![shot], self.fps, self.size.0, self.size.1)
            .and_then(|mut r| {
                r.next_frame()
                    .map_err(|e| idgate_face::FaceError::Config(e.to_string()))
            })
            .map(|f| f.image)
            .unwrap_or_else(|_| self.desk.clone())
    }
}

impl FrameSource for SimCamera {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        if !self.plugged.load(Ordering::Relaxed) {
            // As a V4L2 device whose USB camera was pulled: the read fails (ENODEV) at once.
            return Err(CaptureError::Disconnected(
                "simulated camera unplugged".into(),
            ));
        }
        // A real camera delivers frames at its rate, and frames nobody read are gone: after a
        // pause (the chip step) the next frame is the current one, not a burst of old ones.
        let period = 1.0 / f64::from(self.fps);
        let due = self.started + Duration::from_secs_f64(self.frames as f64 * period);
        let now = Instant::now();
        match due.checked_duration_since(now) {
            Some(wait) => std::thread::sleep(wait),
            None if now.duration_since(due).as_secs_f64() > period => {
                self.frames = (self.started.elapsed().as_secs_f64() / period) as u64;
            }
            None => {}
        }
        self.frames += 1;
        let image = match self.scene.scene() {
            Scene::DataPage => self.page.next_frame(),
            Scene::Face => self.face_frame(),
            Scene::Nothing => {
                self.zoom = self.framing.zoom;
                self.desk.clone()
            }
        };
        Ok(Frame::new(image, self.started.elapsed()))
    }
}
