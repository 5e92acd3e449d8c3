//! Basic Access Control (ICAO 9303 Part 11 §4.3): keys from the MRZ, GET CHALLENGE, then
//! EXTERNAL (MUTUAL) AUTHENTICATE establishing 3DES secure messaging.

use std::fmt;

use idgate_mrz::ChipAccessKey;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::kdf::{self, KeyCipher};
use crate::crypto::padding::pad;
use crate::crypto::{CryptoError, ct_eq, retail_mac::retail_mac, tdes};
use crate::error::{AccessProtocol, ChipError};
use crate::exchange::{
    Check, CheckOutcome, Exchange, ExchangeContext, ExchangeOutcome, ExchangeStep,
};
use crate::iso7816::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::iso7816::sm::{SecureMessaging, SmCipher, SmError};

/// K_enc and K_mac (or KS_enc and KS_mac): two 16-byte 3DES keys.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct BacKeys {
    /// The encryption key (K_enc, or KS_enc): KDF counter 1, parity-adjusted K1 ‖ K2.
    pub k_enc: [u8; 16],
    /// The MAC key (K_mac, or KS_mac): KDF counter 2, parity-adjusted K1 ‖ K2.
    pub k_mac: [u8; 16],
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(<redacted>)")
    }
}

impl BacKeys {
    /// Document basic access keys from the MRZ information (§9.7.2): K_seed = SHA-1(MRZ_information)[..16].
    pub fn from_mrz_information(mrz_information: &str) -> Self {
        let seed = kdf::bac_key_seed(mrz_information);
        Self::from_seed(&seed[..])
    }

    /// Document basic access keys from the MRZ access key (its MRZ information: document number,
    /// date of birth and date of expiry, each with its check digit).
    pub fn from_key(key: &ChipAccessKey) -> Self {
        Self::from_mrz_information(&key.mrz_information())
    }

    /// Keys from a 16-byte seed (the document key seed, or K.IFD ⊕ K.IC for session keys).
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut keys = Self {
            k_enc: [0; 16],
            k_mac: [0; 16],
        };
        keys.k_enc
            .copy_from_slice(&kdf::derive(seed, kdf::ENC, KeyCipher::Tdes)[..16]);
        keys.k_mac
            .copy_from_slice(&kdf::derive(seed, kdf::MAC, KeyCipher::Tdes)[..16]);
        keys
    }
}

/// GET CHALLENGE: 8 bytes RND.IC.
pub fn get_challenge() -> CommandApdu {
    CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8)
}

/// EXTERNAL AUTHENTICATE with E.IFD ‖ M.IFD, where E.IFD = 3DES(K_enc, RND.IFD ‖ RND.IC ‖ K.IFD).
pub fn external_authenticate(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
    k_ifd: &[u8; 16],
) -> Result<CommandApdu, CryptoError> {
    let mut s = Zeroizing::new(Vec::with_capacity(32));
    s.extend_from_slice(rnd_ifd);
    s.extend_from_slice(rnd_ic);
    s.extend_from_slice(k_ifd);
    Ok(CommandApdu::new(0x00, 0x82, 0x00, 0x00)
        .with_data(seal(keys, &s)?)
        .with_le(40))
}

/// E ‖ M of an authentication message (§9.7.2): 3DES-CBC (IV 0) of `plain`, then its retail MAC.
fn seal(keys: &BacKeys, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut e = tdes::cbc_encrypt(&keys.k_enc, &[0; 8], plain)?;
    let m = retail_mac(&keys.k_mac, &pad(&e, 8))?;
    e.extend_from_slice(&m);
    Ok(e)
}

