//! Elliptic-curve groups for PACE and Chip Authentication, on the RustCrypto curve crates.
//!
//! Points cross this module as SEC1 uncompressed octet strings (`04 ‖ x ‖ y`), scalars as big-endian
//! octet strings; every point from outside is checked to lie on the curve and not be the identity.

use std::fmt;
use std::marker::PhantomData;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use elliptic_curve::ff::PrimeField;
use elliptic_curve::group::Group as _;
use elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use elliptic_curve::{CurveArithmetic, FieldBytes};
use primeorder::PrimeCurveParams;
use zeroize::Zeroizing;

/// The curves with an arithmetic implementation here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedCurve {
    /// NIST P-192 (secp192r1); PACE standardized domain parameter 8. The `p192` crate.
    NistP192,
    /// NIST P-224 (secp224r1); parameter 10. The `p224` crate.
    NistP224,
    /// NIST P-256 (secp256r1); parameter 12. The `p256` crate.
    NistP256,
    /// NIST P-384 (secp384r1); parameter 15. The `p384` crate.
    NistP384,
    /// NIST P-521 (secp521r1); parameter 18. The `p521` crate.
    NistP521,
    /// brainpoolP192r1 (RFC 5639 §3.2); parameter 9. Defined in this crate (`brainpool`) on
    /// RustCrypto's primefield/primeorder, as are P224r1, P320r1.
    BrainpoolP192r1,
    /// brainpoolP224r1 (RFC 5639 §3.3); parameter 11. Defined in `brainpool`.
    BrainpoolP224r1,
    /// brainpoolP256r1 (RFC 5639 §3.4); parameter 13. The `bp256` crate.
    BrainpoolP256r1,
    /// brainpoolP320r1 (RFC 5639 §3.5); parameter 14. Defined in `brainpool`.
    BrainpoolP320r1,
    /// brainpoolP384r1 (RFC 5639 §3.6); parameter 16. The `bp384` crate.
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639 §3.7); parameter 17. Defined in this crate (`brainpool`)
    /// on RustCrypto's primefield/primeorder.
    BrainpoolP512r1,
}

impl NamedCurve {
    /// Every curve, in the order above.
    pub const ALL: [NamedCurve; 11] = [
        NamedCurve::NistP192,
        NamedCurve::NistP224,
        NamedCurve::NistP256,
        NamedCurve::NistP384,
        NamedCurve::NistP521,
        NamedCurve::BrainpoolP192r1,
        NamedCurve::BrainpoolP224r1,
        NamedCurve::BrainpoolP256r1,
        NamedCurve::BrainpoolP320r1,
        NamedCurve::BrainpoolP384r1,
        NamedCurve::BrainpoolP512r1,
    ];
}

/// Why an elliptic-curve operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EcError {
    /// The octet string is not an uncompressed SEC1 point (04 ‖ x ‖ y) on this curve.
    #[error("the point is not an uncompressed point on the curve")]
    InvalidPoint,
    /// The result is the point at infinity, which is never a valid key, generator or shared point.
    #[error("the result is the point at infinity")]
    Identity,
    /// A scalar that is zero, longer than the curve's coordinate, or not below the order n.
    #[error("the scalar is zero or not below the group order")]
    InvalidScalar,
    /// The curve's p is not 3 mod 4, which the Integrated Mapping's point encoding here needs.
    #[error("the curve's field modulus is not 3 mod 4, which the integrated mapping needs")]
    UnsupportedMapping,
}

