//! The chip side of PACE, Chip Authentication and Active Authentication, and the profile that
//! personalises a virtual passport with a signed EF.SOD, DG14 and DG15 from the test PKI — genuine,
//! or tampered by one knob ([`Tamper`]) so tests can show each check catches its fake.

use std::fmt;
use std::time::{Duration, SystemTime};

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use der::Decode;
use der::asn1::Any;
use ecdsa::signature::hazmat::PrehashSigner;
use idgate_emrtd::RandomSource;
use idgate_emrtd::emulator::domain_params::{Group, NamedCurve};
use idgate_emrtd::emulator::passive::{HashAlgorithm, TrustStore};
use idgate_emrtd::emulator::{KdfPurpose, SymmetricCipher};
use idgate_emrtd::emulator::{encrypt_ca_data, integrated_mapping};
use idgate_emrtd::iso7816::apdu::{CommandApdu, ResponseApdu, StatusWord};
use idgate_emrtd::iso7816::sm::SecureMessaging;
use idgate_emrtd::iso7816::tlv;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::security_infos::{CaProtocol, PaceMapping, PaceProtocol};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use sha1::{Digest, Sha1};
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use crate::pki::security_files::{self, ChipAuthKeyInfo};
use crate::pki::{Csca, KeyKind, PkiError, sod, valid_around};
use crate::profile::PassportProfile;

/// A way the passport is not genuine (or `None`: it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tamper {
    None,
    /// DG1 was changed after EF.SOD was signed (→ `dg_hashes`).
    AlteredDg1,
    /// EF.SOD is signed by a Document Signer of a CSCA the station does not trust (→ `ds_chain`).
    UnknownCsca,
    /// The Document Signer certificate expired (→ `ds_chain`).
    ExpiredDs,
    /// The Document Signer certificate is on the CSCA's CRL (→ `ds_revocation`).
    RevokedDs,
    /// A clone: the data is genuine but the chip lacks DG15's private key (→ `active_auth`).
    WrongAaKey,
    /// The chip lacks DG14's private key (→ `chip_auth`).
    FailedCa,
    /// EF.CardAccess is there but garbage (a SET whose SecurityInfo has no protocol OID), so a
    /// reader that took it for "no PACE" would fall back to BAC (→ `card_access`).
    GarbageCardAccess,
    /// EF.CardAccess is hidden (file not found) although the chip runs PACE and DG14 lists it:
    /// a reader falls back to BAC (→ `dg14_pace`).
    HiddenCardAccess,
    /// EF.CardAccess offers only a weaker PACE (3DES instead of the AES of `pace`), which the
    /// chip also runs; DG14 lists the strong one (→ `dg14_pace`).
    WeakerPaceOffered,
    /// DG15 is left out of EF.COM and not served (file not found), though EF.SOD lists it: a
    /// clone hiding the key it lacks from Active Authentication (→ `dg_not_read`).
    HiddenDg15,
    /// DG15 is left out of EF.COM but served: genuine otherwise (EF.COM is not signed, EF.SOD
    /// is what says which data groups the passport has).
    Dg15NotInCom,
}

/// The Active Authentication key a profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AaKind {
    Rsa2048,
    EcdsaP256,
}

/// What to personalise.
#[derive(Debug, Clone)]
pub struct SecurityOptions {
    /// PACE protocols EF.CardAccess offers (with their standardized parameter ids); empty: BAC only.
    pub pace: Vec<(PaceProtocol, u32)>,
    /// The Chip Authentication protocol and curve (DG14); `None`: no DG14.
    pub chip_auth: Option<(CaProtocol, NamedCurve)>,
    /// The Active Authentication key (DG15); `None`: no DG15.
    pub active_auth: Option<AaKind>,
    /// The Document Signer's key.
    pub ds_key: KeyKind,
    pub tamper: Tamper,
    /// "Now" for certificate validity.
    pub now: SystemTime,
    /// DG14 carries the curve as explicit X9.62 parameters (as most issued passports do) rather
    /// than a named-curve OID.
    pub explicit_curve_parameters: bool,
}

