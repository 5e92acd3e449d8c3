//! `idgated run`: connect to the bus, start the devices and the station actor, serve until a
//! signal.
//!
//! [`serve`] takes one [`Backend`]: what the station serves with. `idgated run` builds it from the
//! configuration alone ([`Backend::from_config`]); the simulator (`idgated-sim`, a separate crate
//! and binary, so this one links no test code) builds its own, and every way it departs from a
//! real station is one named field of [`Backend`] — there is no other switch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use idgate_api::names::{BUS_NAME, STATION_PATH};
use idgate_emrtd::TrustStore;
use tokio::sync::mpsc;

use crate::audit::{AuditStore, Limits};
use crate::bus::{Authority, StationIface, StationProps};
use crate::config::{Authorize, Config, Weakness, weaknesses};
use crate::devices::{CameraHandle, ChipSettings, Devices, FaceEngine, FaceSettings};
use crate::reader::ReaderPolicy;
use crate::station::{Station, StationParts, StatusObserver};

/// Where the camera comes from.
#[derive(Debug)]
pub enum CameraSource {
    /// The configured V4L2 camera (`[camera]`), or none if none is configured.
    Configured,
    /// A camera given by the caller (the simulator's), present from the start.
    Given(CameraHandle),
}

/// What the station serves with. Built from the configuration for `idgated run`; a simulator
/// changes the named fields below and nothing else.
pub struct Backend {
    /// A bus address (tests, the simulated station); the system bus otherwise.
    pub bus_address: Option<String>,
    /// The CSCAs Passive Authentication trusts: the configured store; a simulator's test CA.
    pub trust: TrustStore,
    /// Which PC/SC reader to use: the configured rule (virtual readers refused unless
    /// configured); a simulator's private vpcd reader.
    pub reader: ReaderPolicy,
    /// The configured camera; a simulator's frame source.
    pub camera: CameraSource,
    /// Passive anti-spoofing (PAD) on each face frame. Off only for a simulated camera, which
    /// replays photographs that PAD rightly scores as not live (liveness then rests on the
    /// challenge alone).
    pub passive_pad: bool,
    /// Who may call: the configured mode (polkit unless `[bus] authorize = "policy-only"`); a
    /// simulator's private bus has no polkitd, so it is policy-only there.
    pub authorize: Authorize,
    /// Marks the station as simulated on the bus (`Simulated`) and in every audit record.
    pub simulated: bool,
    /// Told every status the station shows (a simulated person follows them as a real person
    /// follows the screen). The station's own logic never depends on it.
    pub observer: Option<StatusObserver>,
    /// Kept alive while serving and dropped after the station stopped (a simulator's private
    /// pcscd and card).
    pub keep_alive: Option<Box<dyn std::any::Any + Send>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("bus_address", &self.bus_address)
            .field("cscas", &self.trust.cscas().len())
            .field("reader", &self.reader)
            .field("camera", &self.camera)
            .field("passive_pad", &self.passive_pad)
            .field("authorize", &self.authorize)
            .field("simulated", &self.simulated)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// The real station as configured: configured trust store, reader pattern and camera,
    /// passive PAD as the face engine's default, not simulated.
    pub fn from_config(cfg: &Config, bus_address: Option<String>) -> Self {
        Self {
            bus_address,
            trust: load_trust(cfg),
            reader: cfg.reader.policy(),
            camera: CameraSource::Configured,
            passive_pad: face_engine_config(cfg).passive_pad,
            authorize: cfg.bus.authorize(),
            simulated: false,
            observer: None,
            keep_alive: None,
        }
    }
}

/// Loads the CSCA trust store; a missing or broken store leaves it empty, so Passive
/// Authentication cannot pass and every chip ends in "ask staff" (never a silent pass).
pub fn load_trust(cfg: &Config) -> TrustStore {
    let dir = &cfg.chip.trust_store;
    match TrustStore::load_dir(dir, std::time::SystemTime::now()) {
        Ok((store, problems)) => {
            for p in problems {
                tracing::warn!("trust store {}: {p}", dir.display());
            }
            tracing::info!(cscas = store.cscas().len(), "trust store {}", dir.display());
            store
        }
        Err(e) => {
            tracing::warn!("trust store {} not loaded: {e}", dir.display());
            TrustStore::new()
        }
    }
}

/// The face engine's configuration from the station's.
pub fn face_engine_config(cfg: &Config) -> idgate_face::EngineConfig {
    idgate_face::EngineConfig {
        runtime_path: cfg.face.ort_library(),
        model_dir: cfg.face.model_dir(),
        match_threshold: cfg.face.match_threshold,
        pad_threshold: cfg.face.pad_threshold,
        ..idgate_face::EngineConfig::default()
    }
}

/// The configured V4L2 camera, with a thread that keeps its presence current.
fn station_camera(cfg: &Config, stop: Arc<AtomicBool>) -> Option<CameraHandle> {
    let device = cfg.camera.device.clone()?;
    let station = cfg.camera.station();
    let selector = station.device.clone();
    let allow_virtual = station.simulated;
    let handle = CameraHandle::new(
        Box::new(crate::camera::station_camera(station)),
        device,
        false,
    );
    let present = handle.present.clone();
    let _ = std::thread::Builder::new()
        .name("camera-monitor".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let found = crate::camera::resolve(
                    std::path::Path::new(crate::camera::SYSFS_ROOT),
                    selector.as_ref(),
                    allow_virtual,
                )
                .is_ok();
                if present.swap(found, Ordering::Relaxed) != found {
                    tracing::info!(present = found, "camera");
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        });
    Some(handle)
}

