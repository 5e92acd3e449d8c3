//! The APDU link under the read: one command in flight at a time, wrapped in secure messaging when a
//! session is up (ICAO 9303 Part 11 §9.8), its answer collected over `61xx` GET RESPONSE rounds,
//! re-sent once with the exact Le on `6Cxx` (plain commands; ISO/IEC 7816-4 §5.1.3), and unwrapped.
//! The stage machine above sees only whole, plain answers.

use crate::error::ChipError;
use crate::iso7816::apdu::{CommandApdu, LengthForm, ResponseApdu};
use crate::iso7816::sm::SecureMessaging;

/// Bound on commands for one read (a full read is ~100-150): a misbehaving chip cannot keep us busy.
const MAX_APDUS: u32 = 4000;
/// Bound on GET RESPONSE rounds for one command.
const MAX_GET_RESPONSE: u8 = 64;

/// The command in flight.
struct InFlight {
    plain: CommandApdu,
    form: LengthForm,
    protected: bool,
    /// What goes on the wire next (the command, a GET RESPONSE, or the re-sent command).
    bytes: Vec<u8>,
    collected: Vec<u8>,
    rounds: u8,
    resent: bool,
    ssc_before: Vec<u8>,
}

/// What an answer from the card amounts to.
pub(super) enum Answer {
    /// Not finished: send [`ApduLink::pending`] again (GET RESPONSE, or the re-sent command).
    Again,
    /// The whole answer, unwrapped; `protected` when it came under secure messaging.
    Complete {
        response: ResponseApdu,
        protected: bool,
    },
    /// The chip dropped secure messaging (`6987` / `6988` under SM).
    SmBroken,
}

/// A command the reader refused before it reached the card.
pub(super) struct Refused {
    pub(super) form: LengthForm,
    pub(super) protected: bool,
    ssc_before: Vec<u8>,
}

/// Secure messaging (when up) and the command in flight.
pub(super) struct ApduLink {
    sm: Option<SecureMessaging>,
    inflight: Option<InFlight>,
    /// Command APDUs sent (including GET RESPONSE and re-sends).
    apdus: u32,
    max_answer: usize,
}

impl ApduLink {
    pub(super) fn new(max_answer: usize) -> Self {
        Self {
            sm: None,
            inflight: None,
            apdus: 0,
            max_answer,
        }
    }

    // Getters.

    pub(super) fn apdus(&self) -> u32 {
        self.apdus
    }

    /// The bytes to put on the wire, while a command is in flight.
    pub(super) fn pending(&self) -> Option<Vec<u8>> {
        self.inflight.as_ref().map(|i| i.bytes.clone())
    }

    // Mutators.

    /// Secure messaging from now on (after access control or Chip Authentication).
    pub(super) fn set_secure_messaging(&mut self, sm: SecureMessaging) {
        self.sm = Some(sm);
    }

    /// Drops the session keys and anything in flight (card lost, SM broken, read over).
    pub(super) fn reset(&mut self) {
        self.sm = None;
        self.inflight = None;
    }

    // Inputs.

    /// Puts `cmd` in flight (wrapped when secure messaging is up) and returns its bytes.
    pub(super) fn send(
        &mut self,
        cmd: CommandApdu,
        form: LengthForm,
    ) -> Result<Vec<u8>, ChipError> {
        self.count()?;
        let (bytes, protected, ssc_before) = match self.sm.as_mut() {
            Some(sm) => {
                let ssc_before = sm.ssc().to_vec();
                let wrapped = sm.protect_command(&cmd, form)?;
                (wrapped.encode(form)?, true, ssc_before)
            }
            None => (cmd.encode(form)?, false, Vec::new()),
        };
        self.inflight = Some(InFlight {
            plain: cmd,
            form,
            protected,
            bytes: bytes.clone(),
            collected: Vec::new(),
            rounds: 0,
            resent: false,
            ssc_before,
        });
        Ok(bytes)
    }

    /// The card answered the bytes in flight. `None` when nothing was in flight.
    pub(super) fn on_answer(&mut self, bytes: &[u8]) -> Option<Result<Answer, ChipError>> {
        let mut inf = self.inflight.take()?;
        Some(self.answer(&mut inf, bytes).inspect(|a| {
            if matches!(a, Answer::Again) {
                self.inflight = Some(inf);
            }
        }))
    }

    fn answer(&mut self, inf: &mut InFlight, bytes: &[u8]) -> Result<Answer, ChipError> {
        let resp = ResponseApdu::parse(bytes)?;
        if let Some(n) = resp.sw.more_data() {
            inf.collected.extend_from_slice(&resp.data);
            inf.rounds += 1;
            if inf.rounds > MAX_GET_RESPONSE || inf.collected.len() > self.max_answer {
                return Err(ChipError::Protocol {
                    protocol: "GET RESPONSE",
                    reason: "the chip never stops offering more data".into(),
                });
            }
            inf.bytes = CommandApdu::new(0x00, 0xC0, 0x00, 0x00)
                .with_le(n)
                .to_bytes()?;
            self.count()?;
            return Ok(Answer::Again);
        }
        let mut data = std::mem::take(&mut inf.collected);
        data.extend_from_slice(&resp.data);
        let full = ResponseApdu::new(data, resp.sw);
        if !inf.protected && !inf.resent {
            if let Some(n) = full.sw.exact_length() {
                // 6Cxx: same command, exact Le (plain commands only; under SM the Le is inside).
                inf.plain.le = Some(n);
                inf.bytes = inf.plain.encode(inf.plain.natural_form())?;
                inf.resent = true;
                self.count()?;
                return Ok(Answer::Again);
            }
        }
        if !inf.protected {
            return Ok(Answer::Complete {
                response: full,
                protected: false,
            });
        }
        let Some(sm) = self.sm.as_mut() else {
            return Err(ChipError::Protocol {
                protocol: "session",
                reason: "protected answer without a session".into(),
            });
        };
        let plain = sm.unprotect_response(&full)?;
        if plain.sw.is_sm_error() {
            return Ok(Answer::SmBroken);
        }
        Ok(Answer::Complete {
            response: plain,
            protected: true,
        })
    }

    /// The transport failed instead of answering: what was in flight is dropped.
    pub(super) fn on_failure(&mut self) -> Option<Refused> {
        self.inflight.take().map(|i| Refused {
            form: i.form,
            protected: i.protected,
            ssc_before: i.ssc_before,
        })
    }

    /// The reader refused the command before it reached the card (`Refused` from
    /// [`Self::on_failure`]): the card's SSC did not move, so ours must not either.
    pub(super) fn undo_refused(&mut self, refused: &Refused) {
        if let Some(sm) = self.sm.as_mut() {
            sm.restore_ssc(&refused.ssc_before);
        }
    }

    fn count(&mut self) -> Result<(), ChipError> {
        self.apdus += 1;
        if self.apdus > MAX_APDUS {
            return Err(ChipError::Protocol {
                protocol: "session",
                reason: "too many commands".into(),
            });
        }
        Ok(())
    }
}
