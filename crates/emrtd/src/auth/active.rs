//! Active Authentication (ICAO 9303 Part 11 §6.1): the chip signs a fresh 8-byte challenge with the
//! private key whose public key DG15 holds — proving the chip is not a copy.
//!
//! RSA signatures use ISO/IEC 9796-2 digital signature scheme 1 (partial message recovery). No Rust
//! crate implements 9796-2, so the decoding is written here (RSA public operation on crypto-bigint).
//! ECDSA signatures are plain r ‖ s (BSI TR-03111), with the hash DG14's ActiveAuthenticationInfo
//! names, or by key size when DG14 names none.

use std::fmt;

use const_oid::ObjectIdentifier;
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Tagged};
use elliptic_curve::subtle::ConstantTimeEq;
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::domain_params::ec::left_pad;
use crate::crypto::random::{RandomError, RandomSource};
use crate::crypto::signature::{self, CurveRef, EcdsaSignature, HashAlgorithm, oids};
use crate::iso7816::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::security_infos::oid::ECDSA_PLAIN;

/// Why Active Authentication did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActiveAuthError {
    #[error("DG15 is malformed: {0}")]
    BadDg15(String),
    #[error("Active Authentication key not supported: {0}")]
    Unsupported(String),
    #[error("INTERNAL AUTHENTICATE answered {0}")]
    Refused(StatusWord),
    #[error("the chip's signature does not verify: {0}")]
    BadSignature(String),
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl ActiveAuthError {
    /// Whether the chip failed to prove it holds the key (→ `chip.not_genuine`).
    pub fn is_authenticity_failure(&self) -> bool {
        matches!(
            self,
            ActiveAuthError::BadSignature(_) | ActiveAuthError::Refused(_)
        )
    }
}

impl From<ActiveAuthError> for crate::ChipError {
    fn from(e: ActiveAuthError) -> Self {
        match e {
            ActiveAuthError::Random(r) => crate::ChipError::Random(r),
            e => crate::ChipError::from_authentication(
                &e,
                e.is_authenticity_failure(),
                "active_auth",
                "Active Authentication",
            ),
        }
    }
}

/// DG15's public key.
#[derive(Clone)]
pub enum AaPublicKey {
    /// An RSA key (rsaEncryption); the chip signs with ISO/IEC 9796-2 scheme 1.
    Rsa {
        /// The modulus, big-endian.
        n: Vec<u8>,
        /// The public exponent, big-endian.
        e: Vec<u8>,
    },
    /// An EC key (id-ecPublicKey); the chip signs with ECDSA.
    Ec {
        /// The key's curve: a named one, or explicit parameters from DG15.
        curve: CurveRef,
        /// The public point, SEC1-encoded as DG15 holds it.
        point: Vec<u8>,
    },
}

impl fmt::Debug for AaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AaPublicKey::Rsa { n, .. } => {
                write!(f, "AaPublicKey::Rsa({} bits)", left_pad(n, 0).len() * 8)
            }
            AaPublicKey::Ec { curve, .. } => write!(f, "AaPublicKey::Ec({curve:?})"),
        }
    }
}

#[derive(der::Sequence)]
struct RsaPublicKeyDer<'a> {
    n: UintRef<'a>,
    e: UintRef<'a>,
}

impl AaPublicKey {
    /// Parses DG15: tag 0x6F around a SubjectPublicKeyInfo.
    pub fn from_dg15(dg15: &[u8]) -> Result<Self, ActiveAuthError> {
        let bad = |e: &dyn fmt::Display| ActiveAuthError::BadDg15(e.to_string());
        let outer = AnyRef::from_der(dg15).map_err(|e| bad(&e))?;
        if outer.tag()
            != (der::Tag::Application {
                constructed: true,
                number: der::TagNumber(15),
            })
        {
            return Err(ActiveAuthError::BadDg15("not tag 0x6F".into()));
        }
        let spki = SubjectPublicKeyInfoOwned::from_der(outer.value()).map_err(|e| bad(&e))?;
        Self::from_spki(&spki)
    }

