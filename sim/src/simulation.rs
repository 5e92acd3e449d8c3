//! The simulated devices: the whole station with no hardware, through the real stack.
//!
//! - a private `pcscd` with a `vsmartcard-vpcd` reader (idgate-testbed), which the daemon then
//!   uses over PC/SC exactly like a USB reader;
//! - a virtual passport (idgate-vpass) of ONE specimen person, personalised by the test PKI (PACE,
//!   Chip and Active Authentication, a signed EF.SOD) and inserted into that reader; its CSCA is
//!   the station's trust store;
//! - a simulated camera showing that person's data page (rendered by `idgate_mrz::synth` in
//!   OCR-B) during the code step, and their face during the face step, following the liveness
//!   prompts like a cooperative person. With `mismatch`, the live face is someone else.
//!
//! The person acts only on the statuses the station shows ([`crate::scene::SceneControl::follow`]).
//!
//! The photos come from `IDGATE_SPECIMEN_DIR` (default `.idgate/specimen`, filled by
//! `scripts/setup`); nothing here reads `../shared` and nothing is written to disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use idgate_emrtd::TrustStore;
use idgate_emrtd::lds::image::ImageFormat;
use idgate_mrz::ocr::OcrbFont;
use idgate_mrz::{MrzFields, MrzFormat, Sex};
use idgate_testbed::ReaderLease;
use idgate_vpass::security::{SecurityOptions, personalise};
use idgate_vpass::{FaceImage, Inserted, PassportProfile, VirtualPassport};
use zeroize::Zeroizing;

use idgated::devices::CameraHandle;

use crate::camera::{self, SimCamera};
use crate::scene::SceneControl;

/// The specimen person's photo on the chip, and their live faces.
const CHIP_PHOTO: &str = "obama.jpg";
const LIVE_FACE: &str = "obama2.jpg";
/// A different person, for `--simulate-mismatch`.
const OTHER_FACE: &str = "biden.jpg";

/// Simulated camera frame size and rate.
const FRAME: (u32, u32) = (640, 480);
const FPS: f32 = 10.0;

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub specimen_dir: PathBuf,
    pub font: PathBuf,
    /// The live face is not the passport holder's.
    pub mismatch: bool,
    /// To find the face in the live photo (where the simulated person stands).
    pub engine: idgate_face::EngineConfig,
    /// After pcscd died, start a new one on the same socket this much later (as socket
    /// activation would); `None`: it stays dead.
    pub restart_pcscd_after: Option<Duration>,
    /// The simulated camera is on its port only while this file exists (as a V4L2 node exists
    /// only while its camera is plugged in); `None`: always plugged.
    pub camera_plugged_while: Option<PathBuf>,
}

impl SimOptions {
    /// `IDGATE_SPECIMEN_DIR`, else `.idgate/specimen` under the current directory.
    pub fn specimen_dir_from_env() -> PathBuf {
        std::env::var_os("IDGATE_SPECIMEN_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".idgate/specimen"))
    }
}

/// The running simulation; dropping it takes the card away and frees the reader slot.
pub struct Simulation {
    pub reader_name: String,
    pub trust: TrustStore,
    pub camera: CameraHandle,
    /// What the person was last asked (the station's statuses go here).
    pub scene: Arc<SceneControl>,
    stop: Arc<AtomicBool>,
    person: Option<std::thread::JoinHandle<()>>,
    helpers: Vec<std::thread::JoinHandle<()>>,
    _lease: ReaderLease,
}

impl Drop for Simulation {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.person.take().into_iter().chain(self.helpers.drain(..)) {
            let _ = t.join();
        }
    }
}

