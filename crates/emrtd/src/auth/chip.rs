//! Chip Authentication (ICAO 9303 Part 11 §6.2, BSI TR-03110 Part 2 §3.4): an ephemeral-static key
//! agreement with the chip's key from DG14 proves the chip holds DG14's private key and gives new
//! secure messaging keys (SSC 0).
//!
//! 3DES: MSE:Set KAT with the ephemeral key. AES: MSE:Set AT (OID, key id) then GENERAL AUTHENTICATE
//! with the ephemeral key; when the chip answers with a nonce and token (TR-03110 CA version 2), the
//! keys derive from K ‖ nonce and the token is checked.

use std::fmt;

use der::Decode;
use der::asn1::{AnyRef, UintRef};
use elliptic_curve::subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::cipher::{KdfPurpose, SymmetricCipher};
use crate::crypto::domain_params::{DhGroup, Group, GroupError};
use crate::crypto::random::{RandomError, RandomSource};
use crate::crypto::signature::{self, CurveRef};
use crate::iso7816::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::iso7816::tlv;
use crate::lds::security_infos::{
    CaProtocol, ChipAuthPublicKeyInfo, SecurityInfos, SecurityInfosError,
};

/// Why Chip Authentication did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChipAuthError {
    #[error("DG14: {0}")]
    Dg14(#[from] SecurityInfosError),
    #[error("DG14 offers no Chip Authentication key")]
    NotOffered,
    #[error("Chip Authentication variant not supported: {0}")]
    Unsupported(String),
    #[error("{step} answered {sw}")]
    Refused { step: &'static str, sw: StatusWord },
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("the chip's authentication token does not verify")]
    TokenMismatch,
    #[error("key agreement: {0}")]
    Group(GroupError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl ChipAuthError {
    /// Whether the chip failed to prove it holds DG14's key (→ `chip.not_genuine`).
    pub fn is_authenticity_failure(&self) -> bool {
        matches!(
            self,
            ChipAuthError::TokenMismatch | ChipAuthError::Refused { .. }
        )
    }
}

impl From<ChipAuthError> for crate::ChipError {
    fn from(e: ChipAuthError) -> Self {
        match e {
            ChipAuthError::Random(r) => crate::ChipError::Random(r),
            e => crate::ChipError::from_authentication(
                &e,
                e.is_authenticity_failure(),
                "chip_auth",
                "Chip Authentication",
            ),
        }
    }
}

/// The chip's static key agreement key from DG14.
#[derive(Clone)]
pub struct ChipKey {
    pub group: Group,
    /// SEC1 point (ECDH) or p-length value (DH).
    pub public: Vec<u8>,
    pub key_id: Option<Vec<u8>>,
}

impl fmt::Debug for ChipKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipKey({:?}, keyId {:?})", self.group, self.key_id)
    }
}

#[derive(der::Sequence)]
struct DhDomain<'a> {
    p: UintRef<'a>,
    g: UintRef<'a>,
    third: Option<UintRef<'a>>,
}

impl ChipKey {
    /// The key of a ChipAuthenticationPublicKeyInfo.
    pub fn from_info(info: &ChipAuthPublicKeyInfo) -> Result<Self, ChipAuthError> {
        let spki = &info.public_key;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| ChipAuthError::Malformed("public key bit string".into()))?;
        let params = spki.algorithm.parameters.as_ref().map(AnyRef::from);
        let (group, public) = if info.ecdh {
            let group = match signature::curve_of(params)
                .map_err(|e| ChipAuthError::Unsupported(e.to_string()))?
            {
                CurveRef::Named(c) => Group::curve(c),
                CurveRef::Explicit(_) => {
                    return Err(ChipAuthError::Unsupported(
                        "ECDH on a curve without a constant-time implementation".into(),
                    ));
                }
            };
            (group, bits.to_vec())
        } else {
            let domain = params
                .ok_or_else(|| ChipAuthError::Malformed("DH key without parameters".into()))?
                .decode_as::<DhDomain<'_>>()
                .map_err(|e| ChipAuthError::Malformed(format!("DH parameters: {e}")))?;
            // X9.42 DomainParameters carry q third; PKCS#3 DHParameter a small privateValueLength.
            let q = domain
                .third
                .filter(|t| t.as_bytes().len() > 8)
                .map(|t| t.as_bytes());
            let dh = DhGroup::new(domain.p.as_bytes(), domain.g.as_bytes(), q)
                .map_err(|e| ChipAuthError::Group(e.into()))?;
            let y = UintRef::from_der(bits)
                .map_err(|e| ChipAuthError::Malformed(format!("DH public value: {e}")))?;
            let public = crate::crypto::domain_params::ec::left_pad(y.as_bytes(), dh.byte_len());
            (Group::Dh(dh), public)
        };
        group.check_public(&public).map_err(ChipAuthError::Group)?;
        Ok(Self {
            group,
            public,
            key_id: info.key_id.clone(),
        })
    }
}

