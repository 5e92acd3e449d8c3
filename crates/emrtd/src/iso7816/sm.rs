//! Secure messaging (ICAO 9303 Part 11 §9.8; ISO/IEC 7816-4 §6): encryption and MAC of command
//! and response APDUs, generic over the cipher suite — 3DES + retail MAC (BAC, 3DES PACE/CA) or
//! AES-CBC + AES-CMAC (PACE, CA), with an 8- or 16-byte send sequence counter.
//!
//! Both sides live here: the reader side (`protect_command` / `unprotect_response`) and the chip
//! side (`unprotect_command` / `protect_response`) that the virtual passport uses.

use std::fmt;

use zeroize::Zeroizing;

use crate::crypto::kdf::KeyCipher;
use crate::crypto::padding::{pad, unpad};
use crate::crypto::{CryptoError, aes_sm, ct_eq, retail_mac, tdes};
use crate::iso7816::apdu::{ApduError, CommandApdu, LengthForm, ResponseApdu, StatusWord};
use crate::iso7816::tlv::{self, TlvError};

/// Tag of the encrypted body for even INS (with the padding-content indicator `01`).
const DO_87: u32 = 0x87;
/// Tag of the encrypted body for odd INS (no indicator byte).
const DO_85: u32 = 0x85;
/// Tag of the protected Le.
const DO_97: u32 = 0x97;
/// Tag of the protected status word.
const DO_99: u32 = 0x99;
/// Tag of the cryptographic checksum.
const DO_8E: u32 = 0x8E;

