//! `idgate-fuzz TARGET` — run under afl-fuzz (or with one input on standard input);
//! `idgate-fuzz --list`; `idgate-fuzz --write-seeds` — regenerate fuzz/corpus and fuzz/fixtures.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--list") => {
            for (name, _) in idgate_fuzz::TARGETS {
                println!("{name}");
            }
        }
        Some("--write-seeds") => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            match idgate_fuzz::seeds::write(&root.join("corpus"), &root.join("fixtures")) {
                Ok(n) => println!("wrote {n} seeds to fuzz/corpus and the PKI to fuzz/fixtures"),
                Err(e) => {
                    eprintln!("idgate-fuzz: {e}");
                    std::process::exit(1);
                }
            }
        }
        Some(name) if !name.starts_with('-') => {
            let Some(f) = idgate_fuzz::target(name) else {
                eprintln!("idgate-fuzz: no target {name} (--list)");
                std::process::exit(2);
            };
            idgate_fuzz::warm_up(name, f);
            // afl's own hook turns a panic (a failed property) into an abort: a crash it saves.
            afl::fuzz(true, f);
        }
        _ => {
            eprintln!("usage: idgate-fuzz TARGET | --list | --write-seeds");
            std::process::exit(2);
        }
    }
}
