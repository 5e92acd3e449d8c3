//! Manual pages and shell completions for `idgated` and `idgate`, generated from the same clap
//! definitions the binaries parse with, so the documentation cannot drift from the programs.
//!
//! The output tree mirrors `/usr/share` so packaging copies it as is:
//! `man/man8/idgated*.8`, `man/man1/idgate.1`, `bash-completion/completions/*`,
//! `zsh/vendor-completions/_*`, `fish/vendor_completions.d/*.fish`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

/// A program we document: its command tree and the manual section it belongs in.
#[derive(Debug)]
pub struct Program {
    pub command: clap::Command,
    /// 8 for the system daemon and its administration commands, 1 for the user-facing front end.
    pub section: &'static str,
    /// Sections clap knows nothing about (files, environment, exit status, see also), appended
    /// to the program's main page as (heading, paragraphs).
    pub extra: &'static [(&'static str, &'static [&'static str])],
}

const IDGATED_EXTRA: &[(&str, &[&str])] = &[
    (
        "FILES",
        &[
            "/etc/idgate/idgated.toml: the configuration (checked with idgated config check).",
            "/etc/idgate/csca/: trusted CSCA certificates and master lists for Passive Authentication.",
            "/var/lib/idgate/audit/: the audit store (session outcomes only: no images, templates or MRZ data).",
            "/usr/share/idgate/models/, /usr/lib/idgate/libonnxruntime.so: face models and the ONNX Runtime.",
        ],
    ),
    (
        "ENVIRONMENT",
        &[
            "RUST_LOG: log filter (default info,sled=warn); logs go to the journal when it is reachable.",
            "ORT_DYLIB_PATH, IDGATE_MODEL_DIR: the runtime library and model directory when the configuration names none.",
            "NOTIFY_SOCKET, WATCHDOG_USEC: set by systemd for readiness and the watchdog.",
        ],
    ),
    (
        "EXIT STATUS",
        &[
            "0 on success; 1 on an error (printed on stderr); 2 when idgated config check finds the file invalid; 3 when idgated face finds no usable face.",
        ],
    ),
    (
        "SEE ALSO",
        &["idgate(1), systemctl(1), journalctl(1), pcscd(8); /usr/share/doc/idgate/admin.md."],
    ),
];

const IDGATE_EXTRA: &[(&str, &[&str])] = &[
    (
        "ENVIRONMENT",
        &[
            "LC_ALL, LC_MESSAGES, LANG: the screen language when --lang is not given (Danish for da_*, else English).",
            "NO_COLOR: no colour, as --mono. COLORTERM=truecolor: 24-bit colour.",
        ],
    ),
    (
        "EXIT STATUS",
        &[
            "0 when the session ended normally; 1 when the terminal failed; 2 when idgated is not running or the bus cannot be reached; 3 on any other connection error; 4 when the station was lost or its API is newer than this front end.",
        ],
    ),
    ("SEE ALSO", &["idgated(8); /usr/share/doc/idgate/admin.md."]),
];

/// The station's programs.
pub fn programs() -> Vec<Program> {
    vec![
        Program {
            command: idgated::cli::Cli::command(),
            section: "8",
            extra: IDGATED_EXTRA,
        },
        Program {
            command: idgate::cli::Args::command(),
            section: "1",
            extra: IDGATE_EXTRA,
        },
    ]
}

/// Writes every manual page and completion script under `out`; returns the files written.
pub fn generate(out: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for program in programs() {
        let mut cmd = program.command.disable_help_subcommand(true);
        // Building fills in the display names ("idgated-face-check") the subcommand pages use.
        cmd.build();
        let man_dir = out.join("man").join(format!("man{}", program.section));
        fs::create_dir_all(&man_dir)?;
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            man_pages(sub, program.section, &man_dir, &mut written)?;
        }
        written.push(man_page(&cmd, program.section, program.extra, &man_dir)?);
        completions(&mut cmd, out, &mut written)?;
    }
    Ok(written)
}

/// One page for the program and one per visible subcommand, as `git` and `systemctl` do.
fn man_pages(
    cmd: &clap::Command,
    section: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, section, dir, written)?;
    }
    written.push(man_page(cmd, section, &[], dir)?);
    Ok(())
}

/// clap_mangen's sections, then ours before VERSION (where man-pages(7) puts them).
fn man_page(
    cmd: &clap::Command,
    section: &str,
    extra: &[(&str, &[&str])],
    dir: &Path,
) -> io::Result<PathBuf> {
    let man = clap_mangen::Man::new(cmd.clone())
        .section(section)
        .source(format!("idgate {}", env!("CARGO_PKG_VERSION")))
        .manual("idgate station");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    let mut roff = clap_mangen::roff::Roff::new();
    for (heading, paragraphs) in extra {
        roff.control("SH", [*heading]);
        for p in *paragraphs {
            roff.control("PP", []).text([clap_mangen::roff::roman(*p)]);
        }
    }
    roff.to_writer(&mut page)?;
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    let path = dir.join(man.get_filename());
    fs::write(&path, page)?;
    Ok(path)
}

fn completions(cmd: &mut clap::Command, out: &Path, written: &mut Vec<PathBuf>) -> io::Result<()> {
    let name = cmd.get_name().to_string();
    for (shell, dir, file) in [
        (Shell::Bash, "bash-completion/completions", name.clone()),
        (Shell::Zsh, "zsh/vendor-completions", format!("_{name}")),
        (
            Shell::Fish,
            "fish/vendor_completions.d",
            format!("{name}.fish"),
        ),
    ] {
        let dir = out.join(dir);
        fs::create_dir_all(&dir)?;
        let path = dir.join(file);
        let mut f = fs::File::create(&path)?;
        clap_complete::generate(shell, cmd, &name, &mut f);
        written.push(path);
    }
    Ok(())
}
