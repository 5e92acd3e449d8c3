//! AES for secure messaging after PACE or Chip Authentication (ICAO 9303 Part 11 §9.8.6.2, BSI TR-03110):
//! CBC encryption with IV = E(K_enc, SSC), and AES-CMAC truncated to 8 bytes.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{
    Block, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use cmac::{Cmac, Mac};

use super::CryptoError;

fn check(key: &[u8], data_len: usize) -> Result<(), CryptoError> {
    if !matches!(key.len(), 16 | 24 | 32) {
        return Err(CryptoError::KeyLength(key.len()));
    }
    if data_len % 16 != 0 {
        return Err(CryptoError::NotBlockAligned(data_len));
    }
    Ok(())
}

/// One AES block encryption (ECB), e.g. the SM IV E(K_enc, SSC).
pub(crate) fn encrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16], CryptoError> {
    check(key, 16)?;
    let mut b = Block::<Aes128>::default();
    b.copy_from_slice(block);
    let bad = |_| CryptoError::KeyLength(key.len());
    match key.len() {
        16 => Aes128::new_from_slice(key)
            .map_err(bad)?
            .encrypt_block(&mut b),
        24 => Aes192::new_from_slice(key)
            .map_err(bad)?
            .encrypt_block(&mut b),
        _ => Aes256::new_from_slice(key)
            .map_err(bad)?
            .encrypt_block(&mut b),
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&b);
    Ok(out)
}

fn cbc_enc<C>(key: &[u8], iv: &[u8; 16], buf: &mut [u8]) -> Result<(), CryptoError>
where
    cbc::Encryptor<C>: KeyIvInit + BlockModeEncrypt,
    C: cbc::cipher::BlockCipherEncrypt,
{
    let n = buf.len();
    cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::KeyLength(key.len()))?
        .encrypt_padded::<NoPadding>(buf, n)
        .map_err(|_| CryptoError::NotBlockAligned(n))?;
    Ok(())
}

fn cbc_dec<C>(key: &[u8], iv: &[u8; 16], buf: &mut [u8]) -> Result<(), CryptoError>
where
    cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
    C: cbc::cipher::BlockCipherDecrypt,
{
    let n = buf.len();
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::KeyLength(key.len()))?
        .decrypt_padded::<NoPadding>(buf)
        .map_err(|_| CryptoError::NotBlockAligned(n))?;
    Ok(())
}

/// AES-CBC encryption of block-aligned `data`.
pub(crate) fn cbc_encrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check(key, data.len())?;
    let mut buf = data.to_vec();
    match key.len() {
        16 => cbc_enc::<Aes128>(key, iv, &mut buf)?,
        24 => cbc_enc::<Aes192>(key, iv, &mut buf)?,
        _ => cbc_enc::<Aes256>(key, iv, &mut buf)?,
    }
    Ok(buf)
}

/// AES-CBC decryption of block-aligned `data`.
pub(crate) fn cbc_decrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    check(key, data.len())?;
    let mut buf = data.to_vec();
    match key.len() {
        16 => cbc_dec::<Aes128>(key, iv, &mut buf)?,
        24 => cbc_dec::<Aes192>(key, iv, &mut buf)?,
        _ => cbc_dec::<Aes256>(key, iv, &mut buf)?,
    }
    Ok(buf)
}

/// One CMAC computation for a concrete AES variant (a macro: the cmac trait bounds are unwieldy generically).
macro_rules! cmac_full {
    ($cipher:ty, $key:expr, $data:expr) => {{
        let mut mac = <Cmac<$cipher> as KeyInit>::new_from_slice($key)
            .map_err(|_| CryptoError::KeyLength($key.len()))?;
        mac.update($data);
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag);
        out
    }};
}

/// AES-CMAC over `data`, truncated to the 8 bytes secure messaging and PACE tokens use.
pub(crate) fn cmac8(key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    let full = match key.len() {
        16 => cmac_full!(Aes128, key, data),
        24 => cmac_full!(Aes192, key, data),
        32 => cmac_full!(Aes256, key, data),
        n => return Err(CryptoError::KeyLength(n)),
    };
    let mut out = [0u8; 8];
    out.copy_from_slice(&full[..8]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::padding::pad;
    use crate::testing::hex;

    // BSI TR-03110 worked example, secure messaging part (openpace src/eactest.c):
    // K_ENC 68406B4162100563D9C901A6154D2901, K_MAC 73FF268784F72AF833FDC9464049AFC9.
    #[test]
    fn bsi_worked_example_encrypt_with_ssc_iv() {
        let k_enc = hex("68406B4162100563D9C901A6154D2901");
        let mut ssc = [0u8; 16];
        ssc[15] = 1;
        let iv = encrypt_block(&k_enc, &ssc).expect("iv");
        let plain = pad(&hex("830D44454356434141543030303031"), 16);
        let enc = cbc_encrypt(&k_enc, &iv, &plain).expect("encrypts");
        assert_eq!(enc, hex("BE90237EEB4BA0FF253EA246AE31C8B8"));
        assert_eq!(cbc_decrypt(&k_enc, &iv, &enc).expect("decrypts"), plain);
    }

    #[test]
    fn bsi_worked_example_response_mac() {
        let k_mac = hex("73FF268784F72AF833FDC9464049AFC9");
        let mut input = vec![0u8; 16];
        input[15] = 2;
        input.extend_from_slice(&hex("99029000"));
        let mac = cmac8(&k_mac, &pad(&input, 16)).expect("mac");
        assert_eq!(mac.to_vec(), hex("A89570A68664A7D6"));
    }

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(cmac8(&[0; 10], &[]), Err(CryptoError::KeyLength(10)));
        assert_eq!(
            cbc_encrypt(&[0; 16], &[0; 16], &[0; 15]),
            Err(CryptoError::NotBlockAligned(15))
        );
    }
}
