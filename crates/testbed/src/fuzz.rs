//! Seeded, time-boxed property runs of the station's inputs (the "fuzz" targets).
//!
//! Every target here is a proptest strategy run under a fixed seed: the same inputs on every
//! machine, shrunk to a minimal case when a property fails. Their coverage-guided counterparts
//! (cargo-afl, i.e. AFL++ on the stable toolchain; cargo-fuzz would need nightly, which a fresh
//! machine here cannot install) live in the separate harness `fuzz/` with the same properties:
//! `scripts/fuzz --afl`.
//!
//! - `cargo test` runs each target briefly (its default cases): the short pass CI gets.
//! - `scripts/fuzz [-s SECS] [TARGET…]` sets `IDGATE_FUZZ_SECS` and runs each for that long,
//!   batch after batch with fresh seeds, and prints the execs.
//! - `IDGATE_FUZZ_SEED` changes the seed (printed with every run, so a failure can be replayed).
//!
//! Shared by every `tests/fuzz_*.rs` of the workspace (daemon, mrz, emrtd, vpass) as
//! `idgate_testbed::fuzz`: one compiled driver instead of a copy included by path into each test
//! binary. It lives in the test bench because that crate is already the workspace's test-only
//! dependency (the production daemon may not link it: daemon/tests/no_test_code.rs), and proptest
//! is the only dependency it adds.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

thread_local! {
    /// How often each depth mark was reached in the current run (see [`reached`]).
    static REACHED: RefCell<BTreeMap<&'static str, u64>> = const { RefCell::new(BTreeMap::new()) };
}

/// Marks that the current input got as far as `what` (e.g. "signature verified"): the run's line
/// then says what share of the inputs reached each mark, which tells a target that only exercises
/// its parser's first refusal from one that gets deep.
pub fn reached(what: &'static str) {
    REACHED.with(|r| *r.borrow_mut().entry(what).or_default() += 1);
}

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
    REACHED.with(|r| r.borrow_mut().clear());
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
    let depth = REACHED.with(|r| {
        r.borrow()
            .iter()
            .map(|(what, n)| {
                format!(
                    "{what} {:.1}%",
                    *n as f64 * 100.0 / execs.get().max(1) as f64
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    eprintln!(
        "fuzz {target}: {} execs in {secs:.1} s ({:.0}/s), seed {seed}, {batch} batch(es){}",
        execs.get(),
        execs.get() as f64 / secs.max(1e-9),
        if depth.is_empty() {
            String::new()
        } else {
            format!("; reached: {depth}")
        }
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

/// Arbitrary bytes up to `max` long, with the bytes BER-TLV lengths and tags are made of
/// (`00`, `7F`, `80`–`84`, `FF`) over-represented.
pub fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let byte = prop_oneof![
        3 => any::<u8>(),
        1 => proptest::sample::select(INTERESTING),
    ];
    proptest::collection::vec(byte, 0..max)
}

/// Byte values that sit on the edges of BER-TLV tags and lengths and of signed integers.
const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x02, 0x1F, 0x30, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF,
];

/// One edit of a byte string (positions are indices into the current length).
#[derive(Debug, Clone)]
enum ByteEdit {
    /// Replace the byte with a random or interesting value.
    Set(proptest::sample::Index, u8),
    /// Flip one bit.
    Flip(proptest::sample::Index, u8),
    /// Add a small signed amount (a length one too long or too short).
    Nudge(proptest::sample::Index, i8),
    Insert(proptest::sample::Index, u8),
    Delete(proptest::sample::Index),
    /// Cut the rest off.
    Truncate(proptest::sample::Index),
    /// Copy a run of up to 32 bytes to another place (repeated or misplaced structures).
    Duplicate(proptest::sample::Index, u8, proptest::sample::Index),
}

fn apply(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    use ByteEdit::*;
    let at = |i: &proptest::sample::Index, len: usize| if len == 0 { 0 } else { i.index(len) };
    let len = bytes.len();
    match edit {
        Set(i, b) if len > 0 => bytes[at(i, len)] = *b,
        Flip(i, bit) if len > 0 => bytes[at(i, len)] ^= 1 << (bit % 8),
        Nudge(i, d) if len > 0 => {
            let p = at(i, len);
            bytes[p] = bytes[p].wrapping_add(*d as u8);
        }
        Insert(i, b) => bytes.insert(at(i, len + 1), *b),
        Delete(i) if len > 0 => {
            bytes.remove(at(i, len));
        }
        Truncate(i) => bytes.truncate(at(i, len + 1)),
        Duplicate(from, n, to) if len > 0 => {
            let start = at(from, len);
            let end = (start + usize::from(*n % 32) + 1).min(len);
            let run = bytes[start..end].to_vec();
            let dest = at(to, len + 1);
            bytes.splice(dest..dest, run);
        }
        _ => {}
    }
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    use proptest::prelude::*;
    let idx = any::<proptest::sample::Index>;
    let value = prop_oneof![any::<u8>(), proptest::sample::select(INTERESTING)];
    prop_oneof![
        4 => (idx(), value).prop_map(|(i, b)| ByteEdit::Set(i, b)),
        3 => (idx(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Flip(i, b)),
        2 => (idx(), -2i8..=2).prop_map(|(i, d)| ByteEdit::Nudge(i, d)),
        1 => (idx(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Insert(i, b)),
        1 => idx().prop_map(ByteEdit::Delete),
        1 => idx().prop_map(ByteEdit::Truncate),
        1 => (idx(), any::<u8>(), idx()).prop_map(|(f, n, t)| ByteEdit::Duplicate(f, n, t)),
    ]
}

/// A list of byte edits, made before the bytes they apply to exist: for answers a hostile chip
/// computes at run time (`Edits::apply` on the real answer).
#[derive(Debug, Clone)]
pub struct Edits(Vec<ByteEdit>);

impl Edits {
    /// `bytes` with the edits applied in order.
    pub fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        for op in &self.0 {
            apply(&mut b, op);
        }
        b
    }
}

/// 1 to `max` byte edits (see [`mutated_bytes`]).
pub fn edits(max: usize) -> impl Strategy<Value = Edits> {
    proptest::collection::vec(byte_edit(), 1..=max.max(1)).prop_map(Edits)
}

/// `base` with 1 to `edits` byte edits (substitutions, bit flips, ±1/±2 on a byte, insertions,
/// deletions, truncation, a duplicated run): the structure-aware half of a byte target, since a
/// valid encoding mutated a little gets much deeper into a parser than random bytes do.
pub fn mutated_bytes(base: Vec<u8>, edits: usize) -> impl Strategy<Value = Vec<u8>> {
    self::edits(edits).prop_map(move |e| e.apply(&base))
}

/// `base` with exactly one byte replaced by a different value: for properties of the form "a
/// changed byte never yields the same accepted result".
pub fn one_byte_changed(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    (any::<proptest::sample::Index>(), 1u8..=255).prop_map(move |(i, x)| {
        let mut b = base.clone();
        if !b.is_empty() {
            let p = i.index(b.len());
            b[p] ^= x;
        }
        b
    })
}
