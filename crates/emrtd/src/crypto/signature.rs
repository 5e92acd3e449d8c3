//! Signature verification for Passive Authentication: RSA PKCS#1 v1.5, RSA-PSS and ECDSA (NIST and
//! brainpool curves, named or with explicit parameters as many Document Signer certificates carry).

use const_oid::ObjectIdentifier;
use der::Decode;
use der::asn1::{AnyRef, ObjectIdentifier as Oid, OctetString, UintRef};
use rsa::{Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::crypto::domain_params::ec::{self, NamedCurve};
use crate::crypto::domain_params::weierstrass::{self, CurveParams};

/// Why a signature did not verify (or could not be checked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not verify with the key.
    #[error("the signature does not verify")]
    Invalid,
    /// An algorithm, curve or parameter this implementation does not verify; the text names it.
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    /// The key, the signature or the algorithm parameters cannot be decoded.
    #[error("malformed key or signature: {0}")]
    Malformed(String),
    /// A key or domain parameter beyond what this station works on (CPU exhaustion guard).
    #[error("key or parameter out of bounds: {0}")]
    OutOfBounds(String),
}

/// Hash functions LDS security objects and signatures use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-1 (FIPS 180-4), 20 bytes.
    Sha1,
    /// SHA-224 (FIPS 180-4), 28 bytes.
    Sha224,
    /// SHA-256 (FIPS 180-4), 32 bytes.
    Sha256,
    /// SHA-384 (FIPS 180-4), 48 bytes.
    Sha384,
    /// SHA-512 (FIPS 180-4), 64 bytes.
    Sha512,
}

/// The object identifiers of the hashes, signature algorithms, key types and curves recognised here.
pub mod oids {
    use const_oid::ObjectIdentifier as O;
    /// id-sha1: SHA-1 (RFC 3279).
    pub const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    /// id-sha224: SHA-224 (RFC 4055).
    pub const SHA224: O = O::new_unwrap("2.16.840.1.101.3.4.2.4");
    /// id-sha256: SHA-256 (RFC 4055).
    pub const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-sha384: SHA-384 (RFC 4055).
    pub const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// id-sha512: SHA-512 (RFC 4055).
    pub const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// rsaEncryption: an RSA public key (RFC 3279), or in CMS a PKCS #1 v1.5 signature whose
    /// hash the SignerInfo's digest algorithm names (RFC 3370).
    pub const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
    /// sha1WithRSAEncryption: PKCS #1 v1.5 with SHA-1 (RFC 3279).
    pub const SHA1_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.5");
    /// sha256WithRSAEncryption: PKCS #1 v1.5 with SHA-256 (RFC 4055).
    pub const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption: PKCS #1 v1.5 with SHA-384 (RFC 4055).
    pub const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption: PKCS #1 v1.5 with SHA-512 (RFC 4055).
    pub const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    /// sha224WithRSAEncryption: PKCS #1 v1.5 with SHA-224 (RFC 4055).
    pub const SHA224_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.14");
    /// id-RSASSA-PSS: RSA-PSS, its hash, mask generation and salt length in the parameters
    /// (RFC 4055).
    pub const RSASSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
    /// id-mgf1: the mask generation function of RSA-PSS (RFC 4055).
    pub const MGF1: O = O::new_unwrap("1.2.840.113549.1.1.8");
    /// id-ecPublicKey: an elliptic-curve public key, the curve in the parameters (RFC 5480).
    pub const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    /// ecdsa-with-SHA1 (RFC 3279).
    pub const ECDSA_SHA1: O = O::new_unwrap("1.2.840.10045.4.1");
    /// ecdsa-with-SHA224 (RFC 5758).
    pub const ECDSA_SHA224: O = O::new_unwrap("1.2.840.10045.4.3.1");
    /// ecdsa-with-SHA256 (RFC 5758).
    pub const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384 (RFC 5758).
    pub const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512 (RFC 5758).
    pub const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    /// secp192r1 (X9.62 prime192v1): NIST P-192 (RFC 5480).
    pub const SECP192R1: O = O::new_unwrap("1.2.840.10045.3.1.1");
    /// secp224r1: NIST P-224 (RFC 5480).
    pub const SECP224R1: O = O::new_unwrap("1.3.132.0.33");
    /// secp256r1 (X9.62 prime256v1): NIST P-256 (RFC 5480).
    pub const SECP256R1: O = O::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1: NIST P-384 (RFC 5480).
    pub const SECP384R1: O = O::new_unwrap("1.3.132.0.34");
    /// secp521r1: NIST P-521 (RFC 5480).
    pub const SECP521R1: O = O::new_unwrap("1.3.132.0.35");
    /// brainpoolP192r1 (RFC 5639).
    pub const BRAINPOOL_P192R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.3");
    /// brainpoolP224r1 (RFC 5639).
    pub const BRAINPOOL_P224R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.5");
    /// brainpoolP256r1 (RFC 5639).
    pub const BRAINPOOL_P256R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.7");
    /// brainpoolP320r1 (RFC 5639).
    pub const BRAINPOOL_P320R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.9");
    /// brainpoolP384r1 (RFC 5639).
    pub const BRAINPOOL_P384R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.11");
    /// brainpoolP512r1 (RFC 5639).
    pub const BRAINPOOL_P512R1: O = O::new_unwrap("1.3.36.3.3.2.8.1.1.13");
    /// prime-field: the field type of explicit EC parameters over GF(p) (X9.62, RFC 3279).
    pub const PRIME_FIELD: O = O::new_unwrap("1.2.840.10045.1.1");
}

