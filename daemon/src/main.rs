//! idgated: owns the NFC reader and the camera and serves the verification flow over D-Bus.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use idgated::audit::{AuditStore, Limits};
use idgated::config::{Config, DEFAULT_PATH};
use idgated::serve::{ServeOptions, load_trust, serve};

#[derive(Debug, Parser)]
#[command(
    name = "idgated",
    version,
    about = "The idgate identity-verification station daemon"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve io.idgate.Station on the bus.
    Run {
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Connect to this bus address instead of the system bus.
        #[arg(long, value_name = "ADDRESS")]
        bus_address: Option<String>,
        /// Simulated devices: a private pcscd with a virtual passport and a replay camera.
        #[arg(long)]
        simulate: bool,
        /// With --simulate: the live face is a different person than the passport's.
        #[arg(long, requires = "simulate")]
        simulate_mismatch: bool,
    },
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Face tools for staff (JSON out; exit 3 when there is no usable face).
    Face {
        #[command(subcommand)]
        command: FaceCommand,
    },
    /// Checks that this station is ready: runtime, models, pcscd, reader, camera, trust store,
    /// bus. One line per check; non-zero exit when one fails.
    Selftest {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Check this bus instead of the system bus.
        #[arg(long, value_name = "ADDRESS")]
        bus_address: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum FaceCommand {
    /// Faces, quality measures and guidance of one image.
    Check {
        image: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Similarity of the primary faces of two images, with the station's threshold.
    Compare {
        first: PathBuf,
        second: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Checks a configuration file; errors name the line and field.
    Check { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// One line per session: id, start, outcome, final code.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Read this store instead of the configured one.
        #[arg(long)]
        path: Option<PathBuf>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Every record as JSON (one object per line).
    Export {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        path: Option<PathBuf>,
        /// The only format (kept explicit so scripts state it).
        #[arg(long)]
        json: bool,
    },
    /// Writes records as fast as it can, printing "committed ID" after each flush (crash tests).
    #[command(hide = true)]
    Stress {
        #[arg(long)]
        path: PathBuf,
        #[arg(long, default_value_t = 1000)]
        count: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("idgated: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The configuration: the given file, else the packaged default path if present, else defaults.
fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None if Path::new(DEFAULT_PATH).exists() => Ok(Config::load(Path::new(DEFAULT_PATH))?),
        None => Ok(Config::default()),
    }
}

fn audit_store(config: Option<&Path>, path: Option<PathBuf>) -> anyhow::Result<AuditStore> {
    let cfg = load_config(config)?;
    let path = path.unwrap_or(cfg.audit.path.clone());
    let limits = Limits {
        retention: std::time::Duration::from_secs(u64::from(cfg.audit.retention_days) * 86_400),
        max_records: cfg.audit.max_records,
        max_bytes: cfg.audit.max_bytes,
    };
    Ok(AuditStore::open(&path, limits)?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            config,
            bus_address,
            simulate,
            simulate_mismatch,
        } => {
            let sink = idgated::logging::init();
            let cfg = load_config(config.as_deref())?;
            tracing::info!(
                logs = sink,
                version = env!("CARGO_PKG_VERSION"),
                "idgated starting"
            );
            // The simulation starts first: it points this process's PC/SC at its private pcscd.
            let sim = if simulate {
                Some(idgated::simulate::start(&idgated::simulate::SimOptions {
                    specimen_dir: idgated::simulate::SimOptions::specimen_dir_from_env(),
                    font: cfg.code.ocr_font.clone(),
                    mismatch: simulate_mismatch,
                    engine: idgated::serve::face_engine_config(&cfg),
                })?)
            } else {
                None
            };
            let trust = if sim.is_some() {
                idgate_emrtd::passive_auth::TrustStore::new()
            } else {
                load_trust(&cfg)
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("tokio runtime")?;
            runtime.block_on(serve(
                cfg,
                ServeOptions {
                    bus_address,
                    simulated: sim.is_some(),
                },
                trust,
                sim,
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => match Config::load(&file) {
            Ok(_) => {
                println!("{}: ok", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(2))
            }
        },
        Command::Audit { command } => audit(command),
        Command::Face { command } => face(command),
        Command::Selftest {
            config,
            bus_address,
        } => {
            let cfg = load_config(config.as_deref())?;
            let checks = idgated::selftest::run(&cfg, bus_address.as_deref());
            Ok(if idgated::selftest::print(&checks) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// Exit code when an image holds no usable face.
const NO_FACE: u8 = 3;

fn face(command: FaceCommand) -> anyhow::Result<ExitCode> {
    let (config, images) = match &command {
        FaceCommand::Check { image, config } => (config, vec![image.clone()]),
        FaceCommand::Compare {
            first,
            second,
            config,
        } => (config, vec![first.clone(), second.clone()]),
    };
    let cfg = load_config(config.as_deref())?;
    let engine = idgate_face::Engine::new(idgated::serve::face_engine_config(&cfg))?;
    let loaded = images
        .iter()
        .map(|p| idgate_face::load_image(p).with_context(|| format!("{}", p.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    match (command, loaded.as_slice()) {
        (FaceCommand::Check { .. }, [img]) => {
            let report = idgate_face::check_image(&engine, img)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(if report.usable {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(NO_FACE)
            })
        }
        (FaceCommand::Compare { .. }, [a, b]) => match idgate_face::compare_images(&engine, a, b) {
            Ok(report) => {
                println!("{}", serde_json::to_string_pretty(&report)?);
                Ok(ExitCode::SUCCESS)
            }
            Err(idgate_face::CompareError::NoFace(which)) => {
                println!(
                    "{}",
                    serde_json::json!({ "error": "no_face", "image": which })
                );
                Ok(ExitCode::from(NO_FACE))
            }
            Err(e) => Err(e.into()),
        },
        _ => anyhow::bail!("wrong number of images"),
    }
}

fn audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::List { config, path, json } => {
            let store = audit_store(config.as_deref(), path)?;
            for r in store.list()? {
                if json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "{}  {}  {:<12} {:<20} {} ms",
                        r.id,
                        r.started_unix_ms,
                        r.outcome,
                        r.guidance,
                        r.ended_unix_ms.saturating_sub(r.started_unix_ms)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { config, path, json } => {
            if !json {
                anyhow::bail!("export writes JSON only: pass --json");
            }
            let store = audit_store(config.as_deref(), path)?;
            for r in store.list()? {
                println!("{}", serde_json::to_string(&r)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Stress { path, count } => {
            use std::io::Write as _;
            let store = AuditStore::open(
                &path,
                Limits {
                    retention: std::time::Duration::from_secs(86_400),
                    max_records: u64::MAX,
                    max_bytes: u64::MAX,
                },
            )?;
            let mut out = std::io::stdout().lock();
            for n in 0..count {
                let record = idgated::audit::AuditRecord {
                    session: n,
                    started_unix_ms: idgated::audit::now_unix_ms(),
                    ended_unix_ms: idgated::audit::now_unix_ms(),
                    outcome: "cancelled".into(),
                    guidance: "flow.cancelled".into(),
                    ..Default::default()
                };
                let id = store.commit(record)?;
                writeln!(out, "committed {id}")?;
                out.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
