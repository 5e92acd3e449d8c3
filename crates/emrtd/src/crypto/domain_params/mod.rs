//! The groups key agreement runs in (PACE, Chip Authentication): ICAO 9303 Part 11 §9.5.1 standardized
//! domain parameters and explicit ones, behind one `Group` type so the protocols are written once.

pub mod brainpool;
pub mod dh;
pub mod ec;
pub mod weierstrass;

use std::fmt;

use crypto_bigint::{BoxedUint, NonZero};
use zeroize::Zeroizing;

use crate::crypto::random::{RandomError, RandomSource};
pub use dh::{DhError, DhGroup};
pub use ec::{EcError, EcGroup, NamedCurve};

/// Why a group could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// A standardized domain parameter id outside 0–2 and 8–18: reserved or undefined in ICAO 9303
    /// Part 11 §9.5.1.
    #[error("standardized domain parameter {0} is reserved or unknown")]
    UnknownParameterId(u32),
    /// The group or the input cannot be used here; the text says why (e.g. a DH group without its
    /// order q, or a key echoed by the other party).
    #[error("domain parameters not supported here: {0}")]
    NotSupported(&'static str),
    /// An elliptic-curve operation refused its input.
    #[error(transparent)]
    Ec(#[from] EcError),
    /// A Diffie-Hellman operation refused its input.
    #[error(transparent)]
    Dh(#[from] DhError),
    /// No randomness for a private key.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// A group with its (possibly mapped) generator.
#[derive(Clone)]
pub enum Group {
    /// An elliptic curve; `generator` is the SEC1 uncompressed generator in use.
    Ec {
        /// The curve's arithmetic.
        curve: &'static dyn EcGroup,
        /// The generator: the curve's standard one, or the one a PACE mapping produced.
        generator: Vec<u8>,
    },
    /// A prime-order subgroup of Z_p*; the generator is inside.
    Dh(DhGroup),
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Group::Ec { curve, .. } => write!(f, "Group::Ec({:?})", curve.curve()),
            Group::Dh(g) => write!(f, "Group::{g:?}"),
        }
    }
}

impl Group {
    /// ICAO 9303 Part 11 §9.5.1 standardized domain parameters by id.
    pub fn standardized(id: u32) -> Result<Self, GroupError> {
        let curve = match id {
            0..=2 => {
                let g = DhGroup::rfc5114(id as u8).ok_or(GroupError::UnknownParameterId(id))?;
                return Ok(Group::Dh(g));
            }
            8 => NamedCurve::NistP192,
            9 => NamedCurve::BrainpoolP192r1,
            10 => NamedCurve::NistP224,
            11 => NamedCurve::BrainpoolP224r1,
            12 => NamedCurve::NistP256,
            13 => NamedCurve::BrainpoolP256r1,
            14 => NamedCurve::BrainpoolP320r1,
            15 => NamedCurve::NistP384,
            16 => NamedCurve::BrainpoolP384r1,
            17 => NamedCurve::BrainpoolP512r1,
            18 => NamedCurve::NistP521,
            _ => return Err(GroupError::UnknownParameterId(id)),
        };
        Ok(Self::curve(curve))
    }

    /// A named curve with its standard generator.
    pub fn curve(curve: NamedCurve) -> Self {
        let c = ec::group(curve);
        Group::Ec {
            curve: c,
            generator: c.generator(),
        }
    }

    /// The tag of the public key inside a 7F49 public key data object (TR-03110 D.3): 0x86 for an
    /// EC point, 0x84 for a DH value.
    pub fn public_key_tag(&self) -> u8 {
        match self {
            Group::Ec { .. } => 0x86,
            Group::Dh(_) => 0x84,
        }
    }

    /// A private key uniform in [1, order-1].
    pub fn random_private(
        &self,
        rng: &mut dyn RandomSource,
    ) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let order = match self {
            Group::Ec { curve, .. } => curve.order(),
            Group::Dh(g) => g
                .order()
                .ok_or(GroupError::NotSupported("a DH group without its order q"))?,
        };
        // 64 extra bits make the bias of the reduction negligible (FIPS 186-5 A.2.1).
        let mut raw = Zeroizing::new(vec![0u8; order.len() + 8]);
        for _ in 0..16 {
            rng.fill(&mut raw)?;
            let k = reduce(&raw, &order);
            if k.iter().any(|&b| b != 0) {
                return Ok(k);
            }
        }
        Err(GroupError::NotSupported(
            "the random source returns only zeros",
        ))
    }

    /// `generator ^ private` (DH) or `private · generator` (EC).
    pub fn public_key(&self, private: &[u8]) -> Result<Vec<u8>, GroupError> {
        match self {
            Group::Ec { curve, generator } => Ok(curve.mul(generator, private)?),
            Group::Dh(g) => Ok(g.pow(&g.generator(), private)?.to_vec()),
        }
    }

    /// Checks a public key received from the other party.
    pub fn check_public(&self, public: &[u8]) -> Result<(), GroupError> {
        match self {
            Group::Ec { curve, .. } => Ok(curve.check_point(public)?),
            Group::Dh(g) => Ok(g.check_public(public)?),
        }
    }

    /// The shared element: the point `private · peer` (EC) or `peer ^ private` (DH).
    pub fn shared_element(
        &self,
        private: &[u8],
        peer: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        match self {
            Group::Ec { curve, .. } => Ok(Zeroizing::new(curve.mul(peer, private)?)),
            Group::Dh(g) => Ok(g.pow(peer, private)?),
        }
    }

    /// The shared secret K of a key agreement: the x-coordinate (EC) or the value (DH).
    pub fn shared_secret(
        &self,
        private: &[u8],
        peer: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let e = self.shared_element(private, peer)?;
        match self {
            Group::Ec { curve, .. } => {
                let len = curve.coordinate_len();
                Ok(Zeroizing::new(
                    e.get(1..1 + len).unwrap_or_default().to_vec(),
                ))
            }
            Group::Dh(_) => Ok(e),
        }
    }

    /// Generic Mapping (ICAO 9303 Part 11 §4.4.3.3.1): G~ = s·G + H, g~ = g^s · h.
    pub fn map_generic(&self, nonce: &[u8], shared: &[u8]) -> Result<Group, GroupError> {
        match self {
            Group::Ec { curve, generator } => {
                let sg = curve.mul(generator, nonce)?;
                Ok(Group::Ec {
                    curve: *curve,
                    generator: curve.add(&sg, shared)?,
                })
            }
            Group::Dh(g) => {
                let gs = g.pow(&g.generator(), nonce)?;
                let mapped = g.mul(&gs, shared)?;
                Ok(Group::Dh(g.with_generator(&mapped)?))
            }
        }
    }

    /// The same group with another generator (Integrated Mapping's encoded point).
    pub fn with_generator(&self, generator: Vec<u8>) -> Result<Group, GroupError> {
        match self {
            Group::Ec { curve, .. } => {
                curve.check_point(&generator)?;
                Ok(Group::Ec {
                    curve: *curve,
                    generator,
                })
            }
            Group::Dh(g) => Ok(Group::Dh(g.with_generator(&generator)?)),
        }
    }

    /// The generator in use (SEC1 point or p-length value).
    pub fn generator(&self) -> Vec<u8> {
        match self {
            Group::Ec { generator, .. } => generator.clone(),
            Group::Dh(g) => g.generator(),
        }
    }
}

/// `x mod m` for big-endian integers, m-length output.
pub(crate) fn reduce(x: &[u8], m: &[u8]) -> Zeroizing<Vec<u8>> {
    let bits = (x.len().max(m.len()) * 8) as u32;
    let xv = BoxedUint::from_be_slice(x, bits).ok();
    let mv = BoxedUint::from_be_slice(m, bits)
        .ok()
        .and_then(|v| Option::<NonZero<BoxedUint>>::from(NonZero::new(v)));
    match (xv, mv) {
        (Some(xv), Some(mv)) => Zeroizing::new(ec::left_pad(&xv.rem(&mv).to_be_bytes(), m.len())),
        _ => Zeroizing::new(vec![0; m.len()]),
    }
}
