//! Finding V4L2 nodes and their USB parents in sysfs, so the station opens only the configured
//! camera and never a virtual one. Every function takes the sysfs root, so tests run on fixture
//! directories.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use idgate_face::CaptureError;
use serde::{Deserialize, Serialize};

use super::CameraSelector;

/// The real sysfs mount.
pub const SYSFS_ROOT: &str = "/sys";

/// A USB device identity: vendor and product id, and the serial string if the device has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UsbId {
    pub vendor: u16,
    pub product: u16,
    pub serial: Option<String>,
}

impl FromStr for UsbId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, ':');
        let hex = |p: Option<&str>, what: &str| -> Result<u16, String> {
            let p =
                p.ok_or_else(|| format!("{s:?}: missing {what} (expected VVVV:PPPP[:SERIAL])"))?;
            if p.len() != 4 {
                return Err(format!("{s:?}: {what} must be 4 hex digits"));
            }
            u16::from_str_radix(p, 16).map_err(|_| format!("{s:?}: {what} is not hex"))
        };
        let vendor = hex(parts.next(), "vendor id")?;
        let product = hex(parts.next(), "product id")?;
        let serial = parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(UsbId {
            vendor,
            product,
            serial,
        })
    }
}

impl std::fmt::Display for UsbId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor, self.product)?;
        if let Some(s) = &self.serial {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

/// One `/sys/class/video4linux/videoN` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoNode {
    /// `video0`
    pub name: String,
    /// `/dev/video0`
    pub dev_path: PathBuf,
    /// The driver's name for the device (sysfs `name`).
    pub label: String,
    /// Node index within its device (UVC: 0 = video, 1 = metadata).
    pub index: u32,
    /// The USB device it hangs off, if any.
    pub usb: Option<UsbId>,
    /// No physical parent device (v4l2loopback, vivid, …): a source of injected video.
    pub is_virtual: bool,
}

