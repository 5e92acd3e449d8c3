//! The ECDH primitive PACE and Chip Authentication run (`Group::shared_secret`: the x-coordinate of
//! private · peer, ICAO 9303-11 §9.6 / BSI TR-03111 §4.3.1) on the small standardized curves
//! (ICAO 9303-11 §9.5.1 parameter ids 8–11 and 14), against published vectors, each quoted with
//! its source file and test case id:
//!
//! - NIST CAVP, "ECC CDH Primitive" (SP 800-56A §5.7.1.2), CAVS 14.1,
//!   `KAS_ECC_CDH_PrimitiveTest.txt` in `ecccdhtestvectors.zip`: [P-192] and [P-224], COUNT = n.
//! - Project Wycheproof (C2SP/wycheproof), `testvectors_v1/ecdh_secp224r1_test.json`,
//!   `ecdh_secp224r1_ecpoint_test.json`, `ecdh_brainpoolP224r1_test.json`,
//!   `ecdh_brainpoolP320r1_test.json`: tcId n. The `*_test.json` files give the peer key as a
//!   SubjectPublicKeyInfo; quoted here is the uncompressed point at its end.
//! - brainpoolP192r1 has neither CAVP nor Wycheproof vectors (RFC 5639 gives only the curve). The
//!   one published ECDH vector found is OpenSSL's `test/recipes/30-test_evp_data/
//!   evppkey_brainpool.txt` ("brainpoolP192r1 curve tests": ALICE_cf_brainpoolP192r1 /
//!   BOB_cf_brainpoolP192r1, PEM decoded to hex), the same file's P224r1/P320r1 pairs are quoted
//!   too; plus an order check from RFC 5639 §3.2's generator and order: (q − 1)·G = −G.
//!
//! Invalid peer points (Wycheproof's "public point not on curve", "public point = (0,0)",
//! "invalid public key") must be refused by both `check_public` and `shared_secret`. Where no
//! published invalid-point case exists (P-192, brainpoolP192r1), one is derived here from a
//! published valid point by changing one coordinate byte, and says so.
#![allow(clippy::unwrap_used)]

use idgate_emrtd::emulator::domain_params::{Group, NamedCurve};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).expect("hex")
}

/// A private key as the vectors write it (Wycheproof's as an ASN.1 INTEGER, with a leading 00
/// when the top bit is set) at the curve's scalar length.
fn private(curve: &Group, hex: &str) -> Vec<u8> {
    let len = match curve {
        Group::Ec { curve, .. } => curve.coordinate_len(),
        Group::Dh(_) => unreachable!("ECDH vectors only"),
    };
    let raw = h(hex);
    let start = raw.len().saturating_sub(len);
    assert!(raw[..start].iter().all(|&b| b == 0), "{hex} is too long");
    raw[start..].to_vec()
}

fn point(x: &str, y: &str) -> Vec<u8> {
    let mut p = vec![0x04];
    p.extend(h(x));
    p.extend(h(y));
    p
}

struct Valid {
    source: &'static str,
    private: &'static str,
    peer: Vec<u8>,
    shared: &'static str,
}

struct Invalid {
    source: &'static str,
    private: &'static str,
    peer: Vec<u8>,
}

/// The curve by its ICAO 9303-11 standardized domain parameter id (as PACE and CA select it).
fn group(id: u32, curve: NamedCurve) -> Group {
    let g = Group::standardized(id).unwrap();
    assert!(matches!(&g, Group::Ec { curve: c, .. } if c.curve() == curve));
    g
}

fn check(g: &Group, valid: &[Valid], invalid: &[Invalid]) {
    for v in valid {
        let d = private(g, v.private);
        g.check_public(&v.peer)
            .unwrap_or_else(|e| panic!("{}: the peer point is refused: {e}", v.source));
        let z = g
            .shared_secret(&d, &v.peer)
            .unwrap_or_else(|e| panic!("{}: {e}", v.source));
        assert_eq!(hex::encode(&*z), v.shared.to_lowercase(), "{}", v.source);
    }
    for i in invalid {
        let d = private(g, i.private);
        assert!(
            g.check_public(&i.peer).is_err(),
            "{}: check_public accepts an invalid point",
            i.source
        );
        assert!(
            g.shared_secret(&d, &i.peer).is_err(),
            "{}: shared_secret accepts an invalid point",
            i.source
        );
    }
}

