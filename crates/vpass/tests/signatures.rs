//! The Passive Authentication signature verifier against signatures made by the RustCrypto signers:
//! RSA-PSS (with RFC 4055 parameters) and PKCS#1 v1.5, as Document Signers use them.

use der::Decode;
use ecdsa::signature::{SignatureEncoding, Signer};
use idgate_emrtd::emulator::signature::{self, SignatureError, oids};
use idgate_vpass::pki::{KeyKind, SignerKey};
use sha2::Sha256;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// RSASSA-PSS-params { SHA-256, MGF1(SHA-256), salt 32 } (RFC 4055 §3.1), DER.
const PSS_SHA256_PARAMS: &str = "3034A00F300D06096086480165030402010500A11C301A06092A864886F70D010108300D06096086480165030402010500A203020120";

fn rsa_key() -> (rsa::PrivateKey, SubjectPublicKeyInfoOwned) {
    let key = SignerKey::generate(KeyKind::Rsa2048, 0).expect("key");
    let spki = key.public_key_info().expect("spki");
    let SignerKey::Rsa(k) = key else {
        panic!("RSA")
    };
    (AsRef::<rsa::PrivateKey>::as_ref(&k).clone(), spki)
}

#[test]
fn rsa_pss_signatures_verify_with_their_parameters() {
    let (private, spki) = rsa_key();
    let signer = rsa::pss::SigningKey::<Sha256>::new_with_salt_len(private, 32);
    let message = b"signed attributes";
    let sig = signer.try_sign(message).expect("sign").to_vec();
    let params =
        der::asn1::Any::from_der(&hex::decode(PSS_SHA256_PARAMS).expect("hex")).expect("any");
    let alg = AlgorithmIdentifierOwned {
        oid: oids::RSASSA_PSS,
        parameters: Some(params),
    };
    assert_eq!(signature::verify(&spki, &alg, None, message, &sig), Ok(()));
    assert_eq!(
        signature::verify(&spki, &alg, None, b"other attributes", &sig),
        Err(SignatureError::Invalid)
    );
}

#[test]
fn rsa_pkcs1_signatures_verify_under_either_oid_form() {
    let key = SignerKey::generate(KeyKind::Rsa2048, 0).expect("key");
    let spki = key.public_key_info().expect("spki");
    let message = b"tbs";
    let sig = key.sign(message).expect("sign");
    let with_hash = key.signature_algorithm().expect("alg");
    assert_eq!(with_hash.oid, oids::SHA256_WITH_RSA);
    assert_eq!(
        signature::verify(&spki, &with_hash, None, message, &sig),
        Ok(())
    );
    // CMS may name just rsaEncryption and give the hash as the digest algorithm.
    let bare = AlgorithmIdentifierOwned {
        oid: oids::RSA_ENCRYPTION,
        parameters: None,
    };
    assert_eq!(
        signature::verify(
            &spki,
            &bare,
            Some(signature::HashAlgorithm::Sha256),
            message,
            &sig
        ),
        Ok(())
    );
    assert!(signature::verify(&spki, &bare, None, message, &sig).is_err());
}

#[test]
fn ecdsa_brainpool_signatures_verify() {
    let key = SignerKey::generate(KeyKind::EcdsaBrainpoolP256r1, 0).expect("key");
    let spki = key.public_key_info().expect("spki");
    let sig = key.sign(b"m").expect("sign");
    let alg = key.signature_algorithm().expect("alg");
    assert_eq!(signature::verify(&spki, &alg, None, b"m", &sig), Ok(()));
    assert_eq!(
        signature::verify(&spki, &alg, None, b"n", &sig),
        Err(SignatureError::Invalid)
    );
}
