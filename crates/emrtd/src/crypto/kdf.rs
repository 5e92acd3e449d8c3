//! ICAO 9303 Part 11 §9.7.1 key derivation: KDF(K, c) = H(K ‖ c) with a 32-bit big-endian counter
//! (1 = encryption key, 2 = MAC key, 3 = PACE password key), cut to the cipher's key size.

use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The cipher a derived key is for; it fixes hash and key length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCipher {
    /// Two-key 3DES (SHA-1, 16 bytes, DES parity adjusted).
    Tdes,
    Aes128,
    Aes192,
    Aes256,
}

impl KeyCipher {
    pub fn key_len(self) -> usize {
        match self {
            KeyCipher::Tdes | KeyCipher::Aes128 => 16,
            KeyCipher::Aes192 => 24,
            KeyCipher::Aes256 => 32,
        }
    }
}

/// Counter for the encryption key.
pub(crate) const ENC: u32 = 1;
/// Counter for the MAC key.
pub(crate) const MAC: u32 = 2;

/// Derives a key from the shared secret or seed `secret`.
pub(crate) fn derive(secret: &[u8], counter: u32, cipher: KeyCipher) -> Zeroizing<Vec<u8>> {
    let c = counter.to_be_bytes();
    let mut out = Zeroizing::new(match cipher {
        KeyCipher::Tdes | KeyCipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(secret);
            h.update(c);
            h.finalize().to_vec()
        }
        KeyCipher::Aes192 | KeyCipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(secret);
            h.update(c);
            h.finalize().to_vec()
        }
    });
    out.truncate(cipher.key_len());
    if cipher == KeyCipher::Tdes {
        adjust_parity(&mut out);
    }
    out
}

/// Sets each byte's least significant bit so the byte has odd parity (DES key convention).
pub(crate) fn adjust_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
    }
}

/// BAC key seed: the first 16 bytes of SHA-1 over the MRZ information.
pub(crate) fn bac_key_seed(mrz_information: &str) -> Zeroizing<[u8; 16]> {
    let digest = Sha1::digest(mrz_information.as_bytes());
    let mut seed = Zeroizing::new([0u8; 16]);
    seed.copy_from_slice(&digest[..16]);
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    // ICAO 9303 Part 11 Appendix D.2 (gmrtd bac/bac_test.go TestGenerateKseed).
    #[test]
    fn icao_appendix_d_key_seed_and_keys() {
        let seed = bac_key_seed("L898902C<369080619406236");
        assert_eq!(seed.to_vec(), hex("239AB9CB282DAF66231DC5A4DF6BFBAE"));
        assert_eq!(
            derive(&seed[..], ENC, KeyCipher::Tdes).to_vec(),
            hex("AB94FDECF2674FDFB9B391F85D7F76F2")
        );
        assert_eq!(
            derive(&seed[..], MAC, KeyCipher::Tdes).to_vec(),
            hex("7962D9ECE03D1ACD4C76089DCE131543")
        );
    }

    // ICAO 9303 Part 11 Appendix D.3 session keys from K_seed = K.IFD xor K.IC.
    #[test]
    fn icao_appendix_d_session_keys() {
        let seed = hex("0036D272F5C350ACAC50C3F572D23600");
        assert_eq!(
            derive(&seed, ENC, KeyCipher::Tdes).to_vec(),
            hex("979EC13B1CBFE9DCD01AB0FED307EAE5")
        );
        assert_eq!(
            derive(&seed, MAC, KeyCipher::Tdes).to_vec(),
            hex("F1CB1F1FB5ADF208806B89DC579DC1F8")
        );
    }

    // ICAO 9303 Part 11 Appendix G.1 (and dmrtd test/kdf_test.dart): PACE keys, AES-128.
    #[test]
    fn icao_appendix_g_pace_keys() {
        let seed = hex("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
        assert_eq!(
            derive(&seed, 3, KeyCipher::Aes128).to_vec(),
            hex("89DED1B26624EC1E634C1989302849DD")
        );
        let k = hex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
        assert_eq!(
            derive(&k, ENC, KeyCipher::Aes128).to_vec(),
            hex("F5F0E35C0D7161EE6724EE513A0D9A7F")
        );
        assert_eq!(
            derive(&k, MAC, KeyCipher::Aes128).to_vec(),
            hex("FE251C7858B356B24514B3BD5F4297D1")
        );
    }

    #[test]
    fn parity_is_odd_per_byte() {
        let mut k = [0u8, 1, 0xFE, 0xFF, 0x80];
        adjust_parity(&mut k);
        assert!(k.iter().all(|b| b.count_ones() % 2 == 1));
        assert_eq!(k, [0x01, 0x01, 0xFE, 0xFE, 0x80]);
    }
}