    /// The key of a SubjectPublicKeyInfo (DG15's content): rsaEncryption or id-ecPublicKey; any
    /// other algorithm, or a curve not known here, is `Unsupported`.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, ActiveAuthError> {
        let bad = |e: &dyn fmt::Display| ActiveAuthError::BadDg15(e.to_string());
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| ActiveAuthError::BadDg15("key bit string".into()))?;
        match spki.algorithm.oid {
            oids::RSA_ENCRYPTION => {
                let k = RsaPublicKeyDer::from_der(key).map_err(|e| bad(&e))?;
                // Bounded as a certificate's key is (1024 to 4096 bits): a hostile DG15 must not
                // make the station raise to 8192-bit powers (0.9 s per answer before this bound).
                signature::check_rsa_modulus_bits(signature::bit_length(k.n.as_bytes()))
                    .map_err(|e| ActiveAuthError::Unsupported(e.to_string()))?;
                Ok(AaPublicKey::Rsa {
                    n: k.n.as_bytes().to_vec(),
                    e: k.e.as_bytes().to_vec(),
                })
            }
            oids::EC_PUBLIC_KEY => {
                let params = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .map(|p| p.to_der())
                    .transpose()
                    .map_err(|e| bad(&e))?;
                let params = params
                    .as_deref()
                    .map(AnyRef::from_der)
                    .transpose()
                    .map_err(|e| bad(&e))?;
                let curve = signature::curve_of(params)
                    .map_err(|e| ActiveAuthError::Unsupported(e.to_string()))?;
                Ok(AaPublicKey::Ec {
                    curve,
                    point: key.to_vec(),
                })
            }
            other => Err(ActiveAuthError::Unsupported(format!(
                "key algorithm {other}"
            ))),
        }
    }

    /// Verifies the chip's answer `signature` to `challenge`. `aa_algorithm` is DG14's
    /// ActiveAuthenticationInfo signatureAlgorithm (ECDSA only).
    pub fn verify(
        &self,
        challenge: &[u8],
        signature: &[u8],
        aa_algorithm: Option<&ObjectIdentifier>,
    ) -> Result<(), ActiveAuthError> {
        match self {
            AaPublicKey::Rsa { n, e } => verify_iso9796_2(n, e, challenge, signature),
            AaPublicKey::Ec { curve, point } => {
                let hash = match aa_algorithm {
                    Some(oid) => ecdsa_plain_hash(oid).ok_or_else(|| {
                        ActiveAuthError::Unsupported(format!("AA signature algorithm {oid}"))
                    })?,
                    None => hash_for_key_size(point.len().saturating_sub(1) / 2),
                };
                let digest = hash.digest(challenge);
                let plain = signature::verify_ecdsa_on(
                    curve,
                    point,
                    &digest,
                    EcdsaSignature::Plain(signature),
                );
                // Some chips answer with DER despite TR-03111; accept either encoding.
                plain
                    .or_else(|_| {
                        signature::verify_ecdsa_on(
                            curve,
                            point,
                            &digest,
                            EcdsaSignature::Der(signature),
                        )
                    })
                    .map_err(|e| ActiveAuthError::BadSignature(e.to_string()))
            }
        }
    }
}

/// ecdsa-plain-SHA* (BSI TR-03111 §5.2.1): 0.4.0.127.0.7.1.1.4.1.{1,2,3,4,5}.
fn ecdsa_plain_hash(oid: &ObjectIdentifier) -> Option<HashAlgorithm> {
    let arcs: Vec<u32> = oid.arcs().collect();
    let base: Vec<u32> = ECDSA_PLAIN.arcs().collect();
    if arcs.len() != base.len() + 1 || !arcs.starts_with(&base) {
        return None;
    }
    Some(match arcs.last()? {
        1 => HashAlgorithm::Sha1,
        2 => HashAlgorithm::Sha224,
        3 => HashAlgorithm::Sha256,
        4 => HashAlgorithm::Sha384,
        5 => HashAlgorithm::Sha512,
        _ => return None,
    })
}

fn hash_for_key_size(coordinate_len: usize) -> HashAlgorithm {
    match coordinate_len {
        0..=28 => HashAlgorithm::Sha224,
        29..=32 => HashAlgorithm::Sha256,
        33..=48 => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha512,
    }
}

/// The pieces of an ISO/IEC 9796-2 scheme 1 message representative `6A ‖ M1 ‖ D ‖ trailer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recovered {
    pub m1: Vec<u8>,
    pub digest: Vec<u8>,
    pub hash: HashAlgorithm,
}

