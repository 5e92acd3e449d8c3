//! First proof of the stack: the `pcsc` crate sees our private vpcd readers behind the real pcscd, a
//! card speaking the vpcd protocol connects, and SELECT of the eMRTD application answers 9000.

use std::time::{Duration, Instant};

use idgate_testbed::{ReaderLease, pcscd};
use idgate_vpass::{Card, Inserted};

/// ICAO Doc 9303 Part 10 §3.6.1: SELECT by DF name of the eMRTD application, AID A0000002471001.
const SELECT_EMRTD: [u8; 13] = [
    0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01, 0x00,
];

/// The least a card must do to be found: answer reset, and know the eMRTD application and nothing else.
struct AppletOnly;

impl Card for AppletOnly {
    fn atr(&self) -> Vec<u8> {
        // A contactless-style ATR: 3B 80 80 01 01 (no historical bytes).
        vec![0x3B, 0x80, 0x80, 0x01, 0x01]
    }
    fn reset(&mut self) {}
    fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        if apdu.get(..12) == Some(&SELECT_EMRTD[..12]) {
            vec![0x90, 0x00]
        } else {
            vec![0x6A, 0x82]
        }
    }
}

fn connect_when_present(ctx: &pcsc::Context, reader: &str) -> pcsc::Card {
    let name = std::ffi::CString::new(reader).expect("reader name has no NUL");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match ctx.connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY) {
            Ok(card) => return card,
            Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard)
                if Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("connect to {reader}: {e}"),
        }
    }
}

#[test]
fn the_pcsc_crate_lists_our_private_vpcd_readers() {
    let bench = pcscd().expect("private pcscd");
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("establish");
    let mut buf = vec![0u8; 8192];
    let names: Vec<String> = ctx
        .list_readers(&mut buf)
        .expect("list readers")
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    for slot in bench.slots() {
        assert!(
            names.contains(&slot.reader_name),
            "{} not in {names:?}",
            slot.reader_name
        );
    }
    assert!(bench.socket_path().exists());
}

/// This test's own reader with the applet-only card on it, connected through pcscd.
fn applet_on_a_leased_reader() -> (ReaderLease, Inserted, pcsc::Context, pcsc::Card) {
    let reader = pcscd()
        .expect("private pcscd")
        .lease(Duration::from_secs(30))
        .expect("lease");
    let card = Inserted::insert(reader.vpcd_addr(), Box::new(AppletOnly)).expect("insert card");
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("establish");
    let pcsc_card = connect_when_present(&ctx, reader.reader_name());
    (reader, card, ctx, pcsc_card)
}

#[test]
fn select_of_the_emrtd_application_answers_9000_through_pcscd() {
    let (_reader, card, _ctx, pcsc_card) = applet_on_a_leased_reader();

    let mut rbuf = [0u8; 258];
    let response = pcsc_card
        .transmit(&SELECT_EMRTD, &mut rbuf)
        .expect("transmit");
    assert_eq!(response, [0x90, 0x00]);
    // Any other application is not there: the card's own answer comes back unchanged.
    let other = [
        0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01, 0x00,
    ];
    assert_eq!(
        pcsc_card.transmit(&other, &mut rbuf).expect("transmit"),
        [0x6A, 0x82]
    );

    drop(pcsc_card);
    card.remove().expect("clean removal");
}

#[test]
fn removing_the_card_is_seen_by_pcsc() {
    let (reader, card, ctx, pcsc_card) = applet_on_a_leased_reader();
    card.remove().expect("removal");

    // The transfer fails (vpcd reports the lost connection as "not transacted")…
    let mut rbuf = [0u8; 258];
    match pcsc_card.transmit(&SELECT_EMRTD, &mut rbuf) {
        Err(
            pcsc::Error::RemovedCard
            | pcsc::Error::NoSmartcard
            | pcsc::Error::ResetCard
            | pcsc::Error::NotTransacted,
        ) => {}
        Err(e) => panic!("unexpected error after removal: {e}"),
        Ok(r) => panic!("card still answers {r:02X?} after removal"),
    }
    // …and the reader state becomes empty, which is what the daemon's watcher waits for.
    let name = std::ffi::CString::new(reader.reader_name()).expect("no NUL");
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        ctx.get_status_change(Duration::from_millis(500), &mut states)
            .expect("status");
        if states[0].event_state().contains(pcsc::State::EMPTY) {
            break;
        }
        assert!(Instant::now() < deadline, "reader never became empty");
        states[0].sync_current_state();
    }
}

#[test]
fn parallel_leases_never_share_a_reader() {
    let bench = pcscd().expect("private pcscd");
    let a = bench.lease(Duration::from_secs(30)).expect("lease a");
    let b = bench.lease(Duration::from_secs(30)).expect("lease b");
    assert_ne!(a.reader_name(), b.reader_name());
    assert_ne!(a.vpcd_port(), b.vpcd_port());
}
