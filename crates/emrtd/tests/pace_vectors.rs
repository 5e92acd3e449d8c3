//! PACE against the published worked examples: the exact APDUs the terminal sends when fed the
//! example's fixed private keys, and the session keys it ends with.
#![allow(clippy::unwrap_used)]

use idgate_emrtd::ChipFailure;
use idgate_emrtd::ScriptedRandom;
use idgate_emrtd::emulator::{Pace, PaceError, PaceOutcome, PacePassword, PaceStep};
use idgate_emrtd::iso7816::apdu::{ResponseApdu, StatusWord};
use idgate_emrtd::lds::security_infos::{PaceInfo, SecurityInfos};
use idgate_mrz::ChipAccessKey;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("hex")
}

fn resp(hex_with_sw: &str) -> ResponseApdu {
    ResponseApdu::parse(&h(hex_with_sw)).expect("response")
}

fn send(step: PaceStep) -> Vec<u8> {
    match step {
        PaceStep::Send(c) => c.to_bytes().expect("encodes"),
        PaceStep::Done(_) => panic!("PACE finished early"),
    }
}

/// A private key as the random source must produce it: `random_private` reduces
/// (order length + 8) random bytes mod the order, so 8 leading zero bytes give the key itself.
fn key_bytes(key: &str) -> Vec<u8> {
    let mut v = vec![0u8; 8];
    v.extend(h(key));
    v
}

/// The PACEInfo a terminal picks from EF.CardAccess (hex).
fn best_pace(card_access: &str) -> PaceInfo {
    SecurityInfos::parse(&h(card_access))
        .unwrap()
        .best_pace()
        .unwrap()
        .clone()
}

/// PACE with the MRZ password of document number, date of birth and date of expiry.
fn mrz_pace(info: &PaceInfo, document: &str, birth: &str, expiry: &str) -> Pace {
    let key = ChipAccessKey::new(document, birth, expiry).unwrap();
    Pace::new(info, &PacePassword::mrz(&key)).unwrap()
}

/// The random source that yields these private keys, in order.
fn private_keys(keys: &[&str]) -> ScriptedRandom {
    let bytes: Vec<Vec<u8>> = keys.iter().map(|k| key_bytes(k)).collect();
    let chunks: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    ScriptedRandom::new(&chunks)
}

/// Plays a recorded trace: each command must be the recorded one (compared in lower-case hex), the
/// recorded response answers it; returns PACE's result.
fn replay(pace: &mut Pace, rng: &mut ScriptedRandom, trace: &[(&str, &str)]) -> PaceOutcome {
    let mut command = pace.start().to_bytes().expect("encodes");
    let mut outcome = None;
    for (expected, response) in trace {
        assert_eq!(hex::encode(&command), expected.to_lowercase());
        match pace.on_response(&resp(response), rng).unwrap() {
            PaceStep::Send(c) => command = c.to_bytes().expect("encodes"),
            PaceStep::Done(o) => outcome = Some(o),
        }
    }
    outcome.expect("PACE finished")
}

