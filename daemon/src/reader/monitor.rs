//! Follows the configured reader: present or not, and its name.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcsc::{Context, PNP_NOTIFICATION, ReaderState, Scope, State};

use super::ReaderPolicy;

/// How long one wait for a change lasts: also how quickly the monitor notices a stop request.
const POLL: Duration = Duration::from_millis(500);
/// Pause before asking pcscd again after it was unreachable.
const RETRY: Duration = Duration::from_secs(1);

/// The reader the monitor found, shared with the chip job.
#[derive(Debug, Clone, Default)]
pub struct ReaderWatch {
    inner: Arc<Mutex<Option<String>>>,
}

impl ReaderWatch {
    /// The name of the connected reader that matches the pattern, if any.
    pub fn current(&self) -> Option<String> {
        self.inner.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, name: Option<String>) -> bool {
        match self.inner.lock() {
            Ok(mut g) if *g != name => {
                *g = name;
                true
            }
            _ => false,
        }
    }
}

/// Starts the monitor thread. `on_change(present)` is called whenever the reader the policy
/// accepts appears or goes.
pub fn spawn_monitor(
    policy: ReaderPolicy,
    stop: Arc<AtomicBool>,
    on_change: impl Fn(bool) + Send + 'static,
) -> std::io::Result<ReaderWatch> {
    let watch = ReaderWatch::default();
    let shared = watch.clone();
    std::thread::Builder::new()
        .name("pcsc-monitor".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match Context::establish(Scope::User) {
                    Ok(ctx) => follow(&ctx, &policy, &stop, &shared, &on_change),
                    Err(e) => tracing::debug!("pcscd not reachable: {e}"),
                }
                if shared.set(None) {
                    on_change(false);
                }
                if !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(RETRY);
                }
            }
        })?;
    Ok(watch)
}

/// Follows readers on one PC/SC context until it fails or `stop` is set.
fn follow(
    ctx: &Context,
    policy: &ReaderPolicy,
    stop: &AtomicBool,
    watch: &ReaderWatch,
    on_change: &impl Fn(bool),
) {
    let mut pnp = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
    let mut warned: Vec<String> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let names = match super::reader_names(ctx) {
            Ok(names) => names,
            Err(e) => {
                tracing::debug!("listing readers failed: {e}");
                return;
            }
        };
        let choice = policy.choose(&names);
        for name in &choice.refused_virtual {
            if !warned.contains(name) {
                tracing::warn!(
                    reader = name.as_str(),
                    "virtual reader refused (a card from a socket could be forged); \
                     set [reader] allow_virtual = true only on a test station"
                );
                warned.push(name.clone());
            }
        }
        let chosen = choice.chosen;
        if watch.set(chosen.clone()) {
            match &chosen {
                Some(name) => tracing::info!(reader = name.as_str(), "reader connected"),
                None => tracing::info!("no matching reader connected"),
            }
            on_change(chosen.is_some());
        }
        // Watch the PnP pseudo-reader (readers added/removed) and the chosen reader (it going
        // away shows as UNKNOWN/UNAVAILABLE).
        let mut states: Vec<ReaderState> = std::mem::take(&mut pnp);
        if let Some(name) = chosen.as_ref().and_then(|n| CString::new(n.as_str()).ok()) {
            states.push(ReaderState::new(name, State::UNAWARE));
        }
        // The first call only learns the current state; then wait for a change.
        let mut first = true;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let timeout = if first { Duration::ZERO } else { POLL };
            match ctx.get_status_change(timeout, &mut states) {
                Ok(()) => {
                    // Any change (a reader added or removed, the card moving) → list again.
                    let changed = !first
                        && states
                            .iter()
                            .any(|s| s.event_state().contains(State::CHANGED));
                    for s in &mut states {
                        s.sync_current_state();
                    }
                    first = false;
                    if changed {
                        break;
                    }
                }
                Err(pcsc::Error::Timeout) => first = false,
                Err(pcsc::Error::UnknownReader) => break,
                Err(e) => {
                    tracing::debug!("reader status failed: {e}");
                    return;
                }
            }
        }
        pnp = states.into_iter().take(1).collect();
    }
}
