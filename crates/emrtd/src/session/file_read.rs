//! Reading one elementary file: select (by SFI inside the first READ BINARY, or SELECT by FID),
//! read the TLV header to learn the length, then read the rest in chunks.

use zeroize::Zeroizing;

use crate::error::ChipError;
use crate::iso7816::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::iso7816::tlv::{self, TlvError};
use crate::lds::{LdsError, LdsFile};

/// Bytes asked for first: enough for tag and a length up to `82 xx xx`.
const HEADER_PROBE: u32 = 4;
/// Largest offset a READ BINARY with even INS can address (15 bits).
const MAX_EVEN_OFFSET: usize = 0x7FFF;
/// Largest offset a READ BINARY with SFI can start at (P2).
const MAX_SFI_OFFSET: usize = 0xFF;

/// What the file read wants next.
#[derive(Debug)]
pub(crate) enum ReadNext {
    Send(CommandApdu),
}

/// What a response meant.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadOutcome {
    /// More to read.
    Continue,
    /// The whole file is here.
    Complete,
    /// The chip has no such file (or may not show it).
    Absent,
    /// Reading with a short file identifier is not supported: select by FID.
    SfiUnsupported,
    /// The chip refused this Le (or the length form): use a smaller read.
    StepDown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Select,
    ReadSfi,
    Read,
    ReadOdd,
}

/// The state of one file being read.
pub(crate) struct FileRead {
    pub file: LdsFile,
    /// A missing file is not an error (optional data groups, pre-access files).
    pub optional: bool,
    /// Read until the chip has no more (EF.ATR/INFO has no outer TLV to give its length).
    no_tlv_length: bool,
    pub data: Zeroizing<Vec<u8>>,
    pub total: Option<usize>,
    /// The file is the chip's current EF (a SELECT or SFI read succeeded since the last reset).
    pub selected: bool,
    header_need: u32,
    sent: Option<(Sent, u32)>,
    max_len: usize,
}

impl FileRead {
    pub(super) fn new(file: LdsFile, optional: bool, max_len: usize) -> Self {
        Self {
            file,
            optional,
            no_tlv_length: file.tag().is_none(),
            data: Zeroizing::new(Vec::new()),
            total: None,
            selected: false,
            header_need: HEADER_PROBE,
            sent: None,
            max_len,
        }
    }

    /// After a card reset the EF must be selected again; bytes read so far are kept.
    pub(super) fn reselect(&mut self) {
        self.selected = false;
        self.sent = None;
    }

    /// The next command: `le_max` is the largest plain Le the current read mode allows.
    pub(super) fn next(&mut self, le_max: u32, use_sfi: bool) -> Result<ReadNext, ChipError> {
        let offset = self.data.len();
        let want = match self.total {
            None if self.no_tlv_length => le_max,
            None => self.header_need.min(le_max),
            Some(total) => {
                let left = u32::try_from(total.saturating_sub(offset)).unwrap_or(u32::MAX);
                left.min(le_max)
            }
        };
        if !self.selected {
            if use_sfi && offset <= MAX_SFI_OFFSET {
                self.sent = Some((Sent::ReadSfi, want));
                return Ok(ReadNext::Send(
                    CommandApdu::new(0x00, 0xB0, 0x80 | self.file.sfi(), offset as u8)
                        .with_le(want),
                ));
            }
            self.sent = Some((Sent::Select, 0));
            return Ok(ReadNext::Send(
                CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(self.file.fid().to_be_bytes()),
            ));
        }
        if offset <= MAX_EVEN_OFFSET {
            self.sent = Some((Sent::Read, want));
            let [p1, p2] = (offset as u16).to_be_bytes();
            return Ok(ReadNext::Send(
                CommandApdu::new(0x00, 0xB0, p1, p2).with_le(want),
            ));
        }
        // Offsets beyond 15 bits: READ BINARY with odd INS and the offset in DO'54'; the answer
        // comes wrapped in DO'53', so ask for a little less.
        let want = want.saturating_sub(4).max(1);
        let off = (offset as u32).to_be_bytes();
        let skip = off.iter().take_while(|b| **b == 0).count().min(3);
        self.sent = Some((Sent::ReadOdd, want));
        Ok(ReadNext::Send(
            CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
                .with_data(tlv::encode(0x54, &off[skip..]))
                .with_le(want + 4),
        ))
    }

    fn lds_error(&self, error: impl Into<LdsError>) -> ChipError {
        ChipError::Lds {
            file: self.file,
            error: error.into(),
        }
    }

    fn protocol(&self, reason: &'static str) -> ChipError {
        ChipError::ReadProtocol {
            file: self.file,
            reason,
        }
    }

