//! Two-key 3DES (EDE) in CBC mode over block-aligned data, as BAC and 3DES secure messaging use it.

use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use des::TdesEde2;

use super::CryptoError;

fn check(key: &[u8], data: &[u8]) -> Result<(), CryptoError> {
    if key.len() != 16 {
        return Err(CryptoError::KeyLength(key.len()));
    }
    if data.len() % 8 != 0 {
        return Err(CryptoError::NotBlockAligned(data.len()));
    }
    Ok(())
}

/// 3DES-CBC encryption of block-aligned `data` with a 16-byte key and 8-byte IV.
pub(crate) fn cbc_encrypt(key: &[u8], iv: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check(key, data)?;
    let enc = cbc::Encryptor::<TdesEde2>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::KeyLength(key.len()))?;
    let mut buf = data.to_vec();
    let n = buf.len();
    enc.encrypt_padded::<NoPadding>(&mut buf, n)
        .map_err(|_| CryptoError::NotBlockAligned(n))?;
    Ok(buf)
}

/// 3DES-CBC decryption of block-aligned `data`.
pub(crate) fn cbc_decrypt(key: &[u8], iv: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check(key, data)?;
    let dec = cbc::Decryptor::<TdesEde2>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::KeyLength(key.len()))?;
    let mut buf = data.to_vec();
    let n = buf.len();
    dec.decrypt_padded::<NoPadding>(&mut buf)
        .map_err(|_| CryptoError::NotBlockAligned(n))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex;

    #[test]
    fn icao_appendix_d_e_ifd() {
        // ICAO 9303 Part 11 Appendix D.3: E.IFD = 3DES-CBC(K_ENC, IV 0, S).
        let k_enc = hex("AB94FDECF2674FDFB9B391F85D7F76F2");
        let s = hex("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
        let e = cbc_encrypt(&k_enc, &[0; 8], &s).expect("encrypts");
        assert_eq!(
            e,
            hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
        );
        assert_eq!(cbc_decrypt(&k_enc, &[0; 8], &e).expect("decrypts"), s);
    }

    #[test]
    fn misaligned_data_is_an_error() {
        assert_eq!(
            cbc_decrypt(&[1; 16], &[0; 8], &[0; 9]),
            Err(CryptoError::NotBlockAligned(9))
        );
        assert_eq!(
            cbc_encrypt(&[1; 15], &[0; 8], &[0; 8]),
            Err(CryptoError::KeyLength(15))
        );
    }
}
