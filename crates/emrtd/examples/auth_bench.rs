//! Timings of the PACE, CA, AA and PA cryptography on this machine (prints numbers; not a test):
//! `cargo run -p idgate-emrtd --example auth_bench [--release]`.

use std::time::Instant;

use idgate_emrtd::ScriptedRandom;
use idgate_emrtd::TrustStore;
use idgate_emrtd::emulator::{Pace, PacePassword, PaceStep};
use idgate_emrtd::iso7816::apdu::ResponseApdu;
use idgate_emrtd::lds::security_infos::SecurityInfos;
use idgate_mrz::ChipAccessKey;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) {
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    let per = start.elapsed() / runs;
    println!("{label:<58} {:>9.3} ms", per.as_secs_f64() * 1e3);
}

/// ICAO 9303-11 G.1 (PACE ECDH-GM brainpoolP256r1 AES-128), terminal side, all four steps.
fn pace_g1() -> bool {
    let Ok(infos) = SecurityInfos::parse(&h("31143012060A04007F0007020204020202010202010D")) else {
        return false;
    };
    let (Some(info), Ok(key)) = (
        infos.best_pace(),
        ChipAccessKey::new("T22000129", "640812", "101031"),
    ) else {
        return false;
    };
    let Ok(mut pace) = Pace::new(info, &PacePassword::mrz(&key)) else {
        return false;
    };
    let mut k1 = vec![0u8; 8];
    k1.extend(h(
        "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
    ));
    let mut k2 = vec![0u8; 8];
    k2.extend(h(
        "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    ));
    let mut rng = ScriptedRandom::new(&[&k1, &k2]);
    let responses = [
        "9000",
        "7C12801095A3A016522EE98D01E76CB6B98B42C39000",
        "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
        "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000",
        "7C0A86083ABB9674BCE93C089000",
    ];
    let mut done = false;
    for r in responses {
        let Ok(resp) = ResponseApdu::parse(&h(r)) else {
            return false;
        };
        match pace.on_response(&resp, &mut rng) {
            Ok(PaceStep::Done(_)) => done = true,
            Ok(PaceStep::Send(_)) => {}
            Err(_) => return false,
        }
    }
    done
}

#[path = "../tests/support/testdata.rs"]
mod testdata;

/// A store with the list's signer pinned, as the admin does after checking its fingerprint.
fn pinned_signer(ml: &[u8]) -> TrustStore {
    use der::Decode as _;
    let mut store = TrustStore::new();
    let Ok(ci) = cms::content_info::ContentInfo::from_der(ml) else {
        return store;
    };
    let Ok(sd) = ci.content.decode_as::<cms::signed_data::SignedData>() else {
        return store;
    };
    for c in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(cert) = c {
            if cert.tbs_certificate().subject() != cert.tbs_certificate().issuer() {
                store.pin_master_list_signer(cert.clone());
            }
        }
    }
    store
}

fn main() {
    let ml = testdata::testdata("emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml");

    time(
        "PACE ECDH-GM brainpoolP256r1 (ICAO G.1), terminal side",
        20,
        pace_g1,
    );
    let anchors = pinned_signer(ml);
    time(
        "load + verify the German master list (570 CSCAs)",
        3,
        || {
            anchors
                .clone()
                .add_master_list(ml, std::time::SystemTime::now())
                .map(|n| n > 0)
        },
    );
    // Passive Authentication of a whole read is in idgate-vpass's bench_read (the emulator signs
    // an EF.SOD; no issuer's EF.SOD is in the repository).
}
