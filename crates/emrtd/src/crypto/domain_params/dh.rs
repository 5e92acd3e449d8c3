//! Finite-field Diffie-Hellman groups (RFC 5114 §2.1–2.3 = PACE standardized domain parameters 0–2,
//! or explicit p, g, q from DG14), on `crypto-bigint`'s constant-time Montgomery arithmetic.

use std::fmt;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, NonZero, Odd};
use zeroize::Zeroizing;

use super::ec::left_pad;

/// Why a Diffie-Hellman operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DhError {
    /// A value (a public key, generator or result) longer than p, outside 1 < y < p−1, or, when
    /// q is known, outside the subgroup of order q.
    #[error("the public value is not in the prime-order subgroup")]
    InvalidPublicValue,
    /// An exponent that is zero or longer than p.
    #[error("the exponent is zero or too long")]
    InvalidExponent,
    /// The parameters cannot form a group here (p even, or not 64 to 1024 bytes long), or the
    /// operation needs the order q the group lacks.
    #[error("the group parameters are malformed")]
    InvalidGroup,
}

/// A prime-order subgroup of Z_p* with generator g of order q.
#[derive(Clone)]
pub struct DhGroup {
    params: BoxedMontyParams,
    g: BoxedUint,
    q: Option<BoxedUint>,
    len: usize,
}

impl fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DhGroup({} bits)", self.len * 8)
    }
}

// RFC 5114 §2.1: 1024-bit MODP group with 160-bit prime order subgroup (PACE parameter id 0).
const RFC5114_1024_160: [&str; 3] = [
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
];
// RFC 5114 §2.2: 2048-bit MODP group with 224-bit prime order subgroup (parameter id 1).
const RFC5114_2048_224: [&str; 3] = [
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
];
// RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup (parameter id 2).
const RFC5114_2048_256: [&str; 3] = [
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
];

fn unhex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

impl DhGroup {
    /// The RFC 5114 group of PACE standardized domain parameter `id` (0, 1 or 2).
    pub fn rfc5114(id: u8) -> Option<Self> {
        let [p, g, q] = match id {
            0 => RFC5114_1024_160,
            1 => RFC5114_2048_224,
            2 => RFC5114_2048_256,
            _ => return None,
        };
        Self::new(&unhex(p), &unhex(g), Some(&unhex(q))).ok()
    }

    /// A group from explicit parameters (DG14's DHParameter / DomainParameters).
    pub fn new(p: &[u8], g: &[u8], q: Option<&[u8]>) -> Result<Self, DhError> {
        let p = strip(p);
        let len = p.len();
        if !(64..=1024).contains(&len) {
            return Err(DhError::InvalidGroup);
        }
        let bits = (len * 8) as u32;
        let pu = BoxedUint::from_be_slice(p, bits).map_err(|_| DhError::InvalidGroup)?;
        let odd = Option::<Odd<BoxedUint>>::from(Odd::new(pu)).ok_or(DhError::InvalidGroup)?;
        let params = BoxedMontyParams::new_vartime(odd);
        let g =
            BoxedUint::from_be_slice(&left_pad(g, len), bits).map_err(|_| DhError::InvalidGroup)?;
        let q = match q {
            Some(q) => Some(
                BoxedUint::from_be_slice(&left_pad(q, len), bits)
                    .map_err(|_| DhError::InvalidGroup)?,
            ),
            None => None,
        };
        let group = Self { params, g, q, len };
        group.check_element(&group.g)?;
        Ok(group)
    }

    /// Length of p (and of every public value and shared secret) in bytes.
    pub fn byte_len(&self) -> usize {
        self.len
    }

    /// p, big-endian.
    pub fn modulus(&self) -> Vec<u8> {
        left_pad(&self.params.modulus().as_ref().to_be_bytes(), self.len)
    }

    /// The generator g, big-endian, p-length.
    pub fn generator(&self) -> Vec<u8> {
        left_pad(&self.g.to_be_bytes(), self.len)
    }

    /// The subgroup order q, when known.
    pub fn order(&self) -> Option<Vec<u8>> {
        self.q
            .as_ref()
            .map(|q| left_pad(&q.to_be_bytes_trimmed_vartime(), 0))
    }

    fn element(&self, be: &[u8]) -> Result<BoxedUint, DhError> {
        if be.len() > self.len && strip(be).len() > self.len {
            return Err(DhError::InvalidPublicValue);
        }
        BoxedUint::from_be_slice(&left_pad(be, self.len), (self.len * 8) as u32)
            .map_err(|_| DhError::InvalidPublicValue)
    }

    /// 1 < y < p-1 and, when q is known, y^q = 1 (TR-03110 public key validation).
    fn check_element(&self, y: &BoxedUint) -> Result<(), DhError> {
        let p = self.params.modulus().as_ref();
        let one = BoxedUint::one_with_precision(p.bits_precision());
        let p_minus_1 = p.wrapping_sub(&one);
        if y.cmp_vartime(&one).is_le() || y.cmp_vartime(&p_minus_1).is_ge() {
            return Err(DhError::InvalidPublicValue);
        }
        if let Some(q) = &self.q {
            let m = BoxedMontyForm::new(y.clone(), &self.params);
            if m.pow(q).retrieve() != one {
                return Err(DhError::InvalidPublicValue);
            }
        }
        Ok(())
    }

