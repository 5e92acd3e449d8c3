//! The symmetric cryptography of ICAO 9303 Part 11: ISO 9797-1 padding, 3DES with retail MAC,
//! AES with CMAC, and the key derivation function of §9.7.1.

pub(crate) mod aes_sm;
pub(crate) mod cipher;
pub mod domain_params;
pub(crate) mod kdf;
pub(crate) mod padding;
pub(crate) mod random;
pub(crate) mod retail_mac;
pub mod signature;
pub(crate) mod tdes;

/// Why a cryptographic operation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A key of the wrong length for the cipher; the value is its length in bytes.
    #[error("key of {0} bytes has the wrong length")]
    KeyLength(usize),
    /// Data that is not a whole number of cipher blocks; the value is its length in bytes.
    #[error("data of {0} bytes is not a whole number of cipher blocks")]
    NotBlockAligned(usize),
    /// Data to unpad does not end in ISO/IEC 9797-1 padding method 2 (0x80, then zero bytes).
    #[error("ISO 9797-1 method 2 padding is missing or malformed")]
    BadPadding,
}

/// Compares two MACs in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
