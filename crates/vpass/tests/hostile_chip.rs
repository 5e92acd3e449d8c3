//! Hostile chip answers: every response may be corrupted, cut, padded, replaced or enormous. The
//! read must end with a typed error (or succeed, when the damage did not matter) — never panic,
//! never hang.

use std::time::{Duration, Instant};

use idgate_emrtd::{
    AccessKey, ChipError, ChipFailure, ReadOptions, ReadSession, SystemClock, read_passport,
};
use idgate_emrtd::{Transport, TransportError};
use idgate_vpass::{InProcessTransport, PassportProfile, VirtualPassport};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[derive(Debug, Clone, Copy)]
enum Damage {
    FlipBit,
    Truncate,
    Garbage,
    AppendJunk,
    Huge,
    StatusOnly,
    Empty,
}

const DAMAGES: [Damage; 7] = [
    Damage::FlipBit,
    Damage::Truncate,
    Damage::Garbage,
    Damage::AppendJunk,
    Damage::Huge,
    Damage::StatusOnly,
    Damage::Empty,
];

/// The emulator, with the `victim`-th response (and, with `every`, each later one) damaged.
struct Tampering {
    inner: InProcessTransport,
    rng: StdRng,
    count: usize,
    victim: usize,
    every: bool,
    damage: Damage,
}

impl Tampering {
    fn damage(&mut self, mut r: Vec<u8>) -> Vec<u8> {
        match self.damage {
            Damage::FlipBit => {
                if !r.is_empty() {
                    let i = self.rng.random_range(0..r.len().max(1));
                    r[i] ^= 1 << self.rng.random_range(0..8);
                }
                r
            }
            Damage::Truncate => {
                let n = self.rng.random_range(0..r.len().max(1));
                r.truncate(n);
                r
            }
            Damage::Garbage => (0..self.rng.random_range(0..300))
                .map(|_| self.rng.random::<u8>())
                .collect(),
            Damage::AppendJunk => {
                let sw = r.split_off(r.len().saturating_sub(2));
                r.extend((0..self.rng.random_range(0..40)).map(|_| self.rng.random::<u8>()));
                r.extend(sw);
                r
            }
            Damage::Huge => {
                let mut v = vec![0x87u8, 0x84, 0x7F, 0xFF, 0xFF, 0xFF];
                v.extend(std::iter::repeat_n(0x41, 70_000));
                v.extend([0x90, 0x00]);
                v
            }
            Damage::StatusOnly => {
                let sw = self.rng.random::<u16>();
                sw.to_be_bytes().to_vec()
            }
            Damage::Empty => Vec::new(),
        }
    }
}

impl Transport for Tampering {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.inner.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(apdu)?;
        self.count += 1;
        if self.count == self.victim || (self.every && self.count > self.victim) {
            Ok(self.damage(r))
        } else {
            Ok(r)
        }
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.inner.reconnect(wait)
    }
}

/// A chip's failure is one of the document's (never the reader's: the transport here is fine).
fn is_document_failure(f: ChipFailure) -> bool {
    !matches!(f, ChipFailure::ReaderFault)
}

fn run(seed: u64, every: bool, profile: &PassportProfile) -> Result<(), ChipError> {
    // Seeded: failures reproduce from the seed (with this Cargo.lock's rand).
    let mut rng = StdRng::seed_from_u64(seed);
    let victim = 1 + rng.random_range(0..if every { 140 } else { 60 });
    let damage = DAMAGES[rng.random_range(0..DAMAGES.len())];
    let mut t = Tampering {
        inner: InProcessTransport::new(VirtualPassport::new(profile).expect("chip")),
        rng,
        count: 0,
        victim,
        every,
        damage,
    };
    let key = AccessKey::Mrz(profile.access_key().expect("key"));
    let options = ReadOptions {
        ..ReadOptions::default()
    };
    read_passport(&mut t, key, options, &SystemClock).map(|_| ())
}

#[test]
fn one_damaged_answer_ends_in_success_or_a_typed_error() {
    let profile = PassportProfile::specimen();
    let mut failures = 0;
    for seed in 0..300 {
        if let Err(e) = run(seed, false, &profile) {
            failures += 1;
            assert!(is_document_failure(e.failure()), "seed {seed}: {e}");
        }
    }
    // Most damage must be noticed (a flipped bit in a MAC-protected answer always is).
    assert!(
        failures > 150,
        "only {failures} of 300 damaged reads failed"
    );
}

#[test]
fn a_chip_answering_garbage_from_some_point_on_never_hangs() {
    let profile = PassportProfile::specimen();
    for seed in 1000..1150 {
        let started = Instant::now();
        let result = run(seed, true, &profile);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "seed {seed} took too long"
        );
        if let Err(e) = result {
            assert!(is_document_failure(e.failure()), "seed {seed}: {e}");
        }
    }
}

#[test]
fn a_flipped_bit_in_a_protected_answer_is_not_genuine() {
    let profile = PassportProfile::specimen();
    // Flip one bit in the MAC (the bytes just before the status word) of the first protected answer.
    struct FlipMac(InProcessTransport, bool);
    impl Transport for FlipMac {
        fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
            self.0.connect()
        }
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            let mut r = self.0.transmit(apdu)?;
            if apdu.first() == Some(&0x0C) && !self.1 {
                let n = r.len();
                r[n - 3] ^= 0x01;
                self.1 = true;
            }
            Ok(r)
        }
        fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
            self.0.reconnect(wait)
        }
    }
    let mut t = FlipMac(
        InProcessTransport::new(VirtualPassport::new(&profile).expect("chip")),
        false,
    );
    let key = AccessKey::Mrz(profile.access_key().expect("key"));
    let err = read_passport(&mut t, key, ReadOptions::default(), &SystemClock)
        .expect_err("MAC must fail");
    assert!(matches!(err, ChipError::MacMismatch), "{err}");
    assert!(matches!(err.failure(), ChipFailure::NotGenuine { .. }));
}

#[test]
fn the_session_alone_fed_random_bytes_always_finishes() {
    let profile = PassportProfile::specimen();
    let key = AccessKey::Mrz(profile.access_key().expect("key"));
    let atr = VirtualPassport::new(&profile).expect("chip").atr();
    for seed in 0..200u64 {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(7));
        let now = Instant::now();
        let mut session = ReadSession::new(&atr, key.clone(), ReadOptions::default(), now);
        let mut turns = 0;
        loop {
            turns += 1;
            assert!(turns < 10_000, "seed {seed}: no end");
            match session.poll(now) {
                idgate_emrtd::Action::Transmit(_) => {
                    let n = rng.random_range(0..40);
                    let mut answer: Vec<u8> = (0..n).map(|_| rng.random::<u8>()).collect();
                    // Bias towards plausible status words so the session gets further.
                    if rng.random_range(0..2) == 0 {
                        answer.extend([0x90, 0x00]);
                    }
                    session.on_response(&answer, now);
                }
                idgate_emrtd::Action::WaitForCard => {
                    session.on_card_present(&atr, now);
                }
                idgate_emrtd::Action::Done => break,
            }
        }
        assert!(session.take_result().is_some());
    }
}
