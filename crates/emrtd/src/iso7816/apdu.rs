//! ISO/IEC 7816-4 command and response APDUs: short and extended length encodings, status words.

use std::fmt;

/// How the length fields Lc/Le of a command are written (ISO/IEC 7816-4 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthForm {
    /// Lc 1 byte (1..=255), Le 1 byte (`00` = 256).
    Short,
    /// Lc `00 XX XX` (1..=65535), Le 2 bytes (`00 00` = 65536), 3 bytes when there is no body.
    Extended,
}

/// Why bytes are not a valid APDU, or a command cannot be written in the asked form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// Fewer than the two status bytes SW1 SW2 came back: the answer is not a response APDU (the
    /// transport or the card broke off).
    #[error("a response APDU needs at least the two status bytes, got {0} byte(s)")]
    ResponseTooShort(usize),
    /// Fewer than the four header bytes CLA INS P1 P2: not a command APDU.
    #[error("a command APDU needs at least the four header bytes, got {0} byte(s)")]
    CommandTooShort(usize),
    /// The body after the header is not one of the cases 2S/3S/4S/2E/3E/4E: Lc is zero, promises
    /// more data than there is, or is followed by bytes that are not a valid Le.
    #[error("the command body length does not match its Lc/Le fields")]
    BadCommandLength,
    /// The command data (length in bytes) is longer than the form's Lc can count: 255 short, 65 535
    /// extended. Encode extended, or send less.
    #[error("command data of {0} bytes does not fit the {1:?} length form")]
    DataTooLong(usize, LengthForm),
    /// The requested Le is 0 or above the form's maximum ([`SHORT_MAX_LE`], [`EXTENDED_MAX_LE`]).
    #[error("Le {0} does not fit the {1:?} length form")]
    LeTooLarge(u32, LengthForm),
}

/// Largest Le a short APDU can ask for (`00`).
pub const SHORT_MAX_LE: u32 = 256;
/// Largest Le an extended APDU can ask for (`00 00`).
pub const EXTENDED_MAX_LE: u32 = 65_536;

/// A command APDU. `le` counts bytes expected back (`Some(256)` is written `00` in short form).
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte CLA (ISO/IEC 7816-4 §5.1.1); bits `0C` are set when secure messaging protects the
    /// command (ICAO 9303 Part 11 §9.8).
    pub cla: u8,
    /// Instruction byte INS (ISO/IEC 7816-4 §5.1.2), e.g. `A4` SELECT, `B0`/`B1` READ BINARY.
    pub ins: u8,
    /// Parameter byte P1; its meaning depends on INS (SELECT: the selection method; READ BINARY:
    /// `80 | SFI` or the offset's high byte).
    pub p1: u8,
    /// Parameter byte P2; its meaning depends on INS (SELECT `0C`: no FCI returned; READ BINARY:
    /// the offset's low byte).
    pub p2: u8,
    /// Command data field; its length is Lc (absent when empty).
    pub data: Vec<u8>,
    /// Le: the number of bytes expected back, 1..=65 536; `None` when no data is expected.
    pub le: Option<u32>,
}

impl CommandApdu {
    /// A command of header only (case 1): no data, no Le.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// The same command with `data` as its data field.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// The same command expecting `le` bytes back (1..=256 short, 1..=65 536 extended).
    pub fn with_le(mut self, le: u32) -> Self {
        self.le = Some(le);
        self
    }

    /// The smallest form that can carry this command.
    pub fn natural_form(&self) -> LengthForm {
        if self.data.len() > 255 || self.le.is_some_and(|le| le > SHORT_MAX_LE) {
            LengthForm::Extended
        } else {
            LengthForm::Short
        }
    }

