//! The CPU-exhaustion guards of signature verification (issue 17, item 2): every explicit-curve
//! parameter (prime, coefficients, generator, order n, cofactor), r and s against n, and RSA moduli
//! (1024 to 4096 bits) — a Document Signer / CSCA certificate's key and DG15's Active
//! Authentication key alike — are refused before any arithmetic, as
//! `SignatureError::OutOfBounds` (an explicit ECDSA r or s beyond n: `Invalid`), and quickly.

use std::time::{Duration, Instant};

use der::Encode;
use der::asn1::{OctetString, UintRef};
use idgate_emrtd::emulator::AaPublicKey;
use idgate_emrtd::emulator::domain_params::weierstrass::CurveParams;
use idgate_emrtd::emulator::domain_params::{NamedCurve, ec};
use idgate_emrtd::emulator::signature::{
    self, CurveCoefficients, CurveRef, EcdsaSignature, ExplicitCurve, FieldId, SignatureError,
    curve_of, oids,
};
use idgate_emrtd::iso7816::tlv;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// What refusing may cost: the bounds are checked before any big-number arithmetic, so this is
/// generous for a loaded debug build (measured: well under a millisecond each).
const QUICK: Duration = Duration::from_millis(200);

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    assert!(took < QUICK, "took {took:?}");
    out
}

/// P-256's explicit parameters with some fields replaced.
struct Params {
    prime: Vec<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
    base: Vec<u8>,
    order: Vec<u8>,
    cofactor: Option<Vec<u8>>,
}

fn p256() -> Params {
    let g = ec::group(NamedCurve::NistP256);
    let (a, b) = g.coefficients();
    Params {
        prime: g.field_modulus(),
        a,
        b,
        base: g.generator(),
        order: g.order(),
        cofactor: Some(vec![1]),
    }
}

impl Params {
    fn der(&self) -> Vec<u8> {
        ExplicitCurve {
            version: 1,
            field_id: FieldId {
                field_type: oids::PRIME_FIELD,
                prime: UintRef::new(&self.prime).expect("p"),
            },
            curve: CurveCoefficients {
                a: OctetString::new(self.a.clone()).expect("a"),
                b: OctetString::new(self.b.clone()).expect("b"),
                seed: None,
            },
            base: OctetString::new(self.base.clone()).expect("G"),
            order: UintRef::new(&self.order).expect("n"),
            cofactor: self
                .cofactor
                .as_deref()
                .map(|h| UintRef::new(h).expect("h")),
        }
        .to_der()
        .expect("encode")
    }

    fn curve(&self) -> Result<CurveRef, SignatureError> {
        let der = self.der();
        let any = der::Decode::from_der(&der).expect("any");
        curve_of(Some(any))
    }
}

fn assert_out_of_bounds(r: Result<CurveRef, SignatureError>, what: &str) {
    assert!(
        matches!(r, Err(SignatureError::OutOfBounds(_))),
        "{what}: {r:?}"
    );
}

#[test]
fn the_genuine_explicit_p256_is_recognised_as_p256() {
    assert!(matches!(
        p256().curve(),
        Ok(CurveRef::Named(NamedCurve::NistP256))
    ));
}

#[test]
fn a_huge_or_tiny_prime_is_refused() {
    let huge = Params {
        prime: [vec![0xFF; 1023], vec![0xFD]].concat(),
        ..p256()
    };
    assert_out_of_bounds(timed(|| huge.curve()), "an 8192-bit prime");
    let over = Params {
        prime: [vec![0x01], vec![0xFF; 66]].concat(),
        ..p256()
    };
    assert_out_of_bounds(timed(|| over.curve()), "a 67-byte prime");
    let tiny = Params {
        prime: vec![0xFF; 19],
        a: vec![1],
        b: vec![1],
        base: vec![4, 1, 1],
        order: vec![0x7F; 19],
        cofactor: Some(vec![1]),
    };
    assert_out_of_bounds(timed(|| tiny.curve()), "a 152-bit prime");
}