/// The protocol and key DG14 offers, paired by key id.
pub fn select_from_dg14(dg14: &[u8]) -> Result<(CaProtocol, ChipKey), ChipAuthError> {
    let infos = SecurityInfos::parse_dg14(dg14)?;
    select(&infos)
}

/// As [`select_from_dg14`] on parsed SecurityInfos. Without a ChipAuthenticationInfo (early
/// passports) the protocol is CA with 3DES and the key's algorithm (ICAO 9303 Part 11 §6.2.3).
pub(crate) fn select(infos: &SecurityInfos) -> Result<(CaProtocol, ChipKey), ChipAuthError> {
    let keys: Vec<&ChipAuthPublicKeyInfo> = infos.chip_auth_public_keys().collect();
    if keys.is_empty() {
        return Err(ChipAuthError::NotOffered);
    }
    let mut last_error = ChipAuthError::NotOffered;
    let mut cas: Vec<_> = infos.chip_auth_infos().collect();
    // Prefer AES over 3DES.
    cas.sort_by_key(|c| c.protocol.cipher == SymmetricCipher::Tdes);
    for ca in &cas {
        for key in keys.iter().filter(|k| {
            k.ecdh == ca.protocol.ecdh
                && (ca.key_id.is_none() || k.key_id.is_none() || k.key_id == ca.key_id)
        }) {
            match ChipKey::from_info(key) {
                Ok(k) => return Ok((ca.protocol, k)),
                Err(e) => last_error = e,
            }
        }
    }
    if cas.is_empty() {
        if let Some(key) = keys.first() {
            let k = ChipKey::from_info(key)?;
            return Ok((
                CaProtocol {
                    ecdh: key.ecdh,
                    cipher: SymmetricCipher::Tdes,
                },
                k,
            ));
        }
    }
    Err(last_error)
}

/// New secure messaging keys after Chip Authentication.
pub(crate) struct ChipAuthOutcome {
    pub cipher: SymmetricCipher,
    pub k_enc: Zeroizing<Vec<u8>>,
    pub k_mac: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ChipAuthOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipAuthOutcome({:?}, <keys redacted>)", self.cipher)
    }
}

impl ChipAuthOutcome {
    /// Secure messaging with the new keys, SSC 0.
    pub(crate) fn secure_messaging(
        &self,
    ) -> Result<crate::iso7816::sm::SecureMessaging, crate::iso7816::sm::SmError> {
        crate::iso7816::sm::SecureMessaging::for_cipher(self.cipher, &self.k_enc, &self.k_mac)
    }
}

/// The next move.
#[derive(Debug)]
pub(crate) enum ChipAuthStep {
    Send(CommandApdu),
    Done(ChipAuthOutcome),
}

enum State {
    Start,
    SetKat,
    SetAt,
    GeneralAuthenticate,
    Finished,
}

/// One Chip Authentication run.
pub(crate) struct ChipAuthentication {
    protocol: CaProtocol,
    key: ChipKey,
    state: State,
    eph_private: Zeroizing<Vec<u8>>,
    eph_public: Vec<u8>,
}

impl fmt::Debug for ChipAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipAuthentication({:?}, {:?})", self.protocol, self.key)
    }
}

impl ChipAuthentication {
    pub(crate) fn new(protocol: CaProtocol, key: ChipKey) -> Self {
        Self {
            protocol,
            key,
            state: State::Start,
            eph_private: Zeroizing::new(Vec::new()),
            eph_public: Vec::new(),
        }
    }

    fn key_id_tlv(&self) -> Vec<u8> {
        self.key
            .key_id
            .as_ref()
            .map(|id| tlv::encode(0x84, id))
            .unwrap_or_default()
    }

