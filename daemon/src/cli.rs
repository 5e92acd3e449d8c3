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
    /// The code step by hand: check typed MRZ lines or read the MRZ of images (JSON out).
    Mrz {
        #[command(subcommand)]
        command: MrzCommand,
    },
    /// The chip step by hand: the PC/SC readers as the station sees them, and one full chip read
    /// with every security check (JSON out).
    Chip {
        #[command(subcommand)]
        command: ChipCommand,
    },
    /// The CSCA trust store (`[chip] trust_store`): list, import master lists, verify.
    Trust {
        #[command(subcommand)]
        command: TrustCommand,
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

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// The PC/SC readers: card present, its ATR, virtual or not, and the one the configuration
    /// picks (`*`). Looks only; never connects to a card. Exit 1 when pcscd is not reachable.
    Readers {
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
        /// One JSON object per reader and line
        /// (`reader, card, atr, state, virtual, chosen, refused`).
        #[arg(long)]
        json: bool,
    },
    /// Reads the passport on READER as the station does and prints one JSON object: reader, atr,
    /// access, files (size, read time), dg1, dg2 (format and size, never pixels), apdus, ms, and
    /// security (dg_hashes, sod_signature, ds_chain, ds_revocation, chip_auth, active_auth: each
    /// pass, fail or not_supported with a reason), and pki (the named certificate steps behind
    /// ds_chain and ds_revocation). The report is printed also when a check fails. Exit 0 all passed, 2 a check failed, 3 the chip could not be opened or read, 1 a
    /// reader fault. The MRZ data is printed (you asked for it) and never logged.
    #[command(group(clap::ArgGroup::new("key").required(true).args(["mrz", "doc", "can"])))]
    Read {
        /// The reader's PC/SC name (see `idgated chip readers`).
        #[arg(long)]
        reader: String,
        /// The MRZ lines, separated by a newline (or a literal `\n`).
        #[arg(long, value_name = "LINES")]
        mrz: Option<String>,
        /// Document number (with --birth and --expiry).
        #[arg(long, value_name = "N", requires_all = ["birth", "expiry"])]
        doc: Option<String>,
        /// Date of birth, YYMMDD.
        #[arg(long, value_name = "YYMMDD", requires = "doc")]
        birth: Option<String>,
        /// Date of expiry, YYMMDD.
        #[arg(long, value_name = "YYMMDD", requires = "doc")]
        expiry: Option<String>,
        /// The Card Access Number (PACE only).
        #[arg(long, value_name = "NNNNNN")]
        can: Option<String>,
        /// Trust store directory [default: the configuration's `[chip] trust_store`].
        #[arg(long, value_name = "DIR")]
        trust: Option<PathBuf>,
        /// A CSCA master list to trust for this read, after its signature chain is verified.
        #[arg(long, value_name = "FILE")]
        masterlist: Vec<PathBuf>,
        /// A CRL to check the DS certificate against.
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// The stored CSCAs and pinned master-list signers, one JSON object a line: role, subject,
    /// country, not_before, not_after, fingerprint (SHA-256).
    List {
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Adds the CSCAs of master lists after verifying each list's signature chain to an anchor
    /// already in the store (a CSCA or a pinned master-list signer); prints what was added and
    /// refuses (exit 2) what it cannot verify, a list that vouches only for itself included.
    Import {
        /// CSCA master lists (CMS SignedData, ICAO 9303-12).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Checks every stored certificate (validity now; CSCAs: basicConstraints CA, keyUsage
    /// keyCertSign; master-list signers: digitalSignature) and names the bad ones (exit 2 when
    /// any is bad).
    Verify {
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Faces, quality measures and guidance of one image.
    Check {
        /// A JPEG, PNG, WebP or JPEG 2000 image (read in memory only; nothing is stored).
        image: PathBuf,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Similarity of the face in the first image (e.g. a chip photo) with the face in each
    /// further image, with the station's threshold: one JSON object per line
    /// (`file, score, threshold, same`, or `file, error, reason`). Exit 3 if any image had no
    /// usable face or could not be read.
    Compare {
        /// The first image (JPEG, PNG, WebP or JPEG 2000; format read from the content).
        first: PathBuf,
        /// The images compared with the first.
        #[arg(required = true)]
        others: Vec<PathBuf>,
        /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Checks MRZ lines read from stdin: one JSON object (format, fields, checks); exit 0 when
    /// valid, 2 when not (with one line on stderr saying why).
    Check,
    /// Reads the MRZ of each image: one JSON object per image per line (file, found, format,
    /// fields, checks, lines, confidence, reason); exit 0 when every image gave a verified MRZ,
    /// 3 when one did not, 1 when a file could not be read as an image.
    Ocr {
        /// JPEG or PNG images (read in memory only; nothing is stored).
        #[arg(required = true)]
        images: Vec<PathBuf>,
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
}

/// Which audit store a command reads.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Configuration file [default: /etc/idgate/idgated.toml if it exists, else built-in defaults].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Read this store instead of the configured one (never locked: a private copy is read).
    #[arg(long)]
    pub path: Option<PathBuf>,
}
