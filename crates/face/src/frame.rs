//! Camera frames and the trait every frame source (camera, replay) implements.

use std::time::Duration;

use image::RgbImage;

use crate::error::CaptureError;

/// One RGB8 frame and when it was taken (time on the source's own clock, passed in).
#[derive(Clone, PartialEq)]
pub struct Frame {
    pub image: RgbImage,
    pub timestamp: Duration,
}

impl Frame {
    pub fn new(image: RgbImage, timestamp: Duration) -> Self {
        Frame { image, timestamp }
    }

    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }
}

impl std::fmt::Debug for Frame {
    // A frame is biometric data: show its shape, never its pixels.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.image.width())
            .field("height", &self.image.height())
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Anything that yields frames: a V4L2 camera in the daemon, a replayed script in tests.
pub trait FrameSource {
    /// Blocks until the next frame is available.
    fn next_frame(&mut self) -> Result<Frame, CaptureError>;
}

impl<T: FrameSource + ?Sized> FrameSource for Box<T> {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        (**self).next_frame()
    }
}
