//! Fuzz targets of Passive and Active Authentication's inputs, on material the test PKI signs:
//! `pki_sod` (EF.SOD through the whole Passive Authentication), `pki_ds_chain` (the Document Signer
//! certificate against its CSCA, including a CSCA key with explicit curve parameters, whose
//! mutations reach the generic curve arithmetic), `pki_crl` (CRLs), `pki_master_list`
//! (`TrustStore::add_master_list`) and `aa_iso9796_2` (Active Authentication's RSA message
//! recovery). Never a panic, always a typed result, and the property that matters: a changed input
//! is never accepted as something other than what was signed. Runner: `scripts/fuzz pki_sod …`
//! (driver: `idgate_testbed::fuzz`).

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use der::{Decode, Encode};
use idgate_emrtd::emulator::AaPublicKey;
use idgate_emrtd::emulator::domain_params::NamedCurve;
use idgate_emrtd::emulator::passive::{self, HashAlgorithm, Sod, chain};
use idgate_emrtd::emulator::signature::{
    self as signature, CurveCoefficients, CurveRef, ExplicitCurve, FieldId, SignatureError,
    curve_of, oids,
};
use idgate_emrtd::{CheckResult, TrustStore};
use idgate_testbed::fuzz::{bytes, fuzz, mutated_bytes, one_byte_changed, reached};
use idgate_vpass::pki::{
    Csca, DocumentSigner, KeyKind, master_list, security_files, sod, valid_around,
};
use proptest::prelude::*;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

const HOUR: Duration = Duration::from_secs(3600);

/// One CSCA, its Document Signer (P-256: the fast curve, so more execs), a revoked second DS, a
/// Master List Signer, all valid around now. Made once per process.
struct Pki {
    now: SystemTime,
    csca: Csca,
    ds: DocumentSigner,
    revoked: DocumentSigner,
    ml_signer: DocumentSigner,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let now = SystemTime::now();
        let v = valid_around(now);
        let mut csca = Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, v).expect("csca");
        let ds = csca
            .issue_document_signer("DS Utopia", KeyKind::EcdsaP256, v)
            .expect("ds");
        let revoked = csca
            .issue_document_signer("DS Utopia 2", KeyKind::EcdsaP256, v)
            .expect("ds");
        let ml_signer = csca
            .issue_master_list_signer("ML Signer Utopia", KeyKind::EcdsaP256, v)
            .expect("ml signer");
        Pki {
            now,
            csca,
            ds,
            revoked,
            ml_signer,
        }
    })
}

fn trust(p: &Pki) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_csca(p.csca.certificate.clone());
    t.add_crl(p.csca.crl(&[], p.now - HOUR).expect("crl"));
    t
}

fn all_pass(r: &idgate_emrtd::PaReport) -> bool {
    r.dg_hashes == CheckResult::Pass
        && r.sod_signature == CheckResult::Pass
        && r.ds_chain == CheckResult::Pass
}

#[test]
fn pki_sod() {
    let p = pki();
    let dgs: Vec<(u8, Vec<u8>)> = vec![
        (1, b"\x61\x05\x5F\x1F\x02<<".to_vec()),
        (2, b"\x75\x03\x7F\x61\x00".to_vec()),
        (14, b"\x6E\x02\x31\x00".to_vec()),
    ];
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let ef_sod = sod::sign_sod(&p.ds, HashAlgorithm::Sha256, &refs).expect("sod");
    let trust = trust(p);
    let report = passive::verify(&ef_sod, &refs, &trust, p.now);
    assert!(all_pass(&report), "{report}");
    let original = Sod::parse(&ef_sod).expect("parses");
    let signer = original.document_signer().expect("ds");
    let input = prop_oneof![
        1 => bytes(300),
        4 => mutated_bytes(ef_sod.clone(), 4),
        2 => one_byte_changed(ef_sod.clone()),
    ];
    fuzz("pki_sod", 1000, input, |m| {
        let started = Instant::now();
        let report = passive::verify(&m, &refs, &trust, p.now);
        prop_assert!(started.elapsed() < Duration::from_secs(2));
        if report.dg_hashes == CheckResult::Pass {
            reached("hashes pass");
        }
        if report.sod_signature == CheckResult::Pass {
            reached("signature passes");
        }
        if all_pass(&report) && m != ef_sod {
            reached("changed, all pass");
            // Only unsigned bytes may differ (e.g. SignedData's version or digestAlgorithms):
            // what was accepted is what the Document Signer signed, signed by the same DS.
            let sod = Sod::parse(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&sod.content, &original.content, "other hashes accepted");
            let ds = sod.document_signer().ok();
            prop_assert_eq!(ds.as_ref(), Some(&signer));
        }
        Ok(())
    });
}

