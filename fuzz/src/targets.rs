//! The targets: each takes the fuzzer's bytes, calls the library entry point the station calls,
//! and asserts what the proptest targets assert (crates/*/tests/fuzz_*.rs): a typed result, never
//! a panic, and what must never pass does not pass. A failed assertion is a panic, which afl turns
//! into a crash with the input saved.

use std::sync::OnceLock;
use std::time::SystemTime;

use der::{Decode, Encode};
use idgate_emrtd::emulator::AaPublicKey;
use idgate_emrtd::emulator::domain_params::NamedCurve;
use idgate_emrtd::emulator::passive::{self, HashAlgorithm, Sod, chain};
use idgate_emrtd::emulator::select_from_dg14;
use idgate_emrtd::emulator::signature::{
    self as signature, CurveCoefficients, CurveRef, ExplicitCurve, FieldId, curve_of, oids,
};
use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::card_access::CardAccess;
use idgate_emrtd::lds::com::EfCom;
use idgate_emrtd::lds::dg1::Dg1;
use idgate_emrtd::lds::dg2::Dg2;
use idgate_emrtd::lds::dg7::Dg7;
use idgate_emrtd::lds::dg11::Dg11;
use idgate_emrtd::lds::dg12::Dg12;
use idgate_emrtd::lds::image::{self, ImageFormat};
use idgate_emrtd::lds::security_infos::SecurityInfos;
use idgate_emrtd::{CheckResult, TrustStore};
use idgate_mrz::{Can, Date, Mrz, manual};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::pki::{SOD_DGS, aa_dg15, material};

pub fn lds_dg1(raw: &[u8]) {
    static ORIGINAL: OnceLock<(Vec<u8>, Dg1)> = OnceLock::new();
    let (valid, original) = ORIGINAL.get_or_init(|| {
        let valid = crate::seeds::specimen_dg1();
        let dg1 = Dg1::parse(&valid).expect("the specimen DG1 parses");
        (valid, dg1)
    });
    if let Ok(dg1) = Dg1::parse(raw) {
        // Round trip: DG1 rebuilt from what was accepted parses to the same fields.
        let again = tlv::encode(0x61, &tlv::encode(0x5F1F, dg1.mrz.as_bytes()));
        assert!(Dg1::parse(&again).as_ref() == Ok(&dg1), "no round trip");
        assert!(!dg1.document_number.is_empty());
        // Every byte of DG1 is structure or MRZ text: one changed byte is refused or shows.
        let one_byte =
            raw.len() == valid.len() && raw.iter().zip(valid).filter(|(a, b)| a != b).count() == 1;
        assert!(
            !(one_byte && dg1 == *original),
            "a changed DG1 gave the specimen's fields"
        );
    }
}