impl HashAlgorithm {
    /// The hash an id-sha* OID names; `None` for any other OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            oids::SHA1 => Self::Sha1,
            oids::SHA224 => Self::Sha224,
            oids::SHA256 => Self::Sha256,
            oids::SHA384 => Self::Sha384,
            oids::SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    /// The hash's id-sha* OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => oids::SHA1,
            Self::Sha224 => oids::SHA224,
            Self::Sha256 => oids::SHA256,
            Self::Sha384 => oids::SHA384,
            Self::Sha512 => oids::SHA512,
        }
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha224 => Sha224::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// The hash of `data`, fed `chunk` bytes at a time with `between` called before each chunk:
    /// an `Err` from it stops the hashing (a deadline or a cancel while a large data group is
    /// hashed). The digest equals [`digest`](Self::digest)'s.
    pub fn digest_in_chunks<E>(
        self,
        data: &[u8],
        chunk: usize,
        between: impl FnMut() -> Result<(), E>,
    ) -> Result<Vec<u8>, E> {
        fn run<D: Digest, E>(
            data: &[u8],
            chunk: usize,
            mut between: impl FnMut() -> Result<(), E>,
        ) -> Result<Vec<u8>, E> {
            let mut hasher = D::new();
            for part in data.chunks(chunk.max(1)) {
                between()?;
                hasher.update(part);
            }
            Ok(hasher.finalize().to_vec())
        }
        match self {
            Self::Sha1 => run::<Sha1, E>(data, chunk, between),
            Self::Sha224 => run::<Sha224, E>(data, chunk, between),
            Self::Sha256 => run::<Sha256, E>(data, chunk, between),
            Self::Sha384 => run::<Sha384, E>(data, chunk, between),
            Self::Sha512 => run::<Sha512, E>(data, chunk, between),
        }
    }

    /// The length of a digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn pkcs1(self) -> Pkcs1v15Sign {
        match self {
            Self::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
            Self::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
            Self::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Self::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Self::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }

    fn verify_pss(
        self,
        key: &RsaPublicKey,
        salt: usize,
        hashed: &[u8],
        sig: &[u8],
    ) -> rsa::Result<()> {
        match self {
            Self::Sha1 => key.verify(Pss::<Sha1>::new_with_salt(salt), hashed, sig),
            Self::Sha224 => key.verify(Pss::<Sha224>::new_with_salt(salt), hashed, sig),
            Self::Sha256 => key.verify(Pss::<Sha256>::new_with_salt(salt), hashed, sig),
            Self::Sha384 => key.verify(Pss::<Sha384>::new_with_salt(salt), hashed, sig),
            Self::Sha512 => key.verify(Pss::<Sha512>::new_with_salt(salt), hashed, sig),
        }
    }
}

