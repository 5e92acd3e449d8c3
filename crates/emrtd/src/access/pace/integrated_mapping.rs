//! PACE Integrated Mapping (ICAO 9303 Part 11 §4.4.3.3.2): the pseudo-random number mapping R_p(s, t)
//! and, for ECDH, the point encoding f_G of Appendix B.2 (Brier et al., "Efficient Indifferentiable
//! Hashing into Ordinary Elliptic Curves"). The curve crates do not expose this map, so it is written
//! here on `crypto-bigint` field arithmetic; its output is then checked to lie on the curve.

use crypto_bigint::BoxedUint;
use crypto_bigint::modular::BoxedMontyForm;
use zeroize::Zeroizing;

use crate::crypto::cipher::{CipherError, SymmetricCipher};
use crate::crypto::domain_params::ec::{EcGroup, ModPrime};
use crate::crypto::domain_params::{DhGroup, EcError};

const C0_128: [u8; 16] = [
    0xa6, 0x68, 0x89, 0x2a, 0x7c, 0x41, 0xe3, 0xca, 0x73, 0x9f, 0x40, 0xb0, 0x57, 0xd8, 0x59, 0x04,
];
const C1_128: [u8; 16] = [
    0xa4, 0xe1, 0x36, 0xac, 0x72, 0x5f, 0x73, 0x8b, 0x01, 0xc1, 0xf6, 0x02, 0x17, 0xc1, 0x88, 0xad,
];
const C0_256: [u8; 32] = [
    0xd4, 0x63, 0xd6, 0x52, 0x34, 0x12, 0x4e, 0xf7, 0x89, 0x70, 0x54, 0x98, 0x6d, 0xca, 0x0a, 0x17,
    0x4e, 0x28, 0xdf, 0x75, 0x8c, 0xba, 0xa0, 0x3f, 0x24, 0x06, 0x16, 0x41, 0x4d, 0x5a, 0x16, 0x76,
];
const C1_256: [u8; 32] = [
    0x54, 0xbd, 0x72, 0x55, 0xf0, 0xaa, 0xf8, 0x31, 0xbe, 0xc3, 0x42, 0x3f, 0xcf, 0x39, 0xd6, 0x9b,
    0x6c, 0xbf, 0x06, 0x66, 0x77, 0xd0, 0xfa, 0xae, 0x5a, 0xad, 0xd9, 0x9d, 0xf8, 0xe5, 0x35, 0x17,
];