    /// Encodes in the smallest form that fits; an error when none does (data over 65 535 bytes,
    /// Le 0 or over 65 536): a command is never sent cut down to its header.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        self.encode(self.natural_form())
    }

    /// The four header bytes CLA INS P1 P2.
    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// Encodes in the given length form.
    pub fn encode(&self, form: LengthForm) -> Result<Vec<u8>, ApduError> {
        let mut out = Vec::with_capacity(self.data.len() + 9);
        out.extend_from_slice(&self.header());
        let n = self.data.len();
        match form {
            LengthForm::Short => {
                if n > 255 {
                    return Err(ApduError::DataTooLong(n, form));
                }
                if n > 0 {
                    out.push(n as u8);
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    if le == 0 || le > SHORT_MAX_LE {
                        return Err(ApduError::LeTooLarge(le, form));
                    }
                    // 256 is written as 00.
                    out.push((le % 256) as u8);
                }
            }
            LengthForm::Extended => {
                if n > 65_535 {
                    return Err(ApduError::DataTooLong(n, form));
                }
                if n > 0 {
                    out.push(0);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                    out.extend_from_slice(&self.data);
                }
                if let Some(le) = self.le {
                    if le == 0 || le > EXTENDED_MAX_LE {
                        return Err(ApduError::LeTooLarge(le, form));
                    }
                    if n == 0 {
                        out.push(0);
                    }
                    // 65536 is written as 00 00.
                    out.extend_from_slice(&((le % 65_536) as u16).to_be_bytes());
                }
            }
        }
        Ok(out)
    }

    /// Parses a command APDU (the card side: the emulator). Returns the command and the form it used.
    pub fn parse(bytes: &[u8]) -> Result<(Self, LengthForm), ApduError> {
        let (header, body) = match bytes.split_first_chunk::<4>() {
            Some(split) => split,
            None => return Err(ApduError::CommandTooShort(bytes.len())),
        };
        let mut cmd = Self::new(header[0], header[1], header[2], header[3]);
        let form = match body {
            // Case 1.
            [] => LengthForm::Short,
            // Case 2S.
            [le] => {
                cmd.le = Some(if *le == 0 { 256 } else { u32::from(*le) });
                LengthForm::Short
            }
            // Extended cases start with 00 and have at least 3 body bytes.
            [0, rest @ ..] if rest.len() >= 2 => {
                let lc_or_le = u32::from(u16::from_be_bytes([rest[0], rest[1]]));
                let tail = &rest[2..];
                if tail.is_empty() {
                    // Case 2E.
                    cmd.le = Some(if lc_or_le == 0 { 65_536 } else { lc_or_le });
                } else {
                    let lc = lc_or_le as usize;
                    if lc == 0 || tail.len() < lc {
                        return Err(ApduError::BadCommandLength);
                    }
                    cmd.data = tail[..lc].to_vec();
                    match &tail[lc..] {
                        [] => {}
                        [a, b] => {
                            let le = u32::from(u16::from_be_bytes([*a, *b]));
                            cmd.le = Some(if le == 0 { 65_536 } else { le });
                        }
                        _ => return Err(ApduError::BadCommandLength),
                    }
                }
                LengthForm::Extended
            }
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if lc == 0 || rest.len() < lc {
                    return Err(ApduError::BadCommandLength);
                }
                cmd.data = rest[..lc].to_vec();
                match &rest[lc..] {
                    [] => {}
                    [le] => cmd.le = Some(if *le == 0 { 256 } else { u32::from(*le) }),
                    _ => return Err(ApduError::BadCommandLength),
                }
                LengthForm::Short
            }
        };
        Ok((cmd, form))
    }
}

impl fmt::Debug for CommandApdu {
    // The body may carry key material or personal data: show its length only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CommandApdu({:02X} {:02X} {:02X} {:02X}, {} data bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

/// A response APDU: body and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// Response data field (empty on most errors).
    pub data: Vec<u8>,
    /// The trailer SW1-SW2.
    pub sw: StatusWord,
}