#[test]
fn secp192r1_nist_cavp_cdh_primitive() {
    let g = group(8, NamedCurve::NistP192);
    let valid = [
        Valid {
            source: "KAS_ECC_CDH_PrimitiveTest.txt [P-192] COUNT = 0",
            private: "f17d3fea367b74d340851ca4270dcb24c271f445bed9d527",
            peer: point(
                "42ea6dd9969dd2a61fea1aac7f8e98edcc896c6e55857cc0",
                "dfbe5d7c61fac88b11811bde328e8a0d12bf01a9d204b523",
            ),
            shared: "803d8ab2e5b6e6fca715737c3a82f7ce3c783124f6d51cd0",
        },
        Valid {
            source: "KAS_ECC_CDH_PrimitiveTest.txt [P-192] COUNT = 1",
            private: "56e853349d96fe4c442448dacb7cf92bb7a95dcf574a9bd5",
            peer: point(
                "deb5712fa027ac8d2f22c455ccb73a91e17b6512b5e030e7",
                "7e2690a02cc9b28708431a29fb54b87b1f0c14e011ac2125",
            ),
            shared: "c208847568b98835d7312cef1f97f7aa298283152313c29d",
        },
    ];
    let invalid = [Invalid {
        source: "derived: [P-192] COUNT = 0's QCAVS with x's first byte 42 → 43 (off the curve)",
        private: "f17d3fea367b74d340851ca4270dcb24c271f445bed9d527",
        peer: point(
            "43ea6dd9969dd2a61fea1aac7f8e98edcc896c6e55857cc0",
            "dfbe5d7c61fac88b11811bde328e8a0d12bf01a9d204b523",
        ),
    }];
    check(&g, &valid, &invalid);
    // The same COUNT's IUT key pair: dIUT · G = QIUT.
    let q = g
        .public_key(&h("f17d3fea367b74d340851ca4270dcb24c271f445bed9d527"))
        .unwrap();
    assert_eq!(
        q,
        point(
            "b15053401f57285637ec324c1cd2139e3a67de3739234b37",
            "f269c158637482aad644cd692dd1d3ef2c8a7c49e389f7f6"
        )
    );
}

