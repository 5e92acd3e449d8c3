//! idgated: owns the NFC reader and the camera and serves the verification flow over D-Bus.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use idgated::cli::{
    AuditCommand, ChipCommand, Cli, Command, ConfigCommand, FaceCommand, MrzCommand, StoreArgs,
    TrustCommand,
};
use idgated::config::{Config, DEFAULT_PATH};
use idgated::serve::{Backend, serve};

fn main() -> ExitCode {
    // Started as the locked-down chip-image decoder: decodes and exits here.
    idgated::sandbox::child_main();
    // No core dump of a process that holds MRZ data, chip keys or face images — also when run
    // outside systemd (whose unit sets LimitCORE=0): not dumpable also keeps ptrace by other
    // processes of the same user away and makes /proc/PID/* root's.
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        eprintln!("idgated: cannot turn core dumps off: {e}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`… | head`): nothing is wrong, end quietly.
        Err(e) if closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idgated: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes one line to stdout, reporting a write error (such as a closed pipe) instead of panicking
/// as `println!` does.
fn emit(line: impl std::fmt::Display) -> std::io::Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{line}")
}

fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The configuration: the given file, else the packaged default path if present, else defaults.
fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None if Path::new(DEFAULT_PATH).exists() => Ok(Config::load(Path::new(DEFAULT_PATH))?),
        None => Ok(Config::default()),
    }
}

/// Exit code of `audit list|export` when some records could not be read (they are named on
/// stderr and skipped; the others are printed).
const UNREADABLE_RECORDS: u8 = 3;

/// The records of the configured (or given) store, read from a private copy so the daemon, which
/// holds the store, is never blocked; unreadable records are named on stderr.
fn audit_listing(args: &StoreArgs) -> anyhow::Result<(Vec<idgated::audit::AuditRecord>, bool)> {
    let cfg = load_config(args.config.as_deref())?;
    let path = args.path.clone().unwrap_or(cfg.audit.path.clone());
    let listing = idgated::audit::read_snapshot(&path)?;
    for bad in &listing.unreadable {
        eprintln!(
            "idgated: audit record {} cannot be read ({}); skipped",
            bad.key, bad.error
        );
    }
    Ok((listing.records, listing.unreadable.is_empty()))
}

fn listing_code(complete: bool) -> ExitCode {
    if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(UNREADABLE_RECORDS)
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            config,
            bus_address,
        } => {
            let sink = idgated::logging::init();
            let cfg = load_config(config.as_deref())?;
            tracing::info!(
                logs = sink,
                version = env!("CARGO_PKG_VERSION"),
                "idgated starting"
            );
            let backend = Backend::from_config(&cfg, bus_address);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                // Few blocking jobs run at once (audit commits, model loads); the unit's TasksMax
                // is sized from this cap.
                .max_blocking_threads(16)
                .enable_all()
                .build()
                .context("tokio runtime")?;
            runtime.block_on(serve(cfg, backend))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => match Config::load(&file) {
            Ok(cfg) => {
                let weak = idgated::config::weaknesses(&cfg);
                if weak.is_empty() {
                    println!("{}: ok", file.display());
                    return Ok(ExitCode::SUCCESS);
                }
                println!(
                    "{}: valid, but {} setting(s) weaken the station:",
                    file.display(),
                    weak.len()
                );
                for w in &weak {
                    println!("warning: {w}");
                }
                Ok(ExitCode::from(WEAKENED))
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::from(2))
            }
        },
        Command::Audit { command } => audit(command),
        Command::Face { command } => face(command),
        Command::Mrz { command } => mrz(command),
        Command::Chip { command } => chip(command),
        Command::Trust { command } => trust(command),
        Command::Selftest {
            config,
            bus_address,
        } => {
            let cfg = load_config(config.as_deref())?;
            let checks = idgated::selftest::run(&cfg, bus_address.as_deref());
            Ok(match idgated::selftest::print(&checks) {
                idgated::selftest::Verdict::Ok => ExitCode::SUCCESS,
                idgated::selftest::Verdict::Warn => ExitCode::from(WEAKENED),
                idgated::selftest::Verdict::Fail => ExitCode::FAILURE,
            })
        }
    }
}

fn mrz(command: MrzCommand) -> anyhow::Result<ExitCode> {
    use idgated::mrz_cli;
    let code = match command {
        MrzCommand::Check => mrz_cli::check(std::io::stdin().lock(), &mut std::io::stdout())?,
        MrzCommand::Ocr { images, config } => {
            let cfg = load_config(config.as_deref())?;
            let reader = idgate_mrz::ocr::MrzReader::new(&cfg.code.ocr_font)?;
            mrz_cli::ocr(&reader, &images, &mut std::io::stdout())?
        }
    };
    Ok(ExitCode::from(code))
}

