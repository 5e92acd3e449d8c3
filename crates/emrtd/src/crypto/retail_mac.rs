//! ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with single DES, the 3DES-era secure messaging MAC.
//!
//! Hand-written on top of `des`: RustCrypto has no retail-MAC crate (only CBC-MAC/CMAC).

use des::Des;
use des::cipher::{Block, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use super::CryptoError;

/// MAC over already padded `data` with the 16-byte key K1‖K2: DES-CBC-MAC under K1, then the last
/// block decrypted under K2 and encrypted again under K1.
pub(crate) fn retail_mac(key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    if key.len() != 16 {
        return Err(CryptoError::KeyLength(key.len()));
    }
    if data.is_empty() || data.len() % 8 != 0 {
        return Err(CryptoError::NotBlockAligned(data.len()));
    }
    let k1 = Des::new_from_slice(&key[..8]).map_err(|_| CryptoError::KeyLength(key.len()))?;
    let k2 = Des::new_from_slice(&key[8..]).map_err(|_| CryptoError::KeyLength(key.len()))?;
    let mut state = Block::<Des>::default();
    for chunk in data.chunks_exact(8) {
        for (s, d) in state.iter_mut().zip(chunk) {
            *s ^= d;
        }
        k1.encrypt_block(&mut state);
    }
    k2.decrypt_block(&mut state);
    k1.encrypt_block(&mut state);
    let mut out = [0u8; 8];
    out.copy_from_slice(&state);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::padding::pad;
    use crate::testing::hex;

    #[test]
    fn icao_appendix_d_m_ifd() {
        // ICAO 9303 Part 11 Appendix D.3 (gmrtd bac/bac_test.go TestBuildRequest):
        // M.IFD = MAC(K_MAC, pad(E.IFD)).
        let k_mac = hex("7962D9ECE03D1ACD4C76089DCE131543");
        let e_ifd = hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
        let mac = retail_mac(&k_mac, &pad(&e_ifd, 8)).expect("mac");
        assert_eq!(mac.to_vec(), hex("5F1448EEA8AD90A7"));
    }

    #[test]
    fn rejects_bad_sizes() {
        assert_eq!(retail_mac(&[0; 8], &[0; 8]), Err(CryptoError::KeyLength(8)));
        assert_eq!(
            retail_mac(&[0; 16], &[0; 7]),
            Err(CryptoError::NotBlockAligned(7))
        );
    }
}