#[test]
fn secp224r1_nist_cavp_and_wycheproof() {
    let g = group(10, NamedCurve::NistP224);
    let valid = [
        Valid {
            source: "KAS_ECC_CDH_PrimitiveTest.txt [P-224] COUNT = 0",
            private: "8346a60fc6f293ca5a0d2af68ba71d1dd389e5e40837942df3e43cbd",
            peer: point(
                "af33cd0629bc7e996320a3f40368f74de8704fa37b8fab69abaae280",
                "882092ccbba7930f419a8a4f9bb16978bbc3838729992559a6f2e2d7",
            ),
            shared: "7d96f9a3bd3c05cf5cc37feb8b9d5209d5c2597464dec3e9983743e8",
        },
        Valid {
            source: "KAS_ECC_CDH_PrimitiveTest.txt [P-224] COUNT = 1",
            private: "043cb216f4b72cdf7629d63720a54aee0c99eb32d74477dac0c2f73d",
            peer: point(
                "13bfcd4f8e9442393cab8fb46b9f0566c226b22b37076976f0617a46",
                "eeb2427529b288c63c2f8963c1e473df2fca6caa90d52e2f8db56dd4",
            ),
            shared: "ee93ce06b89ff72009e858c68eb708e7bc79ee0300f73bed69bbca09",
        },
        Valid {
            source: "ecdh_secp224r1_test.json tcId 1 (normal case)",
            private: "565577a49415ca761a0322ad54e4ad0ae7625174baf372c2816f5328",
            peer: h(
                "047d8ac211e1228eb094e285a957d9912e93deee433ed777440ae9fc719b01d050\
                     dfbe653e72f39491be87fb1a2742daa6e0a2aada98bb1aca",
            ),
            shared: "b8ecdb552d39228ee332bafe4886dbff272f7109edf933bc7542bd4f",
        },
        Valid {
            source: "ecdh_secp224r1_test.json tcId 3 (shared secret has x-coordinate that \
                     satisfies x**2 = 9)",
            private: "00a2b6442a37f9201b56758034d2009be64b0ab7c02d7e398cac9665d6",
            peer: h(
                "04e73a6ca72f3a2fae6e0a01a0ed03bfa3058b04576942eaf063095e62ca16fd31\
                     fa0f38eeb592cbeea1147751fdd2a5b6cc0ead404467a5b6",
            ),
            shared: "00000000000000000000000000000000000000000000000000000003",
        },
    ];
    let invalid = [
        Invalid {
            source: "ecdh_secp224r1_test.json tcId 458 (public point not on curve)",
            private: "00d07629eb653a169ae3231ea1030faaf3e7f8ffe388030ee315d0a1d2",
            peer: h(
                "04a10fb7bf22d299fc5bc43bd2d0e8da28af28ace8430bee28f9e5b57554275c06\
                     15d8d9a3011d7bc4c1c4cf4a834c8dc46f25b98854401a5d",
            ),
        },
        Invalid {
            source: "ecdh_secp224r1_test.json tcId 459 (public point = (0,0))",
            private: "00d07629eb653a169ae3231ea1030faaf3e7f8ffe388030ee315d0a1d2",
            peer: point(&"00".repeat(28), &"00".repeat(28)),
        },
        Invalid {
            source: "ecdh_secp224r1_ecpoint_test.json tcId 443 (point is not on curve)",
            private: "00c6cafb74e2a5b5ed4b991cbbfbc28c18f6df208b6d05e7a2e6668014",
            peer: point(
                &"00".repeat(28),
                "ffffffffffffffffffffffffffffffff000000000000000000000000",
            ),
        },
        Invalid {
            source: "ecdh_secp224r1_ecpoint_test.json tcId 458 (invalid public key: \
                     compressed, x not on the curve)",
            private: "00fc28a0ca0f8e36b0d4f71421845135a22aef543b9fddf8c775b2d18f",
            peer: h("020ca753db5ddeca474241f8d2dafc0844343fd0e37eded2f0192d51b2"),
        },
    ];
    check(&g, &valid, &invalid);
}

#[test]
fn brainpool_p192r1_openssl_vector_and_rfc5639_order() {
    let g = group(9, NamedCurve::BrainpoolP192r1);
    let alice_pub = h(
        "0442d432a059ac7eba0c82756b76b8da4f3a4c7747d437af8a02b475ce7bf17119\
                       dc772e490fb272b3268add4f51022d6e",
    );
    let bob_pub = h(
        "0489eac82d6601fc85ecb539b57fdd445e52fd2f6e3e542334085344febffe401b\
                     2ac5e600141715e334f8fde1330e14c5",
    );
    let alice = "945e49c7357d0e87b39f784ba2289dbf2e539c803b691fa3";
    let bob = "8ddbbde422f50d0306a6c3a6b1f60e023179716f7d6d089e";
    let shared = "2b34396d02a40df0b9f8f9c0b8623be05b41249fbd69e02a";
    let valid = [
        Valid {
            source: "evppkey_brainpool.txt: Derive=ALICE_cf_brainpoolP192r1 \
                     PeerKey=BOB_cf_brainpoolP192r1_PUB",
            private: alice,
            peer: bob_pub.clone(),
            shared,
        },
        Valid {
            source: "evppkey_brainpool.txt: Derive=BOB_cf_brainpoolP192r1 \
                     PeerKey=ALICE_cf_brainpoolP192r1_PUB",
            private: bob,
            peer: alice_pub.clone(),
            shared,
        },
    ];
    let invalid = [Invalid {
        source: "derived: BOB_cf_brainpoolP192r1_PUB with y's last byte c5 → c4 (off the curve)",
        private: alice,
        peer: {
            let mut p = bob_pub.clone();
            *p.last_mut().unwrap() ^= 1;
            p
        },
    }];
    check(&g, &valid, &invalid);
    // The same file's PrivPubKeyPair lines: the private key gives the public one.
    assert_eq!(g.public_key(&h(alice)).unwrap(), alice_pub);
    assert_eq!(g.public_key(&h(bob)).unwrap(), bob_pub);

    // RFC 5639 §3.2: G = (x, y) has order q, so (q − 1)·G = −G = (x, p − y).
    let p = "c302f41d932a36cda7a3463093d18db78fce476de1a86297";
    let q_minus_1 = "c302f41d932a36cda7a3462f9e9e916b5be8f1029ac4acc0";
    let gx = "c0a0647eaab6a48753b033c56cb0f0900a2f5c4853375fd6";
    let gy = "14b690866abd5bb88b5f4828c1490002e6773fa2fa299b8f";
    assert_eq!(g.generator(), point(gx, gy), "RFC 5639 §3.2 generator");
    g.check_public(&point(gx, gy)).unwrap();
    let minus_g = g.public_key(&h(q_minus_1)).unwrap();
    assert_eq!(hex::encode(&minus_g[1..25]), gx);
    let neg_y = sub_be(&h(p), &h(gy));
    assert_eq!(minus_g[25..].to_vec(), neg_y, "(q − 1)·G = (x, p − y)");
    // q itself is not a scalar (q·G is the point at infinity).
    assert!(
        g.public_key(&h("c302f41d932a36cda7a3462f9e9e916b5be8f1029ac4acc1"))
            .is_err()
    );
}