/// Why the integrated mapping failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The terminal's nonce t is not as long as the cipher's key (R_p keys the cipher with t).
    #[error("the nonce t must be as long as the cipher key")]
    NonceLength,
    /// The block cipher of R_p refused its input.
    #[error(transparent)]
    Cipher(#[from] CipherError),
    /// The curve cannot take the point encoding (its p is not 3 mod 4) or the encoded point is
    /// not on the curve.
    #[error(transparent)]
    Ec(#[from] EcError),
    /// No usable generator comes out: the modulus is unusable, the point encoding divides by zero,
    /// or (DH) the mapped value is not a generator of the subgroup.
    #[error("the mapped generator is degenerate")]
    Degenerate,
}

/// R_p(s, t) before the reduction mod p: x1 ‖ … ‖ xn with n·l ≥ log2 p + 64.
pub fn pseudo_random(
    cipher: SymmetricCipher,
    s: &[u8],
    t: &[u8],
    modulus_bits: usize,
) -> Result<Zeroizing<Vec<u8>>, MappingError> {
    let k = cipher.key_len();
    if t.len() != k {
        return Err(MappingError::NonceLength);
    }
    // l = 128 for 3DES and AES-128, 256 for AES-192/256 (§4.4.3.3.2).
    let (c0, c1): (&[u8], &[u8]) = if k == 16 {
        (&C0_128, &C1_128)
    } else {
        (&C0_256, &C1_256)
    };
    let l_bits = c0.len() * 8;
    let n = (modulus_bits + 64).div_ceil(l_bits);
    let zero_iv = vec![0u8; cipher.block_len()];
    let mut key = Zeroizing::new(cipher.cbc_encrypt(t, &zero_iv, s)?);
    let mut out = Zeroizing::new(Vec::with_capacity(n * c1.len()));
    for _ in 0..n {
        if key.len() < k {
            return Err(MappingError::NonceLength);
        }
        key.truncate(k);
        out.extend_from_slice(&cipher.cbc_encrypt(&key, &zero_iv, c1)?);
        key = Zeroizing::new(cipher.cbc_encrypt(&key, &zero_iv, c0)?);
    }
    Ok(out)
}

/// ECDH: G~ = f_G(R_p(s, t) mod p), as a SEC1 uncompressed point checked on the curve.
pub fn map_ec(
    curve: &dyn EcGroup,
    cipher: SymmetricCipher,
    s: &[u8],
    t: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let p_bytes = curve.field_modulus();
    let field = ModPrime::new(&p_bytes).ok_or(MappingError::Degenerate)?;
    let p_bits = field.modulus().bit_width_vartime() as usize;
    let r = pseudo_random(cipher, s, t, p_bits)?;
    let x = field.element(&r).ok_or(MappingError::Degenerate)?;
    let point = encode_point(curve, &field, &x)?;
    curve.check_point(&point)?;
    Ok(point)
}

/// ICAO 9303 Part 11 Appendix B.2 (affine coordinates); needs p ≡ 3 (mod 4), true for every
/// standardized curve but secp224r1 (id 10), on which ECDH-IM is therefore refused. The curves have cofactor 1, so no multiplication follows.
fn encode_point(
    curve: &dyn EcGroup,
    field: &ModPrime,
    t: &BoxedMontyForm,
) -> Result<Vec<u8>, MappingError> {
    let p = field.modulus();
    let p_words = p.as_words();
    if p_words.first().map(|w| w & 3) != Some(3) {
        return Err(EcError::UnsupportedMapping.into());
    }
    let (a_bytes, b_bytes) = curve.coefficients();
    let a = field.element(&a_bytes).ok_or(MappingError::Degenerate)?;
    let b = field.element(&b_bytes).ok_or(MappingError::Degenerate)?;
    let one = BoxedMontyForm::one(t.params());

    // 1. α = -t² mod p
    let alpha = t.square().neg();
    // 2. X2 = -b·(1 + α + α²)·(a·(α + α²))⁻¹
    let alpha_sum = alpha.add(&alpha.square());
    let denominator = Option::<BoxedMontyForm>::from(a.mul(&alpha_sum).invert())
        .ok_or(MappingError::Degenerate)?;
    let x2 = b.neg().mul(&one.add(&alpha_sum)).mul(&denominator);
    // 3. X3 = α·X2
    let x3 = alpha.mul(&x2);
    // 4. h2 = X2³ + a·X2 + b
    let h2 = x2.square().mul(&x2).add(&a.mul(&x2)).add(&b);
    // 6. U = t³·h2
    let u = t.square().mul(t).mul(&h2);
    // 7. A = h2^(p - 1 - (p + 1)/4)
    let one_int = BoxedUint::one_with_precision(p.bits_precision());
    let quarter = p
        .wrapping_add(&one_int)
        .shr_vartime(2)
        .ok_or(MappingError::Degenerate)?;
    let exponent = p.wrapping_sub(&one_int).wrapping_sub(&quarter);
    let big_a = h2.pow(&exponent);
    // 8./9. A²·h2 = 1 ⇒ (X2, A·h2), else (X3, A·U)
    let (x, y) = if big_a.square().mul(&h2).retrieve() == one_int {
        (x2, big_a.mul(&h2))
    } else {
        (x3, big_a.mul(&u))
    };
    let mut out = vec![0x04];
    out.extend_from_slice(&field.to_bytes(&x));
    out.extend_from_slice(&field.to_bytes(&y));
    Ok(out)
}

/// DH: g~ = f_g(R_p(s, t) mod p) = x^((p-1)/q) mod p; must not be 1.
pub fn map_dh(
    group: &DhGroup,
    cipher: SymmetricCipher,
    s: &[u8],
    t: &[u8],
) -> Result<Vec<u8>, MappingError> {
    let p_bits = group.modulus_bits();
    let r = pseudo_random(cipher, s, t, p_bits)?;
    let x = group.reduce(&r).map_err(|_| MappingError::Degenerate)?;
    group
        .cofactor_power(&x)
        .map_err(|_| MappingError::Degenerate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::domain_params::NamedCurve;
    use crate::crypto::domain_params::ec::group;
    use crate::testing::hex as h;

    // ICAO 9303-11 Appendix H (PACE Integrated Mapping, ECDH, brainpoolP256r1, AES-128), values as
    // reproduced in the public nl.zienit icao_examples PACE_IMTest.testMapNonce.
    #[test]
    fn icao_appendix_h_pseudo_random_and_point_encoding() {
        let s = h("2923BE84 E16CD6AE 529049F1 F1BBE9EB");
        let t = h("5DD4CBFC 96F5453B 130D890A 1CDBAE32");
        let r = pseudo_random(SymmetricCipher::Aes128, &s, &t, 256).expect("R");
        assert_eq!(
            *r,
            h(
                "E4447E2D FB3586BA C05DDB00 156B57FB B2179A39 49294C97 25418980 0C517BAA 8DA0FF39 7ED8C445 D3E421E4 FEB57322"
            )
        );
        let g = map_ec(
            group(NamedCurve::BrainpoolP256r1),
            SymmetricCipher::Aes128,
            &s,
            &t,
        )
        .expect("map");
        assert_eq!(
            g,
            h(
                "04 8E82D315 59ED0FDE 92A4D049 8ADD3C23 BABA94FB 77691E31 E90AEA77 FB17D427 4C1AE14B D0C3DBAC 0C871B7F 36081693 64437CA3 0AC243A0 89D3F266 C1E60FAD"
            )
        );
    }

    #[test]
    fn wrong_nonce_length_is_an_error() {
        assert_eq!(
            pseudo_random(SymmetricCipher::Aes128, &[0; 16], &[0; 15], 256).err(),
            Some(MappingError::NonceLength)
        );
    }
}