/// An EC key's curve: one the curve crates implement, or explicit parameters verified generically.
#[derive(Debug, Clone)]
pub enum CurveRef {
    /// A curve implemented here: named by OID, or explicit parameters equal to its own.
    Named(NamedCurve),
    /// Explicit parameters of another prime-field curve, for the generic variable-time verifier
    /// (public data only).
    Explicit(CurveParams),
}

/// The curve of an EC public key: a named-curve OID, or explicit parameters — matched against the
/// curves the crates implement (by prime, coefficients, generator and order), else kept explicit.
pub fn curve_of(parameters: Option<AnyRef<'_>>) -> Result<CurveRef, SignatureError> {
    let params =
        parameters.ok_or_else(|| SignatureError::Malformed("EC key without parameters".into()))?;
    if let Ok(oid) = params.decode_as::<Oid>() {
        return Ok(CurveRef::Named(match oid {
            oids::SECP192R1 => NamedCurve::NistP192,
            oids::SECP224R1 => NamedCurve::NistP224,
            oids::SECP256R1 => NamedCurve::NistP256,
            oids::SECP384R1 => NamedCurve::NistP384,
            oids::SECP521R1 => NamedCurve::NistP521,
            oids::BRAINPOOL_P192R1 => NamedCurve::BrainpoolP192r1,
            oids::BRAINPOOL_P224R1 => NamedCurve::BrainpoolP224r1,
            oids::BRAINPOOL_P256R1 => NamedCurve::BrainpoolP256r1,
            oids::BRAINPOOL_P320R1 => NamedCurve::BrainpoolP320r1,
            oids::BRAINPOOL_P384R1 => NamedCurve::BrainpoolP384r1,
            oids::BRAINPOOL_P512R1 => NamedCurve::BrainpoolP512r1,
            other => return Err(SignatureError::Unsupported(format!("curve {other}"))),
        }));
    }
    let explicit = params
        .decode_as::<ExplicitCurve<'_>>()
        .map_err(|e| SignatureError::Malformed(format!("EC parameters: {e}")))?;
    if explicit.field_id.field_type != oids::PRIME_FIELD {
        return Err(SignatureError::Unsupported(
            "a non-prime-field curve".into(),
        ));
    }
    check_explicit_bounds(&explicit)?;
    Ok(match named_curve_from_explicit(&explicit) {
        Some(c) => CurveRef::Named(c),
        None => CurveRef::Explicit(CurveParams {
            p: explicit.field_id.prime.as_bytes().to_vec(),
            a: explicit.curve.a.as_bytes().to_vec(),
            b: explicit.curve.b.as_bytes().to_vec(),
            g: explicit.base.as_bytes().to_vec(),
            n: explicit.order.as_bytes().to_vec(),
        }),
    })
}

/// Largest prime field accepted for explicit parameters, in bytes (521 bits).
pub const MAX_FIELD_BYTES: usize = 66;
/// Smallest prime field accepted, in bytes (160 bits).
pub const MIN_FIELD_BYTES: usize = 20;
/// Largest cofactor accepted (the curves ICAO 9303 uses have cofactor 1).
pub const MAX_COFACTOR: u32 = 4;

/// Every explicit parameter bounded before any point arithmetic: the prime, the coefficients, the
/// generator, the order n (Hasse: n ≤ p + 1 + 2√p, so at most one byte longer than p) and the
/// cofactor. Unbounded, a hostile certificate or DG14/DG15 makes the station multiply by an
/// arbitrarily long scalar.
fn check_explicit_bounds(e: &ExplicitCurve<'_>) -> Result<(), SignatureError> {
    let oob = |what: String| Err(SignatureError::OutOfBounds(what));
    let strip = |b: &[u8]| b.iter().skip_while(|x| **x == 0).count();
    let p = strip(e.field_id.prime.as_bytes());
    if !(MIN_FIELD_BYTES..=MAX_FIELD_BYTES).contains(&p) {
        return oob(format!("prime of {p} bytes"));
    }
    if strip(e.curve.a.as_bytes()) > p || strip(e.curve.b.as_bytes()) > p {
        return oob("a curve coefficient longer than the prime".into());
    }
    if e.base.as_bytes().len() > 1 + 2 * p {
        return oob("a generator longer than a point".into());
    }
    let n = strip(e.order.as_bytes());
    if n == 0 || n > p + 1 {
        return oob(format!("order of {n} bytes for a prime of {p} bytes"));
    }
    if let Some(h) = &e.cofactor {
        let hb = h.as_bytes();
        let small = strip(hb) <= 4 && {
            let mut v = [0u8; 4];
            let t = &hb[hb.len() - strip(hb)..];
            v[4 - t.len()..].copy_from_slice(t);
            (1..=MAX_COFACTOR).contains(&u32::from_be_bytes(v))
        };
        if !small {
            return oob(format!("cofactor not in 1..={MAX_COFACTOR}"));
        }
    }
    Ok(())
}