/// X9.62 explicit parameters of `curve` (what many CSCA and DS certificates carry instead of the
/// named-curve OID), DER.
fn explicit_parameters(curve: NamedCurve) -> Vec<u8> {
    let g = idgate_emrtd::emulator::domain_params::ec::group(curve);
    let (a, b) = g.coefficients();
    let (prime, order) = (g.field_modulus(), g.order());
    let params = ExplicitCurve {
        version: 1,
        field_id: FieldId {
            field_type: oids::PRIME_FIELD,
            prime: der::asn1::UintRef::new(&prime).expect("p"),
        },
        curve: CurveCoefficients {
            a: der::asn1::OctetString::new(a).expect("a"),
            b: der::asn1::OctetString::new(b).expect("b"),
            seed: None,
        },
        base: der::asn1::OctetString::new(g.generator()).expect("g"),
        order: der::asn1::UintRef::new(&order).expect("n"),
        cofactor: Some(der::asn1::UintRef::new(&[1]).expect("h")),
    };
    params.to_der().expect("encode")
}

/// Whether `ds` verifies under `issuer`'s key with its parameters replaced by `params` (DER): what
/// `chain::verify_issued_by` does, with the issuer's key as a hostile certificate could carry it.
fn verifies_with_parameters(ds: &Certificate, issuer: &Certificate, params: &[u8]) -> bool {
    let Ok(any) = der::asn1::Any::from_der(params) else {
        return false;
    };
    let mut spki = issuer.tbs_certificate().subject_public_key_info().clone();
    spki.algorithm.parameters = Some(any);
    let (Ok(tbs), Some(sig)) = (ds.tbs_certificate().to_der(), ds.signature().as_bytes()) else {
        return false;
    };
    signature::verify(&spki, ds.signature_algorithm(), None, &tbs, sig).is_ok()
}

#[test]
fn pki_ds_chain() {
    let p = pki();
    let ds_der = p.ds.certificate.to_der().expect("der");
    let csca = &p.csca.certificate;
    let explicit = explicit_parameters(NamedCurve::NistP256);
    assert_eq!(chain::verify_issued_by(&p.ds.certificate, csca), Ok(()));
    assert!(verifies_with_parameters(&p.ds.certificate, csca, &explicit));
    #[derive(Debug, Clone)]
    enum Case {
        /// A mutated DS certificate against the CSCA.
        Ds(Vec<u8>),
        /// The DS against a CSCA key with mutated explicit parameters.
        CscaParameters(Vec<u8>),
    }
    let input = prop_oneof![
        1 => bytes(300).prop_map(Case::Ds),
        3 => mutated_bytes(ds_der.clone(), 4).prop_map(Case::Ds),
        2 => one_byte_changed(ds_der.clone()).prop_map(Case::Ds),
        3 => mutated_bytes(explicit.clone(), 3).prop_map(Case::CscaParameters),
        1 => one_byte_changed(explicit.clone()).prop_map(Case::CscaParameters),
    ];
    let original_tbs = p.ds.certificate.tbs_certificate().clone();
    fuzz("pki_ds_chain", 1000, input, |case| {
        let started = Instant::now();
        match case {
            Case::Ds(m) => {
                let Ok(cert) = Certificate::from_der(&m) else {
                    return Ok(());
                };
                reached("DS parses");
                let _ = chain::subject_key_id(&cert);
                let _ = chain::authority_key_id(&cert);
                let _ = chain::valid_at(&cert, p.now);
                if chain::could_have_issued(csca, &cert)
                    && chain::verify_issued_by(&cert, csca).is_ok()
                {
                    reached("DS verified");
                    prop_assert_eq!(
                        cert.tbs_certificate(),
                        &original_tbs,
                        "a forged DS verified"
                    );
                }
            }
            Case::CscaParameters(m) => {
                let curve = der::asn1::AnyRef::from_der(&m)
                    .ok()
                    .map(|a| curve_of(Some(a)));
                match &curve {
                    Some(Ok(CurveRef::Explicit(_))) => reached("generic curve"),
                    Some(Err(SignatureError::OutOfBounds(_))) => {
                        reached("parameters out of bounds")
                    }
                    _ => {}
                }
                if verifies_with_parameters(&p.ds.certificate, csca, &m) {
                    reached("verified with explicit parameters");
                    // P-256's signature can only verify on P-256 itself.
                    prop_assert!(
                        matches!(curve, Some(Ok(CurveRef::Named(NamedCurve::NistP256)))),
                        "verified on {:?}",
                        curve
                    );
                }
            }
        }
        prop_assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        Ok(())
    });
}

