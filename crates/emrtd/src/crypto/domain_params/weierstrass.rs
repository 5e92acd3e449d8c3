//! ECDSA verification on any prime-field short-Weierstrass curve given by explicit parameters (p, a, b,
//! G, n), on `crypto-bigint`: for certificates on curves without an implementation here (P-224,
//! brainpoolP224r1/P320r1, …), where the parameters come only from the certificate. Public data
//! only, hence variable-time affine arithmetic — never used with secret scalars.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, NonZero, Odd};

use super::ec::left_pad;

/// Explicit curve parameters, big-endian.
#[derive(Debug, Clone)]
pub struct CurveParams {
    /// The field prime p.
    pub p: Vec<u8>,
    /// Coefficient a of y² = x³ + ax + b (mod p).
    pub a: Vec<u8>,
    /// Coefficient b.
    pub b: Vec<u8>,
    /// SEC1 uncompressed generator.
    pub g: Vec<u8>,
    /// The order n of the generator.
    pub n: Vec<u8>,
}

/// Why verification could not run or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeierstrassError {
    /// The parameters are unusable: p even or not 20 to 80 bytes long, a or b longer than p, or
    /// n zero or even.
    #[error("the curve parameters are malformed")]
    BadParams,
    /// The generator or the public key is not an uncompressed point on the curve.
    #[error("the point is not an uncompressed point on the curve")]
    BadPoint,
    /// The signature does not verify (r or s outside [1, n−1] included).
    #[error("the signature does not verify")]
    Invalid,
}

type Point = Option<(BoxedMontyForm, BoxedMontyForm)>;

struct Curve {
    params: BoxedMontyParams,
    len: usize,
    a: BoxedMontyForm,
    b: BoxedMontyForm,
}

fn uint(bytes: &[u8], bits: u32) -> Option<BoxedUint> {
    BoxedUint::from_be_slice(&left_pad(bytes, (bits / 8) as usize), bits).ok()
}

impl Curve {
    fn new(p: &[u8], a: &[u8], b: &[u8]) -> Result<Self, WeierstrassError> {
        let p = left_pad(p, 0);
        let len = p.len();
        if !(20..=80).contains(&len) {
            return Err(WeierstrassError::BadParams);
        }
        let bits = (len * 8) as u32;
        let pu = uint(&p, bits).ok_or(WeierstrassError::BadParams)?;
        let odd =
            Option::<Odd<BoxedUint>>::from(Odd::new(pu)).ok_or(WeierstrassError::BadParams)?;
        let params = BoxedMontyParams::new_vartime(odd);
        let el = |v: &[u8]| -> Result<BoxedMontyForm, WeierstrassError> {
            if left_pad(v, 0).len() > len {
                return Err(WeierstrassError::BadParams);
            }
            Ok(BoxedMontyForm::new(
                uint(v, bits).ok_or(WeierstrassError::BadParams)?,
                &params,
            ))
        };
        let (a, b) = (el(a)?, el(b)?);
        Ok(Self { params, len, a, b })
    }

    fn element(&self, v: &[u8]) -> Option<BoxedMontyForm> {
        let bits = (self.len * 8) as u32;
        let x = uint(v, bits)?;
        // Coordinates must be reduced: x < p.
        if x.cmp_vartime(self.params.modulus().as_ref()).is_ge() {
            return None;
        }
        Some(BoxedMontyForm::new(x, &self.params))
    }

    fn decode(&self, sec1: &[u8]) -> Result<(BoxedMontyForm, BoxedMontyForm), WeierstrassError> {
        if sec1.len() != 1 + 2 * self.len || sec1.first() != Some(&0x04) {
            return Err(WeierstrassError::BadPoint);
        }
        let x = self
            .element(&sec1[1..1 + self.len])
            .ok_or(WeierstrassError::BadPoint)?;
        let y = self
            .element(&sec1[1 + self.len..])
            .ok_or(WeierstrassError::BadPoint)?;
        let lhs = y.square();
        let rhs = x.square().mul(&x).add(&self.a.mul(&x)).add(&self.b);
        if lhs.retrieve() != rhs.retrieve() {
            return Err(WeierstrassError::BadPoint);
        }
        Ok((x, y))
    }

    fn add(&self, p: &Point, q: &Point) -> Point {
        let (Some((x1, y1)), Some((x2, y2))) = (p, q) else {
            return p.clone().or_else(|| q.clone());
        };
        let lambda = if x1.retrieve() == x2.retrieve() {
            if y1.retrieve() != y2.retrieve() || y1.is_zero().into() {
                return None;
            }
            // Doubling: λ = (3x² + a) / 2y
            let num = x1.square().add(&x1.square()).add(&x1.square()).add(&self.a);
            let den = Option::<BoxedMontyForm>::from(y1.add(y1).invert())?;
            num.mul(&den)
        } else {
            let den = Option::<BoxedMontyForm>::from(x2.sub(x1).invert())?;
            y2.sub(y1).mul(&den)
        };
        let x3 = lambda.square().sub(x1).sub(x2);
        let y3 = lambda.mul(&x1.sub(&x3)).sub(y1);
        Some((x3, y3))
    }