#[test]
fn brainpool_p224r1_wycheproof_and_openssl() {
    let g = group(11, NamedCurve::BrainpoolP224r1);
    let valid = [
        Valid {
            source: "ecdh_brainpoolP224r1_test.json tcId 1 (normal case)",
            private: "008cff3b0b5c1b3220043759320c6cc6392e19e554f180f3df1e44c7fc",
            peer: h(
                "0447a927daafd7282afd721c141c268be12312066c1d62fe047dcef272958e02a2\
                     b81c89d7b81004eda65cb6e1df8da330be2d563221862b81",
            ),
            shared: "4f7afb302c699bd56db0bdac550172bac94b73b0f2b60eee91b6a420",
        },
        Valid {
            source: "ecdh_brainpoolP224r1_test.json tcId 3 (shared secret has x-coordinate 1)",
            private: "133ba3cdfdd2b6f8e12c4efb844dd1ba60212b3c4afe6476f1efa12c",
            peer: h(
                "045f9a3dd8daebed9583d91dd75c6ef089d325ffafb3639fb97a7a2dea04e811b5\
                     cb44e171a5ded25c22f37fd10e1860416e4edb8aa8081c0e",
            ),
            shared: "00000000000000000000000000000000000000000000000000000001",
        },
        Valid {
            source: "evppkey_brainpool.txt: Derive=ALICE_cf_brainpoolP224r1 \
                     PeerKey=BOB_cf_brainpoolP224r1_PUB",
            private: "1e195290d4c525b652cbbf420030f0a3ce799c7dbe716c704a5e81a5",
            peer: h(
                "048186bb8f8f3ccc0e8a1a659b6b4b3bb74b703a97641d4c407968394f1ab5a783\
                     bd81c8724e33d3cfb50c04ef3eaa480f3ca7f56b5746a986",
            ),
            shared: "477240c0587dea6aecfcac5a154d7ba3a5d4eb1ab30a69012d4401de",
        },
    ];
    let invalid = [
        Invalid {
            source: "ecdh_brainpoolP224r1_test.json tcId 523 (public point not on curve)",
            private: "009589ebd788c54b1002d7b60ee3c6daa2cad255882df77b6108dd6b58",
            peer: h(
                "04a99e0508ee1d6fa2c3e46900b7130f4906896b1edb6ebc8e539a693826d7c326\
                     5cbd14cce5bbeaa7930c2b53ee2022f43ad74401b5fef1b3",
            ),
        },
        Invalid {
            source: "ecdh_brainpoolP224r1_test.json tcId 524 (public point = (0,0))",
            private: "009589ebd788c54b1002d7b60ee3c6daa2cad255882df77b6108dd6b58",
            peer: point(&"00".repeat(28), &"00".repeat(28)),
        },
        Invalid {
            source: "ecdh_brainpoolP224r1_test.json tcId 503 (point is not on curve)",
            private: "00c7e1dc95d8877ff3745ed3af688dc63b22cdc34d5b213c6a5a5e3244",
            peer: point(
                &"00".repeat(28),
                "d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0fe",
            ),
        },
    ];
    check(&g, &valid, &invalid);
}

