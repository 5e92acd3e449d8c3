//! The symmetric primitives PACE and Chip Authentication name by OID: 2-key 3DES (CBC, retail MAC) and
//! AES-128/192/256 (CBC, CMAC), and the key derivation function of ICAO 9303 Part 11 §9.7.1. This
//! names the primitives of the sibling modules by cipher (secure messaging builds on it:
//! `SecureMessaging::for_cipher`).

use zeroize::Zeroizing;

use crate::crypto::{CryptoError, aes_sm, padding, retail_mac, tdes};

/// Which block cipher (and so which MAC, key length and KDF hash) a protocol OID selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymmetricCipher {
    /// 2-key 3DES in CBC mode with the ISO/IEC 9797-1 algorithm 3 ("retail") MAC.
    Tdes,
    /// AES-128 in CBC mode with CMAC.
    Aes128,
    /// AES-192 in CBC mode with CMAC.
    Aes192,
    /// AES-256 in CBC mode with CMAC.
    Aes256,
}

/// A key of the wrong length or a buffer that is not a whole number of blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// A key whose length is not the cipher's: the cipher and the key length it needs.
    #[error("a {0:?} key must be {1} bytes")]
    KeyLength(SymmetricCipher, usize),
    /// Data, an IV or a single block that is not a whole number of blocks; the value is the
    /// cipher's block length.
    #[error("the data is not a whole number of {0}-byte blocks")]
    NotBlockAligned(usize),
}

/// KDF counter values of ICAO 9303 Part 11 §9.7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfPurpose {
    /// c = 1: the secure messaging encryption key.
    Enc = 1,
    /// c = 2: the secure messaging MAC key.
    Mac = 2,
    /// c = 3: the PACE password key K_π.
    Password = 3,
}