#[test]
fn an_order_out_of_range_is_refused() {
    // Hasse: n ≤ p + 1 + 2√p, so n has at most one byte more than p.
    let long = Params {
        order: vec![0xFF; 34],
        ..p256()
    };
    assert_out_of_bounds(timed(|| long.curve()), "a 34-byte order on a 32-byte prime");
    let huge = Params {
        order: vec![0xFF; 2048],
        ..p256()
    };
    assert_out_of_bounds(timed(|| huge.curve()), "a 2048-byte order");
    let zero = Params {
        order: vec![0],
        ..p256()
    };
    assert_out_of_bounds(timed(|| zero.curve()), "order 0");
}

#[test]
fn a_cofactor_out_of_range_is_refused() {
    for h in [vec![0], vec![5], vec![0x01, 0x00], vec![0xFF; 40]] {
        let p = Params {
            cofactor: Some(h.clone()),
            ..p256()
        };
        assert_out_of_bounds(timed(|| p.curve()), &format!("cofactor {h:02X?}"));
    }
    // 1 to 4 are within bounds (not P-256 with 4, but not refused as out of bounds).
    for h in 1..=4u8 {
        let p = Params {
            cofactor: Some(vec![h]),
            ..p256()
        };
        assert!(
            !matches!(p.curve(), Err(SignatureError::OutOfBounds(_))),
            "{h}"
        );
    }
}

#[test]
fn coefficients_and_generator_longer_than_the_field_are_refused() {
    let long_a = Params {
        a: vec![0x11; 33],
        ..p256()
    };
    assert_out_of_bounds(timed(|| long_a.curve()), "a of 33 bytes");
    let long_b = Params {
        b: vec![0x11; 4000],
        ..p256()
    };
    assert_out_of_bounds(timed(|| long_b.curve()), "b of 4000 bytes");
    let long_g = Params {
        base: [vec![4], vec![0x22; 200]].concat(),
        ..p256()
    };
    assert_out_of_bounds(timed(|| long_g.curve()), "a 201-byte generator");
}

#[test]
fn an_explicit_curve_in_a_certificate_key_is_bounded_before_verification() {
    // The whole path a DS certificate's key takes (chain check, EF.SOD signature).
    let huge = Params {
        prime: [vec![0xFF; 1023], vec![0xFD]].concat(),
        order: [vec![0xFF; 1023], vec![0xF1]].concat(),
        ..p256()
    };
    let der = huge.der();
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(der::Decode::from_der(&der).expect("any")),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&[4; 65]).expect("bits"),
    };
    let alg = AlgorithmIdentifierOwned {
        oid: oids::ECDSA_SHA256,
        parameters: None,
    };
    let sig = tlv::encode(
        0x30,
        &[tlv::encode(0x02, &[1]), tlv::encode(0x02, &[1])].concat(),
    );
    let r = timed(|| signature::verify(&spki, &alg, None, b"tbs", &sig));
    assert!(matches!(r, Err(SignatureError::OutOfBounds(_))), "{r:?}");
}

/// A curve the crates do not implement as far as the parameters tell: P-256 with 2G as generator
/// (so verification takes the generic path), and 2G.
fn explicit_other() -> (CurveParams, Vec<u8>) {
    let g = ec::group(NamedCurve::NistP256);
    let two_g = g.mul(&g.generator(), &[2]).expect("2G");
    let r = Params {
        base: two_g.clone(),
        ..p256()
    }
    .curve();
    match r {
        Ok(CurveRef::Explicit(c)) => (c, two_g),
        other => panic!("expected an explicit curve, got {other:?}"),
    }
}

#[test]
fn r_or_s_not_below_n_is_invalid_before_any_point_arithmetic() {
    let (params, q) = explicit_other();
    let curve = CurveRef::Explicit(params);
    let n = p256().order;
    let digest = [0x5A; 32];
    let one = vec![1u8];
    let longer = [vec![1], vec![0; 32]].concat(); // 2^256 > n
    let huge = vec![0xFF; 4096];
    for (r, s, what) in [
        (&longer, &one, "r longer than n"),
        (&one, &longer, "s longer than n"),
        (&huge, &one, "a 4096-byte r"),
        (&n, &one, "r = n"),
        (&one, &n, "s = n"),
    ] {
        let plain = [r.clone(), s.clone()].concat();
        let der = tlv::encode(0x30, &[integer(r), integer(s)].concat());
        let d =
            timed(|| signature::verify_ecdsa_on(&curve, &q, &digest, EcdsaSignature::Der(&der)));
        assert_eq!(d, Err(SignatureError::Invalid), "{what} (DER)");
        if r.len() == s.len() {
            let p = timed(|| {
                signature::verify_ecdsa_on(&curve, &q, &digest, EcdsaSignature::Plain(&plain))
            });
            assert_eq!(p, Err(SignatureError::Invalid), "{what} (plain)");
        }
    }
}