/// The other side of [`seal`]: checks that `data` is E ‖ M of 32 + 8 bytes and M verifies,
/// then decrypts E.
fn open(keys: &BacKeys, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, BacError> {
    if data.len() != 40 {
        return Err(BacError::Length(data.len()));
    }
    let (e, m) = data.split_at(32);
    if !ct_eq(&retail_mac(&keys.k_mac, &pad(e, 8))?, m) {
        return Err(BacError::Mac);
    }
    Ok(Zeroizing::new(tdes::cbc_decrypt(&keys.k_enc, &[0; 8], e)?))
}

/// Why the chip's EXTERNAL AUTHENTICATE answer is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacError {
    /// The authentication message is not E ‖ M of 32 + 8 bytes; the value is its length.
    #[error("the answer is {0} bytes, not 40")]
    Length(usize),
    /// M does not verify under K_mac: the message was not made with the same keys.
    #[error("the answer's MAC does not verify")]
    Mac,
    /// The decrypted message does not carry the nonces it must echo (RND.IC, and RND.IFD in the
    /// chip's answer).
    #[error("the answer does not echo our nonces")]
    Nonce,
    /// 3DES or the retail MAC refused its input (a key or block length).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Secure messaging could not be set up with the session keys.
    #[error(transparent)]
    Sm(#[from] SmError),
}

/// Checks E.IC ‖ M.IC and derives the secure messaging session (§9.7.3 keys, §9.8.2 SSC).
pub fn establish_session(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
    k_ifd: &[u8; 16],
    answer: &[u8],
) -> Result<SecureMessaging, BacError> {
    let r = open(keys, answer)?;
    if !ct_eq(&r[..8], rnd_ic) || !ct_eq(&r[8..16], rnd_ifd) {
        return Err(BacError::Nonce);
    }
    session_from(&r[16..32], k_ifd, rnd_ic, rnd_ifd)
}

fn session_from(
    k_ic: &[u8],
    k_ifd: &[u8; 16],
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> Result<SecureMessaging, BacError> {
    let mut seed = Zeroizing::new([0u8; 16]);
    for (i, s) in seed.iter_mut().enumerate() {
        *s = k_ifd[i] ^ k_ic[i];
    }
    let session = BacKeys::from_seed(&seed[..]);
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    Ok(SecureMessaging::new(
        SmCipher::Tdes,
        &session.k_enc,
        &session.k_mac,
        &ssc,
    )?)
}

/// The chip side of EXTERNAL AUTHENTICATE (for the virtual passport): checks M.IFD, decrypts,
/// checks RND.IC, answers E.IC ‖ M.IC and returns the session.
pub fn chip_answer(
    keys: &BacKeys,
    rnd_ic: &[u8; 8],
    k_ic: &[u8; 16],
    command_data: &[u8],
) -> Result<(Vec<u8>, SecureMessaging), BacError> {
    let s = open(keys, command_data)?;
    if !ct_eq(&s[8..16], rnd_ic) {
        return Err(BacError::Nonce);
    }
    let mut rnd_ifd = [0u8; 8];
    rnd_ifd.copy_from_slice(&s[..8]);
    let mut k_ifd = Zeroizing::new([0u8; 16]);
    k_ifd.copy_from_slice(&s[16..32]);
    let mut r = Zeroizing::new(Vec::with_capacity(32));
    r.extend_from_slice(rnd_ic);
    r.extend_from_slice(&rnd_ifd);
    r.extend_from_slice(k_ic);
    let answer = seal(keys, &r)?;
    let sm = session_from(k_ic, &k_ifd, rnd_ic, &rnd_ifd)?;
    Ok((answer, sm))
}

enum State {
    Start,
    AwaitChallenge,
    AwaitAuthentication {
        rnd_ic: [u8; 8],
        rnd_ifd: [u8; 8],
        k_ifd: Zeroizing<[u8; 16]>,
    },
    Done,
}

/// BAC as a session exchange.
pub struct Bac {
    keys: BacKeys,
    state: State,
}

impl fmt::Debug for Bac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bac")
    }
}

impl Bac {
    /// BAC opened with the document basic access keys of `key`.
    pub fn new(key: &ChipAccessKey) -> Self {
        Self::with_keys(BacKeys::from_key(key))
    }

    /// BAC with document basic access keys already derived (worked examples give K_enc and K_mac).
    pub fn with_keys(keys: BacKeys) -> Self {
        Self {
            keys,
            state: State::Start,
        }
    }
}

fn refused(sw: StatusWord) -> bool {
    sw == StatusWord::AUTH_FAILED || sw == StatusWord::SECURITY_NOT_SATISFIED || sw.sw1() == 0x63
}

