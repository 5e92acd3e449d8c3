//! `idgated run`: connect to the bus, start the devices and the station actor, serve until a
//! signal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use idgate_api::names::{BUS_NAME, STATION_PATH};
use idgate_emrtd::passive_auth::TrustStore;
use tokio::sync::mpsc;

use crate::audit::{AuditStore, Limits};
use crate::bus::{Authority, StationIface, StationProps};
use crate::config::Config;
use crate::devices::{CameraHandle, ChipSettings, Devices, FaceEngine, FaceSettings};
use crate::simulate::Simulation;
use crate::station::{Station, StationParts};

/// How `run` was asked to serve.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// A bus address (tests, the simulated station); the system bus otherwise.
    pub bus_address: Option<String>,
    pub simulated: bool,
}

/// Loads the CSCA trust store; a missing or broken store leaves it empty, so Passive
/// Authentication cannot pass and every chip ends in "ask staff" (never a silent pass).
pub fn load_trust(cfg: &Config) -> TrustStore {
    let dir = &cfg.chip.trust_store;
    match TrustStore::load_dir(dir) {
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

/// Serves until SIGINT/SIGTERM.
pub async fn serve(
    cfg: Config,
    opts: ServeOptions,
    trust: TrustStore,
    sim: Option<Simulation>,
) -> anyhow::Result<()> {
    let (request_tx, requests) = mpsc::channel(64);
    let (device_tx, device_events) = mpsc::unbounded_channel();
    let station_props = Arc::new(Mutex::new(StationProps {
        simulated: opts.simulated,
        ..StationProps::default()
    }));

    let authority = Authority::new(cfg.bus.authorize(opts.bus_address.is_some()));
    let builder = match &opts.bus_address {
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
        bus = opts.bus_address.as_deref().unwrap_or("system"),
        authorize = ?authority.mode(),
        "serving {BUS_NAME}"
    );

    let audit = {
        let path = cfg.audit.path.clone();
        let limits = Limits {
            retention: Duration::from_secs(u64::from(cfg.audit.retention_days) * 86_400),
            max_records: cfg.audit.max_records,
            max_bytes: cfg.audit.max_bytes,
        };
        tokio::task::spawn_blocking(move || AuditStore::open(&path, limits))
            .await
            .context("audit store")??
    };

    let stop_monitors = Arc::new(AtomicBool::new(false));
    let (trust, reader_pattern, camera) = match &sim {
        Some(sim) => (
            sim.trust.clone(),
            sim.reader_name.clone(),
            Some(sim.camera.clone()),
        ),
        None => (
            trust,
            cfg.reader.name_pattern.clone(),
            station_camera(&cfg, stop_monitors.clone()),
        ),
    };
    let mut engine_cfg = face_engine_config(&cfg);
    if sim.is_some() {
        // The simulated camera replays photographs, which passive anti-spoofing rightly scores
        // as not live; the simulated station shows liveness through the challenge alone.
        engine_cfg.passive_pad = false;
        tracing::info!("simulated camera: passive PAD off, liveness by challenge");
    }
    let mut devices = Devices::new(
        device_tx,
        ChipSettings {
            trust: Arc::new(trust),
            deadline: Duration::from_secs(cfg.chip.timeout_secs),
        },
        FaceEngine::new(engine_cfg),
        FaceSettings {
            frames: cfg.face.frames as usize,
            challenge: cfg.face.challenge,
            pad_threshold: cfg.face.pad_threshold,
        },
        stop_monitors.clone(),
        opts.simulated,
    );
    devices
        .watch_reader(&reader_pattern)
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
        audit: Some(audit),
        authority,
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
    drop(sim);
    Ok(())
}
