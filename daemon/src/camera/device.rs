//! A V4L2 capture device streaming through mmap buffers. Reached only on real hardware: the
//! pieces it is made of (sysfs resolution, format choice, YUYV/MJPEG decoding) are unit-tested.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use idgate_face::{CaptureError, Frame, FrameSource};
use v4l::buffer::Type;
use v4l::capability::Flags;
use v4l::control::{Control, Value};
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::prelude::Device;
use v4l::video::Capture;
use v4l::video::capture::Parameters;
use v4l::{Format, FourCC};

use super::CameraConfig;
use super::convert::{decode_mjpeg, yuyv_to_rgb};
use super::format::{PixelFormat, choose_format};
use super::sysfs::{self, VideoNode};

/// V4L2_CID_EXPOSURE_AUTO (V4L2_CID_CAMERA_CLASS_BASE + 1, linux/v4l2-controls.h).
const CID_EXPOSURE_AUTO: u32 = 0x009a_0901;
/// V4L2_EXPOSURE_AUTO and V4L2_EXPOSURE_APERTURE_PRIORITY: UVC webcams offer the latter.
const EXPOSURE_AUTO: i64 = 0;
const EXPOSURE_APERTURE_PRIORITY: i64 = 3;
const BUFFERS: u32 = 4;
const FRAME_TIMEOUT: Duration = Duration::from_secs(2);

/// Maps an I/O error of a streaming device to the capture error the flow understands:
/// ENODEV/ENXIO/EIO/ESHUTDOWN mean the camera went away.
fn io_to_capture(e: &io::Error, node: &VideoNode) -> CaptureError {
    match e.raw_os_error() {
        Some(19 | 6 | 5 | 108) => {
            CaptureError::Disconnected(format!("{}: {e}", node.dev_path.display()))
        }
        Some(2) => CaptureError::NotFound(format!("{}: {e}", node.dev_path.display())),
        _ if e.kind() == io::ErrorKind::TimedOut => CaptureError::Timeout,
        _ => CaptureError::Io(format!("{}: {e}", node.dev_path.display())),
    }
}

/// An open, streaming camera.
pub struct V4l2Camera {
    node: VideoNode,
    // Declared before `_device` so the stream (which stops on drop) goes first.
    stream: Stream<'static>,
    _device: Device,
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: u32,
    opened: Instant,
}

impl std::fmt::Debug for V4l2Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V4l2Camera")
            .field("node", &self.node.dev_path)
            .field("format", &self.format)
            .field("size", &(self.width, self.height))
            .finish_non_exhaustive()
    }
}

impl V4l2Camera {
    /// Resolves the configured camera in the real sysfs and opens it.
    pub fn open(cfg: &CameraConfig) -> Result<Self, CaptureError> {
        Self::open_in(Path::new(sysfs::SYSFS_ROOT), cfg)
    }

    /// As [`V4l2Camera::open`] with another sysfs root (containers, tests of the refusal path).
    pub fn open_in(sysfs_root: &Path, cfg: &CameraConfig) -> Result<Self, CaptureError> {
        let node = sysfs::resolve(sysfs_root, cfg.device.as_ref(), cfg.simulated)?;
        let err = |e: io::Error| io_to_capture(&e, &node);
        let device = Device::with_path(&node.dev_path).map_err(err)?;
        let caps = device.query_caps().map_err(err)?;
        if !caps.capabilities.contains(Flags::VIDEO_CAPTURE)
            || !caps.capabilities.contains(Flags::STREAMING)
        {
            return Err(CaptureError::UnsupportedFormat(format!(
                "{} ({}) cannot stream video capture",
                node.dev_path.display(),
                caps.card
            )));
        }
        let mut offers = Vec::new();
        for desc in device.enum_formats().map_err(err)? {
            let sizes = device
                .enum_framesizes(desc.fourcc)
                .map_err(err)?
                .into_iter()
                .flat_map(|s| s.size.to_discrete())
                .map(|d| (d.width, d.height))
                .collect();
            offers.push((desc.fourcc.repr, sizes));
        }
        let (format, w, h) = choose_format(&offers, cfg.width, cfg.height).ok_or_else(|| {
            CaptureError::UnsupportedFormat(format!(
                "{} offers no MJPEG or YUYV at {}x{} or more",
                node.dev_path.display(),
                cfg.width,
                cfg.height
            ))
        })?;
        let set = device
            .set_format(&Format::new(w, h, FourCC::new(&format.fourcc())))
            .map_err(err)?;
        if set.fourcc.repr != format.fourcc() || set.width < cfg.width || set.height < cfg.height {
            return Err(CaptureError::UnsupportedFormat(format!(
                "{} accepted {}x{} {:?} instead",
                node.dev_path.display(),
                set.width,
                set.height,
                set.fourcc.str().unwrap_or("?")
            )));
        }
        // Frame rate and auto exposure are best effort: some cameras refuse either.
        if let Err(e) = device.set_params(&Parameters::with_fps(cfg.fps.max(1))) {
            tracing::debug!(error = %e, "camera refused the frame rate");
        }
        enable_auto_exposure(&device);
        let mut stream = Stream::with_buffers(&device, Type::VideoCapture, BUFFERS).map_err(err)?;
        stream.set_timeout(FRAME_TIMEOUT);
        tracing::info!(
            node = %node.dev_path.display(),
            usb = ?node.usb.as_ref().map(|u| u.to_string()),
            card = %caps.card,
            ?format,
            width = set.width,
            height = set.height,
            "camera opened"
        );
        Ok(V4l2Camera {
            stride: set.stride,
            width: set.width,
            height: set.height,
            node,
            stream,
            _device: device,
            format,
            opened: Instant::now(),
        })
    }

    pub fn node(&self) -> &VideoNode {
        &self.node
    }
}

fn enable_auto_exposure(device: &Device) {
    let Ok(controls) = device.query_controls() else {
        return;
    };
    let Some(desc) = controls.iter().find(|c| c.id == CID_EXPOSURE_AUTO) else {
        return;
    };
    let offered = |v: i64| {
        desc.items
            .as_ref()
            .is_some_and(|items| items.iter().any(|(i, _)| i64::from(*i) == v))
    };
    let value = if offered(EXPOSURE_APERTURE_PRIORITY) {
        EXPOSURE_APERTURE_PRIORITY
    } else if offered(EXPOSURE_AUTO) {
        EXPOSURE_AUTO
    } else {
        return;
    };
    if let Err(e) = device.set_control(Control {
        id: CID_EXPOSURE_AUTO,
        value: Value::Integer(value),
    }) {
        tracing::debug!(error = %e, "camera refused auto exposure");
    }
}

impl FrameSource for V4l2Camera {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        let (buf, meta) =
            CaptureStream::next(&mut self.stream).map_err(|e| io_to_capture(&e, &self.node))?;
        let used = (meta.bytesused as usize).min(buf.len());
        let data = buf.get(..used).unwrap_or(buf);
        let image = match self.format {
            PixelFormat::Mjpeg => decode_mjpeg(data, self.width, self.height)?,
            PixelFormat::Yuyv => yuyv_to_rgb(
                data,
                self.width,
                self.height,
                self.stride.max(self.width * 2),
            )?,
        };
        // The driver's monotonic timestamp where given, else our own clock since opening.
        let ts = &meta.timestamp;
        let timestamp = if ts.sec > 0 || ts.usec > 0 {
            Duration::from_secs(ts.sec as u64) + Duration::from_micros(ts.usec as u64)
        } else {
            self.opened.elapsed()
        };
        Ok(Frame::new(image, timestamp))
    }
}