/// A DER INTEGER of the unsigned big-endian `v` (minimal: a leading zero only before a high bit).
fn integer(v: &[u8]) -> Vec<u8> {
    let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    let content = match v.first() {
        None => vec![0],
        Some(b) if b & 0x80 != 0 => [vec![0], v].concat(),
        Some(_) => v,
    };
    tlv::encode(0x02, &content)
}

/// A PKCS#1 RSAPublicKey with a modulus of `bits` bits (odd, top bit set: not a real key, which
/// the bound does not need) and e = 65537.
fn rsa_public_key(bits: usize) -> Vec<u8> {
    let len = bits.div_ceil(8);
    let mut n = vec![0xC5u8; len];
    let top = bits - (len - 1) * 8; // bits used in the first byte
    n[0] = (0xFFu16 >> (8 - top)) as u8 | (1 << (top - 1));
    n[len - 1] |= 1;
    tlv::encode(0x30, &[integer(&n), integer(&[1, 0, 1])].concat())
}

fn rsa_spki(bits: usize) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oids::RSA_ENCRYPTION,
            parameters: Some(der::asn1::Any::null()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&rsa_public_key(bits)).expect("bits"),
    }
}

#[test]
fn rsa_moduli_outside_1024_to_4096_bits_are_refused() {
    for bits in [512, 1023, 4097, 6144, 8192, 16_384] {
        let r = timed(|| signature::rsa_key(&rsa_public_key(bits)));
        assert!(
            matches!(r, Err(SignatureError::OutOfBounds(_))),
            "{bits} bits: {:?}",
            r.err()
        );
        // Through a certificate's key: refused before the signature is looked at.
        let alg = AlgorithmIdentifierOwned {
            oid: oids::SHA256_WITH_RSA,
            parameters: None,
        };
        let sig = vec![0x42; bits / 8];
        let v = timed(|| signature::verify(&rsa_spki(bits), &alg, None, b"tbs", &sig));
        assert!(
            matches!(v, Err(SignatureError::OutOfBounds(_))),
            "{bits}: {v:?}"
        );
    }
    for bits in [1024, 2048, 3072, 4096] {
        assert!(signature::rsa_key(&rsa_public_key(bits)).is_ok(), "{bits}");
    }
}

fn dg15(bits: usize) -> Vec<u8> {
    tlv::encode(0x6F, &rsa_spki(bits).to_der().expect("spki"))
}

#[test]
fn dg15_rsa_keys_outside_1024_to_4096_bits_are_refused_quickly() {
    for bits in [512, 1016, 4104, 8192, 16_384] {
        let started = Instant::now();
        let key = AaPublicKey::from_dg15(&dg15(bits));
        // Even a key that slipped through must not make verification expensive.
        let verdict = key
            .as_ref()
            .map(|k| k.verify(&[0; 8], &vec![0x42; bits / 8], None));
        let took = started.elapsed();
        assert!(
            key.as_ref()
                .is_err_and(|e| e.to_string().contains("out of bounds")),
            "{bits} bits: {key:?} (verify: {verdict:?}, {took:?})"
        );
        assert!(took < QUICK, "{bits} bits took {took:?}");
    }
    for bits in [1024, 2048, 4096] {
        assert!(AaPublicKey::from_dg15(&dg15(bits)).is_ok(), "{bits}");
    }
}

#[test]
fn a_dg15_ec_key_with_out_of_bounds_parameters_is_refused() {
    let huge = Params {
        order: vec![0xFF; 2048],
        ..p256()
    };
    let der = huge.der();
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(der::Decode::from_der(&der).expect("any")),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&[4; 65]).expect("bits"),
    };
    let dg15 = tlv::encode(0x6F, &spki.to_der().expect("spki"));
    let r = timed(|| AaPublicKey::from_dg15(&dg15));
    assert!(
        r.as_ref()
            .is_err_and(|e| e.to_string().contains("out of bounds")),
        "{r:?}"
    );
}