fn read_attr(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Walks up from the node's `device` link to the first directory with `idVendor`/`idProduct`
/// (the USB device; `device` itself is the USB interface).
fn usb_parent(device: &Path, sysfs_root: &Path) -> Option<UsbId> {
    let mut dir = std::fs::canonicalize(device).ok()?;
    for _ in 0..6 {
        if let (Some(v), Some(p)) = (read_attr(&dir, "idVendor"), read_attr(&dir, "idProduct")) {
            return Some(UsbId {
                vendor: u16::from_str_radix(&v, 16).ok()?,
                product: u16::from_str_radix(&p, 16).ok()?,
                serial: read_attr(&dir, "serial").filter(|s| !s.is_empty()),
            });
        }
        if !dir.pop() || !dir.starts_with(sysfs_root) {
            break;
        }
    }
    None
}

fn read_node(sysfs_root: &Path, class_entry: &Path) -> Option<VideoNode> {
    let name = class_entry.file_name()?.to_str()?.to_owned();
    let resolved = std::fs::canonicalize(class_entry).ok()?;
    let device = resolved.join("device");
    let has_parent = device.exists();
    let usb = if has_parent {
        usb_parent(&device, sysfs_root)
    } else {
        None
    };
    let canonical_root =
        std::fs::canonicalize(sysfs_root).unwrap_or_else(|_| sysfs_root.to_path_buf());
    let under_virtual = resolved.starts_with(canonical_root.join("devices/virtual"));
    Some(VideoNode {
        dev_path: PathBuf::from("/dev").join(&name),
        label: read_attr(&resolved, "name").unwrap_or_default(),
        index: read_attr(&resolved, "index")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        usb,
        is_virtual: !has_parent || under_virtual,
        name,
    })
}

/// All V4L2 nodes under `sysfs_root/class/video4linux`, sorted by name.
pub fn enumerate(sysfs_root: &Path) -> Vec<VideoNode> {
    let class = sysfs_root.join("class/video4linux");
    let Ok(entries) = std::fs::read_dir(&class) else {
        return Vec::new();
    };
    let mut nodes: Vec<VideoNode> = entries
        .filter_map(Result::ok)
        .filter_map(|e| read_node(sysfs_root, &e.path()))
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    nodes
}

/// The node the configuration names, refusing virtual devices unless `simulated`.
///
/// For a path, symlinks (`/dev/v4l/by-path/…`) are resolved to `/dev/videoN` first.
/// For a USB id, the first video-index-0 node of a USB device with that vendor, product (and
/// serial, if configured) is chosen.
pub fn resolve(
    sysfs_root: &Path,
    selector: Option<&CameraSelector>,
    simulated: bool,
) -> Result<VideoNode, CaptureError> {
    let nodes = enumerate(sysfs_root);
    let node = match selector {
        Some(CameraSelector::Path(p)) => {
            let real = std::fs::canonicalize(p)
                .map_err(|e| CaptureError::NotFound(format!("{}: {e}", p.display())))?;
            let name = real
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            nodes.into_iter().find(|n| n.name == name).ok_or_else(|| {
                CaptureError::NotFound(format!(
                    "{} ({}) is not a V4L2 node",
                    p.display(),
                    real.display()
                ))
            })?
        }
        Some(CameraSelector::Usb(want)) => nodes
            .into_iter()
            .filter(|n| n.index == 0)
            .find(|n| {
                n.usb.as_ref().is_some_and(|u| {
                    u.vendor == want.vendor
                        && u.product == want.product
                        && (want.serial.is_none() || u.serial == want.serial)
                })
            })
            .ok_or_else(|| CaptureError::NotFound(format!("no USB camera {want}")))?,
        None if simulated => nodes
            .into_iter()
            .find(|n| n.index == 0)
            .ok_or_else(|| CaptureError::NotFound("no V4L2 device".into()))?,
        None => {
            return Err(CaptureError::Refused(
                "no camera configured: set camera.device to a USB id or a /dev/v4l/by-path link"
                    .into(),
            ));
        }
    };
    if node.is_virtual && !simulated {
        tracing::warn!(
            node = %node.dev_path.display(),
            label = %node.label,
            "refusing virtual camera: it has no physical parent in sysfs (v4l2loopback or similar can inject video)"
        );
        return Err(CaptureError::Refused(format!(
            "{} ({}) is a virtual camera",
            node.dev_path.display(),
            node.label
        )));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A sysfs tree with one UVC camera on USB (video0 capture, video1 metadata) and one
    /// v4l2loopback device (video7), laid out as the kernel does.
    fn fixture() -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        let usb = r.join("devices/pci0000:00/0000:00:14.0/usb1/1-2");
        let intf = usb.join("1-2:1.0");
        for (n, idx) in [("video0", "0"), ("video1", "1")] {
            let node = intf.join("video4linux").join(n);
            std::fs::create_dir_all(&node).expect("mkdir");
            std::fs::write(node.join("name"), "HD Webcam C525\n").expect("write");
            std::fs::write(node.join("index"), format!("{idx}\n")).expect("write");
            symlink("../../../1-2:1.0", node.join("device")).expect("symlink");
        }
        std::fs::write(usb.join("idVendor"), "046d\n").expect("write");
        std::fs::write(usb.join("idProduct"), "0826\n").expect("write");
        std::fs::write(usb.join("serial"), "7C8E1A2F\n").expect("write");
        let virt = r.join("devices/virtual/video4linux/video7");
        std::fs::create_dir_all(&virt).expect("mkdir");
        std::fs::write(virt.join("name"), "Dummy video device (0x0000)\n").expect("write");
        std::fs::write(virt.join("index"), "0\n").expect("write");
        let class = r.join("class/video4linux");
        std::fs::create_dir_all(&class).expect("mkdir");
        symlink(
            "../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/video4linux/video0",
            class.join("video0"),
        )
        .expect("symlink");
        symlink(
            "../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/video4linux/video1",
            class.join("video1"),
        )
        .expect("symlink");
        symlink(
            "../../devices/virtual/video4linux/video7",
            class.join("video7"),
        )
        .expect("symlink");
        t
    }

    fn c525(serial: Option<&str>) -> CameraSelector {
        CameraSelector::Usb(UsbId {
            vendor: 0x046d,
            product: 0x0826,
            serial: serial.map(str::to_owned),
        })
    }

    #[test]
    fn enumerates_usb_and_virtual_nodes() {
        let t = fixture();
        let nodes = enumerate(t.path());
        let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["video0", "video1", "video7"]);
        assert_eq!(
            nodes[0].usb,
            Some("046d:0826:7C8E1A2F".parse().expect("id"))
        );
        assert!(!nodes[0].is_virtual);
        assert_eq!(nodes[1].index, 1);
        assert!(nodes[2].is_virtual && nodes[2].usb.is_none());
        assert_eq!(nodes[2].dev_path, PathBuf::from("/dev/video7"));
    }

    #[test]
    fn a_usb_id_selects_the_capture_node_of_that_camera() {
        let t = fixture();
        let n = resolve(t.path(), Some(&c525(None)), false).expect("found");
        assert_eq!(n.name, "video0");
        let n = resolve(t.path(), Some(&c525(Some("7C8E1A2F"))), false).expect("found");
        assert_eq!(n.name, "video0");
    }

    #[test]
    fn a_different_serial_or_product_is_not_found() {
        let t = fixture();
        assert!(matches!(
            resolve(t.path(), Some(&c525(Some("OTHER"))), false),
            Err(CaptureError::NotFound(_))
        ));
        let other = CameraSelector::Usb("046d:0825".parse().expect("id"));
        assert!(matches!(
            resolve(t.path(), Some(&other), false),
            Err(CaptureError::NotFound(_))
        ));
    }

    #[test]
    fn a_virtual_camera_is_refused_unless_simulated() {
        let t = fixture();
        let dev = t.path().join("dev");
        std::fs::create_dir_all(dev.join("v4l/by-id")).expect("mkdir");
        std::fs::write(dev.join("video7"), "").expect("node");
        symlink("../../video7", dev.join("v4l/by-id/loopback")).expect("symlink");
        let sel = CameraSelector::Path(dev.join("v4l/by-id/loopback"));
        assert!(matches!(
            resolve(t.path(), Some(&sel), false),
            Err(CaptureError::Refused(_))
        ));
        assert_eq!(
            resolve(t.path(), Some(&sel), true).expect("simulated").name,
            "video7"
        );
    }

    #[test]
    fn a_by_path_link_resolves_to_its_node() {
        let t = fixture();
        let dev = t.path().join("dev");
        std::fs::create_dir_all(dev.join("v4l/by-path")).expect("mkdir");
        std::fs::write(dev.join("video0"), "").expect("node");
        let link = dev.join("v4l/by-path/pci-0000:00:14.0-usb-0:2:1.0-video-index0");
        symlink("../../video0", &link).expect("symlink");
        let n = resolve(t.path(), Some(&CameraSelector::Path(link)), false).expect("found");
        assert_eq!(n.name, "video0");
        assert!(n.usb.is_some());
    }

    #[test]
    fn nothing_configured_is_refused_outside_simulated_mode() {
        let t = fixture();
        assert!(matches!(
            resolve(t.path(), None, false),
            Err(CaptureError::Refused(_))
        ));
        assert_eq!(resolve(t.path(), None, true).expect("first").name, "video0");
    }

    #[test]
    fn usb_ids_parse_and_reject_garbage() {
        assert!("046d".parse::<UsbId>().is_err());
        assert!("046d:08zz".parse::<UsbId>().is_err());
        assert!("46d:825".parse::<UsbId>().is_err());
        assert_eq!("046D:0825:".parse::<UsbId>().map(|u| u.serial), Ok(None));
    }
}
