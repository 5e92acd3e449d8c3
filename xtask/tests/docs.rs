//! The generated manual pages and completions document exactly the programs' command lines, render
//! without groff warnings, and complete in a real shell.

use std::path::Path;
use std::process::Command;

fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    xtask::generate(dir.path()).expect("generate");
    dir
}

/// Every visible (sub)command, as its manual page name ("idgated-face-check").
fn page_names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    let name = if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    };
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() != "help" {
            page_names(sub, &name, out);
        }
    }
    out.push(name);
}

#[test]
fn every_visible_command_has_a_page_and_hidden_ones_have_none() {
    let dir = generated();
    for program in xtask::programs() {
        let mut names = Vec::new();
        page_names(&program.command, "", &mut names);
        for name in names {
            let page = dir.path().join(format!(
                "man/man{}/{name}.{}",
                program.section, program.section
            ));
            assert!(page.is_file(), "missing {}", page.display());
        }
    }
    assert!(dir.path().join("man/man8/idgated.8").is_file());
    assert!(dir.path().join("man/man8/idgated-face-compare.8").is_file());
    assert!(dir.path().join("man/man1/idgate.1").is_file());
    assert!(dir.path().join("man/man8/idgated-chip-readers.8").is_file());
}

#[test]
fn pages_carry_every_option_with_its_help_and_the_extra_sections() {
    let dir = generated();
    let page = std::fs::read_to_string(dir.path().join("man/man8/idgated-run.8")).expect("page");
    for flag in ["config", "bus\\-address"] {
        assert!(
            page.contains(&format!("\\-\\-{flag}")),
            "idgated-run.8 lacks --{flag}"
        );
    }
    assert!(
        !page.contains("simulate"),
        "the shipped daemon documents no simulation"
    );
    let main = std::fs::read_to_string(dir.path().join("man/man8/idgated.8")).expect("page");
    for section in ["FILES", "ENVIRONMENT", "EXIT STATUS", "SEE ALSO"] {
        assert!(
            main.contains(&format!(".SH \"{section}\""))
                || main.contains(&format!(".SH {section}")),
            "idgated.8 lacks {section}"
        );
    }
    assert!(main.contains("/etc/idgate/idgated.toml"));
    let tui = std::fs::read_to_string(dir.path().join("man/man1/idgate.1")).expect("page");
    assert!(tui.contains("NO_COLOR"));
}

/// groff with all warnings on must accept every page silently (as lintian's man check does).
#[test]
fn pages_render_without_groff_warnings() {
    let dir = generated();
    for section in ["man1", "man8"] {
        for entry in std::fs::read_dir(dir.path().join("man").join(section)).expect("dir") {
            let path = entry.expect("entry").path();
            let out = Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(&path)
                .output()
                .expect("groff (Debian groff-base, installed by scripts/setup)");
            assert!(out.status.success(), "{}", path.display());
            assert!(
                out.stderr.is_empty(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Asks bash's programmable completion what it offers for `words`, cursor on the last word.
fn bash_complete(script: &Path, function: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; {function} {} '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[0],
        words[words.len() - 1],
        words
            .get(words.len().wrapping_sub(2))
            .copied()
            .unwrap_or(""),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let dir = generated();
    let idgated = dir.path().join("bash-completion/completions/idgated");
    assert_eq!(
        bash_complete(&idgated, "_idgated", &["idgated", "fa"]),
        ["face"]
    );
    assert_eq!(
        bash_complete(&idgated, "_idgated", &["idgated", "face", "com"]),
        ["compare"]
    );
    let run_flags = bash_complete(&idgated, "_idgated", &["idgated", "run", "--bus"]);
    assert_eq!(run_flags, ["--bus-address"]);
    // The simulator is a separate binary: the shipped daemon has no simulation flags.
    let sim_flags = bash_complete(&idgated, "_idgated", &["idgated", "run", "--sim"]);
    assert!(sim_flags.is_empty(), "{sim_flags:?}");
    let audit = bash_complete(&idgated, "_idgated", &["idgated", "audit", ""]);
    assert!(
        audit.contains(&"list".to_string()) && audit.contains(&"export".to_string()),
        "{audit:?}"
    );

    let idgate = dir.path().join("bash-completion/completions/idgate");
    assert_eq!(
        bash_complete(&idgate, "_idgate", &["idgate", "--mo"]),
        ["--mono"]
    );
}

#[test]
fn zsh_and_fish_scripts_name_their_programs() {
    let dir = generated();
    let zsh =
        std::fs::read_to_string(dir.path().join("zsh/vendor-completions/_idgated")).expect("zsh");
    assert!(zsh.starts_with("#compdef idgated"));
    let fish = std::fs::read_to_string(dir.path().join("fish/vendor_completions.d/idgate.fish"))
        .expect("fish");
    assert!(fish.contains("complete -c idgate") && fish.contains("mono"));
}