    /// Generates the ephemeral key pair and returns the first command.
    pub(crate) fn start(
        &mut self,
        rng: &mut dyn RandomSource,
    ) -> Result<CommandApdu, ChipAuthError> {
        let sk = self.key.group.random_private(rng).map_err(|e| match e {
            GroupError::Random(r) => ChipAuthError::Random(r),
            other => ChipAuthError::Group(other),
        })?;
        self.eph_public = self
            .key
            .group
            .public_key(&sk)
            .map_err(ChipAuthError::Group)?;
        self.eph_private = sk;
        Ok(self.first_command())
    }

    /// As [`start`](Self::start) with a given ephemeral private key (worked examples).
    #[cfg(test)]
    pub(crate) fn start_with_key(&mut self, private: &[u8]) -> Result<CommandApdu, ChipAuthError> {
        self.eph_public = self
            .key
            .group
            .public_key(private)
            .map_err(ChipAuthError::Group)?;
        self.eph_private = Zeroizing::new(private.to_vec());
        Ok(self.first_command())
    }

    fn first_command(&mut self) -> CommandApdu {
        if self.protocol.cipher == SymmetricCipher::Tdes {
            // MSE:Set KAT (ICAO 9303 Part 11 §6.2.4.1): 0x91 ephemeral public key, 0x84 key id.
            let mut data = tlv::encode(0x91, &self.eph_public);
            data.extend(self.key_id_tlv());
            self.state = State::SetKat;
            CommandApdu::new(0x00, 0x22, 0x41, 0xA6).with_data(data)
        } else {
            let mut data = tlv::encode(0x80, self.protocol.oid().as_bytes());
            data.extend(self.key_id_tlv());
            self.state = State::SetAt;
            CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(data)
        }
    }

    fn keys(&self, nonce: Option<&[u8]>) -> Result<ChipAuthOutcome, ChipAuthError> {
        let k = self
            .key
            .group
            .shared_secret(&self.eph_private, &self.key.public)
            .map_err(ChipAuthError::Group)?;
        let mut seed = Zeroizing::new(k.to_vec());
        if let Some(n) = nonce {
            seed.extend_from_slice(n);
        }
        let cipher = self.protocol.cipher;
        Ok(ChipAuthOutcome {
            cipher,
            k_enc: cipher.kdf(&seed, KdfPurpose::Enc),
            k_mac: cipher.kdf(&seed, KdfPurpose::Mac),
        })
    }

