//! The read deadline and the cancel flag stay live through Chip, Active and Passive Authentication
//! (issue 17, item 2): the time those take, or a stop from outside while they run, ends the read
//! with `ChipError::Timeout` / `ChipError::Cancelled` — never with a result that came too late or
//! after the flow moved on. The authentication is the real one (`ChipAuthenticity` against a
//! PACE/CA/AA passport); a wrapper makes one step slow (the test clock jumps while it runs) or
//! raises the cancel flag while it runs.
//!
//! Inside Passive Authentication (the second half): the deadline and the flag are checked within
//! its stages — per 16 KiB of each data group hashed, per CSCA tried, per CRL verified, around
//! EF.SOD's signature — so an interrupted PA stops at the next check instead of running to the
//! end of the stage; those tests drive `passive::verify_within` with a clock that counts its reads.

mod support;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use idgate_emrtd::emulator::passive::{self, HashAlgorithm};
use idgate_emrtd::exchange::{AuthenticationHooks, Exchange, ExchangeOutcome};
use idgate_emrtd::lds::{LdsFile, RawFiles};
use idgate_emrtd::{
    Budget, Check, CheckOutcome, ChipAuthenticity, ChipError, ChipFailure, ChipRead, Clock,
    Interrupted, PaReport, PreferPace, ReadOptions, Transport, TransportError, TrustStore,
    read_passport,
};
use idgate_vpass::pki::{Csca, KeyKind, sod, valid_around};
use idgate_vpass::security::SecurityOptions;
use idgate_vpass::{InProcessTransport, PassportProfile, TestClock};
use support::{personalised, specimen_key};

const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Chip,
    Active,
    Passive,
}

#[derive(Debug, Clone, Copy)]
enum Interrupt {
    /// The step takes longer than the whole read may.
    Slow,
    /// The flow stops the read while the step runs.
    Cancel,
}

/// The real hooks, with `step` interrupted.
struct InterruptingHooks {
    inner: ChipAuthenticity,
    step: Step,
    how: Interrupt,
    clock: TestClock,
    cancel: Arc<AtomicBool>,
}

impl InterruptingHooks {
    fn interrupt(&self, step: Step) {
        if step != self.step {
            return;
        }
        match self.how {
            Interrupt::Slow => self.clock.advance(DEADLINE * 2),
            Interrupt::Cancel => self.cancel.store(true, Ordering::Relaxed),
        }
    }
}

impl AuthenticationHooks for InterruptingHooks {
    fn after_file(
        &mut self,
        file: LdsFile,
        files: &RawFiles,
    ) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        self.inner.after_file(file, files)
    }

    fn after_read(
        &mut self,
        files: &RawFiles,
        budget: &Budget<'_>,
    ) -> Result<Vec<CheckOutcome>, ChipError> {
        // The interrupt comes as PA starts: PA itself must notice it (its first check), not only
        // the session or the driver after it.
        self.interrupt(Step::Passive);
        let checks = self.inner.after_read(files, budget);
        if self.step == Step::Passive {
            assert!(
                matches!(checks, Err(ChipError::Timeout | ChipError::Cancelled)),
                "an interrupted PA must stop itself: {checks:?}"
            );
        }
        checks
    }

    fn exchange_done(&mut self, outcome: &mut ExchangeOutcome) {
        self.inner.exchange_done(outcome);
        for (check, step) in [
            (Check::ChipAuthentication, Step::Chip),
            (Check::ActiveAuthentication, Step::Active),
        ] {
            if outcome.checks.contains(&CheckOutcome::passed(check)) {
                self.interrupt(step);
            }
        }
    }

    fn report(&self) -> Option<PaReport> {
        self.inner.report()
    }
}

/// The reader the daemon has: every call fails at once once the flag is up.
struct CancellableTransport {
    inner: InProcessTransport,
    cancel: Arc<AtomicBool>,
}

impl CancellableTransport {
    fn check(&self) -> Result<(), TransportError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(TransportError::Reader("cancelled".into()));
        }
        Ok(())
    }
}

impl Transport for CancellableTransport {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.transmit(apdu)
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.check()?;
        self.inner.reconnect(wait)
    }
}

fn read(step: Step, how: Interrupt) -> Result<ChipRead, ChipError> {
    let opts = SecurityOptions::modern(SystemTime::now());
    let mut profile = PassportProfile::specimen();
    let chip = personalised(&mut profile, &opts).expect("personalise");
    let clock = TestClock::default();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut transport = CancellableTransport {
        inner: InProcessTransport::new(chip.chip).with_clock(clock.clone()),
        cancel: cancel.clone(),
    };
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(InterruptingHooks {
            inner: chip.authenticity,
            step,
            how,
            clock: clock.clone(),
            cancel: cancel.clone(),
        }),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        deadline: DEADLINE,
        cancel: Some(cancel),
        ..ReadOptions::default()
    };
    read_passport(&mut transport, specimen_key(), options, &clock)
}

