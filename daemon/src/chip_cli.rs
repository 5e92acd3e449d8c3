//! `idgated chip readers`: the PC/SC readers as the station sees them — whether a card is on
//! each, its ATR, whether the reader is virtual, and which one the configuration picks. For staff
//! and admins at a desk where "place the passport" never ends.
//!
//! The readers are only looked at (`SCardGetStatusChange`), never connected to, so running it
//! beside the daemon disturbs no read.

use std::ffi::CString;
use std::time::Duration;

use pcsc::{Context, ReaderState, Scope, State};
use serde::Serialize;

use crate::reader::ReaderPolicy;

/// One reader, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReaderLine {
    pub reader: String,
    /// A card is present (and answered the reset).
    pub card: bool,
    /// The card's answer to reset, upper-case hex; `null` without a card.
    pub atr: Option<String>,
    /// `present`, `empty`, `mute` (a card that does not answer), `in_use` (held exclusively by
    /// another program, e.g. the daemon mid-read), `unavailable`.
    pub state: &'static str,
    #[serde(rename = "virtual")]
    pub is_virtual: bool,
    /// The reader the configuration picks for the station.
    pub chosen: bool,
    /// Why the configuration does not use it, if it matches the pattern but is refused.
    pub refused: Option<String>,
}

/// Errors of the command: only PC/SC itself (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum ReadersError {
    #[error("pcscd is not reachable: {0}")]
    Pcscd(pcsc::Error),
    #[error("listing the readers failed: {0}")]
    List(pcsc::Error),
}

/// The readers pcscd knows, in name order.
pub fn readers(policy: &ReaderPolicy) -> Result<Vec<ReaderLine>, ReadersError> {
    let ctx = Context::establish(Scope::User).map_err(ReadersError::Pcscd)?;
    let mut names = crate::reader::reader_names(&ctx).map_err(ReadersError::List)?;
    names.sort();
    let choice = policy.choose(&names);
    let mut states: Vec<ReaderState> = names
        .iter()
        .filter_map(|n| CString::new(n.as_str()).ok())
        .map(|n| ReaderState::new(n, State::UNAWARE))
        .collect();
    // With UNAWARE states the call returns at once with each reader's current state.
    match ctx.get_status_change(Duration::from_secs(2), &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(e) => return Err(ReadersError::List(e)),
    }
    Ok(names
        .iter()
        .zip(&states)
        .map(|(name, s)| {
            let event = s.event_state();
            let card = event.contains(State::PRESENT) && !event.contains(State::MUTE);
            let state = if event.intersects(State::UNKNOWN | State::UNAVAILABLE) {
                "unavailable"
            } else if event.contains(State::MUTE) {
                "mute"
            } else if event.contains(State::EXCLUSIVE) {
                "in_use"
            } else if event.contains(State::PRESENT) {
                "present"
            } else {
                "empty"
            };
            let is_virtual = policy.is_virtual(name);
            let refused = choice
                .refused_virtual
                .contains(name)
                .then(|| "virtual reader: set [reader] allow_virtual (test stations only)".into());
            ReaderLine {
                reader: name.clone(),
                card,
                atr: (card && !s.atr().is_empty()).then(|| hex(s.atr())),
                state,
                is_virtual,
                chosen: choice.chosen.as_deref() == Some(name.as_str()),
                refused,
            }
        })
        .collect())
}

/// The human table: one reader a line.
pub fn table_line(r: &ReaderLine) -> String {
    format!(
        "{} {:<11} {:<7} {:<48} {}{}",
        if r.chosen { "*" } else { " " },
        r.state,
        if r.is_virtual { "virtual" } else { "" },
        r.reader,
        r.atr.as_deref().unwrap_or("-"),
        r.refused
            .as_deref()
            .map(|why| format!("  (refused: {why})"))
            .unwrap_or_default()
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
