//! Coverage-guided fuzz targets of the station's chip-side inputs, for cargo-afl (AFL++). One
//! binary, `idgate-fuzz TARGET`, so the instrumented build links once; `scripts/fuzz --afl` builds
//! it and runs each target under afl-fuzz. Outside afl the binary reads one input from standard
//! input and runs it (how a crash is reproduced). The targets check what the proptest targets
//! (crates/*/tests/fuzz_*.rs) check; the seeds are made by our own encoders (`--write-seeds`).

pub mod edits;
pub mod hostile;
pub mod pki;
pub mod seeds;
pub mod targets;

/// A target: name, entry point, and the set-up to do before the fork server starts (fixtures
/// made once, not in every forked child).
pub type Target = (&'static str, fn(&[u8]));

pub const TARGETS: &[Target] = &[
    ("lds_dg1", targets::lds_dg1),
    ("lds_dg7", targets::lds_dg7),
    ("lds_dg11_dg12", targets::lds_dg11_dg12),
    ("lds_com", targets::lds_com),
    ("lds_dg2_19794", targets::lds_dg2),
    ("lds_dg2_39794", targets::lds_dg2),
    ("lds_security_infos", targets::lds_security_infos),
    ("pki_sod", targets::pki_sod),
    ("pki_ds_chain", targets::pki_ds_chain),
    ("pki_crl", targets::pki_crl),
    ("pki_master_list", targets::pki_master_list),
    ("aa_iso9796_2", targets::aa_iso9796_2),
    ("mrz_parse", targets::mrz_parse),
    ("manual_entry", targets::manual_entry),
    ("hostile_chip", |d| {
        hostile::hostile_chip(d);
    }),
];

pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Makes the target's fixtures (by running its first seed) so forked children inherit them.
pub fn warm_up(name: &str, f: fn(&[u8])) {
    if name == "hostile_chip" {
        // The genuine passports pass everything: the mutations start from reads that work.
        for p in 0..hostile::fixtures().len() as u8 {
            assert!(
                hostile::hostile_chip(&[p, 0b011, 0, 0, 0, 0]),
                "passport {p} reads and passes"
            );
        }
    }
    f(&[]);
    if name.starts_with("pki") || name.starts_with("aa") {
        let _ = pki::material();
    }
}