fn assert_ends(result: Result<ChipRead, ChipError>, want: ChipFailure) {
    match result {
        Ok(read) => panic!(
            "the read must end with {want:?}, it passed: {:?}",
            read.checks
        ),
        Err(e) => assert_eq!(e.failure(), want, "{e}"),
    }
}

#[test]
fn a_deadline_passing_during_passive_authentication_is_a_timeout() {
    // Formerly the result came back although the deadline had passed while PA ran.
    assert_ends(read(Step::Passive, Interrupt::Slow), ChipFailure::Timeout);
}

#[test]
fn a_cancel_during_passive_authentication_ends_the_read() {
    // PA talks to no card, so the transport's cancel never saw it: formerly a result.
    assert_ends(
        read(Step::Passive, Interrupt::Cancel),
        ChipFailure::Cancelled,
    );
}

#[test]
fn a_deadline_passing_during_chip_or_active_authentication_is_a_timeout() {
    for step in [Step::Chip, Step::Active] {
        match read(step, Interrupt::Slow) {
            Ok(_) => panic!("{step:?}: the read must time out"),
            Err(e) => assert!(matches!(e, ChipError::Timeout), "{step:?}: {e}"),
        }
    }
}

#[test]
fn a_cancel_during_chip_or_active_authentication_is_cancelled_not_a_reader_fault() {
    // Formerly the transport's refusal after the flag went up: a "reader fault".
    for step in [Step::Chip, Step::Active] {
        match read(step, Interrupt::Cancel) {
            Ok(_) => panic!("{step:?}: the read must stop"),
            Err(e) => assert!(matches!(e, ChipError::Cancelled), "{step:?}: {e}"),
        }
    }
}

#[test]
fn uninterrupted_the_same_read_passes() {
    // The wrapper interrupting a step that never comes (no such check) changes nothing.
    let opts = SecurityOptions::modern(SystemTime::now());
    let mut profile = PassportProfile::specimen();
    let chip = personalised(&mut profile, &opts).expect("personalise");
    let clock = TestClock::default();
    let mut transport = InProcessTransport::new(chip.chip).with_clock(clock.clone());
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(chip.authenticity),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        deadline: DEADLINE,
        cancel: Some(Arc::new(AtomicBool::new(false))),
        ..ReadOptions::default()
    };
    let read = read_passport(&mut transport, specimen_key(), options, &clock).expect("read");
    assert!(
        read.checks
            .contains(&CheckOutcome::passed(Check::PassiveAuthentication))
    );
}

// --- Inside Passive Authentication ---------------------------------------------------------

const DG1: &[u8] = b"\x61\x05\x5F\x1F\x02<<";
/// As large as a read accepts (`ReadOptions::max_file_len`): 32 hash chunks of 16 KiB.
const DG2_LEN: usize = 512 * 1024;

/// A clock that moves `step` each time it is read (each check PA makes "costs" `step`), counts
/// its reads and, at read `raise_at`, raises `flag` (a cancel arriving while PA runs).
struct CountingClock<'a> {
    at: Cell<Instant>,
    step: Duration,
    reads: Cell<usize>,
    raise_at: Option<(usize, &'a AtomicBool)>,
}

impl<'a> CountingClock<'a> {
    fn new(start: Instant, step: Duration) -> Self {
        Self {
            at: Cell::new(start),
            step,
            reads: Cell::new(0),
            raise_at: None,
        }
    }
}

impl Clock for CountingClock<'_> {
    fn now(&self) -> Instant {
        let reads = self.reads.get() + 1;
        self.reads.set(reads);
        if let Some((at, flag)) = self.raise_at {
            if reads == at {
                flag.store(true, Ordering::Relaxed);
            }
        }
        let t = self.at.get();
        self.at.set(t + self.step);
        t
    }
}

/// A CSCA, its DS, EF.SOD over DG1 and a 512 KiB DG2, and a store trusting the CSCA with `crls`
/// current CRLs of it.
struct Pa {
    ef_sod: Vec<u8>,
    dg2: Vec<u8>,
    trust: TrustStore,
    now: SystemTime,
}