impl Exchange for Bac {
    fn name(&self) -> &'static str {
        "BAC"
    }

    fn advance(
        &mut self,
        response: Option<&ResponseApdu>,
        ctx: &mut ExchangeContext<'_>,
    ) -> Result<ExchangeStep, ChipError> {
        match (std::mem::replace(&mut self.state, State::Done), response) {
            (State::Start, _) => {
                self.state = State::AwaitChallenge;
                Ok(ExchangeStep::Send(get_challenge()))
            }
            (State::AwaitChallenge, Some(resp)) => {
                if !resp.sw.is_ok() {
                    return Err(ChipError::UnexpectedStatus {
                        command: "GET CHALLENGE",
                        sw: resp.sw,
                    });
                }
                let rnd_ic: [u8; 8] =
                    resp.data
                        .as_slice()
                        .try_into()
                        .map_err(|_| ChipError::Protocol {
                            protocol: "BAC",
                            reason: format!("challenge of {} bytes, not 8", resp.data.len()),
                        })?;
                let mut rnd_ifd = [0u8; 8];
                let mut k_ifd = Zeroizing::new([0u8; 16]);
                ctx.rng.fill(&mut rnd_ifd)?;
                ctx.rng.fill(&mut k_ifd[..])?;
                let cmd = external_authenticate(&self.keys, &rnd_ic, &rnd_ifd, &k_ifd)?;
                self.state = State::AwaitAuthentication {
                    rnd_ic,
                    rnd_ifd,
                    k_ifd,
                };
                Ok(ExchangeStep::Send(cmd))
            }
            (
                State::AwaitAuthentication {
                    rnd_ic,
                    rnd_ifd,
                    k_ifd,
                },
                Some(resp),
            ) => {
                if refused(resp.sw) {
                    return Err(ChipError::WrongKey {
                        protocol: AccessProtocol::Bac,
                    });
                }
                if !resp.sw.is_ok() {
                    return Err(ChipError::UnexpectedStatus {
                        command: "EXTERNAL AUTHENTICATE",
                        sw: resp.sw,
                    });
                }
                let sm = establish_session(&self.keys, &rnd_ic, &rnd_ifd, &k_ifd, &resp.data)
                    .map_err(|e| match e {
                        // The chip accepted our cryptogram, yet cannot produce one with the same key.
                        BacError::Mac | BacError::Nonce => ChipError::Authenticity {
                            check: "BAC",
                            reason: e.to_string(),
                            report: None,
                        },
                        other => ChipError::Protocol {
                            protocol: "BAC",
                            reason: other.to_string(),
                        },
                    })?;
                Ok(ExchangeStep::Done(ExchangeOutcome {
                    secure_messaging: Some(sm),
                    checks: vec![CheckOutcome::passed(Check::Bac)],
                    pace_cam: None,
                }))
            }
            (_, _) => Err(ChipError::Protocol {
                protocol: "BAC",
                reason: "advanced after it finished".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChipFailure;
    use crate::crypto::random::ScriptedRandom;
    use crate::lds::RawFiles;
    use crate::testing::hex;

    fn arr<const N: usize>(s: &str) -> [u8; N] {
        hex(s).try_into().expect("length")
    }

    // Every value below: ICAO 9303 Part 11 Appendix D (gmrtd/gmrtd@7f23b50
    // bac/bac_test.go TestGenerateKseed, TestBuildRequest, TestProcessResponse, TestDoBAC).
    const RND_IC: &str = "4608F91988702212";
    const RND_IFD: &str = "781723860C06C226";
    const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
    const EXT_AUTH: &str = "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728";
    const ANSWER: &str =
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449";
    const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";

    fn d_keys() -> BacKeys {
        let key = ChipAccessKey::new("L898902C", "690806", "940623").expect("key");
        BacKeys::from_key(&key)
    }

    /// What BAC as an exchange is given: Appendix D's RND.IFD and K.IFD as randomness, no files.
    struct AppendixD {
        rng: ScriptedRandom,
        files: RawFiles,
    }

    impl AppendixD {
        fn new() -> Self {
            Self {
                rng: ScriptedRandom::new(&[&hex(RND_IFD), &hex(K_IFD)]),
                files: RawFiles::default(),
            }
        }

        fn ctx(&mut self) -> ExchangeContext<'_> {
            ExchangeContext {
                rng: &mut self.rng,
                files: &self.files,
                card_access: None,
            }
        }
    }

    #[test]
    fn appendix_d_document_keys() {
        let keys = d_keys();
        assert_eq!(keys.k_enc.to_vec(), hex("AB94FDECF2674FDFB9B391F85D7F76F2"));
        assert_eq!(keys.k_mac.to_vec(), hex("7962D9ECE03D1ACD4C76089DCE131543"));
    }

    #[test]
    fn appendix_d_mutual_authentication_and_session() {
        let cmd = external_authenticate(&d_keys(), &arr(RND_IC), &arr(RND_IFD), &arr(K_IFD))
            .expect("command");
        assert_eq!(
            hex::encode_upper(cmd.to_bytes().expect("encodes")),
            EXT_AUTH
        );
        let sm = establish_session(
            &d_keys(),
            &arr(RND_IC),
            &arr(RND_IFD),
            &arr(K_IFD),
            &hex(ANSWER),
        )
        .expect("session");
        assert_eq!(sm.ssc(), &hex("887022120C06C226")[..]);
        assert_eq!(sm.cipher(), SmCipher::Tdes);
    }

    #[test]
    fn appendix_d_chip_side_answer() {
        let (cmd, _) = CommandApdu::parse(&hex(EXT_AUTH)).expect("command");
        let (answer, sm) =
            chip_answer(&d_keys(), &arr(RND_IC), &arr(K_IC), &cmd.data).expect("chip answers");
        assert_eq!(hex::encode_upper(&answer), ANSWER);
        assert_eq!(sm.ssc(), &hex("887022120C06C226")[..]);
    }

    #[test]
    fn exchange_replays_appendix_d_with_scripted_randomness() {
        let mut bac = Bac::with_keys(d_keys());
        let mut fixture = AppendixD::new();
        let mut ctx = fixture.ctx();
        let ExchangeStep::Send(c1) = bac.advance(None, &mut ctx).expect("step 1") else {
            panic!("expected GET CHALLENGE");
        };
        assert_eq!(c1.to_bytes().expect("encodes"), hex("0084000008"));
        let r1 = ResponseApdu::parse(&hex(&format!("{RND_IC}9000"))).expect("r1");
        let ExchangeStep::Send(c2) = bac.advance(Some(&r1), &mut ctx).expect("step 2") else {
            panic!("expected EXTERNAL AUTHENTICATE");
        };
        assert_eq!(hex::encode_upper(c2.to_bytes().expect("encodes")), EXT_AUTH);
        let r2 = ResponseApdu::parse(&hex(&format!("{ANSWER}9000"))).expect("r2");
        let ExchangeStep::Done(outcome) = bac.advance(Some(&r2), &mut ctx).expect("step 3") else {
            panic!("expected the session");
        };
        let sm = outcome.secure_messaging.expect("sm");
        assert_eq!(sm.ssc(), &hex("887022120C06C226")[..]);
        assert_eq!(outcome.checks, vec![CheckOutcome::passed(Check::Bac)]);
    }

    #[test]
    fn refused_keys_are_wrong_code() {
        for sw in ["6300", "6982"] {
            let mut bac = Bac::with_keys(d_keys());
            let mut fixture = AppendixD::new();
            let mut ctx = fixture.ctx();
            bac.advance(None, &mut ctx).expect("start");
            let r1 = ResponseApdu::parse(&hex(&format!("{RND_IC}9000"))).expect("r1");
            bac.advance(Some(&r1), &mut ctx).expect("auth");
            let err = bac
                .advance(Some(&ResponseApdu::parse(&hex(sw)).expect("sw")), &mut ctx)
                .expect_err("refused");
            assert_eq!(err.failure(), ChipFailure::WrongKey, "{sw}");
        }
    }

    #[test]
    fn a_chip_that_cannot_answer_is_not_genuine() {
        let mut bad = hex(ANSWER);
        bad[3] ^= 0x40;
        let err = establish_session(&d_keys(), &arr(RND_IC), &arr(RND_IFD), &arr(K_IFD), &bad)
            .expect_err("mac");
        assert_eq!(err, BacError::Mac);
        assert_eq!(
            establish_session(
                &d_keys(),
                &arr(RND_IC),
                &arr(RND_IFD),
                &arr(K_IFD),
                &bad[..12]
            )
            .expect_err("length"),
            BacError::Length(12)
        );
    }
}