/// The configuration's weakening settings and the backend's (a simulator's relaxations).
fn weakened(
    cfg: &Config,
    authorize: Authorize,
    reader: &ReaderPolicy,
    passive_pad: bool,
) -> Vec<Weakness> {
    let mut effective = cfg.clone();
    effective.bus.authorize = Some(authorize);
    effective.reader.allow_virtual = reader.allow_virtual;
    let mut out = weaknesses(&effective);
    if !passive_pad {
        out.push(Weakness {
            setting: "face.passive_pad",
            why: "off: liveness rests on the challenge alone".into(),
        });
    }
    out
}

/// Serves until SIGINT/SIGTERM.
pub async fn serve(cfg: Config, backend: Backend) -> anyhow::Result<()> {
    let Backend {
        bus_address,
        trust,
        reader,
        camera,
        passive_pad,
        authorize,
        simulated,
        observer,
        keep_alive,
    } = backend;
    let weakened = weakened(&cfg, authorize, &reader, passive_pad);
    for w in &weakened {
        tracing::warn!(setting = w.setting, "weakened: {}", w.why);
    }
    let (request_tx, requests) = mpsc::channel(64);
    let (device_tx, device_events) = mpsc::unbounded_channel();
    let station_props = Arc::new(Mutex::new(StationProps {
        simulated,
        weakened: weakened.iter().map(ToString::to_string).collect(),
        ..StationProps::default()
    }));

    // The audit store first: a station that cannot record sessions does not take the bus name,
    // and sessions a killed predecessor left open are marked before anyone can claim.
    let audit = {
        let path = cfg.audit.path.clone();
        let limits = Limits {
            retention: Duration::from_secs(u64::from(cfg.audit.retention_days) * 86_400),
            max_records: cfg.audit.max_records,
            max_bytes: cfg.audit.max_bytes,
        };
        tokio::task::spawn_blocking(move || {
            let store = AuditStore::open(&path, limits)?;
            match store.close_interrupted(crate::audit::now_unix_ms()) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(sessions = n, "audit: sessions interrupted by the last stop")
                }
                Err(e) => tracing::error!("audit: interrupted sessions not marked: {e}"),
            }
            Ok::<_, crate::audit::AuditError>(store)
        })
        .await
        .context("audit store")??
    };

    let authority = Authority::new(authorize);
    let builder = match &bus_address {
        Some(address) => zbus::connection::Builder::address(address.as_str()),
        None => zbus::connection::Builder::system(),
    };
    let conn = builder
        .serve_at(
            STATION_PATH,
            StationIface::new(request_tx.clone(), station_props.clone(), authority),
        )
        .name(BUS_NAME)
        .build()
        .await
        .context("cannot serve io.idgate.Station on the bus")?;
    tracing::info!(
        bus = bus_address.as_deref().unwrap_or("system"),
        authorize = ?authority.mode(),
        "serving {BUS_NAME}"
    );

    let stop_monitors = Arc::new(AtomicBool::new(false));
    let camera = match camera {
        CameraSource::Configured => station_camera(&cfg, stop_monitors.clone()),
        CameraSource::Given(camera) => Some(camera),
    };
    let mut engine_cfg = face_engine_config(&cfg);
    if !passive_pad {
        tracing::info!("passive PAD off: liveness by challenge only");
    }
    engine_cfg.passive_pad = passive_pad;
    let mut devices = Devices::new(
        device_tx,
        ChipSettings {
            trust: Arc::new(trust),
            deadline: Duration::from_secs(cfg.chip.timeout_secs),
            decoder: crate::sandbox::default_program(),
        },
        FaceEngine::new(engine_cfg),
        FaceSettings {
            frames: cfg.face.frames as usize,
            challenge: cfg.face.challenge,
            pad_threshold: cfg.face.pad_threshold,
        },
        stop_monitors.clone(),
        simulated,
    );
    devices
        .watch_reader(reader)
        .context("cannot start the reader monitor")?;
    if let Some(camera) = camera {
        devices.set_camera(camera);
        devices.preload_face_engine();
        let font = cfg.code.ocr_font.clone();
        match tokio::task::spawn_blocking(move || idgate_mrz::ocr::MrzReader::new(&font)).await {
            Ok(Ok(reader)) => devices.set_ocr_reader(Arc::new(reader)),
            Ok(Err(e)) => tracing::warn!(
                "camera OCR unavailable ({}: {e}); the code will be typed",
                cfg.code.ocr_font.display()
            ),
            Err(e) => tracing::warn!("camera OCR unavailable: {e}"),
        }
    }

    let shutdown = request_tx.clone();
    let station = Station::new(StationParts {
        conn: conn.clone(),
        flow: cfg.flow(),
        lang: cfg.lang(),
        devices,
        device_events,
        requests,
        request_tx,
        station_props,
        audit,
        authority,
        observer,
        idle_release: Duration::from_secs(cfg.station.idle_release_secs),
    });

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("SIGTERM handler")?;
    let actor = tokio::spawn(station.run());
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
        _ = terminate.recv() => tracing::info!("terminated"),
    }
    // A running verification is cancelled (and audited) before the daemon goes.
    let _ = shutdown.send(crate::bus::Request::Shutdown).await;
    if tokio::time::timeout(Duration::from_secs(5), actor)
        .await
        .is_err()
    {
        tracing::warn!("the station did not stop in time");
    }
    stop_monitors.store(true, Ordering::Relaxed);
    drop(keep_alive);
    Ok(())
}
