//! Seeded, time-boxed property runs of the station's inputs (the "fuzz" targets).
//!
//! Coverage-guided fuzzing (cargo-fuzz/libFuzzer) needs a nightly toolchain, which a fresh CI
//! machine cannot install (its registries are crates.io, PyPI, Debian and npm; rustup's server is
//! not among them), so every target is a proptest strategy run under a fixed seed: the same inputs
//! on every machine, shrunk to a minimal case when a property fails.
//!
//! - `cargo test` runs each target briefly (its default cases): the short pass CI gets.
//! - `scripts/fuzz [-s SECS] [TARGET…]` sets `IDGATE_FUZZ_SECS` and runs each for that long,
//!   batch after batch with fresh seeds, and prints the execs.
//! - `IDGATE_FUZZ_SEED` changes the seed (printed with every run, so a failure can be replayed).
//!
//! Shared by `daemon/tests/fuzz_*.rs` and `crates/mrz/tests/fuzz_*.rs` (included by path).
#![allow(dead_code)]

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

fn env_num<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs `check` on inputs from `strategy`: `cases` of them, or batches until `IDGATE_FUZZ_SECS`
/// have passed. A panic or an `Err` in `check` fails the test with the shrunk input.
pub fn fuzz<S>(
    target: &str,
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let budget = env_num::<f64>("IDGATE_FUZZ_SECS").map(Duration::from_secs_f64);
    let seed: u64 = env_num("IDGATE_FUZZ_SEED").unwrap_or(0x1D6A_7E18);
    let started = Instant::now();
    let execs = Cell::new(0u64);
    let mut batch = 0u64;
    loop {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&batch.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let config = Config {
            cases: if budget.is_some() {
                cases.max(64)
            } else {
                cases
            },
            failure_persistence: None,
            max_shrink_iters: 2048,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&strategy, |value| {
            execs.set(execs.get() + 1);
            check(value)
        });
        if let Err(e) = result {
            panic!("fuzz {target} (IDGATE_FUZZ_SEED={seed}, batch {batch}): {e}");
        }
        batch += 1;
        match budget {
            Some(b) if started.elapsed() < b => {}
            _ => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {target}: {} execs in {secs:.1} s ({:.0}/s), seed {seed}, {batch} batch(es)",
        execs.get(),
        execs.get() as f64 / secs.max(1e-9)
    );
}

/// Arbitrary Unicode text up to `max` characters, with ASCII, MRZ filler and line breaks
/// over-represented (the interesting bytes for our parsers).
pub fn text(max: usize) -> impl Strategy<Value = String> {
    use proptest::prelude::*;
    let ch = prop_oneof![
        4 => proptest::char::range('0', 'Z'),
        2 => Just('<'),
        1 => Just('\n'),
        1 => Just(' '),
        1 => Just('\r'),
        2 => any::<char>(),
    ];
    proptest::collection::vec(ch, 0..max).prop_map(String::from_iter)
}

/// `base` with up to `edits` random character substitutions, insertions and deletions.
pub fn mutated(base: String, edits: usize) -> impl Strategy<Value = String> {
    use proptest::prelude::*;
    let edit = (
        0usize..4,
        any::<proptest::sample::Index>(),
        any::<char>(),
        0u8..5,
    );
    proptest::collection::vec(edit, 0..edits).prop_map(move |ops| {
        let mut chars: Vec<char> = base.chars().collect();
        for (kind, at, c, small) in ops {
            let pos = if chars.is_empty() {
                0
            } else {
                at.index(chars.len())
            };
            // Mostly characters an MRZ could hold, so the check digits get exercised.
            let c = match small {
                0 => c,
                1 => '<',
                2 => char::from(b'0' + (c as u32 % 10) as u8),
                _ => char::from(b'A' + (c as u32 % 26) as u8),
            };
            match kind {
                0 if !chars.is_empty() => chars[pos] = c,
                1 => chars.insert(pos, c),
                2 if !chars.is_empty() => {
                    chars.remove(pos);
                }
                _ => {}
            }
        }
        chars.into_iter().collect()
    })
}
