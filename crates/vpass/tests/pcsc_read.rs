//! The whole virtual passport read through the real stack: idgate-emrtd → pcsc crate → a private
//! pcscd (idgate-testbed) → vsmartcard-vpcd reader → vpcd TCP → the emulator. Includes a card that
//! leaves mid-read and comes back, and a chip that refuses Le ≥ 256.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use idgate_emrtd::{AccessKey, Event, ReadOptions, SystemClock, read_passport_observed};
use idgate_testbed::pcscd;
use idgate_vpass::{Inserted, PassportProfile, VirtualPassport};

#[path = "support/pcsc_transport.rs"]
mod pcsc_transport;
use pcsc_transport::PcscTransport;

/// Inserts `first`; when it leaves the reader, puts `second` in after `pause` (a person lifting
/// the passport and putting it back).
fn insert_then_put_back(
    addr: std::net::SocketAddr,
    first: VirtualPassport,
    second: VirtualPassport,
    pause: Duration,
) -> JoinHandle<Option<Inserted>> {
    let card = Inserted::insert(addr, Box::new(first)).expect("insert");
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while card.is_connected() {
            if Instant::now() > deadline {
                return Some(card);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(card);
        std::thread::sleep(pause);
        Inserted::insert(addr, Box::new(second)).ok()
    })
}

fn read_through_pcscd(
    profile: &PassportProfile,
    lost_after: Option<usize>,
) -> (idgate_emrtd::ChipRead, Vec<Event>) {
    let reader = pcscd()
        .expect("private pcscd")
        .lease(Duration::from_secs(60))
        .expect("lease");
    let mut first = profile.clone();
    first.chip.drop_after_bytes = lost_after;
    let putback = insert_then_put_back(
        reader.vpcd_addr(),
        VirtualPassport::new(&first).expect("chip"),
        VirtualPassport::new(profile).expect("chip"),
        Duration::from_millis(500),
    );
    let mut transport = PcscTransport::new(reader.reader_name());
    assert!(
        transport.present(Duration::from_secs(10)),
        "card never appeared"
    );
    let key = AccessKey::Mrz(profile.access_key().expect("key"));
    let mut events = Vec::new();
    let read = read_passport_observed(
        &mut transport,
        key,
        ReadOptions::default(),
        &SystemClock,
        &mut |e| events.push(e.clone()),
    )
    .expect("read through pcscd");
    drop(transport);
    // Take whichever card is in the reader out again.
    if lost_after.is_some() {
        if let Ok(Some(card)) = putback.join() {
            let _ = card.remove();
        }
    }
    (read, events)
}

#[test]
fn whole_passport_through_pcscd() {
    let profile = PassportProfile::specimen();
    let (read, events) = read_through_pcscd(&profile, None);
    assert_eq!(read.dg1.document_number, "L898902C3");
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
    assert!(read.decode_face().expect("decodes").is_some());
    assert_eq!(read.stats.resumes, 0);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Progress(p) if p.file == idgate_emrtd::lds::LdsFile::DG2))
    );
}

#[test]
fn card_lifted_mid_dg2_and_put_back_through_pcscd() {
    let profile = PassportProfile::specimen();
    let (read, events) = read_through_pcscd(&profile, Some(7_000));
    assert_eq!(read.stats.resumes, 1, "{:?}", read.stats);
    assert!(events.contains(&Event::CardLost) && events.contains(&Event::CardBack));
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
}

#[test]
fn le_256_refusing_extended_chip_through_pcscd() {
    let mut profile = PassportProfile::specimen();
    profile.chip.extended_length = true;
    profile.chip.max_le = 0xDF;
    let (read, _) = read_through_pcscd(&profile, None);
    assert!(read.stats.step_downs >= 2, "{:?}", read.stats);
    assert_eq!(read.profile.max_read, 0xDF);
    assert!(!read.profile.extended_length);
    assert_eq!(
        read.dg2.faces[0].data.as_slice(),
        profile.face.data.as_slice()
    );
}
