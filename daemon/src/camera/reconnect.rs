//! Keeps a camera open across unplugging: while it is gone every call reports
//! `CaptureError::Disconnected` (the flow shows guidance), and it is reopened — resolved anew,
//! since the node number can change — once it is back.

use std::time::{Duration, Instant};

use idgate_face::{CaptureError, Frame, FrameSource};

/// Wraps an `open` function; reopens at most every `retry` after a failure.
pub struct ReconnectingCamera<S, F> {
    open: F,
    current: Option<S>,
    retry: Duration,
    last_attempt: Option<Instant>,
}

impl<S, F> std::fmt::Debug for ReconnectingCamera<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconnectingCamera")
            .field("open", &self.current.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: FrameSource, F: FnMut() -> Result<S, CaptureError>> ReconnectingCamera<S, F> {
    pub fn new(open: F, retry: Duration) -> Self {
        ReconnectingCamera {
            open,
            current: None,
            retry,
            last_attempt: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.current.is_some()
    }
}

impl<S: FrameSource, F: FnMut() -> Result<S, CaptureError>> FrameSource
    for ReconnectingCamera<S, F>
{
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        if self.current.is_none() {
            if self.last_attempt.is_some_and(|t| t.elapsed() < self.retry) {
                return Err(CaptureError::Disconnected(
                    "waiting for the camera to return".into(),
                ));
            }
            self.last_attempt = Some(Instant::now());
            match (self.open)() {
                Ok(s) => {
                    tracing::info!("camera (re)opened");
                    self.current = Some(s);
                }
                Err(CaptureError::NotFound(why)) => return Err(CaptureError::Disconnected(why)),
                Err(e) => return Err(e),
            }
        }
        let Some(cam) = self.current.as_mut() else {
            return Err(CaptureError::Disconnected("camera closed".into()));
        };
        match cam.next_frame() {
            Err(e @ (CaptureError::Disconnected(_) | CaptureError::NotFound(_))) => {
                tracing::warn!(error = %e, "camera lost; will reopen when it returns");
                self.current = None;
                self.last_attempt = Some(Instant::now());
                Err(e)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A source that yields `frames` frames, then reports an unplug.
    struct Flaky {
        left: u32,
    }

    impl FrameSource for Flaky {
        fn next_frame(&mut self) -> Result<Frame, CaptureError> {
            if self.left == 0 {
                return Err(CaptureError::Disconnected("unplugged".into()));
            }
            self.left -= 1;
            Ok(Frame::new(RgbImage::new(4, 4), Duration::ZERO))
        }
    }

    #[test]
    fn an_unplugged_camera_is_reported_then_reopened() {
        let present = Rc::new(Cell::new(true));
        let opens = Rc::new(Cell::new(0));
        let (p, o) = (present.clone(), opens.clone());
        let mut cam = ReconnectingCamera::new(
            move || {
                o.set(o.get() + 1);
                if p.get() {
                    Ok(Flaky { left: 2 })
                } else {
                    Err(CaptureError::NotFound("no USB camera 046d:0826".into()))
                }
            },
            Duration::ZERO,
        );
        assert!(cam.next_frame().is_ok());
        assert!(cam.next_frame().is_ok());
        present.set(false);
        assert!(matches!(
            cam.next_frame(),
            Err(CaptureError::Disconnected(_))
        ));
        assert!(!cam.is_open());
        assert!(
            matches!(cam.next_frame(), Err(CaptureError::Disconnected(_))),
            "still gone"
        );
        present.set(true);
        assert!(cam.next_frame().is_ok(), "back again");
        assert_eq!(opens.get(), 3);
    }

    #[test]
    fn reopening_is_rate_limited() {
        let opens = Rc::new(Cell::new(0));
        let o = opens.clone();
        let mut cam = ReconnectingCamera::new(
            move || -> Result<Flaky, CaptureError> {
                o.set(o.get() + 1);
                Err(CaptureError::NotFound("gone".into()))
            },
            Duration::from_secs(60),
        );
        for _ in 0..5 {
            assert!(matches!(
                cam.next_frame(),
                Err(CaptureError::Disconnected(_))
            ));
        }
        assert_eq!(opens.get(), 1);
    }

    #[test]
    fn a_refused_camera_stays_refused() {
        let mut cam = ReconnectingCamera::new(
            || -> Result<Flaky, CaptureError> { Err(CaptureError::Refused("virtual".into())) },
            Duration::ZERO,
        );
        assert!(matches!(cam.next_frame(), Err(CaptureError::Refused(_))));
    }
}