/// Splits a recovered message representative F (ISO/IEC 9796-2 §7 / ICAO 9303 Part 11 §6.1.2.1):
/// trailer `BC` means SHA-1 (implicit); `xx CC` names the hash (38 SHA-224, 34 SHA-256, 36 SHA-384,
/// 35 SHA-512, as ISO/IEC 10118-3 numbers them).
pub(crate) fn decode_iso9796_2(f: &[u8]) -> Result<Recovered, ActiveAuthError> {
    let bad = |r: &str| ActiveAuthError::BadSignature(format!("ISO/IEC 9796-2: {r}"));
    let (&first, _) = f.split_first().ok_or_else(|| bad("empty"))?;
    // Header: "01" (two bits), "1" (partial recovery), padding bits "1010" ⇒ 0x6A.
    if first != 0x6A {
        return Err(bad("header is not 0x6A (partial recovery)"));
    }
    let (hash, trailer_len) = match f.last() {
        Some(0xBC) => (HashAlgorithm::Sha1, 1),
        Some(0xCC) => {
            let id = f
                .len()
                .checked_sub(2)
                .and_then(|i| f.get(i))
                .ok_or_else(|| bad("short"))?;
            let h = match id {
                0x38 => HashAlgorithm::Sha224,
                0x34 => HashAlgorithm::Sha256,
                0x36 => HashAlgorithm::Sha384,
                0x35 => HashAlgorithm::Sha512,
                _ => return Err(bad("unknown hash identifier in the trailer")),
            };
            (h, 2)
        }
        _ => return Err(bad("unknown trailer")),
    };
    let d_len = hash.output_len();
    let body_end = f
        .len()
        .checked_sub(trailer_len)
        .ok_or_else(|| bad("short"))?;
    let d_start = body_end
        .checked_sub(d_len)
        .filter(|&s| s >= 1)
        .ok_or_else(|| bad("short"))?;
    Ok(Recovered {
        m1: f.get(1..d_start).unwrap_or_default().to_vec(),
        digest: f.get(d_start..body_end).unwrap_or_default().to_vec(),
        hash,
    })
}

/// RSA with ISO/IEC 9796-2 scheme 1: F = s^e mod n, then D = H(M1 ‖ challenge).
pub(crate) fn verify_iso9796_2(
    n: &[u8],
    e: &[u8],
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), ActiveAuthError> {
    let n = left_pad(n, 0);
    let len = n.len();
    if !(64..=1024).contains(&len) || signature.len() > len {
        return Err(ActiveAuthError::BadSignature(
            "signature length does not fit the key".into(),
        ));
    }
    let bits = (len * 8) as u32;
    let to_uint = |b: &[u8]| BoxedUint::from_be_slice(&left_pad(b, len), bits).ok();
    let nu = to_uint(&n).ok_or_else(|| ActiveAuthError::BadDg15("modulus".into()))?;
    let eu = to_uint(e).ok_or_else(|| ActiveAuthError::BadDg15("exponent".into()))?;
    let s = to_uint(signature).ok_or_else(|| ActiveAuthError::BadSignature("encoding".into()))?;
    if s.cmp_vartime(&nu).is_ge() {
        return Err(ActiveAuthError::BadSignature(
            "signature not below the modulus".into(),
        ));
    }
    let odd = Option::<Odd<BoxedUint>>::from(Odd::new(nu.clone()))
        .ok_or_else(|| ActiveAuthError::BadDg15("even modulus".into()))?;
    let params = BoxedMontyParams::new_vartime(odd);
    // e is public: raise to its own bit length, not the modulus's (65537 takes 17 squarings).
    let e_bits = signature::bit_length(e) as u32;
    let m = BoxedMontyForm::new(s, &params)
        .pow_bounded_exp(&eu, e_bits)
        .retrieve();
    // The representative ends in the nibble C; otherwise the signer sent n − F (ISO/IEC 9796-2 §B).
    let mut f = left_pad(&m.to_be_bytes(), 0);
    if f.last().map(|b| b & 0x0F) != Some(0x0C) {
        f = left_pad(&nu.wrapping_sub(&m).to_be_bytes(), 0);
    }
    let rec = decode_iso9796_2(&f)?;
    let mut message = rec.m1.clone();
    message.extend_from_slice(challenge);
    let expected = rec.hash.digest(&message);
    if bool::from(expected.as_slice().ct_eq(rec.digest.as_slice())) {
        Ok(())
    } else {
        Err(ActiveAuthError::BadSignature(
            "the recovered hash does not match the challenge".into(),
        ))
    }
}

/// One Active Authentication run: one INTERNAL AUTHENTICATE.
#[derive(Debug)]
pub(crate) struct ActiveAuthentication {
    key: AaPublicKey,
    algorithm: Option<ObjectIdentifier>,
    challenge: Option<[u8; 8]>,
}

