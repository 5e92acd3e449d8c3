//! The station camera over V4L2: open the configured camera (by path or by USB id), refuse
//! anything else (injection resistance), negotiate MJPEG or YUYV at ≥ 640×480, stream with mmap
//! buffers, decode to RGB and hand `idgate_face::Frame`s to the face step through
//! `idgate_face::FrameSource`. An unplugged camera is a typed error; [`ReconnectingCamera`]
//! reopens it when it comes back.

mod convert;
mod device;
mod format;
mod reconnect;
mod sysfs;

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use convert::{decode_mjpeg, yuyv_to_rgb};
pub use device::V4l2Camera;
pub use format::{PixelFormat, choose_format};
pub use reconnect::ReconnectingCamera;
pub use sysfs::{SYSFS_ROOT, UsbId, VideoNode, enumerate, resolve};

/// Which camera the station uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraSelector {
    /// A device path, ideally a stable one such as `/dev/v4l/by-path/…-video-index0`
    /// (bound to a physical USB port) or `/dev/v4l/by-id/…`.
    Path(PathBuf),
    /// A USB camera by vendor and product id, and serial number if it reports one.
    Usb(UsbId),
}

impl FromStr for CameraSelector {
    type Err = String;

    /// `/dev/...` → a path; `046d:0825` or `046d:0825:SERIAL` → a USB id.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with('/') {
            return Ok(CameraSelector::Path(PathBuf::from(s)));
        }
        s.parse::<UsbId>().map(CameraSelector::Usb)
    }
}

impl std::fmt::Display for CameraSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CameraSelector::Path(p) => write!(f, "{}", p.display()),
            CameraSelector::Usb(id) => write!(f, "{id}"),
        }
    }
}

/// Camera settings (the `[camera]` table of the daemon's configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CameraConfig {
    /// The one camera the station accepts; `None` accepts only in simulated mode (first node).
    pub device: Option<CameraSelector>,
    /// Smallest acceptable frame size; the smallest offered size at or above it is used.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Simulated mode (demos, development): virtual cameras such as v4l2loopback are allowed.
    /// Never on a production station: a virtual camera is how injected video gets in.
    pub simulated: bool,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            device: None,
            width: 640,
            height: 480,
            fps: 15,
            simulated: false,
        }
    }
}

/// The station camera as the daemon uses it: resolved and opened on first use, reopened after
/// an unplug (at most once a second), refusing anything but the configured camera.
pub fn station_camera(
    cfg: CameraConfig,
) -> ReconnectingCamera<V4l2Camera, impl FnMut() -> Result<V4l2Camera, idgate_face::CaptureError>> {
    ReconnectingCamera::new(
        move || V4l2Camera::open(&cfg),
        std::time::Duration::from_secs(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_configured_camera_the_station_camera_refuses() {
        use idgate_face::{CaptureError, FrameSource};
        // No device configured and not simulated: refused before any device is touched.
        let mut cam = station_camera(CameraConfig::default());
        assert!(matches!(cam.next_frame(), Err(CaptureError::Refused(_))));
    }

    #[test]
    fn selectors_parse_paths_and_usb_ids() {
        assert_eq!(
            "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0".parse::<CameraSelector>(),
            Ok(CameraSelector::Path(PathBuf::from(
                "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0"
            )))
        );
        assert_eq!(
            "046d:0825:A1B2C3".parse::<CameraSelector>(),
            Ok(CameraSelector::Usb(UsbId {
                vendor: 0x046d,
                product: 0x0825,
                serial: Some("A1B2C3".into())
            }))
        );
        assert!("webcam".parse::<CameraSelector>().is_err());
        assert_eq!(
            "046d:0825".parse::<CameraSelector>().map(|s| s.to_string()),
            Ok("046d:0825".into())
        );
    }
}