/// X9.62 `ECParameters ::= SEQUENCE { version, fieldID, curve, base, order, cofactor OPTIONAL }`.
#[derive(Debug, der::Sequence)]
pub struct ExplicitCurve<'a> {
    /// version (1).
    pub version: u8,
    /// fieldID: the field type and the prime p.
    pub field_id: FieldId<'a>,
    /// curve: the coefficients a and b.
    pub curve: CurveCoefficients<'a>,
    /// base: the generator G, a SEC1 point.
    pub base: OctetString,
    /// order: the order n of G.
    pub order: UintRef<'a>,
    /// cofactor: h = #E / n, optional.
    pub cofactor: Option<UintRef<'a>>,
}

/// X9.62 `FieldID ::= SEQUENCE { fieldType OBJECT IDENTIFIER, parameters }` of a prime field,
/// whose parameters are the prime p.
#[derive(Debug, der::Sequence)]
pub struct FieldId<'a> {
    /// fieldType: only prime-field is accepted.
    pub field_type: Oid,
    /// The prime p.
    pub prime: UintRef<'a>,
}

/// X9.62 `Curve ::= SEQUENCE { a FieldElement, b FieldElement, seed BIT STRING OPTIONAL }`.
#[derive(Debug, der::Sequence)]
pub struct CurveCoefficients<'a> {
    /// Coefficient a of y² = x³ + ax + b, big-endian.
    pub a: OctetString,
    /// Coefficient b, big-endian.
    pub b: OctetString,
    /// The seed the curve was generated from (not used).
    pub seed: Option<der::asn1::BitStringRef<'a>>,
}

fn named_curve_from_explicit(e: &ExplicitCurve<'_>) -> Option<NamedCurve> {
    for c in NamedCurve::ALL {
        let g = ec::group(c);
        let len = g.coordinate_len();
        let (a, b) = g.coefficients();
        let same = |x: &[u8], y: &[u8]| ec::left_pad(x, len) == ec::left_pad(y, len);
        if same(e.field_id.prime.as_bytes(), &g.field_modulus())
            && same(e.curve.a.as_bytes(), &a)
            && same(e.curve.b.as_bytes(), &b)
            && e.base.as_bytes() == g.generator().as_slice()
            && same(e.order.as_bytes(), &g.order())
        {
            return Some(c);
        }
    }
    None
}

/// Verifies an ECDSA signature over `digest` on any supported curve.
pub fn verify_ecdsa_on(
    curve: &CurveRef,
    public_key: &[u8],
    digest: &[u8],
    signature: EcdsaSignature<'_>,
) -> Result<(), SignatureError> {
    match curve {
        CurveRef::Named(c) => verify_ecdsa_prehash(*c, public_key, digest, signature),
        CurveRef::Explicit(params) => {
            let (r, s) = match signature {
                EcdsaSignature::Der(d) => {
                    let sig = DerSignature::from_der(d).map_err(|_| {
                        SignatureError::Malformed("ECDSA signature encoding".into())
                    })?;
                    (sig.r.as_bytes().to_vec(), sig.s.as_bytes().to_vec())
                }
                EcdsaSignature::Plain(p) => {
                    if p.is_empty() || p.len() % 2 != 0 {
                        return Err(SignatureError::Malformed("ECDSA signature length".into()));
                    }
                    let (r, s) = p.split_at(p.len() / 2);
                    (r.to_vec(), s.to_vec())
                }
            };
            // r and s are below n: longer ones are invalid before any arithmetic.
            let len = |b: &[u8]| b.iter().skip_while(|x| **x == 0).count();
            if len(&r) > len(&params.n) || len(&s) > len(&params.n) {
                return Err(SignatureError::Invalid);
            }
            weierstrass::ecdsa_verify(params, public_key, digest, &r, &s).map_err(|e| match e {
                weierstrass::WeierstrassError::Invalid => SignatureError::Invalid,
                other => SignatureError::Malformed(other.to_string()),
            })
        }
    }
}