// ICAO 9303-11 Appendix G.1, ECDH Generic Mapping on brainpoolP256r1 with AES-128, as traced in
// gmrtd/gmrtd@7f23b50 pace/pace_test.go TestDoPace_GM_ECDH.
#[test]
fn icao_g1_ecdh_generic_mapping_apdus_and_keys() {
    let info = best_pace("31143012060A04007F0007020204020202010202010D");
    let mut pace = mrz_pace(&info, "T22000129", "640812", "101031");
    let mut rng = private_keys(&[
        "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
        "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    ]);

    assert_eq!(
        pace.start().to_bytes().expect("encodes"),
        h("0022C1A412800A04007F0007020204020283010184010D")
    );
    let ga1 = send(pace.on_response(&resp("9000"), &mut rng).unwrap());
    assert_eq!(ga1, h("10860000027C0000"));
    let ga2 = send(
        pace.on_response(
            &resp("7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
            &mut rng,
        )
        .unwrap(),
    );
    assert_eq!(
        ga2,
        h(
            "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00"
        )
    );
    let ga3 = send(
        pace.on_response(
            &resp("7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000"),
            &mut rng,
        )
        .unwrap(),
    );
    assert_eq!(
        ga3,
        h(
            "10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200"
        )
    );
    let ga4 = send(
        pace.on_response(
            &resp("7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000"),
            &mut rng,
        )
        .unwrap(),
    );
    assert_eq!(ga4, h("008600000C7C0A8508C2B0BD78D94BA86600"));
    let PaceStep::Done(outcome) = pace
        .on_response(&resp("7C0A86083ABB9674BCE93C089000"), &mut rng)
        .unwrap()
    else {
        panic!("PACE did not finish");
    };
    assert_eq!(*outcome.k_enc, h("F5F0E35C0D7161EE6724EE513A0D9A7F"));
    assert_eq!(*outcome.k_mac, h("FE251C7858B356B24514B3BD5F4297D1"));
    assert!(outcome.chip_authentication_mapping.is_none());
    assert!(!format!("{outcome:?}").contains("F5F0E3"));
}

/// Runs G.1 up to the final token exchange and returns the machine there.
fn g1_until_token() -> (Pace, ScriptedRandom) {
    let info = best_pace("31143012060A04007F0007020204020202010202010D");
    let mut pace = mrz_pace(&info, "T22000129", "640812", "101031");
    let mut rng = private_keys(&[
        "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
        "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    ]);
    for r in [
        "9000",
        "7C12801095A3A016522EE98D01E76CB6B98B42C39000",
        "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
        "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000",
    ] {
        pace.on_response(&resp(r), &mut rng).unwrap();
    }
    (pace, rng)
}

#[test]
fn a_wrong_password_is_reported_as_such() {
    let (mut pace, mut rng) = g1_until_token();
    let err = pace.on_response(&resp("6300"), &mut rng).unwrap_err();
    assert_eq!(err, PaceError::WrongPassword(StatusWord(0x6300)));
    assert_eq!(
        idgate_emrtd::ChipError::from(err).failure(),
        ChipFailure::WrongKey
    );
}

#[test]
fn a_forged_chip_token_is_an_authenticity_failure() {
    let (mut pace, mut rng) = g1_until_token();
    let err = pace
        .on_response(&resp("7C0A86083ABB9674BCE93C099000"), &mut rng)
        .unwrap_err();
    assert_eq!(err, PaceError::TokenMismatch);
    assert!(matches!(
        idgate_emrtd::ChipError::from(err).failure(),
        ChipFailure::NotGenuine { .. }
    ));
    // Short token, no token: typed errors too.
    let (mut pace, mut rng) = g1_until_token();
    assert_eq!(
        pace.on_response(&resp("7C0486023ABB9000"), &mut rng)
            .unwrap_err(),
        PaceError::TokenMismatch
    );
    let (mut pace, mut rng) = g1_until_token();
    assert!(matches!(
        pace.on_response(&resp("7C009000"), &mut rng).unwrap_err(),
        PaceError::Malformed { .. }
    ));
}

#[test]
fn a_chip_point_off_the_curve_is_rejected() {
    let info = best_pace("31143012060A04007F0007020204020202010202010D");
    let mut pace = mrz_pace(&info, "T22000129", "640812", "101031");
    let mut rng =
        private_keys(&["7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"]);
    pace.on_response(&resp("9000"), &mut rng).unwrap();
    pace.on_response(
        &resp("7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
        &mut rng,
    )
    .unwrap();
    // The G.1 chip mapping key with its last byte changed.
    let err = pace
        .on_response(
            &resp("7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C559000"),
            &mut rng,
        )
        .unwrap_err();
    assert!(matches!(err, PaceError::BadChipKey(_)), "{err:?}");
    // Once failed, the machine stays failed.
    assert!(pace.on_response(&resp("9000"), &mut rng).is_err());
}

// ICAO 9303-11 Appendix G.2, DH Generic Mapping on the RFC 5114 1024-bit group (parameter id 0),
// AES-128, as in ZeroPass/dmrtd@fb6f08f test/pace_test_dh.dart.
#[test]
fn icao_g2_dh_generic_mapping_tokens_and_keys() {
    // PACEInfo { id-PACE-DH-GM-AES-CBC-CMAC-128, 2, 0 }
    let info = best_pace("31143012060A04007F00070202040102020102020100");
    let mut pace = mrz_pace(&info, "T22000129", "640812", "101031");
    let mut rng = private_keys(&[
        "5265030F751F4AD18B08AC565FC7AC952E41618D",
        "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA",
    ]);
    assert_eq!(
        pace.start().to_bytes().expect("encodes"),
        h("0022C1A412800A04007F00070202040102830101840100")
    );
    pace.on_response(&resp("9000"), &mut rng).unwrap();
    let terminal_map = "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022DCB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C";
    let ga2 = send(
        pace.on_response(
            &resp("7C128010854D8DF5827FA6852D1A4FA701CDDDCA9000"),
            &mut rng,
        )
        .unwrap(),
    );
    assert_eq!(ga2, h(&format!("10860000867C8183818180{terminal_map}00")));
    let chip_map = "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F2449400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6";
    let terminal_eph = "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4";
    let ga3 = send(
        pace.on_response(&resp(&format!("7C8183828180{chip_map}9000")), &mut rng)
            .unwrap(),
    );
    assert_eq!(ga3, h(&format!("10860000867C8183838180{terminal_eph}00")));
    let chip_eph = "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1";
    let ga4 = send(
        pace.on_response(&resp(&format!("7C8183848180{chip_eph}9000")), &mut rng)
            .unwrap(),
    );
    // T_IFD = B46DD9BD4D98381F
    assert_eq!(ga4, h("008600000C7C0A8508B46DD9BD4D98381F00"));
    let PaceStep::Done(outcome) = pace
        .on_response(&resp("7C0A8608917F37B5C0E6D8D19000"), &mut rng)
        .unwrap()
    else {
        panic!("PACE did not finish");
    };
    assert_eq!(*outcome.k_enc, h("2F7F46ADCC9E7E521B45D192FAFA9126"));
    assert_eq!(*outcome.k_mac, h("805A1D27D45A5116F73C54469462B7D8"));
}

#[test]
fn a_can_must_be_six_digits() {
    assert!(PacePassword::can("123456").is_ok());
    assert_eq!(
        PacePassword::can("12345").unwrap_err(),
        PaceError::InvalidPassword
    );
    assert_eq!(
        PacePassword::can("12345a").unwrap_err(),
        PaceError::InvalidPassword
    );
    assert_eq!(
        format!("{:?}", PacePassword::can("123456").unwrap()),
        "PacePassword::Can(<redacted>)"
    );
}

// A German passport's PACE-CAM (brainpoolP256r1, AES-128) as recorded in gmrtd/gmrtd@7f23b50
// pace/pace_test.go TestDoPace_CAM_ECDH_DE: CardAccess offers GM and CAM, CAM is
// chosen, the APDUs match the recording byte for byte and the keys are the recorded ones.
#[test]
fn german_passport_pace_cam_trace() {
    let info = best_pace(
        "31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D",
    );
    assert_eq!(info.protocol.oid().to_string(), "0.4.0.127.0.7.2.2.4.6.2");
    let mut pace = mrz_pace(&info, "C4KHNY1PF", "780214", "330315");
    let mut rng = private_keys(&[
        "01fd26013f5bc41fad8bb09811e435f16fbe2eb3c2e1d999b0f63da8c3d58bb5",
        "1fcd3d8ac4fae3960a14fea2925d75add335f13b248eba192358dded93a89552",
    ]);
    let trace = [
        ("0022C1A412800A04007F0007020204060283010184010D", "9000"),
        (
            "10860000027c0000",
            "7c1280109bff93e6ed9f5f9764ec0d783d14fb039000",
        ),
        (
            "10860000457c43814104303f340815eea501772393e299a4a6f6694600189c249c63a8513ff3fefa66e346d11970b5f76fb564c3b0e54b215528f647ec5a9ab209cdbe262e763d6119a100",
            "7c4382410476dc295c4fb14237d87318d70967e25ec45f74d6fd4aff588c90efb3d868f05b450ba6b64967227c2246dbe2905522c8086dac7f3bbe5cf3b192f0a0c2d97ee59000",
        ),
        (
            "10860000457c438341048442b191ef5346a6b6dacb6cd5728c4a72f0ca7aecdf7afdfb3ef175e12a6f7c74f509af768b8dbe2cf42d16c1f00714691d78a19cdf1b493390d1173785f2b700",
            "7c438441042315ae8143f21de15b35f083cfa148c5fcbd9f2eb9dcdc4519bcf337443e79e55b28a5e218fb919c30880d263e469645ff114c46ed29918910be3453527d21649000",
        ),
        (
            "008600000c7c0a8508fee088a4d7be1b7f00",
            "7c3c860819a2b9192e11512a8a30b3ae8830311b1d5605777f47cb4ed028346cd00105d32859de127da3d8398865358f26f08ebe410864eaf6e39f33f3f59000",
        ),
    ];
    let outcome = replay(&mut pace, &mut rng, &trace);
    assert_eq!(*outcome.k_enc, h("a8e85e938514ec67ae33cda3d43d3c48"));
    assert_eq!(*outcome.k_mac, h("27f1adeb705a049a305b0c619b14b9b3"));
    // The encrypted chip authentication data decrypted with valid padding; it is checked against
    // the chip's static key once that key has been read and passively authenticated.
    let cam = outcome.chip_authentication_mapping.expect("CAM data");
    assert_eq!(
        format!("{cam:?}"),
        "ChipAuthenticationMappingData(BrainpoolP256r1)"
    );
}

// A New Zealand passport's PACE-ECDH-GM with 3DES (brainpoolP256r1; retail-MAC tokens, 16-byte
// nonce) as recorded in gmrtd/gmrtd@7f23b50 pace/pace_test.go TestDoPace_GM_ECDH_TDES_CBC_NZ.
#[test]
fn new_zealand_passport_pace_3des_trace() {
    let info = best_pace("31143012060a04007f0007020204020102010202010d");
    let mut pace = mrz_pace(&info, "LM277954", "781214", "271115");
    let mut rng = private_keys(&[
        "2808272c0ec20e01a3450030ef32855e9feb5cb17719e985389b1cf47609e69f",
        "8f89449052df6c7983750c7b042c3cea12b36819174424c7cd28153f7b70b402",
    ]);
    let trace = [
        ("0022C1A412800A04007F0007020204020183010184010D", "9000"),
        (
            "10860000027c0000",
            "7c128010b88382812290017af1cc906ff00e7f4d9000",
        ),
        (
            "10860000457c438141047706b2b6246ab4612229b8a11212ddba7fea0568c9c0975dee22c0e3dd3a3f0321e8afee836e373b570d24000d56fb195104d486e63321ff8c819dd5ee018dcb00",
            "7c43824104780b4edec9b926f9f964fad826d9990a667608d96ba7b397ae8609b6533e0d036d148365ddf4e5ff6611c2b62aa17fc9899f327bc929db543e7abd0ee724e4be9000",
        ),
        (
            "10860000457c43834104507a0156efae8fb8acc519036c0b2fe0393c878744c7f91878ee4e07a41412ba5c0753d68a44a91e9f57f3f992ab689e6c2065d3b2a27c3658a4fd632931ee3800",
            "7c438441042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b9000",
        ),
        (
            "008600000c7c0a85088d7c617d43efe09e00",
            "7c0a8608cb57047c809079f69000",
        ),
    ];
    let outcome = replay(&mut pace, &mut rng, &trace);
    assert_eq!(
        outcome.cipher,
        idgate_emrtd::emulator::SymmetricCipher::Tdes
    );
    assert_eq!(*outcome.k_enc, h("430e4c8c38dfefaed92067b919a897f8"));
    assert_eq!(*outcome.k_mac, h("c1bc1f075797b970b5a45e64a764b0cb"));
}
