//! The chip: an eMRTD card emulator, sans-IO (`respond(apdu) -> response`). It answers SELECT (AID,
//! FID, SFI), GET CHALLENGE, EXTERNAL/MUTUAL AUTHENTICATE (BAC) and READ BINARY (even and odd INS)
//! under secure messaging, with access conditions, short/extended length and fault knobs.

use std::fmt;

use idgate_emrtd::EMRTD_AID;
use idgate_emrtd::emulator::bac::{self, BacKeys};
use idgate_emrtd::iso7816::apdu::{CommandApdu, LengthForm, ResponseApdu, StatusWord};
use idgate_emrtd::iso7816::card::contactless_atr;
use idgate_emrtd::iso7816::sm::SecureMessaging;
use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::{OsRandom, RandomSource};
use idgate_mrz::MrzError;

use crate::lds::{ChipFile, Personalisation};
use crate::profile::{ChipBehaviour, PassportProfile};

/// Counters of what the chip was asked, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChipStats {
    pub commands: u32,
    pub reads: u32,
    pub bytes_served: usize,
    pub refused_le: u32,
    pub extended_commands: u32,
    pub sm_failures: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Df {
    Master,
    Application,
}

/// A virtual eMRTD chip.
pub struct VirtualPassport {
    files: Personalisation,
    behaviour: ChipBehaviour,
    keys: BacKeys,
    rng: Box<dyn RandomSource>,
    df: Df,
    current: Option<LdsFile>,
    challenge: Option<[u8; 8]>,
    sm: Option<SecureMessaging>,
    served_since_reset: usize,
    lost: bool,
    stats: ChipStats,
    /// PACE, Chip and Active Authentication; `None`: BAC only.
    security: Option<crate::security::ChipSecurity>,
    /// Secure messaging that takes over after the current answer (PACE, Chip Authentication).
    pending_sm: Option<SecureMessaging>,
    /// Hostile mode: rewrites each plain answer before secure messaging protects it.
    hostile: Option<AnswerRewriter>,
}

/// A hostile chip's hand on its answers: gets each command (as the chip understood it, after secure
/// messaging was removed) and the plain answer, and may change the answer in any way.
pub type AnswerRewriter = Box<dyn FnMut(&CommandApdu, &mut ResponseApdu) + Send>;

impl fmt::Debug for VirtualPassport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualPassport")
            .field("behaviour", &self.behaviour)
            .field("stats", &self.stats)
            .field("hostile", &self.hostile.is_some())
            .finish_non_exhaustive()
    }
}

/// Size of a protected response body (DO'87' + DO'99' + DO'8E') around `n` plain bytes.
fn protected_len(block: usize, n: usize) -> usize {
    let do87 = if n == 0 {
        0
    } else {
        let value = 1 + (n / block + 1) * block;
        let len_of_len = match value {
            0..=0x7F => 1,
            0x80..=0xFF => 2,
            _ => 3,
        };
        1 + len_of_len + value
    };
    do87 + 4 + 10
}

fn sw(sw: StatusWord) -> ResponseApdu {
    ResponseApdu::status(sw)
}

impl VirtualPassport {
    /// A chip personalised from `profile`, with OS randomness.
    pub fn new(profile: &PassportProfile) -> Result<Self, MrzError> {
        Self::with_rng(profile, Box::new(OsRandom))
    }

    /// A chip whose RND.IC and K.IC come from `rng` (scripted for worked examples).
    pub fn with_rng(
        profile: &PassportProfile,
        rng: Box<dyn RandomSource>,
    ) -> Result<Self, MrzError> {
        let key = profile.access_key()?;
        Ok(Self {
            files: Personalisation::build(profile)?,
            behaviour: profile.chip.clone(),
            keys: BacKeys::from_key(&key),
            rng,
            df: Df::Master,
            current: None,
            challenge: None,
            sm: None,
            served_since_reset: 0,
            lost: false,
            stats: ChipStats::default(),
            security: None,
            pending_sm: None,
            hostile: None,
        })
    }

    /// Hostile mode: a chip that holds the keys and lies. `rewrite` sees every command and may
    /// change the plain answer (file contents, general-authenticate and internal-authenticate
    /// answers, status words); the chip then wraps the result in *correct* secure messaging, so the
    /// change passes the reader's MAC check and reaches its parsers, Passive/Chip/Active
    /// Authentication and the image decoders (damaging the answer on the wire instead only ever
    /// tests the MAC: tests/hostile_chip.rs). For mutated files, personalise the profile with them.
    pub fn hostile(
        mut self,
        rewrite: impl FnMut(&CommandApdu, &mut ResponseApdu) + Send + 'static,
    ) -> Self {
        self.hostile = Some(Box::new(rewrite));
        self
    }

