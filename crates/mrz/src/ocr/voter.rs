//! Voting across consecutive frames: a character misread in one frame is outvoted by the others,
//! and characters the frames disagree on are reported so a UI can mark them.

use std::collections::VecDeque;
use std::fmt;

use crate::format::MrzFormat;
use crate::mrz::Mrz;

use super::classify::{CLASSES, CellScores, char_of, class_of};
use super::correct::{decode, format_of};
use super::reader::FrameReading;

/// The default number of recent frames that vote.
pub const DEFAULT_WINDOW: usize = 12;

/// Frames that individually verified to the same MRZ before the result is settled.
pub const DEFAULT_MIN_AGREEING: usize = 2;

/// A character is uncertain when fewer than this share of frames read it, or its score margin is small.
const AGREEMENT: f32 = 0.7;
const MARGIN: f32 = 0.04;

struct Vote {
    format: MrzFormat,
    cells: Vec<Vec<CellScores>>,
    chars: Vec<Vec<u8>>,
    verified: Option<Mrz>,
}

/// The frames' joint reading.
#[derive(Clone)]
pub struct Consensus {
    pub format: MrzFormat,
    /// The consensus characters (verified or not).
    pub lines: Vec<String>,
    /// Per character, in `[0, 1]`: the share of frames that read this character.
    pub agreement: Vec<Vec<f32>>,
    /// Positions (line, column) the frames disagree on or the classifier is unsure of.
    pub uncertain: Vec<(usize, usize)>,
    /// Frames that voted (of this format).
    pub frames: usize,
    /// Frames whose own reading verified to [`Self::mrz`].
    pub agreeing: usize,
    /// Overall confidence in `[0, 1]`: mean agreement, zero unless the check digits verify.
    pub confidence: f32,
    /// The consensus MRZ, if every check digit verifies.
    pub mrz: Option<Mrz>,
    /// Verified and confirmed by enough frames to hand to the chip step.
    pub settled: bool,
}

impl fmt::Debug for Consensus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consensus")
            .field("format", &self.format)
            .field("frames", &self.frames)
            .field("agreeing", &self.agreeing)
            .field("uncertain", &self.uncertain.len())
            .field("confidence", &self.confidence)
            .field("settled", &self.settled)
            .finish_non_exhaustive()
    }
}

/// Accumulates per-character votes over the last `window` frames that showed an MRZ.
pub struct FrameVoter {
    votes: VecDeque<Vote>,
    window: usize,
    min_agreeing: usize,
}

impl fmt::Debug for FrameVoter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameVoter")
            .field("frames", &self.votes.len())
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Default for FrameVoter {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW, DEFAULT_MIN_AGREEING)
    }
}

impl FrameVoter {
    pub fn new(window: usize, min_agreeing: usize) -> Self {
        Self {
            votes: VecDeque::new(),
            window: window.max(1),
            min_agreeing: min_agreeing.max(1),
        }
    }

    /// Adds a frame; frames without an MRZ band do not vote. Returns whether it voted.
    pub fn add(&mut self, reading: &FrameReading) -> bool {
        let Some(decoded) = &reading.decoded else {
            return false;
        };
        if reading.cells.is_empty() {
            return false;
        }
        if self.votes.len() == self.window {
            self.votes.pop_front();
        }
        self.votes.push_back(Vote {
            format: decoded.format,
            cells: reading.cells.clone(),
            chars: decoded.lines.clone(),
            verified: decoded.mrz.clone(),
        });
        true
    }

    /// Forgets all frames (e.g. a new document).
    pub fn reset(&mut self) {
        self.votes.clear();
    }

    pub fn frames(&self) -> usize {
        self.votes.len()
    }

    /// The consensus of the format most frames showed.
    pub fn consensus(&self) -> Option<Consensus> {
        let format = MrzFormat::ALL
            .into_iter()
            .max_by_key(|f| self.votes.iter().filter(|v| v.format == *f).count())?;
        let votes: Vec<&Vote> = self.votes.iter().filter(|v| v.format == format).collect();
        let first = votes.first()?;
        let shape: Vec<usize> = first.cells.iter().map(Vec::len).collect();
        // Average the class scores cell by cell.
        let mut sums: Vec<Vec<[f32; CLASSES]>> =
            shape.iter().map(|&n| vec![[0.0; CLASSES]; n]).collect();
        let mut counts: Vec<Vec<[u16; CLASSES]>> =
            shape.iter().map(|&n| vec![[0; CLASSES]; n]).collect();
        for v in &votes {
            for (l, row) in v.cells.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if let Some(sum) = sums.get_mut(l).and_then(|r| r.get_mut(c)) {
                        sum.iter_mut().zip(cell.0.iter()).for_each(|(s, x)| *s += x);
                    }
                    let ch = v
                        .chars
                        .get(l)
                        .and_then(|r| r.get(c))
                        .copied()
                        .and_then(class_of);
                    if let (Some(k), Some(count)) =
                        (ch, counts.get_mut(l).and_then(|r| r.get_mut(c)))
                    {
                        count[k] += 1;
                    }
                }
            }
        }
        let n = votes.len() as f32;
        let mean: Vec<Vec<CellScores>> = sums
            .iter()
            .map(|row| row.iter().map(|s| CellScores(s.map(|x| x / n))).collect())
            .collect();
        // A visa or card read as the other layout of its size has its own first-character vote.
        let format = mean
            .first()
            .and_then(|r| r.first())
            .and_then(|c| format_of(shape.first().copied().unwrap_or(0), c))
            .filter(|f| *f == format)
            .unwrap_or(format);
        let decoded = decode(format, &mean);
        let mut agreement = Vec::with_capacity(shape.len());
        let mut uncertain = Vec::new();
        for (l, row) in decoded.lines.iter().enumerate() {
            let mut a_row = Vec::with_capacity(row.len());
            for (c, &ch) in row.iter().enumerate() {
                let count = class_of(ch)
                    .and_then(|k| counts.get(l).and_then(|r| r.get(c)).map(|cnt| cnt[k]))
                    .unwrap_or(0);
                let share = f32::from(count) / n;
                let margin = decoded
                    .margins
                    .get(l)
                    .and_then(|r| r.get(c))
                    .copied()
                    .unwrap_or(0.0);
                if share < AGREEMENT || margin < MARGIN {
                    uncertain.push((l, c));
                }
                a_row.push(share);
            }
            agreement.push(a_row);
        }
        let agreeing = decoded.mrz.as_ref().map_or(0, |m| {
            votes
                .iter()
                .filter(|v| v.verified.as_ref() == Some(m))
                .count()
        });
        let cells_total: usize = shape.iter().sum();
        let mean_agreement = agreement.iter().flatten().sum::<f32>() / cells_total.max(1) as f32;
        let verified = decoded.mrz.is_some();
        let settled = verified
            && (agreeing >= self.min_agreeing || (votes.len() >= 3 && uncertain.is_empty()));
        Some(Consensus {
            format,
            lines: decoded
                .lines
                .iter()
                .map(|l| l.iter().map(|&c| char::from(c)).collect())
                .collect(),
            agreement,
            uncertain,
            frames: votes.len(),
            agreeing,
            confidence: if verified { mean_agreement } else { 0.0 },
            mrz: decoded.mrz,
            settled,
        })
    }
}

/// The character a class index stands for (for UIs showing the consensus).
pub fn class_char(class: usize) -> char {
    char::from(char_of(class))
}