impl ResponseApdu {
    /// A response of `data` and `sw`.
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        Self { data, sw }
    }

    /// A response of status bytes only.
    pub fn status(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }

    /// Splits the bytes a card returned into data and the trailing SW1-SW2;
    /// [`ApduError::ResponseTooShort`] below two bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes.split_last_chunk::<2>() {
            Some((data, sw)) => Ok(Self {
                data: data.to_vec(),
                sw: StatusWord(u16::from_be_bytes(*sw)),
            }),
            None => Err(ApduError::ResponseTooShort(bytes.len())),
        }
    }

    /// The response as a card sends it: data ‖ SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

impl fmt::Debug for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ResponseApdu({} data bytes, {:?})",
            self.data.len(),
            self.sw
        )
    }
}

/// SW1-SW2 (ISO/IEC 7816-4 §5.6 and ICAO 9303 Part 11 §9.8).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing, command completed.
    pub const OK: Self = Self(0x9000);
    /// Part of the returned data may be corrupted / end of file reached before Le bytes.
    pub const END_OF_FILE: Self = Self(0x6282);
    /// Verification / authentication failed (MUTUAL AUTHENTICATE with wrong keys on some chips).
    pub const AUTH_FAILED: Self = Self(0x6300);
    /// `6700`: wrong length (Lc or Le); the read steps down to a smaller Le.
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// `6982`: security status not satisfied — access control refused (a BAC or PACE key the chip
    /// rejects), or a file the terminal may not read (DG3/DG4 need Terminal Authentication).
    pub const SECURITY_NOT_SATISFIED: Self = Self(0x6982);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// `6986`: command not allowed (no current EF).
    pub const COMMAND_NOT_ALLOWED: Self = Self(0x6986);
    /// `6987`: expected secure messaging data objects missing; the chip dropped the SM session.
    pub const SM_OBJECTS_MISSING: Self = Self(0x6987);
    /// `6988`: secure messaging data objects incorrect; the chip dropped the SM session.
    pub const SM_OBJECTS_INCORRECT: Self = Self(0x6988);
    /// `6A80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// `6A81`: function not supported.
    pub const FUNCTION_NOT_SUPPORTED: Self = Self(0x6A81);
    /// `6A82`: file or application not found; for a data group, the DG is absent.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// `6A86`: incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: Self = Self(0x6A86);
    /// `6B00`: wrong parameters P1-P2; for READ BINARY an offset beyond the end of the file.
    pub const WRONG_OFFSET: Self = Self(0x6B00);
    /// `6D00`: instruction code not supported or invalid.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    /// `6F00`: no precise diagnosis.
    pub const NO_PRECISE_DIAGNOSIS: Self = Self(0x6F00);

    /// SW1, the high byte.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2, the low byte.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// `9000` exactly.
    pub fn is_ok(self) -> bool {
        self == Self::OK
    }

    /// `61xx`: xx more bytes wait for GET RESPONSE (`00` = 256).
    pub fn more_data(self) -> Option<u32> {
        (self.sw1() == 0x61).then(|| {
            if self.sw2() == 0 {
                256
            } else {
                u32::from(self.sw2())
            }
        })
    }

    /// `6Cxx`: wrong Le, re-send with Le = xx (`00` = 256).
    pub fn exact_length(self) -> Option<u32> {
        (self.sw1() == 0x6C).then(|| {
            if self.sw2() == 0 {
                256
            } else {
                u32::from(self.sw2())
            }
        })
    }

    /// The secure messaging session broke on the chip side (it answers these without SM).
    pub fn is_sm_error(self) -> bool {
        self == Self::SM_OBJECTS_MISSING || self == Self::SM_OBJECTS_INCORRECT
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    #[test]
    fn short_forms_match_iso7816_cases() {
        // ICAO 9303 Part 11 Appendix D: GET CHALLENGE is `0084000008` (case 2S).
        let get_challenge = CommandApdu::new(0x00, 0x84, 0, 0).with_le(8);
        assert_eq!(
            get_challenge.to_bytes().expect("encodes"),
            hex("0084000008")
        );
        // D.4: SELECT EF.COM `00A4020C02011E` (case 3S).
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        assert_eq!(select.to_bytes().expect("encodes"), hex("00A4020C02011E"));
        // Le 256 is written 00.
        let read = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(256);
        assert_eq!(read.to_bytes().expect("encodes"), hex("00B0000000"));
    }

    #[test]
    fn extended_forms() {
        let read = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(1024);
        assert_eq!(read.natural_form(), LengthForm::Extended);
        assert_eq!(read.to_bytes().expect("encodes"), hex("00B00000000400"));
        let both = CommandApdu::new(0x0C, 0xB0, 0, 0)
            .with_data([1, 2])
            .with_le(65_536);
        assert_eq!(
            both.encode(LengthForm::Extended).expect("fits"),
            hex("0CB0000000000201020000")
        );
        assert_eq!(
            both.encode(LengthForm::Short),
            Err(ApduError::LeTooLarge(65_536, LengthForm::Short))
        );
    }

    #[test]
    fn parse_round_trips_every_case() {
        let cases = [
            CommandApdu::new(0, 0xA4, 4, 0x0C),
            CommandApdu::new(0, 0x84, 0, 0).with_le(8),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(256),
            CommandApdu::new(0, 0xA4, 2, 0x0C).with_data([1, 0x1E]),
            CommandApdu::new(0, 0x82, 0, 0)
                .with_data(vec![7; 40])
                .with_le(40),
            CommandApdu::new(0, 0xB0, 0, 0).with_le(4096),
            CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![9; 300]),
            CommandApdu::new(0, 0xD6, 0, 0)
                .with_data(vec![9; 300])
                .with_le(65_536),
        ];
        for cmd in cases {
            let (back, form) =
                CommandApdu::parse(&cmd.to_bytes().expect("encodes")).expect("parses");
            assert_eq!(back, cmd);
            assert_eq!(form, cmd.natural_form());
        }
    }

    #[test]
    fn a_command_that_does_not_fit_is_an_error_not_its_header() {
        // Formerly encoded as the four header bytes alone: a command silently cut down.
        let huge = CommandApdu::new(0x00, 0xD6, 0, 0).with_data(vec![0; 70_000]);
        assert_eq!(
            huge.to_bytes(),
            Err(ApduError::DataTooLong(70_000, LengthForm::Extended))
        );
        let zero_le = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(0);
        assert_eq!(
            zero_le.to_bytes(),
            Err(ApduError::LeTooLarge(0, LengthForm::Short))
        );
        let too_large_le = CommandApdu::new(0x00, 0xB0, 0, 0).with_le(65_537);
        assert_eq!(
            too_large_le.to_bytes(),
            Err(ApduError::LeTooLarge(65_537, LengthForm::Extended))
        );
    }

    #[test]
    fn hostile_command_bytes_are_typed_errors() {
        assert_eq!(
            CommandApdu::parse(&[0, 0xB0]),
            Err(ApduError::CommandTooShort(2))
        );
        assert_eq!(
            CommandApdu::parse(&hex("00A4020C05011E")),
            Err(ApduError::BadCommandLength)
        );
        assert_eq!(
            CommandApdu::parse(&hex("00A4020C02011E0000")),
            Err(ApduError::BadCommandLength)
        );
        assert_eq!(
            CommandApdu::parse(&hex("00D60000000005010203")),
            Err(ApduError::BadCommandLength)
        );
    }

    #[test]
    fn responses_split_status_words() {
        let r = ResponseApdu::parse(&hex("4608F919887022129000")).expect("parses");
        assert_eq!(r.data, hex("4608F91988702212"));
        assert!(r.sw.is_ok());
        assert_eq!(
            ResponseApdu::parse(&[0x90]),
            Err(ApduError::ResponseTooShort(1))
        );
        assert_eq!(StatusWord(0x6110).more_data(), Some(16));
        assert_eq!(StatusWord(0x6C00).exact_length(), Some(256));
        assert!(StatusWord(0x6988).is_sm_error());
    }
}