fn chip(command: ChipCommand) -> anyhow::Result<ExitCode> {
    match command {
        ChipCommand::Readers { config, json } => {
            let cfg = load_config(config.as_deref())?;
            let lines = idgated::chip_cli::readers(&cfg.reader.policy())?;
            for line in &lines {
                if json {
                    emit(serde_json::to_string(line)?)?;
                } else {
                    emit(idgated::chip_cli::table_line(line))?;
                }
            }
            if lines.is_empty() && !json {
                emit("no readers (is the reader plugged in? `systemctl status pcscd`)")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ChipCommand::Read {
            reader,
            mrz,
            doc,
            birth,
            expiry,
            can,
            trust,
            masterlist,
            crl,
            config,
        } => {
            use idgated::chip_read;
            let cfg = load_config(config.as_deref())?;
            let key = chip_read::access_key(
                mrz.as_deref(),
                doc.as_deref(),
                birth.as_deref(),
                expiry.as_deref(),
                can.as_deref(),
            )?;
            let dir = trust.unwrap_or(cfg.chip.trust_store.clone());
            let store = chip_read::trust(dir.exists().then_some(dir.as_path()), &masterlist, &crl)?;
            let (report, code) = chip_read::read(&reader, key, store);
            emit(serde_json::to_string_pretty(&report)?)?;
            Ok(ExitCode::from(code))
        }
    }
}

fn trust(command: TrustCommand) -> anyhow::Result<ExitCode> {
    use idgated::trust_cli;
    match command {
        TrustCommand::List { config } => {
            let cfg = load_config(config.as_deref())?;
            let store = trust_cli::load(&cfg.chip.trust_store)?;
            for line in trust_cli::list(&store) {
                emit(serde_json::to_string(&line)?)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TrustCommand::Import { files, config } => {
            let cfg = load_config(config.as_deref())?;
            let lines = trust_cli::import(&cfg.chip.trust_store, &files)?;
            for line in &lines {
                emit(serde_json::to_string(line)?)?;
                if let Some(why) = &line.refused {
                    eprintln!("idgated: {} refused: {why}", line.file);
                }
            }
            Ok(if lines.iter().any(|l| l.refused.is_some()) {
                ExitCode::from(trust_cli::REFUSED)
            } else {
                ExitCode::SUCCESS
            })
        }
        TrustCommand::Verify { config } => {
            let cfg = load_config(config.as_deref())?;
            let store = trust_cli::load(&cfg.chip.trust_store)?;
            let lines = trust_cli::verify(&store, std::time::SystemTime::now());
            for line in &lines {
                emit(serde_json::to_string(line)?)?;
            }
            Ok(if lines.iter().all(|l| l.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(trust_cli::REFUSED)
            })
        }
    }
}

/// Exit code of `config check` and `selftest` when the station works but a setting weakens it
/// (or, for selftest, something else deserves a look): distinct from ok (0), a failure (1) and an
/// invalid file (2).
const WEAKENED: u8 = 4;

/// Exit code when an image holds no usable face.
const NO_FACE: u8 = 3;

fn face(command: FaceCommand) -> anyhow::Result<ExitCode> {
    let load = |p: &Path| idgate_face::load_image(p).with_context(|| format!("{}", p.display()));
    match command {
        FaceCommand::Check { image, config } => {
            let cfg = load_config(config.as_deref())?;
            let engine = idgate_face::Engine::new(idgated::serve::face_engine_config(&cfg))?;
            let report = idgate_face::check_image(&engine, &load(&image)?)?;
            emit(serde_json::to_string_pretty(&report)?)?;
            Ok(if report.usable {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(NO_FACE)
            })
        }
        FaceCommand::Compare {
            first,
            others,
            config,
        } => {
            let cfg = load_config(config.as_deref())?;
            let engine = idgate_face::Engine::new(idgated::serve::face_engine_config(&cfg))?;
            let reference = load(&first)?;
            let images = others
                .iter()
                .map(|p| (p.display().to_string(), idgate_face::load_image(p)));
            match idgate_face::compare_many(&engine, &reference, images) {
                Ok(lines) => {
                    for line in &lines {
                        emit(serde_json::to_string(line)?)?;
                    }
                    Ok(if lines.iter().all(|l| l.compared()) {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(NO_FACE)
                    })
                }
                Err(idgate_face::CompareError::NoFace(_)) => {
                    emit(
                        serde_json::json!({ "file": first.display().to_string(), "error": "no_face", "reason": "no usable face in the first image" }),
                    )?;
                    Ok(ExitCode::from(NO_FACE))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

fn audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::List { store, json } => {
            let (records, complete) = audit_listing(&store)?;
            for r in records {
                if json {
                    emit(serde_json::to_string(&r)?)?;
                } else {
                    emit(format_args!(
                        "{}  {}  {:<12} {:<20} {} ms",
                        r.id,
                        r.started_unix_ms,
                        r.outcome,
                        r.guidance,
                        r.ended_unix_ms.saturating_sub(r.started_unix_ms)
                    ))?;
                }
            }
            Ok(listing_code(complete))
        }
        AuditCommand::Export { store, json } => {
            if !json {
                anyhow::bail!("export writes JSON only: pass --json");
            }
            let (records, complete) = audit_listing(&store)?;
            for r in records {
                emit(serde_json::to_string(&r)?)?;
            }
            Ok(listing_code(complete))
        }
    }
}