    fn mul(&self, p: &Point, k: &BoxedUint) -> Point {
        let mut acc: Point = None;
        for i in (0..k.bits_precision()).rev() {
            acc = self.add(&acc, &acc);
            if bool::from(k.bit(i)) {
                acc = self.add(&acc, p);
            }
        }
        acc
    }
}

/// Checks that `point` is an uncompressed point on the curve.
pub fn check_point(curve: &CurveParams, point: &[u8]) -> Result<(), WeierstrassError> {
    Curve::new(&curve.p, &curve.a, &curve.b)?
        .decode(point)
        .map(|_| ())
}

/// ECDSA verification (SEC 1 §4.1.4) of (r, s) over `digest` with public key `q`.
pub fn ecdsa_verify(
    curve: &CurveParams,
    q: &[u8],
    digest: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<(), WeierstrassError> {
    let c = Curve::new(&curve.p, &curve.a, &curve.b)?;
    let g = c.decode(&curve.g)?;
    let q = c.decode(q)?;
    let n_bytes = left_pad(&curve.n, 0);
    let n_len = n_bytes
        .len()
        .max(left_pad(r, 0).len())
        .max(left_pad(s, 0).len())
        .max(digest.len());
    let bits = (n_len * 8) as u32;
    let n = uint(&n_bytes, bits).ok_or(WeierstrassError::BadParams)?;
    let n_odd =
        Option::<Odd<BoxedUint>>::from(Odd::new(n.clone())).ok_or(WeierstrassError::BadParams)?;
    let n_nz = Option::<NonZero<BoxedUint>>::from(NonZero::new(n.clone()))
        .ok_or(WeierstrassError::BadParams)?;
    let r = uint(r, bits).ok_or(WeierstrassError::Invalid)?;
    let s = uint(s, bits).ok_or(WeierstrassError::Invalid)?;
    let zero = BoxedUint::zero_with_precision(bits);
    for v in [&r, &s] {
        if v.cmp_vartime(&zero).is_eq() || v.cmp_vartime(&n).is_ge() {
            return Err(WeierstrassError::Invalid);
        }
    }
    // e = the leftmost bit_length(n) bits of the digest.
    let n_bits = n.bit_width_vartime();
    let mut e = uint(digest, bits).ok_or(WeierstrassError::Invalid)?;
    let digest_bits = (digest.len() * 8) as u32;
    if digest_bits > n_bits {
        e = e
            .shr_vartime(digest_bits - n_bits)
            .ok_or(WeierstrassError::Invalid)?;
    }
    let e = e.rem(&n_nz);
    let scalars = BoxedMontyParams::new_vartime(n_odd);
    let w = Option::<BoxedMontyForm>::from(BoxedMontyForm::new(s, &scalars).invert())
        .ok_or(WeierstrassError::Invalid)?;
    let u1 = BoxedMontyForm::new(e, &scalars).mul(&w).retrieve();
    let u2 = BoxedMontyForm::new(r.clone(), &scalars).mul(&w).retrieve();
    let x = c.add(&c.mul(&Some(g), &u1), &c.mul(&Some(q), &u2));
    let Some((x, _)) = x else {
        return Err(WeierstrassError::Invalid);
    };
    let v = super::reduce(&x.retrieve().to_be_bytes(), &n_bytes);
    let r_bytes = left_pad(&r.to_be_bytes(), n_bytes.len());
    if *v == r_bytes {
        Ok(())
    } else {
        Err(WeierstrassError::Invalid)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::crypto::domain_params::ec::{NamedCurve, group};
    use ecdsa::signature::hazmat::PrehashSigner;

    fn params(c: NamedCurve) -> CurveParams {
        let g = group(c);
        let (a, b) = g.coefficients();
        CurveParams {
            p: g.field_modulus(),
            a,
            b,
            g: g.generator(),
            n: g.order(),
        }
    }

    #[test]
    fn agrees_with_the_p256_crate() {
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let q = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let digest = [0x42u8; 32];
        let sig: p256::ecdsa::Signature = sk.sign_prehash(&digest).unwrap();
        let (r, s) = sig.split_bytes();
        let curve = params(NamedCurve::NistP256);
        assert_eq!(ecdsa_verify(&curve, &q, &digest, &r, &s), Ok(()));
        let mut bad = digest;
        bad[0] ^= 1;
        assert_eq!(
            ecdsa_verify(&curve, &q, &bad, &r, &s),
            Err(WeierstrassError::Invalid)
        );
        let mut q_bad = q.clone();
        q_bad[40] ^= 1;
        assert_eq!(
            ecdsa_verify(&curve, &q_bad, &digest, &r, &s),
            Err(WeierstrassError::BadPoint)
        );
        assert_eq!(
            ecdsa_verify(&curve, &q, &digest, &[0], &s),
            Err(WeierstrassError::Invalid)
        );
    }
}
