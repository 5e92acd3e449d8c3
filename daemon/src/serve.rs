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
use crate::bus::{StationIface, StationProps};
use crate::config::Config;
use crate::devices::{ChipSettings, Devices};
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

/// Serves until SIGINT/SIGTERM.
pub async fn serve(cfg: Config, opts: ServeOptions, trust: TrustStore) -> anyhow::Result<()> {
    let (request_tx, requests) = mpsc::channel(64);
    let (device_tx, device_events) = mpsc::unbounded_channel();
    let station_props = Arc::new(Mutex::new(StationProps {
        simulated: opts.simulated,
        ..StationProps::default()
    }));

    let builder = match &opts.bus_address {
        Some(address) => zbus::connection::Builder::address(address.as_str()),
        None => zbus::connection::Builder::system(),
    };
    let conn = builder
        .serve_at(
            STATION_PATH,
            StationIface::new(request_tx.clone(), station_props.clone()),
        )
        .name(BUS_NAME)
        .build()
        .await
        .context("cannot serve io.idgate.Station on the bus")?;
    tracing::info!(
        bus = opts.bus_address.as_deref().unwrap_or("system"),
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
    let mut devices = Devices::new(
        device_tx,
        ChipSettings {
            trust: Arc::new(trust),
            deadline: Duration::from_secs(cfg.chip.timeout_secs),
        },
        stop_monitors.clone(),
        opts.simulated,
    );
    devices
        .watch_reader(&cfg.reader.name_pattern)
        .context("cannot start the reader monitor")?;

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
    });

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("SIGTERM handler")?;
    tokio::select! {
        () = station.run() => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
        _ = terminate.recv() => tracing::info!("terminated"),
    }
    stop_monitors.store(true, Ordering::Relaxed);
    Ok(())
}