    /// Checks a public value from the other party.
    pub fn check_public(&self, y: &[u8]) -> Result<(), DhError> {
        self.check_element(&self.element(y)?)
    }

    /// `base ^ exponent mod p`, with `base` checked as a public value.
    pub fn pow(&self, base: &[u8], exponent: &[u8]) -> Result<Zeroizing<Vec<u8>>, DhError> {
        let b = self.element(base)?;
        self.check_element(&b)?;
        let e = strip(exponent);
        if e.is_empty() || e.len() > self.len {
            return Err(DhError::InvalidExponent);
        }
        let e = Zeroizing::new(
            BoxedUint::from_be_slice(&left_pad(e, self.len), (self.len * 8) as u32)
                .map_err(|_| DhError::InvalidExponent)?,
        );
        let r = BoxedMontyForm::new(b, &self.params).pow(&e).retrieve();
        Ok(Zeroizing::new(left_pad(&r.to_be_bytes(), self.len)))
    }

    /// `a · b mod p` (Generic Mapping: g~ = g^s · h).
    pub fn mul(&self, a: &[u8], b: &[u8]) -> Result<Vec<u8>, DhError> {
        let a = BoxedMontyForm::new(self.element(a)?, &self.params);
        let b = BoxedMontyForm::new(self.element(b)?, &self.params);
        let r = a.mul(&b).retrieve();
        let out = left_pad(&r.to_be_bytes(), self.len);
        self.check_public(&out)?;
        Ok(out)
    }

    /// The same group with another generator (after a mapping); checked to lie in the subgroup.
    pub fn with_generator(&self, generator: &[u8]) -> Result<Self, DhError> {
        let g = self.element(generator)?;
        self.check_element(&g)?;
        Ok(Self { g, ..self.clone() })
    }

    /// Bit length of p.
    pub fn modulus_bits(&self) -> usize {
        self.params.modulus().as_ref().bit_width_vartime() as usize
    }

    /// `x^((p-1)/q) mod p` (the DH integrated mapping's f_g); the result must not be 1.
    pub fn cofactor_power(&self, x: &[u8]) -> Result<Vec<u8>, DhError> {
        let q = self.q.as_ref().ok_or(DhError::InvalidGroup)?;
        let p = self.params.modulus().as_ref();
        let one = BoxedUint::one_with_precision(p.bits_precision());
        let q_nz = Option::<NonZero<BoxedUint>>::from(NonZero::new(q.clone()))
            .ok_or(DhError::InvalidGroup)?;
        let (cofactor, _) = p.wrapping_sub(&one).div_rem(&q_nz);
        let xv = self.element(x)?;
        let r = BoxedMontyForm::new(xv, &self.params)
            .pow(&cofactor)
            .retrieve();
        let out = left_pad(&r.to_be_bytes(), self.len);
        self.check_public(&out)?;
        Ok(out)
    }

    /// `x mod p` for an arbitrary-length big-endian integer (the integrated mapping's R_p output).
    pub fn reduce(&self, x: &[u8]) -> Result<Vec<u8>, DhError> {
        let bits = ((x.len().max(self.len)) * 8) as u32;
        let xv = BoxedUint::from_be_slice(x, bits).map_err(|_| DhError::InvalidGroup)?;
        let p =
            BoxedUint::from_be_slice(&self.modulus(), bits).map_err(|_| DhError::InvalidGroup)?;
        let nz =
            Option::<NonZero<BoxedUint>>::from(NonZero::new(p)).ok_or(DhError::InvalidGroup)?;
        Ok(left_pad(&xv.rem(&nz).to_be_bytes(), self.len))
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5114_generators_have_the_stated_order() {
        // A mistyped constant would almost surely break g^q = 1 (checked in `new`).
        for id in 0..3 {
            let g = DhGroup::rfc5114(id).expect("group");
            assert_eq!(g.check_public(&g.generator()), Ok(()));
        }
        assert!(DhGroup::rfc5114(3).is_none());
    }

    #[test]
    fn hostile_public_values_are_rejected() {
        let g = DhGroup::rfc5114(0).expect("group");
        let p = g.modulus();
        assert_eq!(g.check_public(&[1]), Err(DhError::InvalidPublicValue));
        assert_eq!(g.check_public(&[0]), Err(DhError::InvalidPublicValue));
        assert_eq!(g.check_public(&p), Err(DhError::InvalidPublicValue));
        // 2 generates more than the order-q subgroup.
        assert_eq!(g.check_public(&[2]), Err(DhError::InvalidPublicValue));
        assert_eq!(
            g.check_public(&[0xFF; 129]),
            Err(DhError::InvalidPublicValue)
        );
    }
}