impl SecurityOptions {
    /// PACE ECDH-GM on brainpoolP256r1 with AES-128, CA ECDH AES-128, ECDSA AA, brainpool DS key.
    pub fn modern(now: SystemTime) -> Self {
        Self {
            pace: vec![(
                PaceProtocol {
                    mapping: PaceMapping::EcdhGeneric,
                    cipher: SymmetricCipher::Aes128,
                },
                13,
            )],
            chip_auth: Some((
                CaProtocol {
                    ecdh: true,
                    cipher: SymmetricCipher::Aes128,
                },
                NamedCurve::BrainpoolP256r1,
            )),
            active_auth: Some(AaKind::EcdsaP256),
            ds_key: KeyKind::EcdsaBrainpoolP256r1,
            tamper: Tamper::None,
            now,
            explicit_curve_parameters: true,
        }
    }
}

/// The chip's secrets and the station's trust anchors for one virtual passport.
pub struct PassportSecurity {
    /// The chip's side (give it to `VirtualPassport::with_security`).
    pub chip: ChipSecurity,
    /// CSCA certificates (and CRLs) the station should trust.
    pub trust: TrustStore,
}

impl fmt::Debug for PassportSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportSecurity").finish_non_exhaustive()
    }
}

fn random_scalar(group: &Group) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    let mut rng = idgate_emrtd::OsRandom;
    group
        .random_private(&mut rng)
        .map_err(|e| PkiError::Key(e.to_string()))
}

fn curve_oid(curve: NamedCurve) -> const_oid::ObjectIdentifier {
    use idgate_emrtd::emulator::signature::oids;
    match curve {
        NamedCurve::NistP192 => oids::SECP192R1,
        NamedCurve::NistP224 => oids::SECP224R1,
        NamedCurve::BrainpoolP192r1 => oids::BRAINPOOL_P192R1,
        NamedCurve::BrainpoolP224r1 => oids::BRAINPOOL_P224R1,
        NamedCurve::BrainpoolP320r1 => oids::BRAINPOOL_P320R1,
        NamedCurve::NistP256 => oids::SECP256R1,
        NamedCurve::NistP384 => oids::SECP384R1,
        NamedCurve::NistP521 => oids::SECP521R1,
        NamedCurve::BrainpoolP256r1 => oids::BRAINPOOL_P256R1,
        NamedCurve::BrainpoolP384r1 => oids::BRAINPOOL_P384R1,
        NamedCurve::BrainpoolP512r1 => oids::BRAINPOOL_P512R1,
    }
}

/// X9.62 `ECParameters` (version 1, prime field, a, b, G, n, cofactor 1) of `curve`.
fn explicit_parameters(curve: NamedCurve) -> Result<Any, PkiError> {
    use der::asn1::{OctetString, Uint};
    #[derive(der::Sequence)]
    struct FieldId {
        field_type: const_oid::ObjectIdentifier,
        prime: Uint,
    }
    #[derive(der::Sequence)]
    struct Coefficients {
        a: OctetString,
        b: OctetString,
    }
    #[derive(der::Sequence)]
    struct EcParameters {
        version: u8,
        field_id: FieldId,
        curve: Coefficients,
        base: OctetString,
        order: Uint,
        cofactor: u8,
    }
    let g = idgate_emrtd::emulator::domain_params::ec::group(curve);
    let (a, b) = g.coefficients();
    Ok(Any::encode_from(&EcParameters {
        version: 1,
        field_id: FieldId {
            field_type: idgate_emrtd::emulator::signature::oids::PRIME_FIELD,
            prime: Uint::new(&g.field_modulus())?,
        },
        curve: Coefficients {
            a: OctetString::new(a)?,
            b: OctetString::new(b)?,
        },
        base: OctetString::new(g.generator())?,
        order: Uint::new(&g.order())?,
        cofactor: 1,
    })?)
}

