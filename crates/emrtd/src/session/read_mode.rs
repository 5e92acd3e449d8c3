//! READ BINARY sizes: a ladder from large to small, stepped down when a chip or reader refuses,
//! remembered per chip kind.

use crate::iso7816::apdu::LengthForm;
use crate::session::profile::ReadProfile;

/// One READ BINARY size: the plain Le and the APDU length form carrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadMode {
    /// Short or extended length.
    pub form: LengthForm,
    /// The plain Le (bytes asked for).
    pub le: u32,
}

/// Default extended chunk when EF.ATR/INFO gives no buffer size.
pub(crate) const DEFAULT_EXTENDED_CHUNK: u32 = 1024;
/// Upper bound of an extended chunk: one lost response should not cost much.
pub(crate) const MAX_EXTENDED_CHUNK: u32 = 4096;
/// The largest plain Le whose protected response still fits a short response (256 bytes) with
/// both 3DES and AES: 223 → padded 224 → DO'87' 228 + DO'99' 4 + DO'8E' 10 = 242.
pub(crate) const SHORT_SM_MAX: u32 = 0xDF;

/// The ladder and where we stand on it.
#[derive(Debug, Clone)]
pub(crate) struct ReadModes {
    ladder: Vec<ReadMode>,
    extended_allowed: bool,
    floor: usize,
    /// A refusal or a profile moved the floor (kept across capability updates).
    lowered: bool,
}

impl ReadModes {
    /// `extended` says whether the card claims extended length support; `max_response` is the
    /// response buffer size from EF.ATR/INFO.
    pub(crate) fn new(extended: bool, max_response: Option<u32>) -> Self {
        let mut s = Self {
            ladder: Vec::new(),
            extended_allowed: extended,
            floor: 0,
            lowered: false,
        };
        s.rebuild(max_response);
        s
    }

    fn rebuild(&mut self, max_response: Option<u32>) {
        // Leave room for the SM envelope (DO'87' header, padding, DO'99', DO'8E', SW).
        let chunk = max_response
            .map(|m| m.saturating_sub(64) / 16 * 16)
            .unwrap_or(DEFAULT_EXTENDED_CHUNK)
            .min(MAX_EXTENDED_CHUNK);
        let mut ladder = Vec::new();
        if chunk > 256 {
            ladder.push(ReadMode {
                form: LengthForm::Extended,
                le: chunk,
            });
        }
        ladder.push(ReadMode {
            form: LengthForm::Extended,
            le: 256,
        });
        for le in [256, SHORT_SM_MAX, 192, 128, 64, 32] {
            ladder.push(ReadMode {
                form: LengthForm::Short,
                le,
            });
        }
        self.ladder = ladder;
        self.floor = 0;
    }

    /// New card capabilities (after EF.ATR/INFO was read); keeps steps already taken down.
    pub(crate) fn update_capabilities(&mut self, extended: bool, max_response: Option<u32>) {
        let was = self.current(true);
        self.extended_allowed = extended;
        self.rebuild(max_response);
        if let (true, Some(was)) = (self.lowered, was) {
            self.floor = self.index_at_most(was.form == LengthForm::Extended, was.le);
        }
    }

    fn applicable(&self, mode: &ReadMode, protected: bool) -> bool {
        match mode.form {
            LengthForm::Extended => self.extended_allowed,
            // A protected response to a plain Le of 256 cannot fit a short response.
            LengthForm::Short => !(protected && mode.le > SHORT_SM_MAX),
        }
    }

    fn current_index(&self, protected: bool) -> Option<usize> {
        (self.floor..self.ladder.len()).find(|i| self.applicable(&self.ladder[*i], protected))
    }

    /// The mode to read with now; `None` when every mode was refused.
    pub(crate) fn current(&self, protected: bool) -> Option<ReadMode> {
        self.current_index(protected).map(|i| self.ladder[i])
    }

    /// The current mode was refused: go one step down. Returns the new mode, if any is left.
    pub(crate) fn step_down(&mut self, protected: bool) -> Option<ReadMode> {
        let i = self.current_index(protected)?;
        self.floor = i + 1;
        self.lowered = true;
        self.current(protected)
    }

    fn index_at_most(&self, extended: bool, le: u32) -> usize {
        self.ladder
            .iter()
            .position(|m| m.le <= le && (extended || m.form == LengthForm::Short))
            .unwrap_or(self.ladder.len().saturating_sub(1))
    }

    /// Starts from a remembered profile.
    pub(crate) fn apply(&mut self, profile: &ReadProfile) {
        self.floor = self
            .floor
            .max(self.index_at_most(profile.extended_length, profile.max_read));
        self.lowered = true;
    }

    /// What to remember: the mode protected reads use now.
    pub(crate) fn profile(&self, short_file_ids: bool) -> ReadProfile {
        let mode = self.current(true).unwrap_or(ReadMode {
            form: LengthForm::Short,
            le: 32,
        });
        ReadProfile {
            extended_length: mode.form == LengthForm::Extended,
            max_read: mode.le,
            short_file_ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(form: LengthForm, le: u32) -> Option<ReadMode> {
        Some(ReadMode { form, le })
    }

    #[test]
    fn short_only_card_reads_223_under_sm_and_256_plain() {
        let modes = ReadModes::new(false, None);
        assert_eq!(modes.current(true), m(LengthForm::Short, 0xDF));
        assert_eq!(modes.current(false), m(LengthForm::Short, 256));
    }

    #[test]
    fn steps_down_through_the_ladder_then_gives_up() {
        let mut modes = ReadModes::new(true, Some(0x1000));
        assert_eq!(modes.current(true), m(LengthForm::Extended, 0x0FC0));
        assert_eq!(modes.step_down(true), m(LengthForm::Extended, 256));
        assert_eq!(modes.step_down(true), m(LengthForm::Short, 0xDF));
        assert_eq!(modes.step_down(true), m(LengthForm::Short, 192));
        assert_eq!(modes.step_down(true), m(LengthForm::Short, 128));
        assert_eq!(modes.step_down(true), m(LengthForm::Short, 64));
        assert_eq!(modes.step_down(true), m(LengthForm::Short, 32));
        assert_eq!(modes.step_down(true), None);
    }

    #[test]
    fn remembered_profile_starts_lower() {
        let mut modes = ReadModes::new(true, None);
        assert_eq!(modes.current(true), m(LengthForm::Extended, 1024));
        modes.apply(&ReadProfile {
            extended_length: false,
            max_read: 192,
            short_file_ids: true,
        });
        assert_eq!(modes.current(true), m(LengthForm::Short, 192));
        assert_eq!(modes.profile(true).max_read, 192);
        assert!(!modes.profile(true).extended_length);
    }

    #[test]
    fn atr_info_update_keeps_steps_taken() {
        let mut modes = ReadModes::new(false, None);
        modes.step_down(true);
        assert_eq!(modes.current(true), m(LengthForm::Short, 192));
        modes.update_capabilities(false, Some(0x800));
        assert_eq!(modes.current(true), m(LengthForm::Short, 192));
        // Without a refusal, EF.ATR/INFO announcing extended length opens the extended modes.
        let mut fresh = ReadModes::new(false, None);
        fresh.update_capabilities(true, Some(0x800));
        assert_eq!(fresh.current(true), m(LengthForm::Extended, 0x7C0));
    }
}