/// Why an APDU could not be protected or a protected APDU is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    /// The cryptographic checksum DO'8E' does not match the APDU (ICAO 9303 Part 11 §9.8): the data
    /// was altered, or the other side does not hold the session keys. On the reader side a chip
    /// that fails it is not genuine ([`ChipError::MacMismatch`](crate::ChipError::MacMismatch)).
    #[error("secure messaging MAC does not verify")]
    MacMismatch,
    /// A protected APDU without DO'8E', or a `9000` response with no data objects at all: every
    /// protected APDU must carry a MAC.
    #[error("protected APDU has no MAC (DO'8E')")]
    MissingMac,
    /// A data object (its tag) that secure messaging does not define here, or one out of order or
    /// repeated (only DO'85'/'87', DO'97' or DO'99', then DO'8E').
    #[error("protected APDU carries unexpected data object {0:X}")]
    UnexpectedObject(u32),
    /// A protected response without DO'99', the protected status word: ICAO 9303 Part 11 §9.8
    /// makes it mandatory in every protected response, so the status cannot be taken from the
    /// unprotected trailer instead.
    #[error("protected response has no status word DO'99'")]
    MissingStatusObject,
    /// DO'99' does not hold exactly the two status bytes.
    #[error("protected status word DO'99' is malformed")]
    BadStatusObject,
    /// The Le to protect is not 1..=65 536, or DO'97' does not hold one or two bytes.
    #[error("protected Le DO'97' is malformed")]
    BadLe,
    /// DO'87' does not start with the padding-content indicator `01` (ISO/IEC 7816-4 §6: ISO
    /// 9797-1 padding).
    #[error("encrypted DO'87' lacks the padding-content indicator 01")]
    BadPaddingIndicator,
    /// Keys or SSC of the wrong length for the cipher, or encryption, decryption or unpadding
    /// failed (a cryptogram that is not a whole number of blocks or has no `80` padding).
    #[error("secure messaging cryptography: {0}")]
    Crypto(#[from] CryptoError),
    /// The protected body is not well-formed BER-TLV.
    #[error("secure messaging data objects: {0}")]
    Tlv(#[from] TlvError),
    /// The protected command does not fit the length form asked for.
    #[error("protected APDU: {0}")]
    Apdu(#[from] ApduError),
}

/// The cipher suite of a secure messaging session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmCipher {
    /// Two-key 3DES CBC (IV 0) with ISO 9797-1 MAC algorithm 3; SSC of 8 bytes.
    Tdes,
    /// AES CBC (IV = E(K_enc, SSC)) with AES-CMAC/8; SSC of 16 bytes.
    Aes,
}

impl SmCipher {
    /// Block size in bytes, also the SSC length: 8 for 3DES, 16 for AES.
    pub fn block_size(self) -> usize {
        match self {
            SmCipher::Tdes => 8,
            SmCipher::Aes => 16,
        }
    }

    /// The cipher family of a derived key.
    pub fn for_key(cipher: KeyCipher) -> Self {
        match cipher {
            KeyCipher::Tdes => SmCipher::Tdes,
            _ => SmCipher::Aes,
        }
    }
}

/// An established secure messaging session: keys and send sequence counter.
pub struct SecureMessaging {
    cipher: SmCipher,
    k_enc: Zeroizing<Vec<u8>>,
    k_mac: Zeroizing<Vec<u8>>,
    ssc: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for SecureMessaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureMessaging")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

impl SecureMessaging {
    /// A session with the given keys and initial SSC. 3DES needs 16-byte keys and an 8-byte SSC;
    /// AES needs 16/24/32-byte keys and a 16-byte SSC.
    pub fn new(cipher: SmCipher, k_enc: &[u8], k_mac: &[u8], ssc: &[u8]) -> Result<Self, SmError> {
        let (key_ok, ssc_len) = match cipher {
            SmCipher::Tdes => (k_enc.len() == 16 && k_mac.len() == 16, 8),
            SmCipher::Aes => (
                matches!(k_enc.len(), 16 | 24 | 32) && matches!(k_mac.len(), 16 | 24 | 32),
                16,
            ),
        };
        if !key_ok {
            return Err(CryptoError::KeyLength(k_enc.len().max(k_mac.len())).into());
        }
        if ssc.len() != ssc_len {
            return Err(CryptoError::KeyLength(ssc.len()).into());
        }
        Ok(Self {
            cipher,
            k_enc: Zeroizing::new(k_enc.to_vec()),
            k_mac: Zeroizing::new(k_mac.to_vec()),
            ssc: Zeroizing::new(ssc.to_vec()),
        })
    }

    /// Secure messaging with keys of a protocol's cipher and the SSC at zero (after PACE or Chip
    /// Authentication, ICAO 9303 Part 11 §9.8.6.3).
    pub fn for_cipher(
        cipher: crate::crypto::cipher::SymmetricCipher,
        k_enc: &[u8],
        k_mac: &[u8],
    ) -> Result<Self, SmError> {
        Self::with_zero_ssc(SmCipher::for_key(cipher.key_cipher()), k_enc, k_mac)
    }

    /// A session whose SSC starts at zero (PACE, Chip Authentication).
    pub fn with_zero_ssc(cipher: SmCipher, k_enc: &[u8], k_mac: &[u8]) -> Result<Self, SmError> {
        let ssc = vec![0u8; cipher.block_size()];
        Self::new(cipher, k_enc, k_mac, &ssc)
    }

    /// The cipher suite of this session.
    pub fn cipher(&self) -> SmCipher {
        self.cipher
    }

    /// The current send sequence counter.
    pub fn ssc(&self) -> &[u8] {
        &self.ssc
    }

    /// Puts the SSC back to a value seen before, when a protected command never reached the card
    /// (the reader refused to send it), so both sides still count alike.
    pub(crate) fn restore_ssc(&mut self, ssc: &[u8]) {
        if ssc.len() == self.ssc.len() {
            self.ssc.copy_from_slice(ssc);
        }
    }

    fn increment_ssc(&mut self) {
        for b in self.ssc.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }

    fn iv(&self) -> Result<Vec<u8>, SmError> {
        Ok(match self.cipher {
            SmCipher::Tdes => vec![0; 8],
            SmCipher::Aes => {
                let mut ssc = [0u8; 16];
                ssc.copy_from_slice(&self.ssc);
                aes_sm::encrypt_block(&self.k_enc, &ssc)?.to_vec()
            }
        })
    }

    fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, SmError> {
        let padded = Zeroizing::new(pad(plain, self.cipher.block_size()));
        let iv = self.iv()?;
        Ok(match self.cipher {
            SmCipher::Tdes => {
                let mut v = [0u8; 8];
                v.copy_from_slice(&iv);
                tdes::cbc_encrypt(&self.k_enc, &v, &padded)?
            }
            SmCipher::Aes => {
                let mut v = [0u8; 16];
                v.copy_from_slice(&iv);
                aes_sm::cbc_encrypt(&self.k_enc, &v, &padded)?
            }
        })
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Result<Zeroizing<Vec<u8>>, SmError> {
        let iv = self.iv()?;
        let padded = Zeroizing::new(match self.cipher {
            SmCipher::Tdes => {
                let mut v = [0u8; 8];
                v.copy_from_slice(&iv);
                tdes::cbc_decrypt(&self.k_enc, &v, cryptogram)?
            }
            SmCipher::Aes => {
                let mut v = [0u8; 16];
                v.copy_from_slice(&iv);
                aes_sm::cbc_decrypt(&self.k_enc, &v, cryptogram)?
            }
        });
        Ok(Zeroizing::new(unpad(&padded)?.to_vec()))
    }

    /// MAC over pad(SSC ‖ `data`) with the current SSC.
    fn mac(&self, data: &[u8]) -> Result<[u8; 8], SmError> {
        let mut input = Vec::with_capacity(self.ssc.len() + data.len() + 16);
        input.extend_from_slice(&self.ssc);
        input.extend_from_slice(data);
        let input = pad(&input, self.cipher.block_size());
        Ok(match self.cipher {
            SmCipher::Tdes => retail_mac::retail_mac(&self.k_mac, &input)?,
            SmCipher::Aes => aes_sm::cmac8(&self.k_mac, &input)?,
        })
    }

    /// A command's padded header with the SM class bits set.
    fn padded_header(&self, cmd: &CommandApdu) -> Vec<u8> {
        pad(
            &[cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2],
            self.cipher.block_size(),
        )
    }

    /// Reader side: wraps a plain command. The protected command's Le asks for the maximum the
    /// length `form` allows; the plain Le travels in DO'97'.
    pub fn protect_command(
        &mut self,
        cmd: &CommandApdu,
        form: LengthForm,
    ) -> Result<CommandApdu, SmError> {
        // First count this command: AES derives the IV from the SSC the command is sent under.
        self.increment_ssc();
        let mut dos = self.body_object(cmd.ins, &cmd.data)?;
        if let Some(le) = cmd.le {
            let le_bytes = match le {
                1..=255 => vec![le as u8],
                256 => vec![0],
                257..=65_535 => (le as u16).to_be_bytes().to_vec(),
                65_536 => vec![0, 0],
                _ => return Err(SmError::BadLe),
            };
            dos.extend(tlv::encode(DO_97, &le_bytes));
        }
        let mut m = self.padded_header(cmd);
        m.extend_from_slice(&dos);
        let cc = self.mac(&m)?;
        dos.extend(tlv::encode(DO_8E, &cc));
        let protected = CommandApdu {
            cla: cmd.cla | 0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: dos,
            le: Some(match form {
                LengthForm::Short => 256,
                LengthForm::Extended => 65_536,
            }),
        };
        // Fail here, not at the card, when the protected command no longer fits the form.
        protected.encode(form)?;
        Ok(protected)
    }

    /// Reader side: checks and decrypts a protected response. A response of status bytes only
    /// (the chip reports an error without SM) is passed through; the SSC still counts it. A
    /// protected response must carry DO'99' (ICAO 9303 Part 11 §9.8); its status word is the one
    /// returned, never the unprotected trailer's.
    pub fn unprotect_response(&mut self, resp: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.increment_ssc();
        if resp.data.is_empty() {
            if resp.sw.is_ok() {
                return Err(SmError::MissingMac);
            }
            return Ok(resp.clone());
        }
        // A response's DO'99' may stand before or after the body.
        let objects = Objects::parse(&resp.data, Vec::new(), DO_99, true, |v| {
            let v: [u8; 2] = v.try_into().map_err(|_| SmError::BadStatusObject)?;
            Ok(StatusWord(u16::from_be_bytes(v)))
        })?;
        let data = self.open(&objects)?;
        // Checked after the MAC: a damaged answer is a MAC failure first.
        let sw = objects.extra.ok_or(SmError::MissingStatusObject)?;
        Ok(ResponseApdu::new(data, sw))
    }

    fn decrypt_body(&self, tag: u32, value: &[u8]) -> Result<Zeroizing<Vec<u8>>, SmError> {
        let cryptogram = if tag == DO_87 {
            match value.split_first() {
                Some((0x01, c)) => c,
                _ => return Err(SmError::BadPaddingIndicator),
            }
        } else {
            value
        };
        self.decrypt(cryptogram)
    }

    /// Verifies the MAC over the objects and decrypts the body (empty when there is none).
    fn open(&self, objects: &Objects<'_, impl Sized>) -> Result<Vec<u8>, SmError> {
        let mac = objects.mac.ok_or(SmError::MissingMac)?;
        if !ct_eq(&self.mac(&objects.mac_input)?, mac) {
            return Err(SmError::MacMismatch);
        }
        Ok(match &objects.body {
            None => Vec::new(),
            Some(obj) => self.decrypt_body(obj.tag, obj.value)?.to_vec(),
        })
    }

    /// The encrypted body object of a protected APDU: DO'85' for odd INS, DO'87' with the
    /// padding-content indicator 01 for even INS; nothing for empty data.
    fn body_object(&self, ins: u8, data: &[u8]) -> Result<Vec<u8>, SmError> {
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let enc = self.encrypt(data)?;
        Ok(if ins & 1 == 1 {
            tlv::encode(DO_85, &enc)
        } else {
            let mut v = Vec::with_capacity(enc.len() + 1);
            v.push(0x01);
            v.extend_from_slice(&enc);
            tlv::encode(DO_87, &v)
        })
    }

    /// Chip side: checks and decrypts a protected command.
    pub fn unprotect_command(&mut self, cmd: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.increment_ssc();
        let mac_input = self.padded_header(cmd);
        let objects = Objects::parse(&cmd.data, mac_input, DO_97, false, |v| {
            Ok(match v {
                [0] => 256,
                [b] => u32::from(*b),
                [0, 0] => 65_536,
                [a, b] => u32::from(u16::from_be_bytes([*a, *b])),
                _ => return Err(SmError::BadLe),
            })
        })?;
        let data = self.open(&objects)?;
        Ok(CommandApdu {
            cla: cmd.cla & !0x0C,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data,
            le: objects.extra,
        })
    }

    /// Chip side: protects a response to a command with instruction byte `ins`.
    pub fn protect_response(
        &mut self,
        ins: u8,
        resp: &ResponseApdu,
    ) -> Result<ResponseApdu, SmError> {
        self.increment_ssc();
        let mut dos = self.body_object(ins, &resp.data)?;
        dos.extend(tlv::encode(DO_99, &resp.sw.0.to_be_bytes()));
        let cc = self.mac(&dos)?;
        dos.extend(tlv::encode(DO_8E, &cc));
        Ok(ResponseApdu::new(dos, resp.sw))
    }
}

/// The data objects of a protected APDU (ICAO 9303 Part 11 §9.8.5), in order: the body
/// (DO'85'/'87'), one object that differs by direction (`extra`: DO'97' Le in commands, DO'99'
/// status in responses), then the MAC DO'8E', which ends the MAC input.
struct Objects<'a, T> {
    body: Option<tlv::Tlv<'a>>,
    extra: Option<T>,
    mac: Option<&'a [u8]>,
    mac_input: Vec<u8>,
}

impl<'a, T> Objects<'a, T> {
    /// Walks `data`, appending every object before the MAC to `mac_input`. `body_after_extra`
    /// lets the body follow the extra object; `parse_extra` reads the extra object's value.
    fn parse(
        data: &'a [u8],
        mut mac_input: Vec<u8>,
        extra_tag: u32,
        body_after_extra: bool,
        parse_extra: impl Fn(&[u8]) -> Result<T, SmError>,
    ) -> Result<Self, SmError> {
        let mut body = None;
        let mut extra = None;
        let mut mac = None;
        let mut rest = data;
        while !rest.is_empty() {
            let (obj, next) = tlv::parse_one(rest)?;
            let raw = &rest[..rest.len() - next.len()];
            match obj.tag {
                DO_87 | DO_85
                    if body.is_none() && (body_after_extra || extra.is_none()) && mac.is_none() =>
                {
                    body = Some(obj);
                    mac_input.extend_from_slice(raw);
                }
                tag if tag == extra_tag && extra.is_none() && mac.is_none() => {
                    extra = Some(parse_extra(obj.value)?);
                    mac_input.extend_from_slice(raw);
                }
                DO_8E if mac.is_none() => mac = Some(obj.value),
                other => return Err(SmError::UnexpectedObject(other)),
            }
            rest = next;
        }
        Ok(Self {
            body,
            extra,
            mac,
            mac_input,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    // ICAO 9303 Part 11 Appendix D.4 (gmrtd iso7816/nfc_session_test.go
    // TestNfcSessionSecureMessagingTDES "Worked example from 9303p11 D.4").
    const KS_ENC: &str = "979EC13B1CBFE9DCD01AB0FED307EAE5";
    const KS_MAC: &str = "F1CB1F1FB5ADF208806B89DC579DC1F8";
    const SSC0: &str = "887022120C06C226";

    /// (plain command, protected command, protected response, plain response data, SSC used to protect)
    const D4: [(&str, &str, &str, &str, &str); 3] = [
        (
            "00A4020C02011E",
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
            "990290008E08FA855A5D4C50A8ED9000",
            "",
            "887022120C06C227",
        ),
        (
            "00B0000004",
            "0CB000000D9701048E08ED6705417E96BA5500",
            "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
            "60145F01",
            "887022120C06C229",
        ),
        (
            "00B0000412",
            "0CB000040D9701128E082EA28A70F3C7B53500",
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
            "04303130365F36063034303030305C026175",
            "887022120C06C22B",
        ),
    ];

    fn d4_session() -> SecureMessaging {
        SecureMessaging::new(SmCipher::Tdes, &hex(KS_ENC), &hex(KS_MAC), &hex(SSC0)).expect("keys")
    }

    #[test]
    fn icao_appendix_d4_reader_side_byte_for_byte() {
        let mut sm = d4_session();
        for (plain, protected, response, data, ssc) in D4 {
            let (cmd, _) = CommandApdu::parse(&hex(plain)).expect("plain command");
            let wrapped = sm
                .protect_command(&cmd, LengthForm::Short)
                .expect("protect");
            assert_eq!(sm.ssc(), &hex(ssc)[..]);
            assert_eq!(
                hex::encode_upper(wrapped.to_bytes().expect("encodes")),
                protected
            );
            let resp = ResponseApdu::parse(&hex(response)).expect("response");
            let plain_resp = sm.unprotect_response(&resp).expect("unprotect");
            assert_eq!(plain_resp.data, hex(data));
            assert!(plain_resp.sw.is_ok());
        }
    }

    #[test]
    fn icao_appendix_d4_chip_side_byte_for_byte() {
        let mut chip = d4_session();
        for (plain, protected, response, data, _) in D4 {
            let (wrapped, _) = CommandApdu::parse(&hex(protected)).expect("protected command");
            let cmd = chip.unprotect_command(&wrapped).expect("chip unprotects");
            assert_eq!(cmd.to_bytes().expect("encodes"), hex(plain));
            let resp = chip
                .protect_response(cmd.ins, &ResponseApdu::new(hex(data), StatusWord::OK))
                .expect("chip protects");
            assert_eq!(hex::encode_upper(resp.to_bytes()), response);
        }
    }

    #[test]
    fn a_flipped_mac_bit_aborts() {
        let mut sm = d4_session();
        let (cmd, _) = CommandApdu::parse(&hex(D4[0].0)).expect("plain");
        sm.protect_command(&cmd, LengthForm::Short)
            .expect("protect");
        let mut bad = hex(D4[0].2);
        bad[8] ^= 1;
        let resp = ResponseApdu::parse(&bad).expect("parses");
        assert_eq!(sm.unprotect_response(&resp), Err(SmError::MacMismatch));
    }

    #[test]
    fn status_only_errors_pass_through_but_ok_without_mac_does_not() {
        let mut sm = d4_session();
        let plain = sm
            .unprotect_response(&ResponseApdu::status(StatusWord::SM_OBJECTS_INCORRECT))
            .expect("status only");
        assert_eq!(plain.sw, StatusWord::SM_OBJECTS_INCORRECT);
        assert_eq!(
            sm.unprotect_response(&ResponseApdu::status(StatusWord::OK)),
            Err(SmError::MissingMac)
        );
    }

    #[test]
    fn a_protected_response_without_do99_is_refused() {
        // D.4's second exchange, the chip answering with a correct DO'87' and MAC but no DO'99':
        // formerly accepted, with the status taken from the unprotected trailer.
        let (plain, _, _, data, _) = D4[1];
        let mut reader = d4_session();
        let mut chip = d4_session();
        // Bring both sides to the SSC of D.4's second command.
        for (p, _, r, _, _) in &D4[..1] {
            let (cmd, _) = CommandApdu::parse(&hex(p)).expect("plain");
            let wrapped = reader
                .protect_command(&cmd, LengthForm::Short)
                .expect("protect");
            chip.unprotect_command(&wrapped).expect("chip unprotects");
            chip.increment_ssc();
            reader
                .unprotect_response(&ResponseApdu::parse(&hex(r)).expect("response"))
                .expect("unprotect");
        }
        let (cmd, _) = CommandApdu::parse(&hex(plain)).expect("plain");
        let wrapped = reader
            .protect_command(&cmd, LengthForm::Short)
            .expect("protect");
        chip.unprotect_command(&wrapped).expect("chip unprotects");
        // As `protect_response`, leaving DO'99' out.
        chip.increment_ssc();
        let mut dos = chip.body_object(cmd.ins, &hex(data)).expect("body");
        let cc = chip.mac(&dos).expect("mac");
        dos.extend(tlv::encode(DO_8E, &cc));
        let resp = ResponseApdu::new(dos, StatusWord::OK);
        let refused = reader.unprotect_response(&resp);
        assert_eq!(refused, Err(SmError::MissingStatusObject));
        // At the desk: a genuine chip always sends DO'99' (ICAO 9303-11 §9.8), so this chip is
        // not genuine — formerly "unsupported", as any other secure messaging error.
        let e = crate::ChipError::from(refused.expect_err("refused"));
        assert_eq!(
            e.failure(),
            crate::ChipFailure::NotGenuine {
                check: "secure_messaging"
            }
        );
    }

    #[test]
    fn a_success_answer_without_a_mac_is_not_genuine() {
        // A chip that answers a protected command with a bare 9000 (no DO'99', no DO'8E'), or
        // with DO'99' but no MAC: under secure messaging every success answer is MACed.
        for raw in ["9000", "990290009000"] {
            let mut reader = d4_session();
            let refused =
                reader.unprotect_response(&ResponseApdu::parse(&hex(raw)).expect("parse"));
            assert_eq!(refused, Err(SmError::MissingMac), "{raw}");
            let e = crate::ChipError::from(refused.expect_err("refused"));
            assert_eq!(
                e.failure(),
                crate::ChipFailure::NotGenuine {
                    check: "secure_messaging"
                },
                "{raw}"
            );
        }
    }

    #[test]
    fn the_chip_side_always_sends_do99() {
        let mut chip = d4_session();
        for (ins, data, sw) in [
            (0xB0u8, vec![1, 2, 3], StatusWord::OK),
            (0xB0, vec![], StatusWord::OK),
            (0xB1, vec![4; 40], StatusWord::END_OF_FILE),
            (0xA4, vec![], StatusWord::FILE_NOT_FOUND),
        ] {
            let protected = chip
                .protect_response(ins, &ResponseApdu::new(data, sw))
                .expect("protect");
            let objects = tlv::parse_all(&protected.data).expect("data objects");
            let do99 = objects.iter().find(|o| o.tag == DO_99).expect("DO'99'");
            assert_eq!(do99.value, sw.0.to_be_bytes());
        }
    }

    #[test]
    fn aes_round_trip_with_16_byte_ssc() {
        // Keys of ICAO 9303 Part 11 Appendix G.1; SSC starts at 0.
        let k_enc = hex("F5F0E35C0D7161EE6724EE513A0D9A7F");
        let k_mac = hex("FE251C7858B356B24514B3BD5F4297D1");
        let mut reader =
            SecureMessaging::with_zero_ssc(SmCipher::Aes, &k_enc, &k_mac).expect("keys");
        let mut chip = SecureMessaging::with_zero_ssc(SmCipher::Aes, &k_enc, &k_mac).expect("keys");
        for (ins, data, le) in [
            (0xA4u8, vec![0x01, 0x1E], None),
            (0xB0, vec![], Some(0xDF)),
            (0xB1, vec![0x54, 0x02, 0x80, 0x00], Some(0xDF)),
        ] {
            let cmd = CommandApdu {
                cla: 0,
                ins,
                p1: 0,
                p2: 0,
                data: data.clone(),
                le,
            };
            let wrapped = reader
                .protect_command(&cmd, LengthForm::Short)
                .expect("protect");
            let seen = chip.unprotect_command(&wrapped).expect("chip unprotects");
            assert_eq!(seen, cmd);
            let answer = ResponseApdu::new(vec![0x42; 100], StatusWord::OK);
            let protected = chip.protect_response(ins, &answer).expect("chip protects");
            assert_eq!(
                reader.unprotect_response(&protected).expect("unprotect"),
                answer
            );
        }
        assert_eq!(reader.ssc(), chip.ssc());
        assert_eq!(reader.ssc()[15], 6);
    }

    #[test]
    fn hostile_protected_responses_are_typed_errors() {
        let cases: [(&str, SmError); 4] = [
            ("8E089000", SmError::Tlv(TlvError::Truncated { needed: 8 })),
            ("990290009000", SmError::MissingMac),
            ("5301009000", SmError::UnexpectedObject(0x53)),
            ("99039000009000", SmError::BadStatusObject),
        ];
        for (bytes, want) in cases {
            let mut sm = d4_session();
            let resp = ResponseApdu::parse(&hex(bytes)).expect("parses");
            assert_eq!(sm.unprotect_response(&resp), Err(want), "{bytes}");
        }
    }

    #[test]
    fn wrong_key_sizes_are_refused() {
        assert!(SecureMessaging::new(SmCipher::Tdes, &[0; 16], &[0; 16], &[0; 16]).is_err());
        assert!(SecureMessaging::new(SmCipher::Aes, &[0; 20], &[0; 16], &[0; 16]).is_err());
        assert!(SecureMessaging::new(SmCipher::Aes, &[0; 32], &[0; 32], &[0; 16]).is_ok());
    }
}
