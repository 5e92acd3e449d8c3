//! `cargo xtask docs --out DIR`: writes manual pages and shell completions (see the library).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "idgate build-time tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Manual pages and shell completions, in a tree laid out like /usr/share.
    Docs {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Docs { out } => {
            let files =
                xtask::generate(&out).with_context(|| format!("writing into {}", out.display()))?;
            for f in files {
                println!("{}", f.display());
            }
        }
    }
    Ok(())
}
