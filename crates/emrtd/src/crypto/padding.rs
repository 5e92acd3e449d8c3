//! ISO/IEC 9797-1 padding method 2: append `80`, then `00` up to the block size (always at least one byte).
//!
//! Written by hand because secure messaging needs the padded bytes themselves (MAC input), not
//! only inside a cipher mode, and unpadding must reject malformed plaintext with our own error.

use super::CryptoError;

/// Pads `data` to a multiple of `block` bytes.
pub(crate) fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % block != 0 {
        out.push(0x00);
    }
    out
}

/// Removes method-2 padding: trailing zeros then one `80`.
pub(crate) fn unpad(data: &[u8]) -> Result<&[u8], CryptoError> {
    let end = data
        .iter()
        .rposition(|b| *b != 0)
        .ok_or(CryptoError::BadPadding)?;
    if data[end] != 0x80 {
        return Err(CryptoError::BadPadding);
    }
    Ok(&data[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_block_and_back() {
        assert_eq!(pad(&[1, 2, 3], 8), [1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8], 8).len(), 16);
        assert_eq!(pad(&[], 16).len(), 16);
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| i as u8 ^ 0x5A).collect();
            assert_eq!(unpad(&pad(&data, 16)).expect("unpads"), &data[..]);
        }
    }

    #[test]
    fn malformed_padding_is_an_error() {
        assert_eq!(unpad(&[0; 8]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[1, 2, 3, 0]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[1, 2, 0x80, 0, 0]), Ok(&[1u8, 2][..]));
        assert_eq!(unpad(&[1, 2, 0, 0]), Err(CryptoError::BadPadding));
    }
}
