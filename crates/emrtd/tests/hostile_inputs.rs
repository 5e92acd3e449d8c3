//! Hostile bytes never panic the security parsers and verifiers (EF.CardAccess/DG14, DG15, EF.SOD, CMS): every truncation and every single-byte
//! corruption of real EF.CardAccess, DG14 and DG15 samples gives a typed error or a
//! failed check.

use idgate_emrtd::emulator::AaPublicKey;
use idgate_emrtd::emulator::select_from_dg14;
use idgate_emrtd::lds::security_infos::SecurityInfos;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// Every prefix and every one-byte corruption (xor 0xFF, and 0x00 / 0x80 for length bytes) of `good`.
fn variants(good: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let cuts = (0..good.len()).map(move |n| good[..n].to_vec());
    let flips = (0..good.len()).flat_map(move |i| {
        [0xFFu8, 0x80, 0x01].into_iter().map(move |x| {
            let mut v = good.to_vec();
            v[i] ^= x;
            v
        })
    });
    cuts.chain(flips)
}

// ICAO 9303-11 G.1 EF.CardAccess and the German PACE-CAM one (gmrtd/gmrtd@7f23b50 pace_test.go).
#[test]
fn card_access_corruptions() {
    for good in [
        h("31143012060A04007F0007020204020202010202010D"),
        h("31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D"),
    ] {
        for v in variants(&good) {
            if let Ok(infos) = SecurityInfos::parse(&v) {
                let _ = infos.best_pace();
            }
        }
    }
}

// ICAO 9303-10 sample DG14 and DG15 (gmrtd/gmrtd@7f23b50 document/sample_document.go).
const DG14: &str = "6e82021431820210308201c4060904007f000702020102308201b53082014d06072a8648ce3d020130820140020101303c06072a8648ce3d01010231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c110461041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c53150231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565020101036200047777b5202c812ea334f4295b6ae711f70cc77ca43a53560569603cb92fb55c084d714bcf291f3c4dbb8ead1278fca88c3d6adebd71f9e2de90cb0450f8ab7cdcba5af6752eb3c57ea7d5f126e21c10cedd0fcb6d7ff2f57a713306e59882b51d300f060a04007f00070202030204020101300d060804007f00070202020201013012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110";
const DG15: &str = "6F8201023081FF300D06092A864886F70D01010105000381ED003081E90281E100BB8F93F4DC95E205CDA17C6927AB1E365B13065D03CD12E0FCE95D96840529453202F56CC4C13F77CD062930C8BC89A2873B257045C286E601CF3C09323A53103314902804AA10A314628CE222206A8866946A36B442041BB54AC81E6855DD1D6E16101833D65A191C20AC8B33B8A1A32920F46043F8031CF2BC17417030865FC5BE5A39DEE423BCBA3CA8177168EB23CFE01BA43EC87711B1CFFF85DB46F300DD8AE317B50D543B573E119E23AF7070D0B2FED6A3B2313A5EC02A531AAED1741F4390D1013E2A0F081EAC5DC8B0A1B2C6BDB1206F08D30E3643E1E5BDF536110203010001";

#[test]
fn dg14_corruptions() {
    for v in variants(&h(DG14)) {
        let _ = select_from_dg14(&v);
    }
}

#[test]
fn dg15_corruptions() {
    for v in variants(&h(DG15)) {
        if let Ok(key) = AaPublicKey::from_dg15(&v) {
            let _ = key.verify(&[0; 8], &[0x42; 224], None);
        }
    }
}

// EF.SOD corruptions: crates/vpass/tests/passive_auth.rs (on an EF.SOD the test PKI signs).
