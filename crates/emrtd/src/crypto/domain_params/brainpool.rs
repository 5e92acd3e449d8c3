//! The brainpool curves RustCrypto has no crate for: brainpoolP192r1, P224r1, P320r1 and P512r1
//! (RFC 5639 §3.2, §3.3, §3.5, §3.7; PACE standardized domain parameters 9, 11, 14 and 17), on
//! RustCrypto's `primefield` / `primeorder` (constant-time Montgomery field arithmetic, complete
//! point formulas), as the bp256/bp384 crates are. One macro keeps the four definitions identical
//! but for the constants, which are RFC 5639's p, A, B, x, y and q, and the smallest quadratic
//! non-residues mod p and q. P512r1's constants are also checked against the German CSCA
//! certificate's explicit parameters (tests/passive_auth.rs).
//!
//! API change (duplicates D19): `domain_params::brainpool_small::{p192r1, p224r1, p320r1}` and
//! `domain_params::brainpool_p512r1` are `domain_params::brainpool::{p192r1, p224r1, p320r1,
//! p512r1}`. The P512r1 arithmetic is the same code as before (its scalar reduction from field
//! bytes goes through the macro's padding step, which copies nothing extra at 64 bytes).

macro_rules! brainpool_curve {
    (
        $(#[$doc:meta])*
        curve: $curve:ident,
        bytes: $bytes:ident,
        uint: $uint:ident,
        p: $p:expr,
        q: $q:expr,
        a: $a:expr,
        b: $b:expr,
        x: $x:expr,
        y: $y:expr,
        field_non_residue: $fg:expr,
        scalar_non_residue: $sg:expr,
    ) => {
        use elliptic_curve::bigint::{$uint, Odd};
        use elliptic_curve::consts::$bytes;
        use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
        use primeorder::{PrimeCurveParams, mul_backend, point_arithmetic};

        // Hex as wide as the integer type (brainpoolP224r1's 28 bytes live in a U256, P320r1's 40
        // in a U384: crypto-bigint encodes only those widths to byte arrays).
        const MODULUS_HEX: &str = $p;
        const ORDER_HEX: &str = $q;
        const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex(ORDER_HEX);

        $(#[$doc])*
        #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
        pub struct $curve;

        impl elliptic_curve::Curve for $curve {
            type FieldBytesSize = $bytes;
            type Uint = $uint;
            const ORDER: Odd<$uint> = ORDER;
        }

        impl elliptic_curve::PrimeCurve for $curve {}

        impl elliptic_curve::point::PointCompression for $curve {
            const COMPRESS_POINTS: bool = false;
        }

        #[allow(deprecated)] // inside primefield's macros (crypto-bigint renamed `bits`)
        mod field {
            use super::{$uint, MODULUS_HEX};
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::ops::BatchInvert;
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, CtOption};

            primefield::monty_field_params! {
                name: FieldParams,
                modulus: MODULUS_HEX,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $fg,
                doc: "Montgomery parameters for the field modulus"
            }

            primefield::monty_field_element! {
                name: FieldElement,
                params: FieldParams,
                uint: $uint,
                doc: "Element of the base field"
            }

            primefield::monty_field_arithmetic! {
                name: FieldElement,
                params: FieldParams,
                uint: $uint
            }

            impl BatchInvert for FieldElement {}
        }

        #[allow(deprecated)] // inside primefield's macros (crypto-bigint renamed `bits`)
        mod scalar {
            use super::{$curve, $uint, ORDER, ORDER_HEX};
            use elliptic_curve::ff::PrimeField;
            use elliptic_curve::scalar::{FromUintUnchecked, IsHigh};
            use elliptic_curve::subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption};
            use primeorder::wnaf;

            primefield::monty_field_params! {
                name: ScalarParams,
                modulus: ORDER_HEX,
                uint: $uint,
                byte_order: primefield::ByteOrder::BigEndian,
                multiplicative_generator: $sg,
                doc: "Montgomery parameters for the group order"
            }

            primefield::monty_field_element! {
                name: Scalar,
                params: ScalarParams,
                uint: $uint,
                doc: "Element of the scalar field"
            }

            primefield::monty_field_arithmetic! {
                name: Scalar,
                params: ScalarParams,
                uint: $uint
            }

            // primefield's `monty_field_reduce!` assumes the field bytes are as wide as the integer.
            impl elliptic_curve::ops::Reduce<$uint> for Scalar {
                fn reduce(w: &$uint) -> Self {
                    Self(primefield::MontyFieldElement::<ScalarParams, { <ScalarParams>::LIMBS }>::reduce(w))
                }
            }

            impl elliptic_curve::ops::Reduce<elliptic_curve::FieldBytes<$curve>> for Scalar {
                fn reduce(bytes: &elliptic_curve::FieldBytes<$curve>) -> Self {
                    let mut wide = [0u8; <$uint>::BITS as usize / 8];
                    let offset = wide.len() - bytes.len();
                    wide[offset..].copy_from_slice(bytes);
                    <Self as elliptic_curve::ops::Reduce<$uint>>::reduce(&<$uint>::from_be_slice(&wide))
                }
            }

            elliptic_curve::scalar_impls!($curve, Scalar);
            wnaf::impl_wnaf_size_for_scalar!(Scalar);

            impl AsRef<Scalar> for Scalar {
                fn as_ref(&self) -> &Scalar {
                    self
                }
            }

            impl FromUintUnchecked for Scalar {
                type Uint = $uint;

                fn from_uint_unchecked(uint: Self::Uint) -> Self {
                    Self::from_uint_unchecked(uint)
                }
            }

            impl IsHigh for Scalar {
                fn is_high(&self) -> Choice {
                    const HALF: $uint = ORDER.as_ref().shr_vartime(1);
                    self.to_canonical().ct_gt(&HALF)
                }
            }
        }

        pub use field::FieldElement;
        pub use scalar::Scalar;

        /// Affine point.
        pub type AffinePoint = primeorder::AffinePoint<$curve>;
        /// Projective point.
        pub type ProjectivePoint = primeorder::ProjectivePoint<$curve>;

        impl CurveArithmetic for $curve {
            type AffinePoint = AffinePoint;
            type ProjectivePoint = ProjectivePoint;
            type Scalar = Scalar;
        }

        impl FieldArithmetic for $curve {
            type FieldElement = FieldElement;
        }

        impl PrimeCurveArithmetic for $curve {
            type CurveGroup = ProjectivePoint;
        }

        impl PrimeCurveParams for $curve {
            type PointArithmetic = point_arithmetic::EquationAIsGeneric;
            type Backend = mul_backend::VariableOnly;

            const EQUATION_A: FieldElement = FieldElement::from_hex_vartime($a);
            const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
            const GENERATOR: (FieldElement, FieldElement) = (
                FieldElement::from_hex_vartime($x),
                FieldElement::from_hex_vartime($y),
            );
        }

        impl ecdsa::EcdsaCurve for $curve {
            const NORMALIZE_S: bool = false;
        }
    };
}

