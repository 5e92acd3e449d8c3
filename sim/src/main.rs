//! `idgated-sim`: the station daemon on simulated devices — a private pcscd with a vpcd reader
//! holding the virtual passport of one specimen person, a simulated camera, and that person
//! following the station's statuses — through the real daemon (`idgated::serve`), the real
//! PC/SC stack and the real face and OCR engines.
//!
//! Why a binary of its own and not a cargo feature of `idgated`: the shipped daemon then cannot
//! contain the emulator, the test PKI or the test bench by construction (no feature to leave on
//! by mistake, and `daemon/tests/no_test_code.rs` checks its dependency tree). Everything the
//! simulation changes about the station is a named field of the one [`Backend`] it hands to
//! `serve`, built in [`backend`] below.
//!
//! Not a production program: `scripts/station` and the end-to-end tests run it on a private bus.

mod camera;
mod scene;
mod simulation;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use idgated::config::{Authorize, Config};
use idgated::reader::ReaderPolicy;
use idgated::serve::{Backend, CameraSource, face_engine_config, serve};

use crate::simulation::{SimOptions, Simulation};

/// The idgate station on simulated devices (development and tests; never on a real desk).
#[derive(Debug, Parser)]
#[command(name = "idgated-sim", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Serve io.idgate.Station on a private bus, like `idgated run`, on simulated devices.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Configuration file [default: built-in defaults].
    #[arg(long)]
    config: Option<PathBuf>,
    /// The (private) bus to serve on.
    #[arg(long, value_name = "ADDRESS")]
    bus_address: String,
    /// The live face is a different person than the passport's.
    #[arg(long)]
    mismatch: bool,
    /// Fault tests: when the simulator's pcscd dies, start a new one on the same socket this
    /// many seconds later (as socket activation would). Without it pcscd stays dead.
    #[arg(long, value_name = "SECS")]
    restart_pcscd_after: Option<f64>,
    /// Fault tests: the simulated camera is plugged in only while this file exists.
    #[arg(long, value_name = "FILE")]
    camera_plugged_while: Option<PathBuf>,
}

fn main() -> ExitCode {
    // The daemon's chip-image decoder runs as a child of this executable too.
    idgated::sandbox::child_main();
    let Command::Run(args) = Cli::parse().command;
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idgated-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: RunArgs) -> anyhow::Result<()> {
    let sink = idgated::logging::init();
    let cfg = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    tracing::info!(logs = sink, "idgated-sim starting");
    // Started before anything else in this process uses PC/SC: the private pcscd's socket is set
    // for this process's PC/SC client library.
    let sim = simulation::start(&SimOptions {
        specimen_dir: SimOptions::specimen_dir_from_env(),
        font: cfg.code.ocr_font.clone(),
        mismatch: cli.mismatch,
        engine: face_engine_config(&cfg),
        restart_pcscd_after: cli
            .restart_pcscd_after
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(std::time::Duration::from_secs_f64),
        camera_plugged_while: cli.camera_plugged_while.clone(),
    })?;
    let backend = backend(cli.bus_address, sim);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    runtime.block_on(serve(cfg, backend))
}

/// The station as configured, with every simulated part in its named place.
fn backend(bus_address: String, sim: Simulation) -> Backend {
    let scene = sim.scene.clone();
    Backend {
        bus_address: Some(bus_address),
        // The virtual passport is signed by a test CSCA made at start; no other is trusted.
        trust: sim.trust.clone(),
        // The private pcscd's vpcd reader, not a USB reader: a virtual one, allowed here only.
        reader: ReaderPolicy {
            patterns: vec![sim.reader_name.clone()],
            allow_virtual: true,
            virtual_names: Vec::new(),
        },
        // Frames rendered from the specimen's data page and photos.
        camera: CameraSource::Given(sim.camera.clone()),
        // Photographs are not live to passive PAD: liveness rests on the challenge here.
        passive_pad: false,
        // The private bus has no polkitd: the bus policy alone decides (named as a weakening on
        // the attendant's screen like any other).
        authorize: Authorize::PolicyOnly,
        simulated: true,
        // The person reads the screen.
        observer: Some(Box::new(move |status| scene.follow(status))),
        keep_alive: Some(Box::new(sim)),
    }
}