/// Personalises `profile` (EF.CardAccess, DG14, DG15, EF.SOD) and returns the chip's secrets and
/// the trust anchors. The data groups are hashed exactly as the chip will serve them.
pub fn personalise(
    profile: &mut PassportProfile,
    opts: &SecurityOptions,
) -> Result<PassportSecurity, PkiError> {
    let mut chip = ChipSecurity {
        pace: opts.pace.clone(),
        password: None,
        ca: None,
        aa: None,
        state: State::Idle,
    };
    // PACE password: the MRZ information (CAN support: `ChipSecurity::with_can`).
    let key = profile
        .access_key()
        .map_err(|e| PkiError::Key(e.to_string()))?;
    chip.password = Some(Zeroizing::new(
        Sha1::digest(key.mrz_information().as_bytes()).to_vec(),
    ));
    if !opts.pace.is_empty() {
        profile.card_access = Some(security_files::card_access(&opts.pace)?);
    }
    match opts.tamper {
        Tamper::GarbageCardAccess => {
            // SET { SEQUENCE { INTEGER 2 } }: well-formed TLV, not a SecurityInfo.
            profile.card_access = Some(vec![0x31, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]);
        }
        Tamper::HiddenCardAccess => profile.card_access = None,
        Tamper::WeakerPaceOffered => {
            let weaker: Vec<(PaceProtocol, u32)> = opts
                .pace
                .iter()
                .map(|(p, id)| {
                    (
                        PaceProtocol {
                            cipher: SymmetricCipher::Tdes,
                            ..*p
                        },
                        *id,
                    )
                })
                .collect();
            chip.pace.extend(weaker.iter().copied());
            profile.card_access = Some(security_files::card_access(&weaker)?);
        }
        _ => {}
    }

    let mut aa_algorithm = None;
    let mut dg15 = None;
    if let Some(kind) = opts.active_auth {
        let (signing, public) = match kind {
            AaKind::Rsa2048 => {
                let k = crate::pki::SignerKey::generate(KeyKind::Rsa2048, 2)?;
                let crate::pki::SignerKey::Rsa(sk) = &k else {
                    return Err(PkiError::Key("RSA".into()));
                };
                let private: &rsa::PrivateKey = sk.as_ref();
                (AaKey::Rsa(Box::new(private.clone())), k.public_key_info()?)
            }
            AaKind::EcdsaP256 => {
                let k = crate::pki::SignerKey::generate(KeyKind::EcdsaP256, 0)?;
                let crate::pki::SignerKey::P256(sk) = &k else {
                    return Err(PkiError::Key("P-256".into()));
                };
                aa_algorithm = Some(const_oid::ObjectIdentifier::new_unwrap(
                    "0.4.0.127.0.7.1.1.4.1.3",
                ));
                (AaKey::P256(sk.clone()), k.public_key_info()?)
            }
        };
        dg15 = Some(security_files::dg15(&public)?);
        chip.aa = Some(if opts.tamper == Tamper::WrongAaKey {
            // The clone signs with a key of its own: DG15 (copied) names another.
            match kind {
                AaKind::Rsa2048 => {
                    let other = crate::pki::SignerKey::generate(KeyKind::Rsa2048, 3)?;
                    match other {
                        crate::pki::SignerKey::Rsa(sk) => {
                            AaKey::Rsa(Box::new(AsRef::<rsa::PrivateKey>::as_ref(&sk).clone()))
                        }
                        _ => return Err(PkiError::Key("RSA".into())),
                    }
                }
                AaKind::EcdsaP256 => {
                    match crate::pki::SignerKey::generate(KeyKind::EcdsaP256, 0)? {
                        crate::pki::SignerKey::P256(sk) => AaKey::P256(sk),
                        _ => return Err(PkiError::Key("P-256".into())),
                    }
                }
            }
        } else {
            signing
        });
    }

    let mut dg14 = None;
    if let Some((protocol, curve)) = opts.chip_auth {
        let group = Group::curve(curve);
        let private = random_scalar(&group)?;
        let public = group
            .public_key(&private)
            .map_err(|e| PkiError::Key(e.to_string()))?;
        dg14 = Some(security_files::dg14(
            &ChipAuthKeyInfo {
                protocol,
                parameters: if opts.explicit_curve_parameters {
                    explicit_parameters(curve)?
                } else {
                    Any::encode_from(&curve_oid(curve))?
                },
                public_key: public,
                key_id: None,
            },
            &opts.pace,
            aa_algorithm,
        )?);
        let chip_private = if opts.tamper == Tamper::FailedCa {
            random_scalar(&group)?
        } else {
            private
        };
        chip.ca = Some(CaKey {
            protocol,
            group,
            private: chip_private,
        });
    }
    for (file, bytes) in [(LdsFile::DG14, dg14), (LdsFile::DG15, dg15)] {
        if let Some(b) = bytes {
            profile.extra_files.retain(|(f, _)| *f != file);
            profile.extra_files.push((file, b));
        }
    }

    // The PKI: the trusted CSCA, and the DS that signs this passport's EF.SOD.
    let validity = valid_around(opts.now);
    let mut csca = Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, validity)?;
    let mut trust = TrustStore::new();
    trust.add_csca(csca.certificate.clone());
    let ds = match opts.tamper {
        Tamper::UnknownCsca => {
            let mut rogue = Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, validity)?;
            rogue.issue_document_signer("DS Utopia", opts.ds_key, validity)?
        }
        Tamper::ExpiredDs => {
            let year = Duration::from_secs(365 * 24 * 3600);
            csca.issue_document_signer(
                "DS Utopia",
                opts.ds_key,
                (opts.now - 3 * year, opts.now - year),
            )?
        }
        _ => csca.issue_document_signer("DS Utopia", opts.ds_key, validity)?,
    };
    if opts.tamper == Tamper::RevokedDs {
        trust.add_crl(csca.crl(&[&ds.certificate], opts.now - Duration::from_secs(3600))?);
    } else {
        trust.add_crl(csca.crl(&[], opts.now - Duration::from_secs(3600))?);
    }
    let personalised =
        crate::lds::Personalisation::build(profile).map_err(|e| PkiError::Key(e.to_string()))?;
    let dgs: Vec<(u8, Vec<u8>)> = personalised
        .application
        .iter()
        .filter_map(|f| match f.file {
            LdsFile::Dg(n) => Some((n, f.content.to_vec())),
            _ => None,
        })
        .collect();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    profile.sod = Some(sod::sign_sod(&ds, HashAlgorithm::Sha256, &refs)?);
    match opts.tamper {
        // After signing: the holder's name changes in DG1.
        Tamper::AlteredDg1 => profile.mrz.primary_identifier = "Impostor".into(),
        Tamper::HiddenDg15 => profile.extra_files.retain(|(f, _)| *f != LdsFile::DG15),
        Tamper::Dg15NotInCom => {
            let tags: Vec<u8> = personalised
                .application
                .iter()
                .filter(|f| !matches!(f.file, LdsFile::Com | LdsFile::Sod | LdsFile::DG15))
                .filter_map(|f| f.file.tag().and_then(|t| u8::try_from(t).ok()))
                .collect();
            profile
                .extra_files
                .push((LdsFile::Com, crate::lds::ef_com(&tags)));
        }
        _ => {}
    }
    Ok(PassportSecurity { chip, trust })
}