#[derive(Debug, der::Sequence)]
struct DerSignature<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// Verifies an ECDSA signature over a precomputed `digest` with a SEC1 public key.
pub fn verify_ecdsa_prehash(
    curve: NamedCurve,
    public_key: &[u8],
    digest: &[u8],
    signature: EcdsaSignature<'_>,
) -> Result<(), SignatureError> {
    macro_rules! verify {
        ($c:ty) => {{
            use ecdsa::signature::hazmat::PrehashVerifier;
            let key = ecdsa::VerifyingKey::<$c>::from_sec1_bytes(public_key)
                .map_err(|_| SignatureError::Malformed("EC public key".into()))?;
            let sig = match signature {
                EcdsaSignature::Der(d) => ecdsa::Signature::<$c>::from_der(d),
                EcdsaSignature::Plain(p) => ecdsa::Signature::<$c>::from_slice(p),
            }
            .map_err(|_| SignatureError::Malformed("ECDSA signature encoding".into()))?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| SignatureError::Invalid)
        }};
    }
    use crate::crypto::domain_params::brainpool::{p192r1, p224r1, p320r1, p512r1};
    match curve {
        NamedCurve::NistP192 => verify!(p192::NistP192),
        NamedCurve::NistP224 => verify!(p224::NistP224),
        NamedCurve::BrainpoolP192r1 => verify!(p192r1::BrainpoolP192r1),
        NamedCurve::BrainpoolP224r1 => verify!(p224r1::BrainpoolP224r1),
        NamedCurve::BrainpoolP320r1 => verify!(p320r1::BrainpoolP320r1),
        NamedCurve::NistP256 => verify!(p256::NistP256),
        NamedCurve::NistP384 => verify!(p384::NistP384),
        NamedCurve::NistP521 => verify!(p521::NistP521),
        NamedCurve::BrainpoolP256r1 => verify!(bp256::BrainpoolP256r1),
        NamedCurve::BrainpoolP384r1 => verify!(bp384::BrainpoolP384r1),
        NamedCurve::BrainpoolP512r1 => {
            verify!(p512r1::BrainpoolP512r1)
        }
    }
}

/// An ECDSA signature as DER `SEQUENCE { r, s }` (X.509, CMS) or plain `r ‖ s` (TR-03111, AA).
#[derive(Debug, Clone, Copy)]
pub enum EcdsaSignature<'a> {
    /// DER `SEQUENCE { r INTEGER, s INTEGER }`.
    Der(&'a [u8]),
    /// `r ‖ s`, each as long as the order n (BSI TR-03111).
    Plain(&'a [u8]),
}

/// `RSASSA-PSS-params` (RFC 4055): only the fields verification needs.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", optional = "true")]
    trailer_field: Option<u32>,
}