#[test]
fn brainpool_p320r1_wycheproof_and_openssl() {
    let g = group(14, NamedCurve::BrainpoolP320r1);
    let valid = [
        Valid {
            source: "ecdh_brainpoolP320r1_test.json tcId 1 (normal case)",
            private: "12d06c51deda1595d8c43e7c146f898f7141c0836522931049afe61333ae2c03e350b61aeba540bf",
            peer: h(
                "04b7fc5720d4b325c0805cc213c1b9ccbd9e4f380a121fbc00784c821bcd7f0d61\
                     8b70d39fbdceae553d9de4f90683eb9f000463c7bd1d32db8cfad2b40862ccac05\
                     030e93fc6694c071e8e1427b305006",
            ),
            shared: "94982d50b29faedaa7ed0988fd57b90303b032ce398ec70af6d194bcfd7f9008d14e09425502b7e7",
        },
        Valid {
            source: "ecdh_brainpoolP320r1_test.json tcId 3 (shared secret has x-coordinate 1)",
            private: "5a21b0e16c6eb888381f19009dae7a91274e8f18e16674ee6c2bf782e24c2f0cf994daa6fe60ed10",
            peer: h(
                "04430dd30b26350bc66c41c71769dd61b740d71008b59e455c1795ebbdc6bb1f0c\
                     8afaab415850142f1557feb7bef5fd3937f088ccb4d3ff8dc7431eecc9dce6f57c\
                     45035ca97dd0d7de9991742a39ad20",
            ),
            shared: "00000000000000000000000000000000000000000000000000000000000000000000000000000001",
        },
        Valid {
            source: "evppkey_brainpool.txt: Derive=ALICE_cf_brainpoolP320r1 \
                     PeerKey=BOB_cf_brainpoolP320r1_PUB",
            private: "a611b5cc1f94da545d7ad899964f42e3eabb00f27dc6a190d3e18fabaf3e5a6c99a27d650d1439fe",
            peer: h(
                "04ce74c83a6804c862ae51d0aa3326563fca651d1d7ef9ae7680edd36a98de529e\
                     8bde1ebdf4c798f1bff418cc61019071133808318747489421425af7d7bfaf18fd\
                     220b8f9243620260d941a2acaa6281",
            ),
            shared: "4ee386c231d0a7c9bb6dc05362f56ca70bf7ba5dcb66d8c4574c0497fdab6a5b79818a64ff5dc87e",
        },
    ];
    let invalid = [
        Invalid {
            source: "ecdh_brainpoolP320r1_test.json tcId 510 (public point not on curve)",
            private: "63c73ba272722eb5c4ec1f8c0e8b98e3c0d6ae3547a13a1d7614d44ef1d6d14d8822b3f7dd6109c4",
            peer: h(
                "044c666c637a771b09bc9c83edc96a6e78840b0a43fbb42b1b363bfd28d2a22a11\
                     889dd1b9db24386a22e44d181b8587700a405e083e4fbee3d441a5496a7a481f57\
                     2d062d29fd2d4665adc843a1ebb28b",
            ),
        },
        Invalid {
            source: "ecdh_brainpoolP320r1_test.json tcId 511 (public point = (0,0))",
            private: "63c73ba272722eb5c4ec1f8c0e8b98e3c0d6ae3547a13a1d7614d44ef1d6d14d8822b3f7dd6109c4",
            peer: point(&"00".repeat(40), &"00".repeat(40)),
        },
        Invalid {
            source: "ecdh_brainpoolP320r1_test.json tcId 493 (point is not on curve)",
            private: "0657260acc897adc69b0aa87116379842a395b661abc1befad4787cf96a2d702220f2da2b7f762aa",
            peer: point(
                &"00".repeat(40),
                "d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e26",
            ),
        },
    ];
    check(&g, &valid, &invalid);
}

/// `a − b` for big-endian numbers of one length, a ≥ b.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}