#[test]
fn pki_crl() {
    let p = pki();
    let crl = p
        .csca
        .crl(&[&p.revoked.certificate], p.now - HOUR)
        .expect("crl");
    let crl_der = crl.to_der().expect("der");
    let csca = &p.csca.certificate;
    let issuer = csca.tbs_certificate().subject();
    let reference = std::slice::from_ref(&crl);
    assert_eq!(
        chain::revocation(
            &p.revoked.certificate,
            &chain::verified_crls(issuer, &[csca], reference),
            p.now
        ),
        chain::Revocation::Revoked
    );
    let input = prop_oneof![
        1 => bytes(300),
        4 => mutated_bytes(crl_der.clone(), 4),
        2 => one_byte_changed(crl_der.clone()),
    ];
    fuzz("pki_crl", 1500, input, |m| {
        // As a trust store file: DER, or PEM around it.
        let mut store = TrustStore::new();
        let _ = store.add_bytes("crl", &m, p.now);
        let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &m);
        if let Ok(pem) = pem {
            let _ = store.add_bytes("crl.pem", pem.as_bytes(), p.now);
        }
        let Ok(list) = CertificateList::from_der(&m) else {
            return Ok(());
        };
        reached("CRL parses");
        let crls = [list];
        let verified = chain::verified_crls(issuer, &[csca], &crls);
        if !verified.is_empty() {
            reached("CRL signature verified");
            // Its signature verified: the list is the CSCA's, entries and dates unchanged.
            prop_assert_eq!(&crls[0].tbs_cert_list, &crl.tbs_cert_list);
        }
        for cert in [&p.revoked.certificate, &p.ds.certificate] {
            let _ = chain::revocation(cert, &verified, p.now);
        }
        Ok(())
    });
}

#[test]
fn pki_master_list() {
    let p = pki();
    let v = valid_around(p.now);
    let other = Csca::generate("XX", "CSCA Elsewhere", KeyKind::EcdsaP256, v).expect("csca");
    let ml = master_list::sign_master_list(
        &p.ml_signer,
        &[&p.csca.certificate, &other.certificate],
        &[&p.ml_signer.certificate],
        master_list::ID_CSCA_MASTER_LIST,
    )
    .expect("master list");
    let start = || {
        let mut s = TrustStore::new();
        s.add_csca(p.csca.certificate.clone());
        s
    };
    let mut reference = start();
    assert_eq!(reference.add_master_list(&ml, p.now), Ok(2));
    let accepted: Vec<Certificate> = reference.cscas().to_vec();
    let input = prop_oneof![
        1 => bytes(300),
        4 => mutated_bytes(ml.clone(), 4),
        2 => one_byte_changed(ml.clone()),
    ];
    fuzz("pki_master_list", 1000, input, |m| {
        let started = Instant::now();
        let mut store = start();
        if store.add_master_list(&m, p.now).is_ok() {
            reached("accepted");
            // Whatever else changed, the CSCAs it adds are the ones signed.
            prop_assert_eq!(store.cscas(), accepted.as_slice(), "other CSCAs accepted");
        }
        let _ = start().add_bytes("ml", &m, p.now);
        prop_assert!(started.elapsed() < Duration::from_secs(2));
        Ok(())
    });
}