/// Verifies `signature` over `message` with the key in `spki`, under `algorithm` (a signature
/// algorithm identifier; for bare `rsaEncryption`, `digest_hint` names the hash, as CMS does).
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest_hint: Option<HashAlgorithm>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let alg = algorithm.oid;
    let unsupported = || SignatureError::Unsupported(format!("signature algorithm {alg}"));
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| SignatureError::Malformed("public key bit string".into()))?;
    let rsa_hash = match alg {
        oids::SHA1_WITH_RSA => Some(HashAlgorithm::Sha1),
        oids::SHA224_WITH_RSA => Some(HashAlgorithm::Sha224),
        oids::SHA256_WITH_RSA => Some(HashAlgorithm::Sha256),
        oids::SHA384_WITH_RSA => Some(HashAlgorithm::Sha384),
        oids::SHA512_WITH_RSA => Some(HashAlgorithm::Sha512),
        oids::RSA_ENCRYPTION => Some(digest_hint.ok_or_else(unsupported)?),
        _ => None,
    };
    if let Some(hash) = rsa_hash {
        let key = rsa_key(key_bytes)?;
        return key
            .verify(hash.pkcs1(), &hash.digest(message), signature)
            .map_err(|_| SignatureError::Invalid);
    }
    if alg == oids::RSASSA_PSS {
        let params = match &algorithm.parameters {
            Some(p) => p
                .decode_as::<PssParams>()
                .map_err(|e| SignatureError::Malformed(format!("PSS parameters: {e}")))?,
            None => PssParams {
                hash: None,
                mask_gen: None,
                salt_length: None,
                trailer_field: None,
            },
        };
        let hash = match &params.hash {
            Some(h) => HashAlgorithm::from_oid(&h.oid).ok_or_else(unsupported)?,
            None => HashAlgorithm::Sha1,
        };
        // MGF1 with the same hash is all that is used in practice and all `rsa` implements.
        if let Some(mgf) = &params.mask_gen {
            let mgf_hash = mgf
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
                .and_then(|a| HashAlgorithm::from_oid(&a.oid));
            if mgf.oid != oids::MGF1 || mgf_hash != Some(hash) {
                return Err(SignatureError::Unsupported(
                    "PSS with a different MGF".into(),
                ));
            }
        }
        let salt = params.salt_length.unwrap_or(20) as usize;
        let key = rsa_key(key_bytes)?;
        return hash
            .verify_pss(&key, salt, &hash.digest(message), signature)
            .map_err(|_| SignatureError::Invalid);
    }
    let ec_hash = match alg {
        oids::ECDSA_SHA1 => HashAlgorithm::Sha1,
        oids::ECDSA_SHA224 => HashAlgorithm::Sha224,
        oids::ECDSA_SHA256 => HashAlgorithm::Sha256,
        oids::ECDSA_SHA384 => HashAlgorithm::Sha384,
        oids::ECDSA_SHA512 => HashAlgorithm::Sha512,
        _ => return Err(unsupported()),
    };
    if spki.algorithm.oid != oids::EC_PUBLIC_KEY {
        return Err(SignatureError::Malformed(
            "ECDSA signature with a non-EC key".into(),
        ));
    }
    let params_ref = spki.algorithm.parameters.as_ref().map(AnyRef::from);
    let curve = curve_of(params_ref)?;
    verify_ecdsa_on(
        &curve,
        key_bytes,
        &ec_hash.digest(message),
        EcdsaSignature::Der(signature),
    )
}

/// An RSA key from the SubjectPublicKeyInfo bit string (PKCS#1 RSAPublicKey).
/// Bounded before any arithmetic: a chip or certificate must not make the station work on a huge
/// modulus.
pub fn rsa_key(pkcs1_der: &[u8]) -> Result<RsaPublicKey, SignatureError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    // The modulus is measured from the DER first: the `rsa` crate refuses moduli outside its own
    // 1024..=8192 bits as malformed, which would hide a bound this station sets.
    let parts = RsaPublicKeyParts::from_der(pkcs1_der)
        .map_err(|e| SignatureError::Malformed(format!("RSA key: {e}")))?;
    check_rsa_modulus_bits(bit_length(parts.n.as_bytes()))?;
    RsaPublicKey::from_pkcs1_der(pkcs1_der)
        .map_err(|e| SignatureError::Malformed(format!("RSA key: {e}")))
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
#[derive(der::Sequence)]
struct RsaPublicKeyParts<'a> {
    n: UintRef<'a>,
    e: UintRef<'a>,
}

/// Bits of an unsigned big-endian integer.
pub fn bit_length(be: &[u8]) -> usize {
    let digits: &[u8] = match be.iter().position(|b| *b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    digits.len() * 8 - digits[0].leading_zeros() as usize
}

/// RSA moduli this station works with (ICAO 9303 Part 12 keys are 1024–4096 bits; AA keys ≥ 1024).
pub const RSA_MODULUS_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// `OutOfBounds` unless an RSA modulus of `bits` bits is within [`RSA_MODULUS_BITS`].
pub fn check_rsa_modulus_bits(bits: usize) -> Result<(), SignatureError> {
    if RSA_MODULUS_BITS.contains(&bits) {
        Ok(())
    } else {
        Err(SignatureError::OutOfBounds(format!(
            "RSA modulus of {bits} bits (accepted: 1024 to 4096)"
        )))
    }
}