    /// Interprets the (unwrapped) response to the last command.
    pub(super) fn on_response(&mut self, resp: &ResponseApdu) -> Result<ReadOutcome, ChipError> {
        let Some((sent, want)) = self.sent.take() else {
            return Err(self.protocol("a response without a command"));
        };
        let sw = resp.sw;
        if sent == Sent::Select {
            return match sw {
                StatusWord::OK => {
                    self.selected = true;
                    Ok(ReadOutcome::Continue)
                }
                StatusWord::FILE_NOT_FOUND => Ok(ReadOutcome::Absent),
                StatusWord::SECURITY_NOT_SATISFIED if self.optional => Ok(ReadOutcome::Absent),
                sw => Err(ChipError::UnexpectedStatus {
                    command: "SELECT EF",
                    sw,
                }),
            };
        }
        match sw {
            StatusWord::OK | StatusWord::END_OF_FILE => {}
            StatusWord::WRONG_LENGTH => return Ok(ReadOutcome::StepDown),
            _ if sw.exact_length().is_some() => return Ok(ReadOutcome::StepDown),
            StatusWord::FILE_NOT_FOUND if !self.selected => return Ok(ReadOutcome::Absent),
            StatusWord::SECURITY_NOT_SATISFIED if self.optional && self.data.is_empty() => {
                return Ok(ReadOutcome::Absent);
            }
            StatusWord::INCORRECT_P1P2
            | StatusWord::FUNCTION_NOT_SUPPORTED
            | StatusWord::INS_NOT_SUPPORTED
            | StatusWord::WRONG_DATA
            | StatusWord::COMMAND_NOT_ALLOWED
            | StatusWord::WRONG_OFFSET
                if sent == Sent::ReadSfi =>
            {
                return Ok(ReadOutcome::SfiUnsupported);
            }
            sw => {
                return Err(ChipError::UnexpectedStatus {
                    command: "READ BINARY",
                    sw,
                });
            }
        }
        let payload: &[u8] = if sent == Sent::ReadOdd {
            match tlv::parse_exact(&resp.data) {
                Ok(t) if t.tag == 0x53 => t.value,
                _ if resp.data.is_empty() => &[],
                _ => return Err(self.protocol("odd READ BINARY answer is not DO'53'")),
            }
        } else {
            &resp.data
        };
        if payload.len() > want as usize {
            return Err(self.protocol("more bytes than asked for"));
        }
        self.selected = true;
        if payload.is_empty() {
            if self.no_tlv_length || (sw == StatusWord::END_OF_FILE && self.total.is_none()) {
                return Ok(ReadOutcome::Complete);
            }
            return Err(self.protocol("an empty answer before the end of the file"));
        }
        self.data.extend_from_slice(payload);
        if self.no_tlv_length {
            if self.data.len() > self.max_len {
                return Err(ChipError::FileTooLarge {
                    file: self.file,
                    len: self.data.len(),
                    limit: self.max_len,
                });
            }
            return Ok(
                if payload.len() < want as usize || sw == StatusWord::END_OF_FILE {
                    ReadOutcome::Complete
                } else {
                    ReadOutcome::Continue
                },
            );
        }
        if self.total.is_none() {
            match tlv::parse_header(&self.data) {
                Ok(h) => {
                    if let Some(tag) = self.file.tag() {
                        if h.tag != tag {
                            return Err(self.lds_error(TlvError::UnexpectedTag {
                                expected: tag,
                                found: h.tag,
                            }));
                        }
                    }
                    let total = h.total_len();
                    if total > self.max_len {
                        return Err(ChipError::FileTooLarge {
                            file: self.file,
                            len: total,
                            limit: self.max_len,
                        });
                    }
                    self.total = Some(total);
                }
                Err(TlvError::Truncated { needed }) => {
                    self.header_need = u32::try_from(needed).unwrap_or(HEADER_PROBE);
                    if sw == StatusWord::END_OF_FILE {
                        return Err(self.lds_error(TlvError::Truncated { needed }));
                    }
                    return Ok(ReadOutcome::Continue);
                }
                Err(e) => return Err(self.lds_error(e)),
            }
        }
        match self.total {
            Some(total) if self.data.len() >= total => {
                self.data.truncate(total);
                Ok(ReadOutcome::Complete)
            }
            _ if sw == StatusWord::END_OF_FILE => {
                Err(self.protocol("the file ends before its TLV length"))
            }
            _ => Ok(ReadOutcome::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(hex_data: &str, sw: u16) -> ResponseApdu {
        ResponseApdu::new(hex::decode(hex_data).expect("hex"), StatusWord(sw))
    }

    fn send(r: &mut FileRead, le: u32, sfi: bool) -> Vec<u8> {
        let ReadNext::Send(c) = r.next(le, sfi).expect("next");
        c.to_bytes().expect("encodes")
    }

    #[test]
    fn icao_d4_sequence_select_header_rest() {
        // ICAO 9303 Part 11 Appendix D.4: SELECT EF.COM, READ 4, READ 0x12 @ 4.
        let mut r = FileRead::new(LdsFile::Com, false, 1 << 16);
        assert_eq!(
            send(&mut r, 0xDF, false),
            hex::decode("00A4020C02011E").expect("hex")
        );
        assert_eq!(
            r.on_response(&resp("", 0x9000)).expect("ok"),
            ReadOutcome::Continue
        );
        assert_eq!(
            send(&mut r, 0xDF, false),
            hex::decode("00B0000004").expect("hex")
        );
        assert_eq!(
            r.on_response(&resp("60145F01", 0x9000)).expect("ok"),
            ReadOutcome::Continue
        );
        assert_eq!(r.total, Some(0x16));
        assert_eq!(
            send(&mut r, 0xDF, false),
            hex::decode("00B0000412").expect("hex")
        );
        assert_eq!(
            r.on_response(&resp("04303130365F36063034303030305C026175", 0x9000))
                .expect("ok"),
            ReadOutcome::Complete
        );
        assert_eq!(
            hex::encode_upper(r.data.as_slice()),
            "60145F0104303130365F36063034303030305C026175"
        );
    }

    #[test]
    fn sfi_read_selects_and_falls_back() {
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 16);
        assert_eq!(
            send(&mut r, 0xDF, true),
            hex::decode("00B0820004").expect("hex")
        );
        assert_eq!(
            r.on_response(&resp("", 0x6A86)).expect("ok"),
            ReadOutcome::SfiUnsupported
        );
        assert_eq!(
            send(&mut r, 0xDF, false),
            hex::decode("00A4020C020102").expect("hex")
        );
    }

    #[test]
    fn large_offsets_use_odd_ins() {
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 20);
        r.selected = true;
        r.data = Zeroizing::new(vec![0; 0x8000]);
        r.total = Some(0x9000);
        assert_eq!(
            send(&mut r, 0xDF, true),
            hex::decode("00B100000454028000DF").expect("hex")
        );
        let mut answer = vec![0x53, 0x81, 0xDB];
        answer.extend_from_slice(&[7; 0xDB]);
        assert_eq!(
            r.on_response(&ResponseApdu::new(answer, StatusWord::OK))
                .expect("ok"),
            ReadOutcome::Continue
        );
        assert_eq!(r.data.len(), 0x8000 + 0xDB);
    }

    #[test]
    fn hostile_answers() {
        // Wrong outer tag.
        let mut r = FileRead::new(LdsFile::DG1, false, 1 << 16);
        send(&mut r, 0xDF, true);
        assert!(matches!(
            r.on_response(&resp("7582FFFF", 0x9000)),
            Err(ChipError::Lds { .. })
        ));
        // A huge length.
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 16);
        send(&mut r, 0xDF, true);
        assert!(matches!(
            r.on_response(&resp("7584FFFFFFFF", 0x9000)),
            Err(ChipError::ReadProtocol { .. })
        ));
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 16);
        send(&mut r, 0xDF, true);
        // A length in three bytes: the 4-byte probe lacks one, which is asked for next.
        assert_eq!(
            r.on_response(&resp("7583FFFF", 0x9000)).expect("more"),
            ReadOutcome::Continue
        );
        assert_eq!(
            send(&mut r, 0xDF, true),
            hex::decode("00B0000401").expect("hex")
        );
        assert!(matches!(
            r.on_response(&resp("FF", 0x9000)),
            Err(ChipError::FileTooLarge { .. })
        ));
        // More than asked.
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 16);
        send(&mut r, 0xDF, true);
        assert!(matches!(
            r.on_response(&resp("7582100000", 0x9000)),
            Err(ChipError::ReadProtocol { .. })
        ));
        // Empty answers mid-file never loop.
        let mut r = FileRead::new(LdsFile::DG2, false, 1 << 16);
        send(&mut r, 0xDF, true);
        r.on_response(&resp("75821000", 0x9000)).expect("header");
        send(&mut r, 0xDF, true);
        assert!(r.on_response(&resp("", 0x9000)).is_err());
        // End of file before the TLV length.
        send(&mut r, 0xDF, true);
        assert!(r.on_response(&resp("0102", 0x6282)).is_err());
    }
}