impl ActiveAuthentication {
    /// For DG15's key and DG14's ActiveAuthenticationInfo algorithm (if any).
    pub(crate) fn new(key: AaPublicKey, algorithm: Option<ObjectIdentifier>) -> Self {
        Self {
            key,
            algorithm,
            challenge: None,
        }
    }

    /// INTERNAL AUTHENTICATE with a fresh random 8-byte challenge. Le is 256, or extended (65536)
    /// for RSA keys whose signature does not fit a short response under secure messaging.
    pub(crate) fn start(
        &mut self,
        rng: &mut dyn RandomSource,
    ) -> Result<CommandApdu, ActiveAuthError> {
        let mut challenge = [0u8; 8];
        rng.fill(&mut challenge)?;
        self.challenge = Some(challenge);
        let le = match &self.key {
            AaPublicKey::Rsa { n, .. } if left_pad(n, 0).len() > 224 => 65_536,
            _ => 256,
        };
        Ok(CommandApdu::new(0x00, 0x88, 0x00, 0x00)
            .with_data(challenge.to_vec())
            .with_le(le))
    }

    /// Checks the chip's signature.
    pub(crate) fn finish(&mut self, response: &ResponseApdu) -> Result<(), ActiveAuthError> {
        if response.sw != StatusWord::OK {
            return Err(ActiveAuthError::Refused(response.sw));
        }
        let challenge = self
            .challenge
            .take()
            .ok_or_else(|| ActiveAuthError::BadSignature("no challenge was sent".into()))?;
        self.key
            .verify(&challenge, &response.data, self.algorithm.as_ref())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing::hex as h;

    // gmrtd/gmrtd@7f23b50 activeauth/active_auth_test.go TestDecodeF.
    #[test]
    fn iso9796_2_trailers_name_the_hash() {
        let m1 = h("1234567890ABCDEF1234567890ABCDEF11223344");
        for (f, hash, d) in [
            (
                "6A1234567890ABCDEF1234567890ABCDEF11223344e9b287952a913cc5b60ff74ecfc87e40e81563b1BC",
                HashAlgorithm::Sha1,
                "e9b287952a913cc5b60ff74ecfc87e40e81563b1",
            ),
            (
                "6A1234567890ABCDEF1234567890ABCDEF11223344aefc05e88f48eb88d367ba3dacb7d6a8543ec02bd315e47ddbe2045d38CC",
                HashAlgorithm::Sha224,
                "aefc05e88f48eb88d367ba3dacb7d6a8543ec02bd315e47ddbe2045d",
            ),
            (
                "6A1234567890ABCDEF1234567890ABCDEF11223344783980d44fd3a80f0e4210eb9c73ea399932062d465438f8e1ff13377de8308934CC",
                HashAlgorithm::Sha256,
                "783980d44fd3a80f0e4210eb9c73ea399932062d465438f8e1ff13377de83089",
            ),
            (
                "6A1234567890ABCDEF1234567890ABCDEF112233448e0873b0baf595a777b497779981bd94dda3a81fd61cf2d526ab490f2d6cbcecc6eab5804df4e0a70169d4d0d6c07e7536CC",
                HashAlgorithm::Sha384,
                "8e0873b0baf595a777b497779981bd94dda3a81fd61cf2d526ab490f2d6cbcecc6eab5804df4e0a70169d4d0d6c07e75",
            ),
            (
                "6A1234567890ABCDEF1234567890ABCDEF11223344968304e09f0c0ec86be4ade4b82d97d04283e3652b61193856c9ede1dac8962b3da9580fd77e9f9ef18a24c517d8d3b05f4eeb177e990ae1e80895c8bb28f51635CC",
                HashAlgorithm::Sha512,
                "968304e09f0c0ec86be4ade4b82d97d04283e3652b61193856c9ede1dac8962b3da9580fd77e9f9ef18a24c517d8d3b05f4eeb177e990ae1e80895c8bb28f516",
            ),
        ] {
            let rec = decode_iso9796_2(&h(f)).unwrap();
            assert_eq!(rec.m1, m1);
            assert_eq!(rec.digest, h(d));
            assert_eq!(rec.hash, hash);
            let mut m = m1.clone();
            m.extend(h("0102030405060708"));
            assert_eq!(hash.digest(&m), rec.digest);
        }
        // Error cases of the same test file: wrong header, nothing after it.
        assert!(decode_iso9796_2(&h("6B1234BC")).is_err());
        assert!(decode_iso9796_2(&h("6A000000")).is_err());
        assert!(decode_iso9796_2(&[]).is_err());
    }

    // A real chip's Active Authentication, gmrtd/gmrtd@7f23b50 activeauth/active_auth_test.go
    // TestDoActiveAuth: DG15 (RSA-1792), challenge and the decrypted answer.
    const DG15: &str = "6F8201023081FF300D06092A864886F70D01010105000381ED003081E90281E100BB8F93F4DC95E205CDA17C6927AB1E365B13065D03CD12E0FCE95D96840529453202F56CC4C13F77CD062930C8BC89A2873B257045C286E601CF3C09323A53103314902804AA10A314628CE222206A8866946A36B442041BB54AC81E6855DD1D6E16101833D65A191C20AC8B33B8A1A32920F46043F8031CF2BC17417030865FC5BE5A39DEE423BCBA3CA8177168EB23CFE01BA43EC87711B1CFFF85DB46F300DD8AE317B50D543B573E119E23AF7070D0B2FED6A3B2313A5EC02A531AAED1741F4390D1013E2A0F081EAC5DC8B0A1B2C6BDB1206F08D30E3643E1E5BDF536110203010001";
    const SIGNATURE: &str = "474256306840c0ab1b63c10e1c26bdfef4a0dd843920283cc4e6e70a60f2bd25dc7725f9677bc1cde66379dc28b38e8490f33afb2d10f9980c44c0bfc175d2b6684218f535c92fdd3e18db770a9ccbf91db3c7f0138e6d9e94b9bc8371761e3abed5e5e9b260279cfb238b58ae0d6a01da51c74c2a3ecd62c448bd9f20127f7384587287fa971204234e55b1a856c3e5aaaa620bb799a68fbae08ee132bb61683eba9b0b40dc1e54641cad975b16991cab50af82e3f3985afd19e7427a125f5b4b9878b12a5d2e01c7eedca3bb41c6fc05dccd818bce379d04b1f2f5d43487d3";

    #[test]
    fn real_chip_rsa_signature_verifies() {
        let key = AaPublicKey::from_dg15(&h(DG15)).unwrap();
        assert_eq!(format!("{key:?}"), "AaPublicKey::Rsa(1792 bits)");
        let mut aa = ActiveAuthentication::new(key, None);
        let mut rng = crate::crypto::random::ScriptedRandom::new(&[&h("96302b0f3d7e7864")]);
        let cmd = aa.start(&mut rng).unwrap();
        assert_eq!(cmd.to_bytes().unwrap(), h("008800000896302b0f3d7e786400"));
        let resp = ResponseApdu::new(h(SIGNATURE), StatusWord::OK);
        assert_eq!(aa.finish(&resp), Ok(()));
    }

    #[test]
    fn a_signature_over_another_challenge_fails() {
        let key = AaPublicKey::from_dg15(&h(DG15)).unwrap();
        let err = key
            .verify(&h("96302b0f3d7e7865"), &h(SIGNATURE), None)
            .unwrap_err();
        assert!(err.is_authenticity_failure());
        let mut sig = h(SIGNATURE);
        sig[10] ^= 1;
        assert!(key.verify(&h("96302b0f3d7e7864"), &sig, None).is_err());
        assert!(key.verify(&h("96302b0f3d7e7864"), &[], None).is_err());
        assert!(
            key.verify(&h("96302b0f3d7e7864"), &[0xFF; 300], None)
                .is_err()
        );
    }

    #[test]
    fn ecdsa_plain_signatures_verify() {
        use ecdsa::signature::hazmat::PrehashSigner;
        let sk = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
        let point = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let key = AaPublicKey::Ec {
            curve: CurveRef::Named(crate::crypto::domain_params::NamedCurve::NistP256),
            point,
        };
        let challenge = h("0102030405060708");
        let digest = HashAlgorithm::Sha256.digest(&challenge);
        let sig: p256::ecdsa::Signature = sk.sign_prehash(&digest).unwrap();
        let plain = sig.to_bytes().to_vec();
        let sha256_plain = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
        assert_eq!(key.verify(&challenge, &plain, Some(&sha256_plain)), Ok(()));
        assert_eq!(key.verify(&challenge, &plain, None), Ok(()));
        assert!(key.verify(&h("0102030405060709"), &plain, None).is_err());
    }
}
