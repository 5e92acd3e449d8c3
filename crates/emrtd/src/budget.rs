//! The time source and the stop signals long local work checks as it goes (issue 17, item 2):
//! Passive Authentication hashes data groups of up to `ReadOptions::max_file_len`, verifies
//! certificate and CRL signatures and EF.SOD's signature without talking to the chip, so the
//! session's per-command checks do not see it. A [`Budget`] carries the read's deadline, a
//! [`Clock`] to compare it with and the cancel flag; the work calls [`Budget::check`] between
//! its steps (each DG hash chunk, each CSCA, each CRL, each signature) and stops with
//! [`Interrupted`] — never with a result.
//!
//! Sans-IO: the caller passes the clock in; nothing here sleeps or reads the system time unless
//! the caller's clock does. A check is one atomic load and at most one clock read.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The time source (the real clock, or a test clock the in-process transport advances).
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The monotonic system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Why work stopped before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Interrupted {
    /// The cancel flag went up.
    #[error("cancelled")]
    Cancelled,
    /// The deadline passed.
    #[error("the deadline passed")]
    Timeout,
}

/// A deadline (with the clock to compare it with) and a cancel flag, either optional.
#[derive(Clone, Copy, Default)]
pub struct Budget<'a> {
    clock: Option<&'a dyn Clock>,
    deadline: Option<Instant>,
    cancel: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for Budget<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("deadline", &self.deadline)
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
}

impl<'a> Budget<'a> {
    /// No deadline, no cancel: [`check`](Self::check) always passes.
    pub fn unlimited() -> Self {
        Self::default()
    }

    /// Work must end before `deadline` as `clock` tells it.
    pub fn until(clock: &'a dyn Clock, deadline: Instant) -> Self {
        Self {
            clock: Some(clock),
            deadline: Some(deadline),
            cancel: None,
        }
    }

    /// Also stops once `flag` is set.
    pub fn with_cancel(mut self, flag: Option<&'a AtomicBool>) -> Self {
        self.cancel = flag;
        self
    }

    /// `Err` when the work must stop: the cancel flag first (a stop from outside is the more
    /// specific reason), then the deadline (one clock read).
    pub fn check(&self) -> Result<(), Interrupted> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Interrupted::Cancelled);
        }
        match (self.clock, self.deadline) {
            (Some(clock), Some(deadline)) if clock.now() >= deadline => Err(Interrupted::Timeout),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;

    struct Stepping {
        at: Cell<Instant>,
    }

    impl Clock for Stepping {
        fn now(&self) -> Instant {
            let t = self.at.get();
            self.at.set(t + Duration::from_millis(1));
            t
        }
    }

    #[test]
    fn an_unlimited_budget_never_stops() {
        assert_eq!(Budget::unlimited().check(), Ok(()));
    }

    #[test]
    fn the_deadline_stops_work_at_the_first_check_past_it() {
        let start = Instant::now();
        let clock = Stepping {
            at: Cell::new(start),
        };
        let budget = Budget::until(&clock, start + Duration::from_millis(2));
        assert_eq!(budget.check(), Ok(()));
        assert_eq!(budget.check(), Ok(()));
        assert_eq!(budget.check(), Err(Interrupted::Timeout));
    }

    #[test]
    fn cancel_wins_over_the_deadline() {
        let start = Instant::now();
        let clock = Stepping {
            at: Cell::new(start + Duration::from_secs(9)),
        };
        let flag = AtomicBool::new(true);
        let budget = Budget::until(&clock, start).with_cancel(Some(&flag));
        assert_eq!(budget.check(), Err(Interrupted::Cancelled));
    }
}