/// The operations the protocols need from a prime-order curve.
pub trait EcGroup: Send + Sync {
    /// Which curve this is.
    fn curve(&self) -> NamedCurve;
    /// Length of one coordinate (and of a scalar) in bytes.
    fn coordinate_len(&self) -> usize;
    /// The field modulus p, big-endian.
    fn field_modulus(&self) -> Vec<u8>;
    /// The group order n, big-endian.
    fn order(&self) -> Vec<u8>;
    /// Coefficients a and b of y² = x³ + ax + b, big-endian, coordinate-length.
    fn coefficients(&self) -> (Vec<u8>, Vec<u8>);
    /// The standard generator G.
    fn generator(&self) -> Vec<u8>;
    /// Checks that `point` is an uncompressed, non-identity point on the curve.
    fn check_point(&self, point: &[u8]) -> Result<(), EcError>;
    /// `scalar · point`.
    fn mul(&self, point: &[u8], scalar: &[u8]) -> Result<Vec<u8>, EcError>;
    /// `a + b`.
    fn add(&self, a: &[u8], b: &[u8]) -> Result<Vec<u8>, EcError>;
    /// Whether `scalar` is in [1, n-1].
    fn check_scalar(&self, scalar: &[u8]) -> Result<(), EcError>;
    /// `a · b⁻¹ mod n` (the PACE-CAM chip authentication data).
    fn scalar_mul_inverse(&self, a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError>;
}

impl fmt::Debug for dyn EcGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.curve())
    }
}

/// Returns the implementation for a curve.
pub fn group(curve: NamedCurve) -> &'static dyn EcGroup {
    use super::brainpool::{p192r1, p224r1, p320r1, p512r1};
    match curve {
        NamedCurve::NistP192 => {
            &RustCryptoCurve::<p192::NistP192>(NamedCurve::NistP192, PhantomData)
        }
        NamedCurve::NistP224 => {
            &RustCryptoCurve::<p224::NistP224>(NamedCurve::NistP224, PhantomData)
        }
        NamedCurve::BrainpoolP192r1 => {
            &RustCryptoCurve::<p192r1::BrainpoolP192r1>(NamedCurve::BrainpoolP192r1, PhantomData)
        }
        NamedCurve::BrainpoolP224r1 => {
            &RustCryptoCurve::<p224r1::BrainpoolP224r1>(NamedCurve::BrainpoolP224r1, PhantomData)
        }
        NamedCurve::BrainpoolP320r1 => {
            &RustCryptoCurve::<p320r1::BrainpoolP320r1>(NamedCurve::BrainpoolP320r1, PhantomData)
        }
        NamedCurve::NistP256 => {
            &RustCryptoCurve::<p256::NistP256>(NamedCurve::NistP256, PhantomData)
        }
        NamedCurve::NistP384 => {
            &RustCryptoCurve::<p384::NistP384>(NamedCurve::NistP384, PhantomData)
        }
        NamedCurve::NistP521 => {
            &RustCryptoCurve::<p521::NistP521>(NamedCurve::NistP521, PhantomData)
        }
        NamedCurve::BrainpoolP256r1 => {
            &RustCryptoCurve::<bp256::BrainpoolP256r1>(NamedCurve::BrainpoolP256r1, PhantomData)
        }
        NamedCurve::BrainpoolP384r1 => {
            &RustCryptoCurve::<bp384::BrainpoolP384r1>(NamedCurve::BrainpoolP384r1, PhantomData)
        }
        NamedCurve::BrainpoolP512r1 => {
            &RustCryptoCurve::<p512r1::BrainpoolP512r1>(NamedCurve::BrainpoolP512r1, PhantomData)
        }
    }
}

struct RustCryptoCurve<C>(NamedCurve, PhantomData<C>);

type Affine<C> = <C as CurveArithmetic>::AffinePoint;
type Projective<C> = <C as CurveArithmetic>::ProjectivePoint;
type Scalar<C> = <C as CurveArithmetic>::Scalar;