impl SymmetricCipher {
    /// Key length in bytes (3DES: the two 8-byte keys K1 ‖ K2).
    pub fn key_len(self) -> usize {
        match self {
            Self::Tdes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block length in bytes.
    pub fn block_len(self) -> usize {
        match self {
            Self::Tdes => 8,
            _ => 16,
        }
    }

    /// ICAO 9303 Part 11 §9.7.1: K = H(secret ‖ c), SHA-1 for 3DES and AES-128, SHA-256 for
    /// AES-192/256, truncated to the key length (3DES keys parity-adjusted).
    pub fn kdf(self, secret: &[u8], purpose: KdfPurpose) -> Zeroizing<Vec<u8>> {
        crate::crypto::kdf::derive(secret, purpose as u32, self.key_cipher())
    }

    /// The same cipher as the secure messaging layer names it.
    pub fn key_cipher(self) -> crate::crypto::kdf::KeyCipher {
        use crate::crypto::kdf::KeyCipher;
        match self {
            Self::Tdes => KeyCipher::Tdes,
            Self::Aes128 => KeyCipher::Aes128,
            Self::Aes192 => KeyCipher::Aes192,
            Self::Aes256 => KeyCipher::Aes256,
        }
    }

    fn check_key(self, key: &[u8]) -> Result<(), CipherError> {
        if key.len() == self.key_len() {
            Ok(())
        } else {
            Err(CipherError::KeyLength(self, self.key_len()))
        }
    }

    fn check_blocks(self, data: &[u8]) -> Result<(), CipherError> {
        if data.len() % self.block_len() == 0 {
            Ok(())
        } else {
            Err(CipherError::NotBlockAligned(self.block_len()))
        }
    }

    /// The checks every operation makes first, so that `crypto/` sees only keys of this cipher.
    fn check(self, key: &[u8], data: &[u8]) -> Result<(), CipherError> {
        self.check_key(key)?;
        self.check_blocks(data)
    }

    /// A `crypto/` error after [`Self::check`] passed (not expected) in this cipher's terms.
    fn crypto_error(self, e: CryptoError) -> CipherError {
        match e {
            CryptoError::KeyLength(_) => CipherError::KeyLength(self, self.key_len()),
            CryptoError::NotBlockAligned(_) | CryptoError::BadPadding => {
                CipherError::NotBlockAligned(self.block_len())
            }
        }
    }

    /// CBC encryption of whole blocks (no padding) under `iv`.
    pub fn cbc_encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CipherError> {
        self.check(key, data)?;
        let bad_iv = |_| CipherError::NotBlockAligned(self.block_len());
        match self {
            Self::Tdes => tdes::cbc_encrypt(key, iv.try_into().map_err(bad_iv)?, data),
            _ => aes_sm::cbc_encrypt(key, iv.try_into().map_err(bad_iv)?, data),
        }
        .map_err(|e| self.crypto_error(e))
    }

    /// CBC decryption of whole blocks (no padding removed) under `iv`.
    pub fn cbc_decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CipherError> {
        self.check(key, data)?;
        let bad_iv = |_| CipherError::NotBlockAligned(self.block_len());
        match self {
            Self::Tdes => tdes::cbc_decrypt(key, iv.try_into().map_err(bad_iv)?, data),
            _ => aes_sm::cbc_decrypt(key, iv.try_into().map_err(bad_iv)?, data),
        }
        .map(Zeroizing::new)
        .map_err(|e| self.crypto_error(e))
    }

    /// Encrypts one block in ECB mode (the PACE-IM pseudo-random function and the PACE-CAM IV).
    pub fn encrypt_block(self, key: &[u8], block: &[u8]) -> Result<Vec<u8>, CipherError> {
        self.check_key(key)?;
        if block.len() != self.block_len() {
            return Err(CipherError::NotBlockAligned(self.block_len()));
        }
        let zero_iv = vec![0u8; self.block_len()];
        // One block of CBC under a zero IV is ECB.
        self.cbc_encrypt(key, &zero_iv, block)
    }

    /// The 8-byte MAC of ICAO 9303 Part 11 §9.8.6 over `data`: AES-CMAC truncated to 8 bytes, or the
    /// 3DES retail MAC over `data` padded with ISO/IEC 9797-1 method 2.
    pub fn mac8(self, key: &[u8], data: &[u8]) -> Result<[u8; 8], CipherError> {
        self.check_key(key)?;
        match self {
            Self::Tdes => retail_mac::retail_mac(key, &padding::pad(data, 8)),
            _ => aes_sm::cmac8(key, data),
        }
        .map_err(|e| self.crypto_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex as h;

    // KDF vectors: ZeroPass/dmrtd@fb6f08f test/kdf_test.dart:
    // ECDH G.1 shared secret K -> KS.Enc, KS.MAC.
    #[test]
    fn kdf_icao_g1_ecdh_session_keys() {
        let k = h("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
        let c = SymmetricCipher::Aes128;
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Enc),
            h("F5F0E35C0D7161EE6724EE513A0D9A7F")
        );
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Mac),
            h("FE251C7858B356B24514B3BD5F4297D1")
        );
    }

    // dmrtd test/kdf_test.dart "Appendix I" (PACE-IM/CAM example) K.
    #[test]
    fn kdf_icao_appendix_i() {
        let k = h("67950559D0C06B4D4B86972D14460837461087F8419FDBC36AAF6CEAAC462832");
        let c = SymmetricCipher::Aes128;
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Enc),
            h("0A9DA4DB03BDDE39FC5202BC44B2E89E")
        );
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Mac),
            h("4B1C06491ED5140CA2B537D344C6C0B1")
        );
    }

    // dmrtd test/kdf_test.dart: BAC D.3 K_seed -> KS.Enc / KS.MAC (3DES, counter 1/2).
    #[test]
    fn kdf_icao_appendix_d_tdes() {
        let k = h("0036D272F5C350ACAC50C3F572D23600");
        let c = SymmetricCipher::Tdes;
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Enc),
            h("979EC13B1CBFE9DCD01AB0FED307EAE5")
        );
        assert_eq!(
            *c.kdf(&k, KdfPurpose::Mac),
            h("F1CB1F1FB5ADF208806B89DC579DC1F8")
        );
    }

    // ICAO 9303-11 G.1: K_π = KDF(SHA-1(MRZ information), 3).
    #[test]
    fn kdf_password_key() {
        let seed = h("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
        assert_eq!(
            *SymmetricCipher::Aes128.kdf(&seed, KdfPurpose::Password),
            h("89DED1B26624EC1E634C1989302849DD")
        );
    }

    #[test]
    fn aes_192_and_256_use_sha256() {
        use sha2::{Digest, Sha256};
        let k = b"secret";
        let full = Sha256::new()
            .chain_update(k)
            .chain_update(1u32.to_be_bytes())
            .finalize();
        assert_eq!(
            *SymmetricCipher::Aes192.kdf(k, KdfPurpose::Enc),
            full[..24].to_vec()
        );
        assert_eq!(
            *SymmetricCipher::Aes256.kdf(k, KdfPurpose::Enc),
            full.to_vec()
        );
    }

    // BAC D.3 worked example: M.IFD = retail MAC of E.IFD under K_MAC.
    #[test]
    fn retail_mac_icao_appendix_d() {
        let mac = SymmetricCipher::Tdes
            .mac8(
                &h("7962D9ECE03D1ACD4C76089DCE131543"),
                &h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"),
            )
            .expect("mac");
        assert_eq!(mac.to_vec(), h("5F1448EEA8AD90A7"));
    }

    #[test]
    fn wrong_lengths_are_typed_errors() {
        assert!(
            SymmetricCipher::Aes128
                .cbc_encrypt(&[0; 15], &[0; 16], &[0; 16])
                .is_err()
        );
        assert!(
            SymmetricCipher::Aes128
                .cbc_encrypt(&[0; 16], &[0; 16], &[0; 15])
                .is_err()
        );
        assert!(SymmetricCipher::Tdes.mac8(&[0; 8], b"x").is_err());
    }
}