/// brainpoolP192r1, RFC 5639 §3.2.
pub mod p192r1 {
    brainpool_curve! {
        /// The brainpoolP192r1 curve.
        curve: BrainpoolP192r1,
        bytes: U24,
        uint: U192,
        p: "c302f41d932a36cda7a3463093d18db78fce476de1a86297",
        q: "c302f41d932a36cda7a3462f9e9e916b5be8f1029ac4acc1",
        a: "6a91174076b1e0e19c39c031fe8685c1cae040e5c69a28ef",
        b: "469a28ef7c28cca3dc721d044f4496bcca7ef4146fbf25c9",
        x: "c0a0647eaab6a48753b033c56cb0f0900a2f5c4853375fd6",
        y: "14b690866abd5bb88b5f4828c1490002e6773fa2fa299b8f",
        field_non_residue: 3,
        scalar_non_residue: 7,
    }
}

/// brainpoolP224r1, RFC 5639 §3.3 (the BSI TR-03105 specimen's Chip Authentication key).
pub mod p224r1 {
    brainpool_curve! {
        /// The brainpoolP224r1 curve.
        curve: BrainpoolP224r1,
        bytes: U28,
        uint: U256,
        p: "00000000d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
        q: "00000000d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f",
        a: "68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
        b: "2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
        x: "0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
        y: "58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
        field_non_residue: 3,
        scalar_non_residue: 3,
    }
}

/// brainpoolP320r1, RFC 5639 §3.5.
pub mod p320r1 {
    brainpool_curve! {
        /// The brainpoolP320r1 curve.
        curve: BrainpoolP320r1,
        bytes: U40,
        uint: U384,
        p: "0000000000000000d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
        q: "0000000000000000d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311",
        a: "3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4",
        b: "520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6",
        x: "43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611",
        y: "14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1",
        field_non_residue: 5,
        scalar_non_residue: 3,
    }
}

/// brainpoolP512r1, RFC 5639 §3.7.
pub mod p512r1 {
    brainpool_curve! {
        /// The brainpoolP512r1 curve.
        curve: BrainpoolP512r1,
        bytes: U64,
        uint: U512,
        p: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
        q: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
        a: "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
        b: "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
        x: "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
        y: "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        field_non_residue: 3,
        // The smallest quadratic non-residue mod n (3 is a residue).
        scalar_non_residue: 7,
    }
}

#[cfg(test)]
mod tests {
    use crate::crypto::domain_params::{
        Group,
        ec::{NamedCurve, group},
    };

    /// BSI TR-03110-3 / ICAO 9303-11 §9.5.1: ids 8–18 are all standard curves, each with its RFC 5639 /
    /// SEC 2 generator on the curve and (n−1)·G = −G, i.e. G has the published order n.
    #[test]
    fn every_standardized_curve_has_a_generator_of_the_published_order() {
        for id in 8..=18u32 {
            let Ok(Group::Ec { curve, generator }) = Group::standardized(id) else {
                panic!("parameter id {id} is not an EC group");
            };
            let mut n_minus_1 = curve.order();
            if let Some(last) = n_minus_1.last_mut() {
                *last -= 1;
            }
            let minus_g = curve.mul(&generator, &n_minus_1).expect("(n-1)·G");
            let len = curve.coordinate_len();
            assert_eq!(
                minus_g[1..1 + len],
                generator[1..1 + len],
                "id {id}: x of -G"
            );
            assert_ne!(minus_g[1 + len..], generator[1 + len..], "id {id}: y of -G");
            assert_eq!(
                curve.add(&minus_g, &generator),
                Err(crate::crypto::domain_params::EcError::Identity)
            );
        }
        // RFC 5639 §3.3 brainpoolP224r1 p, quoted.
        assert_eq!(
            group(NamedCurve::BrainpoolP224r1).field_modulus(),
            crate::testing::hex("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF")
        );
    }
}
