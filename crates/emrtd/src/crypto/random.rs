//! Randomness for protocol nonces and keys (RND.IFD, K.IFD, PACE/CA ephemeral keys).
//!
//! Injected, so published worked examples can be replayed with their fixed "random" values.

use std::collections::VecDeque;
use std::fmt;

/// Why no random bytes could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no randomness available: {0}")]
pub struct RandomError(pub String);

/// A source of cryptographically secure random bytes.
pub trait RandomSource: Send {
    /// Fills all of `buf` with random bytes, or says why it cannot.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's generator (getrandom).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
    }
}

/// Replays given bytes in order, for test vectors; fails when they run out (a test bug, not a panic).
#[derive(Default)]
pub struct ScriptedRandom {
    bytes: VecDeque<u8>,
}

impl ScriptedRandom {
    /// Replays the bytes of `chunks` one after the other, first byte first.
    pub fn new(chunks: &[&[u8]]) -> Self {
        Self {
            bytes: chunks.iter().flat_map(|c| c.iter().copied()).collect(),
        }
    }
}

impl fmt::Debug for ScriptedRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScriptedRandom({} bytes left)", self.bytes.len())
    }
}

impl RandomSource for ScriptedRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        if self.bytes.len() < buf.len() {
            return Err(RandomError(format!(
                "scripted randomness exhausted: wanted {}, have {}",
                buf.len(),
                self.bytes.len()
            )));
        }
        for b in buf.iter_mut() {
            *b = self.bytes.pop_front().unwrap_or_default();
        }
        Ok(())
    }
}