/// The Active Authentication private key.
#[derive(Clone)]
enum AaKey {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

/// The Chip Authentication private key.
#[derive(Clone)]
struct CaKey {
    protocol: CaProtocol,
    group: Group,
    private: Zeroizing<Vec<u8>>,
}

#[derive(Clone)]
enum State {
    Idle,
    PaceSelected {
        protocol: PaceProtocol,
        base: Group,
    },
    PaceNonce {
        protocol: PaceProtocol,
        base: Group,
        nonce: Zeroizing<Vec<u8>>,
    },
    PaceMapped {
        protocol: PaceProtocol,
        group: Group,
        map_private: Option<Zeroizing<Vec<u8>>>,
        base: Group,
    },
    PaceKeys {
        protocol: PaceProtocol,
        public_key_tag: u8,
        k_enc: Zeroizing<Vec<u8>>,
        k_mac: Zeroizing<Vec<u8>>,
        chip_public: Vec<u8>,
        terminal_public: Vec<u8>,
        map_private: Option<Zeroizing<Vec<u8>>>,
        base: Group,
    },
    CaSelected,
}

/// The chip's security protocol engine.
#[derive(Clone)]
pub struct ChipSecurity {
    pace: Vec<(PaceProtocol, u32)>,
    password: Option<Zeroizing<Vec<u8>>>,
    ca: Option<CaKey>,
    aa: Option<AaKey>,
    state: State,
}

impl fmt::Debug for ChipSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipSecurity")
            .field("pace", &self.pace)
            .field("ca", &self.ca.as_ref().map(|c| c.protocol))
            .finish_non_exhaustive()
    }
}

