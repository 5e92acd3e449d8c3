//! The read deadline and the cancel flag stay live through Chip, Active and Passive Authentication
//! (issue 17, item 2): the time those take, or a stop from outside while they run, ends the read
//! with `ChipError::Timeout` / `ChipError::Cancelled` — never with a result that came too late or
//! after the flow moved on. The authentication is the real one (`ChipAuthenticity` against a
//! PACE/CA/AA passport); a wrapper makes one step slow (the test clock jumps while it runs) or
//! raises the cancel flag while it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use idgate_emrtd::exchange::{AuthenticationHooks, Exchange, ExchangeOutcome};
use idgate_emrtd::lds::{LdsFile, RawFiles};
use idgate_emrtd::{
    AccessKey, Check, CheckOutcome, ChipAuthenticity, ChipError, ChipFailure, ChipRead, PaReport,
    PreferPace, ReadOptions, Transport, TransportError, read_passport,
};
use idgate_vpass::security::{SecurityOptions, personalise};
use idgate_vpass::{InProcessTransport, PassportProfile, TestClock, VirtualPassport};

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
struct Interrupted {
    inner: ChipAuthenticity,
    step: Step,
    how: Interrupt,
    clock: TestClock,
    cancel: Arc<AtomicBool>,
}

impl Interrupted {
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

impl AuthenticationHooks for Interrupted {
    fn after_file(
        &mut self,
        file: LdsFile,
        files: &RawFiles,
    ) -> Result<Option<Box<dyn Exchange>>, ChipError> {
        self.inner.after_file(file, files)
    }

    fn after_read(&mut self, files: &RawFiles) -> Result<Vec<CheckOutcome>, ChipError> {
        let checks = self.inner.after_read(files);
        self.interrupt(Step::Passive);
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
    let security = personalise(&mut profile, &opts).expect("personalise");
    let key = AccessKey::Mrz(PassportProfile::specimen().access_key().expect("key"));
    let chip = VirtualPassport::new(&profile)
        .expect("chip")
        .with_security(security.chip);
    let clock = TestClock::default();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut transport = CancellableTransport {
        inner: InProcessTransport::new(chip).with_clock(clock.clone()),
        cancel: cancel.clone(),
    };
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(Interrupted {
            inner: ChipAuthenticity::new(Arc::new(security.trust), opts.now),
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
    read_passport(&mut transport, key, options, &clock)
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
    let security = personalise(&mut profile, &opts).expect("personalise");
    let chip = VirtualPassport::new(&profile)
        .expect("chip")
        .with_security(security.chip);
    let clock = TestClock::default();
    let mut transport = InProcessTransport::new(chip).with_clock(clock.clone());
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(ChipAuthenticity::new(Arc::new(security.trust), opts.now)),
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        deadline: DEADLINE,
        cancel: Some(Arc::new(AtomicBool::new(false))),
        ..ReadOptions::default()
    };
    let key = AccessKey::Mrz(PassportProfile::specimen().access_key().expect("key"));
    let read = read_passport(&mut transport, key, options, &clock).expect("read");
    assert!(
        read.checks
            .contains(&CheckOutcome::passed(Check::PassiveAuthentication))
    );
}
