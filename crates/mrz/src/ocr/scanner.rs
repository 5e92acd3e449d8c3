//! The code step's camera loop in one object: read each frame, vote, and turn repeated failure into
//! guidance. Time-free: it counts frames; the caller decides the frame rate.

use std::fmt;
use std::sync::Arc;

use image::{GrayImage, RgbImage};

use crate::mrz::Mrz;

use super::reader::{FrameReading, MrzReader, OcrHint};
use super::voter::{Consensus, FrameVoter};

/// Consecutive sharp, glare-free frames with a band but no verified reading before `Unreadable`.
pub const DEFAULT_UNREADABLE_AFTER: u32 = 25;

/// What the scanner knows after a frame.
#[derive(Clone)]
pub struct ScanUpdate {
    /// Guidance for the person, if something is in the way.
    pub hint: Option<OcrHint>,
    /// The frames' joint reading so far (for showing progress and uncertain characters).
    pub consensus: Option<Consensus>,
    /// The settled MRZ: verified and confirmed by several frames. The code step is done.
    pub mrz: Option<Mrz>,
}

impl fmt::Debug for ScanUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanUpdate")
            .field("hint", &self.hint)
            .field("consensus", &self.consensus)
            .field("done", &self.mrz.is_some())
            .finish()
    }
}

/// Reader + voter + hint policy for one verification session.
pub struct MrzScanner {
    reader: Arc<MrzReader>,
    voter: FrameVoter,
    failing: u32,
    unreadable_after: u32,
}

impl fmt::Debug for MrzScanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MrzScanner")
            .field("voter", &self.voter)
            .field("failing", &self.failing)
            .finish_non_exhaustive()
    }
}

impl MrzScanner {
    pub fn new(reader: Arc<MrzReader>) -> Self {
        Self {
            reader,
            voter: FrameVoter::default(),
            failing: 0,
            unreadable_after: DEFAULT_UNREADABLE_AFTER,
        }
    }

    /// Changes how many failing frames make the scanner suggest typing the code in.
    pub fn with_unreadable_after(mut self, frames: u32) -> Self {
        self.unreadable_after = frames.max(1);
        self
    }

    pub fn push_rgb(&mut self, frame: &RgbImage) -> ScanUpdate {
        let reading = self.reader.read_rgb(frame);
        self.push_reading(&reading)
    }

    pub fn push_gray(&mut self, frame: &GrayImage) -> ScanUpdate {
        let reading = self.reader.read_gray(frame);
        self.push_reading(&reading)
    }

    /// Feeds a reading made elsewhere (e.g. on a worker thread).
    pub fn push_reading(&mut self, reading: &FrameReading) -> ScanUpdate {
        self.voter.add(reading);
        let consensus = self.voter.consensus();
        let settled = consensus
            .as_ref()
            .filter(|c| c.settled)
            .and_then(|c| c.mrz.clone());
        let mut hint = if settled.is_some() {
            None
        } else {
            reading.hint
        };
        if settled.is_none() && reading.band_found() && hint.is_none() {
            self.failing += 1;
            if self.failing >= self.unreadable_after {
                hint = Some(OcrHint::Unreadable);
            }
        } else if settled.is_some() {
            self.failing = 0;
        }
        ScanUpdate {
            hint,
            consensus,
            mrz: settled,
        }
    }

    /// Starts over (another document, or after a retry).
    pub fn reset(&mut self) {
        self.voter.reset();
        self.failing = 0;
    }
}