/// What the chip answers, and whether secure messaging changes after the answer.
pub struct SecurityReply {
    pub response: ResponseApdu,
    pub new_session: Option<SecureMessaging>,
}

impl fmt::Debug for SecurityReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecurityReply({:?}, new session: {})",
            self.response,
            self.new_session.is_some()
        )
    }
}

fn reply(sw: StatusWord) -> SecurityReply {
    SecurityReply {
        response: ResponseApdu::status(sw),
        new_session: None,
    }
}

fn data(bytes: Vec<u8>) -> SecurityReply {
    SecurityReply {
        response: ResponseApdu::new(bytes, StatusWord::OK),
        new_session: None,
    }
}

fn session(cipher: SymmetricCipher, k_enc: &[u8], k_mac: &[u8]) -> Option<SecureMessaging> {
    SecureMessaging::for_cipher(cipher, k_enc, k_mac).ok()
}

fn token(
    cipher: SymmetricCipher,
    k_mac: &[u8],
    oid: &const_oid::ObjectIdentifier,
    tag: u8,
    public: &[u8],
) -> Option<[u8; 8]> {
    let mut inner = tlv::encode(0x06, oid.as_bytes());
    inner.extend(tlv::encode(u32::from(tag), public));
    cipher.mac8(k_mac, &tlv::encode(0x7F49, &inner)).ok()
}

/// The one child of `7C` with `tag`.
fn dynamic(cmd: &CommandApdu, tag: u32) -> Option<Vec<u8>> {
    let outer = tlv::parse_tagged(&cmd.data, 0x7C).ok()?;
    outer.child(tag).ok()?.map(|t| t.value.to_vec())
}

impl ChipSecurity {
    /// Whether this engine answers `ins`.
    pub fn handles(ins: u8) -> bool {
        matches!(ins, 0x22 | 0x86 | 0x88)
    }

    /// Uses a CAN as the PACE password instead of the MRZ information.
    pub fn with_can(mut self, can: &str) -> Self {
        self.password = Some(Zeroizing::new(can.as_bytes().to_vec()));
        self
    }