/// A 1024-bit RSA Active Authentication key (made once) and its DG15.
fn aa_key() -> &'static (rsa::PrivateKey, Vec<u8>) {
    static KEY: OnceLock<(rsa::PrivateKey, Vec<u8>)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = rsa::PrivateKey::new(&mut rand::rng(), 1024).expect("rsa");
        let spki = idgate_vpass::security::spki_der(&key.to_public_key()).expect("spki");
        let dg15 = security_files::dg15(&spki).expect("dg15");
        (key, dg15)
    })
}

/// The RSA private operation on a message representative F (what the chip does in ISO/IEC 9796-2
/// scheme 1), so a mutated F reaches the reader's message recovery behind a valid RSA operation.
fn rsa_sign_raw(key: &rsa::PrivateKey, f: &[u8]) -> Option<Vec<u8>> {
    use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
    use crypto_bigint::{BoxedUint, Odd};
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let n = key.n().as_ref().clone();
    let len = n.to_be_bytes_trimmed_vartime().len();
    let fu = BoxedUint::from_be_slice(f, n.bits_precision()).ok()?;
    if fu.cmp_vartime(&n).is_ge() {
        return None;
    }
    let params = BoxedMontyParams::new_vartime(Option::<Odd<BoxedUint>>::from(Odd::new(n))?);
    let s = BoxedMontyForm::new(fu, &params).pow(key.d()).retrieve();
    let b = s.to_be_bytes();
    Some(b[b.len().checked_sub(len)?..].to_vec())
}

/// F = 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC for a 1024-bit key.
fn representative(m1: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut f = vec![0x6A];
    f.extend_from_slice(m1);
    f.extend(HashAlgorithm::Sha1.digest(&[m1, challenge].concat()));
    f.push(0xBC);
    f
}

#[test]
fn aa_iso9796_2() {
    let (key, dg15) = aa_key();
    let public = AaPublicKey::from_dg15(dg15).expect("dg15");
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let m1 = vec![0x5Au8; 128 - 22];
    let f0 = representative(&m1, &challenge);
    let sig0 = rsa_sign_raw(key, &f0).expect("sign");
    assert_eq!(public.verify(&challenge, &sig0, None), Ok(()));
    #[derive(Debug, Clone)]
    enum Case {
        /// The chip signs a mutated message representative.
        Representative(Vec<u8>),
        /// A raw signature value.
        Signature(Vec<u8>),
        /// A mutated DG15 with the genuine signature.
        Dg15(Vec<u8>),
    }
    let input = prop_oneof![
        4 => mutated_bytes(f0.clone(), 3).prop_map(Case::Representative),
        2 => one_byte_changed(f0.clone()).prop_map(Case::Representative),
        1 => bytes(140).prop_map(Case::Signature),
        1 => mutated_bytes(sig0.clone(), 2).prop_map(Case::Signature),
        2 => mutated_bytes(dg15.clone(), 3).prop_map(Case::Dg15),
    ];
    fuzz("aa_iso9796_2", 600, input, |case| {
        let started = Instant::now();
        match case {
            Case::Representative(f) => {
                if let Some(sig) = rsa_sign_raw(key, &f) {
                    let verdict = public.verify(&challenge, &sig, None);
                    reached("representative signed");
                    if verdict.is_ok() {
                        reached("verified");
                    }
                    // A representative other than the genuine one (as a number) never verifies:
                    // its hash would have to match M1 and the challenge.
                    let trim = |v: &[u8]| {
                        v.iter()
                            .skip_while(|b| **b == 0)
                            .copied()
                            .collect::<Vec<u8>>()
                    };
                    if trim(&f) != trim(&f0) {
                        prop_assert!(verdict.is_err(), "a changed representative verified");
                    }
                }
            }
            Case::Signature(s) => {
                if public.verify(&challenge, &s, None).is_ok() {
                    prop_assert_eq!(&s, &sig0, "another signature verified");
                }
            }
            Case::Dg15(d) => {
                if let Ok(k) = AaPublicKey::from_dg15(&d) {
                    if k.verify(&challenge, &sig0, None).is_ok() {
                        prop_assert_eq!(format!("{k:?}"), format!("{public:?}"));
                    }
                }
            }
        }
        prop_assert!(started.elapsed() < Duration::from_secs(2));
        Ok(())
    });
}