impl Pa {
    fn new(crls: usize) -> Self {
        let now = SystemTime::now();
        let mut csca = Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, valid_around(now))
            .expect("csca");
        let ds = csca
            .issue_document_signer("DS Utopia", KeyKind::EcdsaP256, valid_around(now))
            .expect("ds");
        let dg2: Vec<u8> = (0..DG2_LEN).map(|i| (i % 251) as u8).collect();
        let ef_sod =
            sod::sign_sod(&ds, HashAlgorithm::Sha256, &[(1, DG1), (2, &dg2)]).expect("sod");
        let mut trust = TrustStore::new();
        trust.add_csca(csca.certificate.clone());
        let day = Duration::from_secs(24 * 3600);
        for i in 0..crls {
            let issued = now - day - Duration::from_secs(i as u64);
            trust.add_crl(csca.crl(&[], issued).expect("crl"));
        }
        Self {
            ef_sod,
            dg2,
            trust,
            now,
        }
    }

    fn verify(&self, budget: &Budget<'_>) -> Result<PaReport, Interrupted> {
        passive::verify_within(
            &self.ef_sod,
            &[(1, DG1), (2, &self.dg2)],
            &self.trust,
            self.now,
            budget,
        )
    }
}

#[test]
fn uninterrupted_pa_within_a_budget_passes_and_checks_all_along() {
    let pa = Pa::new(8);
    let clock = CountingClock::new(Instant::now(), Duration::ZERO);
    let report = pa
        .verify(&Budget::until(&clock, Instant::now() + DEADLINE))
        .expect("not interrupted");
    assert!(report.dg_hashes.is_pass(), "{report}");
    assert!(report.sod_signature.is_pass(), "{report}");
    assert!(report.ds_chain.is_pass(), "{report}");
    assert!(report.ds_revocation.is_pass(), "{report}");
    // The budget is consulted inside the stages, not only between them: once per 16 KiB of
    // DG2, and per CRL (the CSCA's own revocation and the DS's each verify the CRLs).
    let dg2_chunks = DG2_LEN / passive::HASH_CHUNK;
    assert!(
        clock.reads.get() >= 1 + dg2_chunks + 2 * 8,
        "{} budget checks",
        clock.reads.get()
    );
}

#[test]
fn a_deadline_passing_while_a_large_dg2_is_hashed_ends_pa_in_timeout() {
    // Each check "costs" 1 ms, so the 10 ms deadline passes at the 11th check: at the start, DG1,
    // then in DG2's 32 chunks. PA stops there — no report, and nothing after that check.
    let start = Instant::now();
    let clock = CountingClock::new(start, Duration::from_millis(1));
    let budget = Budget::until(&clock, start + Duration::from_millis(10));
    let pa = Pa::new(0);
    assert_eq!(pa.verify(&budget).map(|_| ()), Err(Interrupted::Timeout));
    assert_eq!(
        clock.reads.get(),
        11,
        "PA stops at the first check past the deadline"
    );
}

#[test]
fn a_cancel_raised_during_the_crl_checks_stops_pa_at_the_next_check() {
    const CRLS: usize = 24;
    let pa = Pa::new(CRLS);
    // How many checks an uninterrupted PA makes: at least one per CRL per pass.
    let counting = CountingClock::new(Instant::now(), Duration::ZERO);
    pa.verify(&Budget::until(&counting, Instant::now() + DEADLINE))
        .expect("not interrupted");
    let total = counting.reads.get();
    let before_chain = 3 + DG2_LEN / passive::HASH_CHUNK;
    assert!(total >= before_chain + 2 * CRLS, "{total} checks");

    // The flag goes up halfway through the CRLs; the next check stops PA.
    let flag = AtomicBool::new(false);
    let raise_at = before_chain + CRLS;
    let clock = CountingClock {
        raise_at: Some((raise_at, &flag)),
        ..CountingClock::new(Instant::now(), Duration::ZERO)
    };
    let budget = Budget::until(&clock, Instant::now() + DEADLINE).with_cancel(Some(&flag));
    assert_eq!(pa.verify(&budget).map(|_| ()), Err(Interrupted::Cancelled));
    // The check after the raising one saw the flag before reading the clock again.
    assert_eq!(clock.reads.get(), raise_at);
}

#[test]
fn a_cancel_before_pa_starts_does_no_work() {
    let pa = Pa::new(4);
    let flag = AtomicBool::new(true);
    let clock = CountingClock::new(Instant::now(), Duration::ZERO);
    let budget = Budget::until(&clock, Instant::now() + DEADLINE).with_cancel(Some(&flag));
    assert_eq!(pa.verify(&budget).map(|_| ()), Err(Interrupted::Cancelled));
    assert_eq!(clock.reads.get(), 0);
}