    /// Adds the PACE / Chip Authentication / Active Authentication engine.
    pub fn with_security(mut self, security: crate::security::ChipSecurity) -> Self {
        self.security = Some(security);
        self
    }

    pub fn behaviour(&self) -> &ChipBehaviour {
        &self.behaviour
    }

    pub fn behaviour_mut(&mut self) -> &mut ChipBehaviour {
        &mut self.behaviour
    }

    pub fn stats(&self) -> ChipStats {
        self.stats
    }

    /// The answer to reset.
    pub fn atr(&self) -> Vec<u8> {
        contactless_atr(&self.behaviour.historical_bytes())
    }

    /// Power cycle / warm reset: back to the master file, no session.
    pub fn reset(&mut self) {
        self.df = Df::Master;
        self.current = None;
        self.challenge = None;
        self.sm = None;
        self.lost = false;
    }

    /// The card left the field during the last command (`drop_after_bytes`); the answer must not
    /// reach the reader. Clears the flag.
    pub fn take_lost(&mut self) -> bool {
        std::mem::take(&mut self.lost)
    }

    /// Answers one command APDU.
    pub fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.stats.commands += 1;
        let (cmd, form) = match CommandApdu::parse(apdu) {
            Ok(parsed) => parsed,
            Err(_) => return sw(StatusWord::WRONG_LENGTH).to_bytes(),
        };
        if form == LengthForm::Extended {
            self.stats.extended_commands += 1;
            if !self.behaviour.extended_length {
                return sw(StatusWord::WRONG_LENGTH).to_bytes();
            }
        }
        if cmd.cla & 0x0C == 0x0C {
            return self.respond_protected(&cmd, form).to_bytes();
        }
        // A plain command ends any secure messaging session.
        self.sm = None;
        let answer = self.handle(&cmd, form, false).to_bytes();
        if let Some(next) = self.pending_sm.take() {
            self.sm = Some(next);
        }
        answer
    }

    fn respond_protected(&mut self, wrapped: &CommandApdu, form: LengthForm) -> ResponseApdu {
        let Some(sm) = self.sm.as_mut() else {
            return sw(StatusWord::SM_OBJECTS_MISSING);
        };
        let cmd = match sm.unprotect_command(wrapped) {
            Ok(c) => c,
            Err(_) => {
                // ICAO 9303-11 §9.8.6.1: answer without SM and abort the session.
                self.stats.sm_failures += 1;
                self.sm = None;
                return sw(StatusWord::SM_OBJECTS_INCORRECT);
            }
        };
        let mut answer = self.handle(&cmd, form, true);
        let Some(sm) = self.sm.as_mut() else {
            return answer;
        };
        // A short response carries at most 256 bytes: a larger one is a wrong-length refusal.
        if form == LengthForm::Short
            && protected_len(sm.cipher().block_size(), answer.data.len()) > 256
        {
            self.stats.refused_le += 1;
            answer = sw(StatusWord::WRONG_LENGTH);
        }
        let protected_answer = sm
            .protect_response(cmd.ins, &answer)
            .unwrap_or_else(|_| sw(StatusWord::NO_PRECISE_DIAGNOSIS));
        if let Some(next) = self.pending_sm.take() {
            self.sm = Some(next);
        }
        protected_answer
    }

    fn handle(&mut self, cmd: &CommandApdu, form: LengthForm, protected: bool) -> ResponseApdu {
        let mut answer = self.answer(cmd, form, protected);
        if let Some(rewrite) = self.hostile.as_mut() {
            rewrite(cmd, &mut answer);
        }
        answer
    }

    fn answer(&mut self, cmd: &CommandApdu, form: LengthForm, protected: bool) -> ResponseApdu {
        match cmd.ins {
            0xA4 => self.select(cmd),
            0x84 => self.get_challenge(cmd),
            0x82 => self.external_authenticate(cmd, protected),
            0xB0 | 0xB1 => self.read_binary(cmd, form, protected),
            ins if crate::security::ChipSecurity::handles(ins) => match self.security.as_mut() {
                Some(security) => {
                    let reply = security.handle(cmd, protected, self.rng.as_mut());
                    self.pending_sm = reply.new_session;
                    reply.response
                }
                None => sw(StatusWord::INS_NOT_SUPPORTED),
            },
            _ => sw(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn files_of(&self, df: Df) -> &[ChipFile] {
        match df {
            Df::Master => &self.files.master_file,
            Df::Application => &self.files.application,
        }
    }

    fn select(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        match (cmd.p1, cmd.data.as_slice()) {
            (0x04, aid) if aid == EMRTD_AID => {
                self.df = Df::Application;
                self.current = None;
                sw(StatusWord::OK)
            }
            (0x04, _) => sw(StatusWord::FILE_NOT_FOUND),
            (0x00, [0x3F, 0x00]) => {
                self.df = Df::Master;
                self.current = None;
                sw(StatusWord::OK)
            }
            (0x00 | 0x02, [hi, lo]) => {
                let fid = u16::from_be_bytes([*hi, *lo]);
                match self.files_of(self.df).iter().find(|f| f.file.fid() == fid) {
                    Some(f) => {
                        self.current = Some(f.file);
                        sw(StatusWord::OK)
                    }
                    None => sw(StatusWord::FILE_NOT_FOUND),
                }
            }
            _ => sw(StatusWord::INCORRECT_P1P2),
        }
    }

    fn get_challenge(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if cmd.le != Some(8) {
            return sw(StatusWord::WRONG_LENGTH);
        }
        let mut rnd = [0u8; 8];
        if self.rng.fill(&mut rnd).is_err() {
            return sw(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        self.challenge = Some(rnd);
        ResponseApdu::new(rnd.to_vec(), StatusWord::OK)
    }

    fn external_authenticate(&mut self, cmd: &CommandApdu, protected: bool) -> ResponseApdu {
        if protected || self.df != Df::Application {
            return sw(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let Some(rnd_ic) = self.challenge.take() else {
            return sw(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let mut k_ic = zeroize::Zeroizing::new([0u8; 16]);
        if self.rng.fill(&mut k_ic[..]).is_err() {
            return sw(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        match bac::chip_answer(&self.keys, &rnd_ic, &k_ic, &cmd.data) {
            Ok((answer, session)) => {
                self.sm = Some(session);
                ResponseApdu::new(answer, StatusWord::OK)
            }
            Err(_) => sw(StatusWord::SECURITY_NOT_SATISFIED),
        }
    }

    fn read_binary(
        &mut self,
        cmd: &CommandApdu,
        form: LengthForm,
        protected: bool,
    ) -> ResponseApdu {
        let odd = cmd.ins == 0xB1;
        if odd && !self.behaviour.odd_ins {
            return sw(StatusWord::INS_NOT_SUPPORTED);
        }
        // Which file, from which offset.
        let (file, offset) = if !odd && cmd.p1 & 0x80 != 0 {
            if !self.behaviour.sfi {
                return sw(StatusWord::INCORRECT_P1P2);
            }
            let sfi = cmd.p1 & 0x1F;
            match self.files_of(self.df).iter().find(|f| f.file.sfi() == sfi) {
                Some(f) => (f.file, usize::from(cmd.p2)),
                None => return sw(StatusWord::FILE_NOT_FOUND),
            }
        } else {
            let Some(current) = self.current else {
                return sw(StatusWord::COMMAND_NOT_ALLOWED);
            };
            let offset = if odd {
                match tlv::parse_exact(&cmd.data) {
                    Ok(t) if t.tag == 0x54 && !t.value.is_empty() && t.value.len() <= 3 => t
                        .value
                        .iter()
                        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
                    _ => return sw(StatusWord::WRONG_DATA),
                }
            } else {
                usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]))
            };
            (current, offset)
        };
        // Files of the application need access control; the master file's are free.
        if self.df == Df::Application && !protected {
            return sw(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let Some(le) = cmd.le else {
            return sw(StatusWord::WRONG_LENGTH);
        };
        let max = if form == LengthForm::Short {
            self.behaviour.max_le.min(256)
        } else {
            self.behaviour.max_le
        };
        if le > max {
            self.stats.refused_le += 1;
            return sw(StatusWord::WRONG_LENGTH);
        }
        self.current = Some(file);
        let Some(content) = self
            .files_of(self.df)
            .iter()
            .find(|f| f.file == file)
            .map(|f| f.content.as_slice())
        else {
            return sw(StatusWord::FILE_NOT_FOUND);
        };
        if offset > content.len() {
            return sw(StatusWord::WRONG_OFFSET);
        }
        let want = if odd { le.saturating_sub(4) } else { le } as usize;
        let end = offset.saturating_add(want).min(content.len());
        let chunk = content[offset..end].to_vec();
        let status = if chunk.len() < want {
            StatusWord::END_OF_FILE
        } else {
            StatusWord::OK
        };
        self.stats.reads += 1;
        self.stats.bytes_served += chunk.len();
        self.served_since_reset += chunk.len();
        if let Some(limit) = self.behaviour.drop_after_bytes {
            if self.served_since_reset >= limit {
                // One-shot: the person lifts the passport once.
                self.behaviour.drop_after_bytes = None;
                self.lost = true;
            }
        }
        let data = if odd {
            tlv::encode(0x53, &chunk)
        } else {
            chunk
        };
        ResponseApdu::new(data, status)
    }
}