impl<C: PrimeCurveParams> RustCryptoCurve<C>
where
    Affine<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    fn len(&self) -> usize {
        FieldBytes::<C>::default().len()
    }

    fn decode_point(&self, point: &[u8]) -> Result<Affine<C>, EcError> {
        // Only the uncompressed form is allowed by TR-03110 for public keys.
        if point.first() != Some(&0x04) || point.len() != 1 + 2 * self.len() {
            return Err(EcError::InvalidPoint);
        }
        Affine::<C>::from_sec1_bytes(point).map_err(|_| EcError::InvalidPoint)
    }

    fn encode(&self, p: Projective<C>) -> Result<Vec<u8>, EcError> {
        if bool::from(p.is_identity()) {
            return Err(EcError::Identity);
        }
        Ok(p.to_affine().to_sec1_point(false).as_bytes().to_vec())
    }

    fn decode_scalar(&self, bytes: &[u8]) -> Result<Scalar<C>, EcError> {
        // Leading zero bytes are allowed (TR-03110's examples carry one); the value must fit.
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let significant = bytes.get(start..).ok_or(EcError::InvalidScalar)?;
        let len = self.len();
        if significant.is_empty() || significant.len() > len {
            return Err(EcError::InvalidScalar);
        }
        let mut repr = FieldBytes::<C>::default();
        let offset = len - significant.len();
        repr.get_mut(offset..)
            .ok_or(EcError::InvalidScalar)?
            .copy_from_slice(significant);
        Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr)).ok_or(EcError::InvalidScalar)
    }
}

impl<C: PrimeCurveParams> EcGroup for RustCryptoCurve<C>
where
    Affine<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    fn curve(&self) -> NamedCurve {
        self.0
    }

    fn coordinate_len(&self) -> usize {
        self.len()
    }

    fn field_modulus(&self) -> Vec<u8> {
        hex_modulus(<C::FieldElement as PrimeField>::MODULUS, self.len())
    }

    fn order(&self) -> Vec<u8> {
        hex_modulus(<Scalar<C> as PrimeField>::MODULUS, self.len())
    }

    fn coefficients(&self) -> (Vec<u8>, Vec<u8>) {
        (
            C::EQUATION_A.to_repr().to_vec(),
            C::EQUATION_B.to_repr().to_vec(),
        )
    }

    fn generator(&self) -> Vec<u8> {
        Affine::<C>::from(Projective::<C>::generator())
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    }

    fn check_point(&self, point: &[u8]) -> Result<(), EcError> {
        self.decode_point(point).map(|_| ())
    }

    fn mul(&self, point: &[u8], scalar: &[u8]) -> Result<Vec<u8>, EcError> {
        let p = Projective::<C>::from(self.decode_point(point)?);
        let k = Zeroizing::new(self.decode_scalar(scalar)?);
        self.encode(p * *k)
    }

    fn add(&self, a: &[u8], b: &[u8]) -> Result<Vec<u8>, EcError> {
        let a = Projective::<C>::from(self.decode_point(a)?);
        let b = Projective::<C>::from(self.decode_point(b)?);
        self.encode(a + b)
    }

    fn check_scalar(&self, scalar: &[u8]) -> Result<(), EcError> {
        let k = self.decode_scalar(scalar)?;
        if bool::from(elliptic_curve::ff::Field::is_zero(&k)) {
            return Err(EcError::InvalidScalar);
        }
        Ok(())
    }

    fn scalar_mul_inverse(&self, a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError> {
        let a = self.decode_scalar(a)?;
        let b = self.decode_scalar(b)?;
        let inv = Option::<Scalar<C>>::from(elliptic_curve::ff::Field::invert(&b))
            .ok_or(EcError::InvalidScalar)?;
        let product: Scalar<C> = a * inv;
        Ok(Zeroizing::new(product.to_repr().to_vec()))
    }
}

/// `PrimeField::MODULUS` is a `0x`-prefixed hex string; this turns it into fixed-length bytes.
/// (P-224 and brainpoolP224r1 keep 28-byte moduli in 32-byte integers, hence the re-padding).
fn hex_modulus(hex_str: &str, len: usize) -> Vec<u8> {
    let digits = hex_str.trim_start_matches("0x").as_bytes();
    let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    let odd = digits.len() % 2;
    let mut bytes = Vec::with_capacity(digits.len() / 2 + 1);
    if odd == 1 {
        bytes.push(digits.first().map_or(0, |&c| nibble(c)));
    }
    for pair in digits.get(odd..).unwrap_or_default().chunks(2) {
        bytes.push(pair.iter().fold(0, |acc, &c| (acc << 4) | nibble(c)));
    }
    left_pad(&bytes, len)
}