    /// Feeds the response to the last command.
    pub(crate) fn on_response(
        &mut self,
        resp: &ResponseApdu,
    ) -> Result<ChipAuthStep, ChipAuthError> {
        let state = std::mem::replace(&mut self.state, State::Finished);
        let step = match state {
            State::SetKat => "MSE:Set KAT",
            State::SetAt => "MSE:Set AT",
            State::GeneralAuthenticate => "GENERAL AUTHENTICATE",
            State::Start | State::Finished => {
                return Err(ChipAuthError::Malformed("response out of order".into()));
            }
        };
        if resp.sw != StatusWord::OK {
            return Err(ChipAuthError::Refused { step, sw: resp.sw });
        }
        match state {
            State::SetKat => Ok(ChipAuthStep::Done(self.keys(None)?)),
            State::SetAt => {
                self.state = State::GeneralAuthenticate;
                Ok(ChipAuthStep::Send(
                    CommandApdu::new(0x00, 0x86, 0x00, 0x00)
                        .with_data(tlv::encode(0x7C, &tlv::encode(0x80, &self.eph_public)))
                        .with_le(256),
                ))
            }
            State::GeneralAuthenticate => {
                let malformed = |e: tlv::TlvError| ChipAuthError::Malformed(e.to_string());
                let nonce_token = if resp.data.is_empty() {
                    None
                } else {
                    let outer = tlv::parse_tagged(&resp.data, 0x7C).map_err(malformed)?;
                    match (
                        outer.child(0x81).map_err(malformed)?,
                        outer.child(0x82).map_err(malformed)?,
                    ) {
                        (Some(n), Some(t)) => Some((n.value.to_vec(), t.value.to_vec())),
                        (None, None) => None,
                        _ => return Err(ChipAuthError::Malformed("nonce without token".into())),
                    }
                };
                match nonce_token {
                    None => Ok(ChipAuthStep::Done(self.keys(None)?)),
                    Some((nonce, token)) => {
                        let out = self.keys(Some(&nonce))?;
                        // T_PICC = MAC(KS_MAC, 7F49 { OID, ephemeral public key of the terminal }).
                        let mut inner = tlv::encode(0x06, self.protocol.oid().as_bytes());
                        inner.extend(tlv::encode(
                            u32::from(self.key.group.public_key_tag()),
                            &self.eph_public,
                        ));
                        let expected = self
                            .protocol
                            .cipher
                            .mac8(&out.k_mac, &tlv::encode(0x7F49, &inner))
                            .map_err(|e| ChipAuthError::Malformed(e.to_string()))?;
                        if token.len() == 8 && bool::from(expected.ct_eq(token.as_slice())) {
                            Ok(ChipAuthStep::Done(out))
                        } else {
                            Err(ChipAuthError::TokenMismatch)
                        }
                    }
                }
            }
            State::Start | State::Finished => {
                Err(ChipAuthError::Malformed("response out of order".into()))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::crypto::domain_params::NamedCurve;
    use crate::testing::hex as h;

    /// The chip's static key of the worked example's ECDH variant (brainpoolP256r1).
    fn worked_example_ecdh_key() -> ChipKey {
        ChipKey {
            group: Group::curve(NamedCurve::BrainpoolP256r1),
            public: h(
                "04A44EBE5451DF7AADB01E459B8C928A87746A57927C8C28A6775C97A7E1FE8D9A46FF4A1CC7E4D1389AEA19758E4F75C28C598FD734AEBEB135337CF95BE12E94",
            ),
            key_id: None,
        }
    }

    /// Answers `data` ‖ 9000; CA must go on with a command.
    fn next_command(ca: &mut ChipAuthentication, data: Vec<u8>) -> CommandApdu {
        match ca
            .on_response(&ResponseApdu::new(data, StatusWord::OK))
            .unwrap()
        {
            ChipAuthStep::Send(c) => c,
            ChipAuthStep::Done(_) => panic!("expected GENERAL AUTHENTICATE"),
        }
    }

    /// Answers `data` ‖ 9000; CA must finish.
    fn outcome(ca: &mut ChipAuthentication, data: Vec<u8>) -> ChipAuthOutcome {
        match ca
            .on_response(&ResponseApdu::new(data, StatusWord::OK))
            .unwrap()
        {
            ChipAuthStep::Done(out) => out,
            ChipAuthStep::Send(_) => panic!("expected done"),
        }
    }

    // BSI TR-03110 "Worked Example for EAC v2", CA with ECDH on brainpoolP256r1,
    // id-CA-ECDH-AES-CBC-CMAC-128, as in frankmorgner/openpace@40a5181 src/eactest.c (tc_ecdh_ca_*):
    // PCD ephemeral key, nonce and token give K_ENC/K_MAC.
    #[test]
    fn tr03110_worked_example_ca_ecdh() {
        let key = worked_example_ecdh_key();
        let protocol = CaProtocol {
            ecdh: true,
            cipher: SymmetricCipher::Aes128,
        };
        let mut ca = ChipAuthentication::new(protocol, key);
        let set_at = ca
            .start_with_key(&h(
                "00A6A4D255C5BF7A77EC3D0553DB74F693CF044E18C98364D4977A296108AF19BD",
            ))
            .unwrap();
        assert_eq!(
            set_at.to_bytes().unwrap(),
            h("002241A40C800A04007F00070202030202")
        );
        let ga = next_command(&mut ca, vec![]);
        assert_eq!(
            ga.to_bytes().unwrap(),
            h(
                "00860000457C438041045A7A377FC9CAFC03AC7FF45441A8B2909D88EAB8E6B0173847AB49B949DF3799A34EE57EC55268CF8B1C3EC489F8BF4CF4C68D3FD9670E89C0D5D3FFF1AAF89F00"
            )
        );
        let resp = h("7C14810842 87B3072A3EDC608208FF0117D68DEE8E72"
            .replace(' ', "")
            .as_str());
        let out = outcome(&mut ca, resp);
        assert_eq!(*out.k_enc, h("94ABCD271AB7D9A5590BA52CB518B831"));
        assert_eq!(*out.k_mac, h("78B5709E7ABEDB185B424D0EE3A82499"));
    }

    // The same worked example's DH variant (RFC 5114 1024-bit group, id-CA-DH-AES-CBC-CMAC-128;
    // openpace@40a5181 src/eactest.c tc_dh_ca_*).
    #[test]
    fn tr03110_worked_example_ca_dh() {
        let key = ChipKey {
            group: Group::standardized(0).unwrap(),
            public: h(
                "1B3345F8DC04341BF8B2C97F652FA680E5D4FA4C146AE4B839431A644A79BC368C4822C89CD018A57F953644BEDA679C5B532902320E83E13B80DEEF8C18AF3E7D493AE3F88196101B9F78EAFE4B3025EF8BFF916B2FC02D762D0838DEA29C09B485591C2F47F87C71F530BB358F56AF6459D86DBF85EAF9EDBD962CD364F7B8",
            ),
            key_id: None,
        };
        let mut ca = ChipAuthentication::new(
            CaProtocol {
                ecdh: false,
                cipher: SymmetricCipher::Aes128,
            },
            key,
        );
        ca.start_with_key(&h("00A2CFFD06C34AFD622EEE0FC31F093FDFDA609C67121CACF0A8F52291DE6853BB5C93CF76705775ECF408A74302613BEECB381447D36494C9E18951EC17252DD2A807AAE09FA4DC30183339013D9C9191303CACEE3C91E926A36D014A5CFA94950CADB37B534F32A9BF76B37980979304C5663871BD746EB9E95A47CA471B4EDE"))
            .unwrap();
        let ga = next_command(&mut ca, vec![]);
        // 7C 81 83 80 81 80 ‖ PCD public key (tc_dh_ca_pcd_pub_key).
        assert_eq!(
            ga.data,
            h(
                "7C8183808180A2830947A6FCAACDE2FCB88B29AB38E07C3453ABC4BCB466087E11C79F32A19E6EF22BE108F8DD18FE8249C960951511200DC985AA3EC0CCAD59A5F9BBCC33EE5F1577E20330B4DD10EB06B740277C97A189180EDE52BEE9D429F10FB77F180F05D6A99C499CB5E1ECEEB8E92284F66EA98479674CE73F53C567A03B0D297833"
            )
        );
        let resp = h("7C1481081A1AC1AB04D969658208756891580F70164D");
        let out = outcome(&mut ca, resp);
        assert_eq!(*out.k_enc, h("E813D09DF69FFCC63763C537F828985C"));
        assert_eq!(*out.k_mac, h("066721F3EBEA787B4F1C6DCA431EC229"));
    }

    #[test]
    fn a_wrong_token_is_an_authenticity_failure() {
        let key = worked_example_ecdh_key();
        let mut ca = ChipAuthentication::new(
            CaProtocol {
                ecdh: true,
                cipher: SymmetricCipher::Aes128,
            },
            key,
        );
        ca.start_with_key(&h(
            "00A6A4D255C5BF7A77EC3D0553DB74F693CF044E18C98364D4977A296108AF19BD",
        ))
        .unwrap();
        ca.on_response(&ResponseApdu::new(vec![], StatusWord::OK))
            .unwrap();
        let resp = h("7C1481084287B3072A3EDC608208FF0117D68DEE8E73");
        let err = ca
            .on_response(&ResponseApdu::new(resp, StatusWord::OK))
            .unwrap_err();
        assert_eq!(err, ChipAuthError::TokenMismatch);
        assert!(err.is_authenticity_failure());
    }

    #[test]
    fn dg14_sample_offers_ecdh_ca() {
        // ICAO 9303-10 sample DG14 (gmrtd/gmrtd@7f23b50 document/sample_document.go): explicit
        // brainpoolP384r1 parameters, id-CA-ECDH-AES-CBC-CMAC-256.
        let dg14 = h(
            "6e82021431820210308201c4060904007f000702020102308201b53082014d06072a8648ce3d020130820140020101303c06072a8648ce3d01010231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c110461041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c53150231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565020101036200047777b5202c812ea334f4295b6ae711f70cc77ca43a53560569603cb92fb55c084d714bcf291f3c4dbb8ead1278fca88c3d6adebd71f9e2de90cb0450f8ab7cdcba5af6752eb3c57ea7d5f126e21c10cedd0fcb6d7ff2f57a713306e59882b51d300f060a04007f00070202030204020101300d060804007f00070202020201013012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110",
        );
        let (protocol, key) = select_from_dg14(&dg14).unwrap();
        assert_eq!(
            protocol,
            CaProtocol {
                ecdh: true,
                cipher: SymmetricCipher::Aes256
            }
        );
        assert_eq!(format!("{:?}", key.group), "Group::Ec(BrainpoolP384r1)");
    }

    #[test]
    fn hostile_dg14_is_a_typed_error() {
        assert!(select_from_dg14(&[]).is_err());
        assert!(select_from_dg14(&h("6E023100")).is_err());
        assert_eq!(
            select_from_dg14(&h("6E023100")).unwrap_err(),
            ChipAuthError::NotOffered
        );
    }
}
