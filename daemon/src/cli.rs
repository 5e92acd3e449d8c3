//! The command line of `idgated`, shared by the binary and by the generators of its manual pages
//! and shell completions (`cargo xtask docs`), so the documentation cannot drift from the parser.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "idgated",
    version,
    about = "The idgate identity-verification station daemon"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve io.idgate.Station on the bus.
    Run {
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Connect to this bus address instead of the system bus.
        #[arg(long, value_name = "ADDRESS")]
        bus_address: Option<String>,
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
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Check this bus instead of the system bus.
        #[arg(long, value_name = "ADDRESS")]
        bus_address: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Faces, quality measures and guidance of one image.
    Check {
        /// A JPEG or PNG image (read in memory only; nothing is stored).
        image: PathBuf,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Similarity of the primary faces of two images, with the station's threshold.
    Compare {
        /// The first image (JPEG or PNG).
        first: PathBuf,
        /// The second image.
        second: PathBuf,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Checks a configuration file; errors name the line and field.
    Check {
        /// The file to check, e.g. /etc/idgate/idgated.toml.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// One line per session: id, start, outcome, final code.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Every record as JSON (one object per line).
    Export {
        #[command(flatten)]
        store: StoreArgs,
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

/// Which audit store a command reads.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Read this store instead of the configured one.
    #[arg(long)]
    pub path: Option<PathBuf>,
}