/// Left-pads (or left-trims leading zeros of) `bytes` to exactly `len` bytes.
pub(crate) fn left_pad(bytes: &[u8], len: usize) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let sig = bytes.get(start..).unwrap_or_default();
    let mut out = vec![0u8; len.saturating_sub(sig.len())];
    out.extend_from_slice(sig);
    out
}

/// Field arithmetic modulo p for the PACE integrated mapping's point encoding: the curve crates keep
/// their field elements behind `hazmat`, and a generic constant-time Montgomery form serves every curve.
pub(crate) struct ModPrime {
    params: BoxedMontyParams,
    bits: u32,
}

impl ModPrime {
    pub(crate) fn new(modulus: &[u8]) -> Option<Self> {
        let bits = (modulus.len() * 8) as u32;
        let m = BoxedUint::from_be_slice(modulus, bits).ok()?;
        let odd = Option::<Odd<BoxedUint>>::from(Odd::new(m))?;
        Some(Self {
            params: BoxedMontyParams::new_vartime(odd),
            bits,
        })
    }

    /// `be mod p` as a field element (any input length).
    pub(crate) fn element(&self, be: &[u8]) -> Option<BoxedMontyForm> {
        let len = self.bits as usize / 8;
        let modulus = left_pad(&self.params.modulus().as_ref().to_be_bytes(), len);
        let reduced = super::reduce(be, &modulus);
        let v = BoxedUint::from_be_slice(&reduced, self.bits).ok()?;
        Some(BoxedMontyForm::new(v, &self.params))
    }

    pub(crate) fn modulus(&self) -> BoxedUint {
        self.params.modulus().as_ref().clone()
    }

    pub(crate) fn to_bytes(&self, e: &BoxedMontyForm) -> Vec<u8> {
        left_pad(&e.retrieve().to_be_bytes(), self.bits as usize / 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hex as h;

    #[test]
    fn generator_times_one_is_generator_on_every_curve() {
        for c in NamedCurve::ALL {
            let g = group(c);
            let g0 = g.generator();
            assert_eq!(g0.len(), 1 + 2 * g.coordinate_len());
            assert_eq!(g.mul(&g0, &[1]).expect("mul"), g0);
            let two = g.add(&g0, &g0).expect("add");
            assert_eq!(g.mul(&g0, &[2]).expect("mul"), two);
            assert_eq!(g.order().len(), g.coordinate_len());
        }
    }

    #[test]
    fn brainpool_p256_constants_come_from_the_crate() {
        let g = group(NamedCurve::BrainpoolP256r1);
        assert_eq!(
            g.field_modulus(),
            h("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377")
        );
    }

    #[test]
    fn hostile_points_are_rejected() {
        let g = group(NamedCurve::NistP256);
        let mut g0 = g.generator();
        assert_eq!(g.check_point(&g0), Ok(()));
        // Compressed, truncated, identity and off-curve encodings.
        assert_eq!(g.check_point(&g0[..33]), Err(EcError::InvalidPoint));
        assert_eq!(g.check_point(&[0]), Err(EcError::InvalidPoint));
        assert_eq!(g.check_point(&[]), Err(EcError::InvalidPoint));
        if let Some(last) = g0.last_mut() {
            *last ^= 1;
        }
        assert_eq!(g.check_point(&g0), Err(EcError::InvalidPoint));
        // Scalars: zero, too long, not below n.
        assert_eq!(g.check_scalar(&[0; 32]), Err(EcError::InvalidScalar));
        assert_eq!(g.check_scalar(&[1; 33]), Err(EcError::InvalidScalar));
        assert_eq!(g.check_scalar(&[0xFF; 32]), Err(EcError::InvalidScalar));
    }
}