/// Starts a new pcscd on the same socket `after` the running one died (killed, crashed).
fn pcscd_keeper(pcscd: &'static idgate_testbed::Pcscd, after: Duration, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        if !pcscd.is_running() {
            tracing::warn!("simulated station: pcscd is gone; starting a new one in {after:?}");
            std::thread::sleep(after);
            match pcscd.restart() {
                Ok(()) => tracing::info!("simulated station: pcscd started again"),
                Err(e) => tracing::warn!("simulated station: pcscd not restarted: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Follows the simulated camera's port: plugged while `file` exists. Sets what the camera reads
/// and what the station's presence flag says, as a USB camera's node coming and going would.
fn camera_port(
    file: PathBuf,
    plugged: Arc<AtomicBool>,
    present: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let now = file.exists();
        if plugged.swap(now, Ordering::Relaxed) != now {
            tracing::info!(plugged = now, "simulated camera");
        }
        present.store(now, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How long the simulated person takes to put the passport on the reader when asked, and to
/// take it back afterwards.
const PLACE_DELAY: Duration = Duration::from_millis(1500);
const LIFT_DELAY: Duration = Duration::from_millis(500);

/// The person's hands: puts the passport on the reader while the chip step wants it, takes it
/// away when the step is over (each time a fresh chip, as a passport lifted and placed again).
fn person(
    addr: std::net::SocketAddr,
    profile: PassportProfile,
    security: idgate_vpass::security::ChipSecurity,
    scene: Arc<SceneControl>,
    stop: Arc<AtomicBool>,
) {
    let mut card: Option<Inserted> = None;
    let mut since = std::time::Instant::now();
    let mut last_wanted = false;
    while !stop.load(Ordering::Relaxed) {
        let wanted = scene.chip_wanted();
        if wanted != last_wanted {
            last_wanted = wanted;
            since = std::time::Instant::now();
        }
        let waited = since.elapsed();
        if wanted && card.is_none() && waited >= PLACE_DELAY {
            match VirtualPassport::new(&profile) {
                Ok(chip) => {
                    match Inserted::insert(addr, Box::new(chip.with_security(security.clone()))) {
                        Ok(c) => card = Some(c),
                        Err(e) => tracing::warn!("simulated passport not inserted: {e}"),
                    }
                }
                Err(e) => tracing::warn!("simulated passport: {e}"),
            }
        } else if !wanted && waited >= LIFT_DELAY {
            if let Some(c) = card.take() {
                let _ = c.remove();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("reader", &self.reader_name)
            .finish_non_exhaustive()
    }
}

/// The specimen person (ICAO's Utopia, a made-up name; the data page and the chip agree).
pub fn specimen_fields() -> MrzFields {
    MrzFields {
        format: MrzFormat::Td3,
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Specimen".into(),
        secondary_identifier: "Station Person".into(),
        document_number: "IDG004211".into(),
        nationality: "UTO".into(),
        birth_date: "610804".into(),
        sex: Sex::Male,
        expiry_date: "350415".into(),
        optional_data: String::new(),
        optional_data_2: String::new(),
    }
}

/// Starts the simulated devices. Call before anything else in the process uses PC/SC: the
/// private pcscd's socket is set for this process's PC/SC client library.
pub fn start(opts: &SimOptions) -> anyhow::Result<Simulation> {
    let dir = &opts.specimen_dir;
    let chip_photo = std::fs::read(dir.join(CHIP_PHOTO)).with_context(|| {
        format!(
            "specimen photo {} (run scripts/setup, or set IDGATE_SPECIMEN_DIR)",
            dir.join(CHIP_PHOTO).display()
        )
    })?;
    let live = load_rgb(&dir.join(if opts.mismatch { OTHER_FACE } else { LIVE_FACE }))?;
    let framing = frame_face(&live, &opts.engine)?;

    let fields = specimen_fields();
    let mrz = fields.encode().context("specimen MRZ")?;

    let pcscd = idgate_testbed::pcscd().context("private pcscd for the simulated reader")?;
    let lease = pcscd
        .lease(Duration::from_secs(10))
        .context("a vpcd reader slot")?;

    let mut profile = PassportProfile::specimen();
    profile.mrz = fields;
    profile.face = chip_face(&chip_photo)?;
    profile.dg11 = None;
    // Extended length, as modern passports offer: DG2 in a few large reads instead of ~200 short ones.
    profile.chip = idgate_vpass::ChipBehaviour::modern();
    let security = personalise(&mut profile, &SecurityOptions::modern(SystemTime::now()))
        .map_err(|e| anyhow::anyhow!("personalising the virtual passport: {e}"))?;
    // Checked once here so a broken personalisation fails at start, not at the reader.
    VirtualPassport::new(&profile).map_err(|e| anyhow::anyhow!("virtual passport: {e}"))?;

    let font = OcrbFont::load(&opts.font)
        .map_err(|e| anyhow::anyhow!("OCR-B font {}: {e}", opts.font.display()))?;
    let scene = Arc::new(SceneControl::default());
    let sim_camera = SimCamera::new(
        Arc::new(font),
        mrz,
        live,
        framing,
        scene.clone(),
        FRAME,
        FPS,
    );
    let plugged = sim_camera.port();
    plugged.store(
        opts.camera_plugged_while
            .as_ref()
            .is_none_or(|f| f.exists()),
        Ordering::Relaxed,
    );
    let camera = CameraHandle::new(
        Box::new(sim_camera),
        "simulated".into(),
        plugged.load(Ordering::Relaxed),
    );

    let stop = Arc::new(AtomicBool::new(false));
    let person = {
        let (addr, stop, chip, scene) = (
            lease.vpcd_addr(),
            stop.clone(),
            security.chip,
            scene.clone(),
        );
        std::thread::Builder::new()
            .name("sim-person".into())
            .spawn(move || person(addr, profile, chip, scene, stop))
            .context("simulated person")?
    };

    let mut helpers = Vec::new();
    if let Some(after) = opts.restart_pcscd_after {
        let stop = stop.clone();
        helpers.push(
            std::thread::Builder::new()
                .name("sim-pcscd-keeper".into())
                .spawn(move || pcscd_keeper(pcscd, after, stop))
                .context("pcscd keeper")?,
        );
    }
    if let Some(file) = opts.camera_plugged_while.clone() {
        let (plugged, present, stop) = (plugged, camera.present.clone(), stop.clone());
        helpers.push(
            std::thread::Builder::new()
                .name("sim-camera-port".into())
                .spawn(move || camera_port(file, plugged, present, stop))
                .context("camera port")?,
        );
    }

    tracing::info!(
        reader = lease.reader_name(),
        mismatch = opts.mismatch,
        "simulated station: virtual passport at hand, camera simulated"
    );
    Ok(Simulation {
        reader_name: lease.reader_name().to_owned(),
        trust: security.trust,
        camera,
        scene,
        stop,
        person: Some(person),
        helpers,
        _lease: lease,
    })
}

/// Where the live photo's face is and how far to zoom so that it fills about a third of the
/// frame width, as a person sitting at the desk would.
fn frame_face(
    live: &image::RgbImage,
    engine: &idgate_face::EngineConfig,
) -> anyhow::Result<camera::Framing> {
    let engine = idgate_face::Engine::new(idgate_face::EngineConfig {
        passive_pad: false,
        ..engine.clone()
    })
    .map_err(|e| anyhow::anyhow!("face engine for the simulated camera: {e}"))?;
    let faces = engine
        .detect(live, &engine.config().still_detector)
        .map_err(|e| anyhow::anyhow!("finding the face in the live photo: {e}"))?;
    let face = faces
        .iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .ok_or_else(|| anyhow::anyhow!("the live specimen photo shows no face"))?;
    let (iw, ih) = (live.width() as f32, live.height() as f32);
    let b = face.bbox;
    // Zoom 1 shows the largest 4:3 window that fits the photo.
    let aspect = FRAME.0 as f32 / FRAME.1 as f32;
    let window_w = if iw / ih > aspect { ih * aspect } else { iw };
    Ok(camera::Framing {
        centre: ((b.x + b.w / 2.0) / iw, (b.y + b.h / 2.0) / ih),
        zoom: (0.33 * window_w / b.w.max(1.0)).max(1.0),
    })
}

fn load_rgb(path: &Path) -> anyhow::Result<image::RgbImage> {
    idgate_face::load_image(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The chip's portrait: the specimen photo scaled to a passport-photo size and re-encoded as
/// JPEG (DG2 photos are 15–30 KB), in memory only.
fn chip_face(jpeg: &[u8]) -> anyhow::Result<FaceImage> {
    let img = idgate_face::decode_image(jpeg).map_err(|e| anyhow::anyhow!("chip photo: {e}"))?;
    let width = 413u32;
    let height =
        (u64::from(width) * u64::from(img.height()) / u64::from(img.width().max(1))) as u32;
    let small = image::imageops::thumbnail(&img, width, height.max(1));
    let mut data = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, 80)
        .encode_image(&small)
        .context("encoding the chip photo")?;
    Ok(FaceImage {
        format: ImageFormat::Jpeg,
        width: u16::try_from(small.width()).unwrap_or(u16::MAX),
        height: u16::try_from(small.height()).unwrap_or(u16::MAX),
        data: Zeroizing::new(data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specimen_is_the_one_the_tests_know() {
        // Tests outside the simulator (MRZ fuzzing, the personal-data search) take the specimen
        // from the bench; this is where the two are held together.
        let mrz = specimen_fields().encode().expect("the specimen encodes");
        assert_eq!(mrz.lines(), idgate_testbed::specimen::SPECIMEN_TD3);
    }
}