    /// Answers MSE, GENERAL AUTHENTICATE and INTERNAL AUTHENTICATE. `protected` says whether the
    /// command came under secure messaging.
    pub fn handle(
        &mut self,
        cmd: &CommandApdu,
        protected: bool,
        rng: &mut dyn RandomSource,
    ) -> SecurityReply {
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0xC1, 0xA4) if !protected => self.pace_set_at(cmd),
            (0x86, 0x00, 0x00) if !protected && !matches!(self.state, State::CaSelected) => {
                self.pace_step(cmd, rng)
            }
            (0x22, 0x41, 0xA4) if protected => self.ca_set_at(cmd),
            (0x22, 0x41, 0xA6) if protected => self.ca_set_kat(cmd),
            (0x86, 0x00, 0x00) if protected => self.ca_general_authenticate(cmd, rng),
            (0x88, 0x00, 0x00) if protected => self.internal_authenticate(cmd, rng),
            _ => reply(StatusWord::CONDITIONS_NOT_SATISFIED),
        }
    }

    fn pace_set_at(&mut self, cmd: &CommandApdu) -> SecurityReply {
        self.state = State::Idle;
        let Ok(objects) = tlv::parse_all(&cmd.data) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let get = |t: u32| objects.iter().find(|o| o.tag == t).map(|o| o.value);
        let Some(oid) = get(0x80).and_then(|v| const_oid::ObjectIdentifier::from_bytes(v).ok())
        else {
            return reply(StatusWord::WRONG_DATA);
        };
        let Some(protocol) = PaceProtocol::from_oid(&oid) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let param = get(0x84).and_then(|v| v.first().copied()).map(u32::from);
        let Some((_, id)) = self
            .pace
            .iter()
            .find(|(p, id)| *p == protocol && param.is_none_or(|x| x == *id))
        else {
            return reply(StatusWord::WRONG_DATA);
        };
        if get(0x83) != Some(&[0x01][..]) && get(0x83) != Some(&[0x02][..]) {
            return reply(StatusWord(0x6A88));
        }
        let Ok(base) = Group::standardized(*id) else {
            return reply(StatusWord::WRONG_DATA);
        };
        self.state = State::PaceSelected { protocol, base };
        reply(StatusWord::OK)
    }

    fn pace_step(&mut self, cmd: &CommandApdu, rng: &mut dyn RandomSource) -> SecurityReply {
        let state = std::mem::replace(&mut self.state, State::Idle);
        match state {
            State::PaceSelected { protocol, base } => {
                let cipher = protocol.cipher;
                // l ≥ k in whole blocks (ICAO 9303 Part 11 §4.4.3.3): 16 bytes for 3DES and AES-128,
                // 32 for AES-192/256.
                let nonce_len = if cipher.key_len() > 16 { 32 } else { 16 };
                let mut nonce = Zeroizing::new(vec![0u8; nonce_len]);
                if rng.fill(&mut nonce).is_err() {
                    return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                }
                let Some(password) = &self.password else {
                    return reply(StatusWord::CONDITIONS_NOT_SATISFIED);
                };
                let k_pi = cipher.kdf(password, KdfPurpose::Password);
                let zero_iv = vec![0u8; cipher.block_len()];
                let Ok(z) = cipher.cbc_encrypt(&k_pi, &zero_iv, &nonce) else {
                    return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                };
                self.state = State::PaceNonce {
                    protocol,
                    base,
                    nonce,
                };
                data(tlv::encode(0x7C, &tlv::encode(0x80, &z)))
            }
            State::PaceNonce {
                protocol,
                base,
                nonce,
            } => {
                let Some(mapping_data) = dynamic(cmd, 0x81) else {
                    return reply(StatusWord::WRONG_DATA);
                };
                match protocol.mapping {
                    PaceMapping::EcdhIntegrated | PaceMapping::DhIntegrated => {
                        let mapped = match &base {
                            Group::Ec { curve, .. } => integrated_mapping::map_ec(
                                *curve,
                                protocol.cipher,
                                &nonce,
                                &mapping_data,
                            ),
                            Group::Dh(g) => integrated_mapping::map_dh(
                                g,
                                protocol.cipher,
                                &nonce,
                                &mapping_data,
                            ),
                        };
                        let Some(group) = mapped.ok().and_then(|g| base.with_generator(g).ok())
                        else {
                            return reply(StatusWord::WRONG_DATA);
                        };
                        self.state = State::PaceMapped {
                            protocol,
                            group,
                            map_private: None,
                            base,
                        };
                        data(tlv::encode(0x7C, &tlv::encode(0x82, &[])))
                    }
                    _ => {
                        let Ok(sk) = base.random_private(rng) else {
                            return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                        };
                        let (Ok(pk), Ok(h)) = (
                            base.public_key(&sk),
                            base.shared_element(&sk, &mapping_data),
                        ) else {
                            return reply(StatusWord::WRONG_DATA);
                        };
                        let Ok(group) = base.map_generic(&nonce, &h) else {
                            return reply(StatusWord::WRONG_DATA);
                        };
                        self.state = State::PaceMapped {
                            protocol,
                            group,
                            map_private: Some(sk),
                            base,
                        };
                        data(tlv::encode(0x7C, &tlv::encode(0x82, &pk)))
                    }
                }
            }
            State::PaceMapped {
                protocol,
                group,
                map_private,
                base,
            } => {
                let Some(terminal_public) = dynamic(cmd, 0x83) else {
                    return reply(StatusWord::WRONG_DATA);
                };
                let Ok(sk) = group.random_private(rng) else {
                    return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                };
                let (Ok(chip_public), Ok(k)) = (
                    group.public_key(&sk),
                    group.shared_secret(&sk, &terminal_public),
                ) else {
                    return reply(StatusWord::WRONG_DATA);
                };
                let cipher = protocol.cipher;
                self.state = State::PaceKeys {
                    protocol,
                    public_key_tag: group.public_key_tag(),
                    k_enc: cipher.kdf(&k, KdfPurpose::Enc),
                    k_mac: cipher.kdf(&k, KdfPurpose::Mac),
                    chip_public: chip_public.clone(),
                    terminal_public,
                    map_private,
                    base,
                };
                data(tlv::encode(0x7C, &tlv::encode(0x84, &chip_public)))
            }
            State::PaceKeys {
                protocol,
                public_key_tag,
                k_enc,
                k_mac,
                chip_public,
                terminal_public,
                map_private,
                base,
            } => {
                let cipher = protocol.cipher;
                let oid = protocol.oid();
                let (Some(t_pcd), Some(expected)) = (
                    dynamic(cmd, 0x85),
                    token(cipher, &k_mac, &oid, public_key_tag, &chip_public),
                ) else {
                    return reply(StatusWord::WRONG_DATA);
                };
                if t_pcd != expected {
                    // The terminal used another password: authentication failed.
                    return reply(StatusWord::AUTH_FAILED);
                }
                let Some(t_ic) = token(cipher, &k_mac, &oid, public_key_tag, &terminal_public)
                else {
                    return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                };
                let mut body = tlv::encode(0x86, &t_ic);
                if protocol.mapping == PaceMapping::EcdhChipAuthentication {
                    // CA_IC = SK_IC⁻¹ · SK_Map,IC mod n (ICAO 9303 Part 11 §4.4.3.5.1).
                    let (Some(ca), Some(map_sk), Group::Ec { curve, .. }) =
                        (&self.ca, &map_private, &base)
                    else {
                        return reply(StatusWord::CONDITIONS_NOT_SATISFIED);
                    };
                    let Ok(ca_data) = curve.scalar_mul_inverse(map_sk, &ca.private) else {
                        return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                    };
                    let Ok(enc) = encrypt_ca_data(cipher, &k_enc, &ca_data) else {
                        return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
                    };
                    body.extend(tlv::encode(0x8A, &enc));
                }
                SecurityReply {
                    response: ResponseApdu::new(tlv::encode(0x7C, &body), StatusWord::OK),
                    new_session: session(cipher, &k_enc, &k_mac),
                }
            }
            _ => reply(StatusWord::CONDITIONS_NOT_SATISFIED),
        }
    }

    fn ca_set_at(&mut self, cmd: &CommandApdu) -> SecurityReply {
        let Some(ca) = &self.ca else {
            return reply(StatusWord::FUNCTION_NOT_SUPPORTED);
        };
        let Ok(objects) = tlv::parse_all(&cmd.data) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let oid = objects
            .iter()
            .find(|o| o.tag == 0x80)
            .and_then(|o| const_oid::ObjectIdentifier::from_bytes(o.value).ok());
        if oid != Some(ca.protocol.oid()) {
            return reply(StatusWord::WRONG_DATA);
        }
        self.state = State::CaSelected;
        reply(StatusWord::OK)
    }

    fn ca_set_kat(&mut self, cmd: &CommandApdu) -> SecurityReply {
        let Some(ca) = &self.ca else {
            return reply(StatusWord::FUNCTION_NOT_SUPPORTED);
        };
        let Ok(objects) = tlv::parse_all(&cmd.data) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let Some(terminal) = objects
            .iter()
            .find(|o| o.tag == 0x91)
            .map(|o| o.value.to_vec())
        else {
            return reply(StatusWord::WRONG_DATA);
        };
        let Ok(k) = ca.group.shared_secret(&ca.private, &terminal) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let cipher = ca.protocol.cipher;
        SecurityReply {
            response: ResponseApdu::status(StatusWord::OK),
            new_session: session(
                cipher,
                &cipher.kdf(&k, KdfPurpose::Enc),
                &cipher.kdf(&k, KdfPurpose::Mac),
            ),
        }
    }

    fn ca_general_authenticate(
        &mut self,
        cmd: &CommandApdu,
        rng: &mut dyn RandomSource,
    ) -> SecurityReply {
        if !matches!(
            std::mem::replace(&mut self.state, State::Idle),
            State::CaSelected
        ) {
            return reply(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let Some(ca) = &self.ca else {
            return reply(StatusWord::FUNCTION_NOT_SUPPORTED);
        };
        let Some(terminal) = dynamic(cmd, 0x80) else {
            return reply(StatusWord::WRONG_DATA);
        };
        let Ok(k) = ca.group.shared_secret(&ca.private, &terminal) else {
            return reply(StatusWord::WRONG_DATA);
        };
        // TR-03110 CA version 2: a nonce r and a token over the terminal's key.
        let mut nonce = [0u8; 8];
        if rng.fill(&mut nonce).is_err() {
            return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
        }
        let mut seed = Zeroizing::new(k.to_vec());
        seed.extend_from_slice(&nonce);
        let cipher = ca.protocol.cipher;
        let k_enc = cipher.kdf(&seed, KdfPurpose::Enc);
        let k_mac = cipher.kdf(&seed, KdfPurpose::Mac);
        let Some(t) = token(
            cipher,
            &k_mac,
            &ca.protocol.oid(),
            ca.group.public_key_tag(),
            &terminal,
        ) else {
            return reply(StatusWord::NO_PRECISE_DIAGNOSIS);
        };
        let mut body = tlv::encode(0x81, &nonce);
        body.extend(tlv::encode(0x82, &t));
        SecurityReply {
            response: ResponseApdu::new(tlv::encode(0x7C, &body), StatusWord::OK),
            new_session: session(cipher, &k_enc, &k_mac),
        }
    }

    fn internal_authenticate(
        &mut self,
        cmd: &CommandApdu,
        rng: &mut dyn RandomSource,
    ) -> SecurityReply {
        let Some(aa) = &self.aa else {
            return reply(StatusWord::INS_NOT_SUPPORTED);
        };
        if cmd.data.len() != 8 {
            return reply(StatusWord::WRONG_DATA);
        }
        match aa {
            AaKey::P256(sk) => {
                let digest = HashAlgorithm::Sha256.digest(&cmd.data);
                match PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(sk, &digest) {
                    Ok(sig) => data(sig.to_bytes().to_vec()),
                    Err(_) => reply(StatusWord::NO_PRECISE_DIAGNOSIS),
                }
            }
            AaKey::Rsa(sk) => match sign_iso9796_2(sk, &cmd.data, rng) {
                Some(sig) => data(sig),
                None => reply(StatusWord::NO_PRECISE_DIAGNOSIS),
            },
        }
    }
}

/// ISO/IEC 9796-2 scheme 1 with SHA-1 (trailer BC): F = 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC,
/// signature = F^d mod n. M1 is random, as a chip's would be.
fn sign_iso9796_2(
    key: &rsa::PrivateKey,
    challenge: &[u8],
    rng: &mut dyn RandomSource,
) -> Option<Vec<u8>> {
    let n = key.n().as_ref().clone();
    let len = n.to_be_bytes_trimmed_vartime().len();
    let mut m1 = vec![0u8; len.checked_sub(22)?];
    rng.fill(&mut m1).ok()?;
    let mut f = Zeroizing::new(Vec::with_capacity(len));
    f.push(0x6A);
    f.extend_from_slice(&m1);
    let mut h = Sha1::new();
    h.update(&m1);
    h.update(challenge);
    f.extend_from_slice(&h.finalize());
    f.push(0xBC);
    let bits = n.bits_precision();
    let fu = BoxedUint::from_be_slice(&f, bits).ok()?;
    let params =
        BoxedMontyParams::new_vartime(Option::<Odd<BoxedUint>>::from(Odd::new(n.clone()))?);
    let s = BoxedMontyForm::new(fu, &params).pow(key.d()).retrieve();
    let bytes = s.to_be_bytes();
    let start = bytes.len().checked_sub(len)?;
    Some(bytes.get(start..)?.to_vec())
}

/// The DER public key of a SubjectPublicKeyInfo-capable key (helper for tests).
pub fn spki_der(key: &impl EncodePublicKey) -> Option<SubjectPublicKeyInfoOwned> {
    let der = key.to_public_key_der().ok()?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).ok()
}