pub fn lds_dg7(raw: &[u8]) {
    match Dg7::parse(raw) {
        Ok(dg7) => {
            for (format, bytes) in &dg7.images {
                // What is kept is the stored image, and its format is what the bytes say.
                assert!(
                    bytes.is_empty() || raw.windows(bytes.len()).any(|w| w == bytes.as_slice())
                );
                assert_eq!(*format, ImageFormat::sniff(bytes));
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

pub fn lds_dg11_dg12(raw: &[u8]) {
    let a = Dg11::parse(raw);
    let b = Dg12::parse(raw);
    // One file is one data group: never both.
    assert!(!(a.is_ok() && b.is_ok()), "accepted as DG11 and DG12");
    if let Ok(d) = a {
        for date in d.full_birth_date.iter() {
            assert!(date.chars().all(|c| c.is_ascii_digit()), "{date:?}");
        }
    }
    if let Ok(d) = b {
        for date in d.date_of_issue.iter().chain(d.personalisation_time.iter()) {
            assert!(date.chars().all(|c| c.is_ascii_digit()), "{date:?}");
        }
    }
}

pub fn lds_com(raw: &[u8]) {
    if let Ok(com) = EfCom::parse(raw) {
        // Round trip through the tags of the data groups it names.
        let tags: Vec<u8> = com
            .data_groups
            .iter()
            .filter_map(|f| f.tag())
            .map(|t| t as u8)
            .collect();
        assert_eq!(tags.len(), com.data_groups.len());
        let again = crate::seeds::com_of(
            com.lds_version.as_bytes(),
            com.unicode_version.as_bytes(),
            &tags,
        );
        assert_eq!(EfCom::parse(&again), Ok(com));
    }
}

/// DG2 (either encoding: the parser tells them apart), then each face decoded as the station
/// would: what decodes has the size the decoder reports and is within the pixel limit.
pub fn lds_dg2(raw: &[u8]) {
    match Dg2::parse(raw) {
        Ok(dg2) => {
            assert!(!dg2.faces.is_empty());
            for face in &dg2.faces {
                // The image is a slice of the file, not something made up.
                let n = face.data.len();
                assert!(n == 0 || raw.windows(n).any(|w| w == face.data.as_slice()));
                if face.format == ImageFormat::Jpeg2000 {
                    let _ = image::jpeg2000_header(&face.data);
                }
                if let Ok(rgb) = image::decode(&face.data) {
                    assert!(rgb.width <= image::MAX_SIDE && rgb.height <= image::MAX_SIDE);
                    assert_eq!(
                        rgb.pixels.len(),
                        rgb.width as usize * rgb.height as usize * 3
                    );
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

pub fn lds_security_infos(raw: &[u8]) {
    let simple = CardAccess::parse(raw);
    let parsed = SecurityInfos::parse(raw);
    // One owner of SecurityInfo parsing: EF.CardAccess is exactly what SecurityInfos reads.
    assert_eq!(
        simple.as_ref().map(CardAccess::security_infos).ok(),
        parsed.as_ref().ok()
    );
    if let Ok(infos) = parsed {
        // A PACE offer the reader picks is one it supports.
        if let Some(best) = infos.best_pace() {
            assert!(best.is_supported());
        }
        let _ = infos.chip_auth_public_keys().count();
        let _ = infos.active_auth();
    }
    if let Ok(ca) = &simple {
        assert_eq!(ca.raw(), raw);
    }
    let _ = SecurityInfos::parse_dg14(raw);
    let _ = select_from_dg14(raw);
}

fn all_pass(r: &idgate_emrtd::PaReport) -> bool {
    r.dg_hashes == CheckResult::Pass
        && r.sod_signature == CheckResult::Pass
        && r.ds_chain == CheckResult::Pass
}

pub fn pki_sod(m: &[u8]) {
    struct Fixed {
        trust: TrustStore,
        original: Sod,
        signer: Certificate,
    }
    static F: OnceLock<Fixed> = OnceLock::new();
    let f = F.get_or_init(|| {
        let mat = material();
        let mut trust = TrustStore::new();
        trust.add_csca(mat.csca.clone());
        trust.add_crl(mat.crl_empty.clone());
        let report = passive::verify(&mat.sod, &SOD_DGS, &trust, SystemTime::now());
        assert!(all_pass(&report), "the fixture EF.SOD passes: {report}");
        let original = Sod::parse(&mat.sod).expect("parses");
        let signer = original.document_signer().expect("ds");
        Fixed {
            trust,
            original,
            signer,
        }
    });
    let report = passive::verify(m, &SOD_DGS, &f.trust, SystemTime::now());
    if all_pass(&report) && m != material().sod.as_slice() {
        // Only unsigned bytes may differ (e.g. SignedData's version or digestAlgorithms): what
        // was accepted is what the Document Signer signed, signed by the same DS.
        let sod = Sod::parse(m).expect("an EF.SOD that passed parses");
        assert_eq!(sod.content, f.original.content, "other hashes accepted");
        assert_eq!(
            sod.document_signer().ok().as_ref(),
            Some(&f.signer),
            "another signer accepted"
        );
    }
}

/// X9.62 explicit parameters of P-256 (what many CSCA certificates carry instead of the OID).
pub fn explicit_p256() -> Vec<u8> {
    let g = idgate_emrtd::emulator::domain_params::ec::group(NamedCurve::NistP256);
    let (a, b) = g.coefficients();
    let (prime, order) = (g.field_modulus(), g.order());
    ExplicitCurve {
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
    }
    .to_der()
    .expect("encode")
}

/// Whether `ds` verifies under `issuer`'s key with its parameters replaced by `params` (DER).
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

/// First byte even: the rest is a DS certificate checked against the CSCA; odd: the rest is the
/// CSCA key's explicit curve parameters, checked with the genuine DS.
pub fn pki_ds_chain(data: &[u8]) {
    let Some((&which, m)) = data.split_first() else {
        return;
    };
    let mat = material();
    let now = SystemTime::now();
    if which % 2 == 0 {
        let Ok(cert) = Certificate::from_der(m) else {
            return;
        };
        let _ = chain::subject_key_id(&cert);
        let _ = chain::authority_key_id(&cert);
        let _ = chain::valid_at(&cert, now);
        if chain::could_have_issued(&mat.csca, &cert)
            && chain::verify_issued_by(&cert, &mat.csca).is_ok()
        {
            assert_eq!(
                cert.tbs_certificate(),
                mat.ds.tbs_certificate(),
                "a forged DS verified"
            );
        }
    } else {
        let curve = der::asn1::AnyRef::from_der(m)
            .ok()
            .map(|a| curve_of(Some(a)));
        if verifies_with_parameters(&mat.ds, &mat.csca, m) {
            // P-256's signature can only verify on P-256 itself.
            assert!(
                matches!(curve, Some(Ok(CurveRef::Named(NamedCurve::NistP256)))),
                "verified on {curve:?}"
            );
        }
    }
}

pub fn pki_crl(m: &[u8]) {
    let mat = material();
    let now = SystemTime::now();
    // As a trust store file: DER, or PEM around it.
    let mut store = TrustStore::new();
    let _ = store.add_bytes("crl", m, now);
    if let Ok(pem) = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, m) {
        let _ = store.add_bytes("crl.pem", pem.as_bytes(), now);
    }
    let Ok(list) = CertificateList::from_der(m) else {
        return;
    };
    let issuer = mat.csca.tbs_certificate().subject();
    let crls = [list];
    let verified = chain::verified_crls(issuer, &[&mat.csca], &crls);
    if !verified.is_empty() {
        // Its signature verified: the list is the CSCA's, entries and dates unchanged.
        assert_eq!(
            crls[0].tbs_cert_list, mat.crl_revoked.tbs_cert_list,
            "a changed CRL verified"
        );
    }
    for cert in [&mat.revoked, &mat.ds] {
        let _ = chain::revocation(cert, &verified, now);
    }
}

pub fn pki_master_list(m: &[u8]) {
    let mat = material();
    let now = SystemTime::now();
    let start = || {
        let mut s = TrustStore::new();
        s.add_csca(mat.csca.clone());
        s
    };
    static ACCEPTED: OnceLock<Vec<Certificate>> = OnceLock::new();
    let accepted = ACCEPTED.get_or_init(|| {
        let mut s = start();
        assert_eq!(
            s.add_master_list(&mat.master_list, now),
            Ok(2),
            "the fixture master list"
        );
        s.cscas().to_vec()
    });
    let mut store = start();
    if store.add_master_list(m, now).is_ok() {
        // Whatever else changed, the CSCAs it adds are the ones signed.
        assert_eq!(store.cscas(), accepted.as_slice(), "other CSCAs accepted");
    }
    let _ = start().add_bytes("ml", m, now);
}

/// The RSA private operation on a message representative F (what the chip does in ISO/IEC 9796-2
/// scheme 1), so a mutated F reaches the reader's message recovery behind a valid RSA operation.
pub fn rsa_sign_raw(key: &rsa::PrivateKey, f: &[u8]) -> Option<Vec<u8>> {
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

pub const AA_CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// F = 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC for the 1024-bit key.
pub fn aa_representative() -> Vec<u8> {
    let m1 = vec![0x5Au8; 128 - 22];
    let mut f = vec![0x6A];
    f.extend_from_slice(&m1);
    f.extend(HashAlgorithm::Sha1.digest(&[m1.as_slice(), &AA_CHALLENGE].concat()));
    f.push(0xBC);
    f
}

struct Aa {
    public: AaPublicKey,
    f0: Vec<u8>,
    sig0: Vec<u8>,
}

fn aa() -> &'static Aa {
    static A: OnceLock<Aa> = OnceLock::new();
    A.get_or_init(|| {
        let key = &material().aa_key;
        let public = AaPublicKey::from_dg15(&aa_dg15(key)).expect("dg15");
        let f0 = aa_representative();
        let sig0 = rsa_sign_raw(key, &f0).expect("sign");
        assert_eq!(public.verify(&AA_CHALLENGE, &sig0, None), Ok(()));
        Aa { public, f0, sig0 }
    })
}

/// The genuine signature of [`aa_representative`] (a seed).
pub fn aa_signature() -> Vec<u8> {
    aa().sig0.clone()
}

/// First byte mod 3: 0 — the chip signs the rest as message representative; 1 — the rest is the
/// signature; 2 — the rest is DG15, checked with the genuine signature.
pub fn aa_iso9796_2(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let a = aa();
    match which % 3 {
        0 => {
            if let Some(sig) = rsa_sign_raw(&material().aa_key, rest) {
                let verdict = a.public.verify(&AA_CHALLENGE, &sig, None);
                // A representative other than the genuine one (as a number) never verifies: its
                // hash would have to match M1 and the challenge.
                let trim = |v: &[u8]| {
                    v.iter()
                        .skip_while(|b| **b == 0)
                        .copied()
                        .collect::<Vec<u8>>()
                };
                if trim(rest) != trim(&a.f0) {
                    assert!(verdict.is_err(), "a changed representative verified");
                }
            }
        }
        1 => {
            if a.public.verify(&AA_CHALLENGE, rest, None).is_ok() {
                assert_eq!(rest, a.sig0.as_slice(), "another signature verified");
            }
        }
        _ => {
            if let Ok(k) = AaPublicKey::from_dg15(rest)
                && k.verify(&AA_CHALLENGE, &a.sig0, None).is_ok()
            {
                assert_eq!(
                    format!("{k:?}"),
                    format!("{:?}", a.public),
                    "another key verified"
                );
            }
        }
    }
}

pub fn mrz_parse(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Ok(mrz) = Mrz::parse(&s) {
        // Whatever is accepted yields a key, and parses again from its own lines.
        let _ = mrz.access_key();
        let again = mrz.lines().join("\n");
        assert!(Mrz::parse(&again).is_ok(), "its own lines were refused");
    }
    let _ = Mrz::parse_dg1_text(data);
}

/// Four fields (document number, birth, expiry, CAN) separated by newlines.
pub fn manual_entry(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let mut f = s.splitn(4, '\n');
    let (number, birth, expiry, can) = (
        f.next().unwrap_or_default(),
        f.next().unwrap_or_default(),
        f.next().unwrap_or_default(),
        f.next().unwrap_or_default(),
    );
    let today = Date::new(2026, 12, 5).expect("date");
    match manual::access_key(number, birth, expiry, today) {
        Ok(_) => assert!(
            !number.trim().is_empty(),
            "an empty document number accepted"
        ),
        Err(errors) => assert!(!errors.0.is_empty(), "an error without a field"),
    }
    if let Ok(c) = Can::parse(can) {
        // A CAN is a secret: its Debug never shows it.
        assert!(
            !format!("{c:?}").contains(can.trim()),
            "the CAN shows in Debug"
        );
    }
}
