//! A passport lifted off a real reader mid-read is a person's slip, not a station fault: through
//! the real pcscd, the vpcd reader and the daemon's own PC/SC transport, the card leaves during
//! each APDU of a full PACE + Chip Authentication + Active Authentication + Passive
//! Authentication read in turn and is put back. Every read ends either resumed with exactly the
//! passport's data and every check passed, or with the guidance to keep the passport still or to
//! place it — never a reader fault, never wrong data.

#[path = "../../crates/vpass/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use idgate_api::Guidance;
use idgate_emrtd::ChipAuthenticity;
use idgate_emrtd::PreferPace;
use idgate_emrtd::{AccessKey, ChipError, ChipRead, ReadOptions, SystemClock};
use idgate_vpass::security::{PassportSecurity, SecurityOptions, personalise};
use idgate_vpass::vpcd::Card;
use idgate_vpass::{ChipBehaviour, Inserted, PassportProfile, VirtualPassport};
use idgated::reader::{PcscTransport, wait_for_card};

/// The virtual passport, lifted off the reader while it answers command number `at` (1-based):
/// that answer never reaches the reader, as when the chip leaves the field mid-command.
struct LiftedAt {
    chip: VirtualPassport,
    at: u32,
    seen: u32,
    gone: bool,
}

impl Card for LiftedAt {
    fn atr(&self) -> Vec<u8> {
        self.chip.atr()
    }
    fn reset(&mut self) {
        self.chip.reset();
    }
    fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.seen += 1;
        self.gone = self.seen == self.at;
        self.chip.respond(apdu)
    }
    fn gone(&mut self) -> bool {
        self.gone
    }
}

struct Passport {
    profile: PassportProfile,
    security: PassportSecurity,
    now: SystemTime,
}

impl Passport {
    fn modern() -> Self {
        let now = SystemTime::now();
        let mut profile = PassportProfile::specimen();
        profile.chip = ChipBehaviour::modern();
        let security =
            personalise(&mut profile, &SecurityOptions::modern(now)).expect("personalise");
        Self {
            profile,
            security,
            now,
        }
    }

    fn chip(&self) -> VirtualPassport {
        VirtualPassport::new(&self.profile)
            .expect("chip")
            .with_security(self.security.chip.clone())
    }

    fn read(&self, reader: &str) -> Result<ChipRead, ChipError> {
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc");
        let name = std::ffi::CString::new(reader).expect("name");
        wait_for_card(&ctx, &name, Duration::from_secs(10), &cancel).expect("card placed");
        let mut transport = PcscTransport::new(reader, cancel).expect("transport");
        let options = ReadOptions {
            access: Arc::new(PreferPace),
            hooks: Box::new(ChipAuthenticity::new(
                Arc::new(self.security.trust.clone()),
                self.now,
            )),
            ..ReadOptions::default()
        };
        let key = AccessKey::Mrz(self.profile.access_key().expect("key"));
        idgate_emrtd::read_passport(&mut transport, key, options, &SystemClock)
    }

    /// Exactly this passport's data, and every check passed.
    fn assert_genuine(&self, read: &ChipRead, context: &str) {
        assert_eq!(
            read.dg2.faces[0].data.as_slice(),
            self.profile.face.data.as_slice(),
            "{context}: DG2"
        );
        support::assert_every_check_passed(read, context);
    }
}

/// Puts a fresh copy of the passport back once pcscd has seen the lifted one leave, half a second
/// later (vpcd misses a card whose connection arrives just as it closes the old one; a person
/// does not put the passport back faster than that either).
fn put_back_after_lift(
    addr: std::net::SocketAddr,
    reader: String,
    lifted: Inserted,
    again: VirtualPassport,
) -> JoinHandle<Option<Inserted>> {
    std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(30);
        while lifted.is_connected() {
            if Instant::now() > until {
                return Some(lifted);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(lifted);
        wait_empty(&reader);
        std::thread::sleep(Duration::from_millis(500));
        Inserted::insert(addr, Box::new(again)).ok()
    })
}

/// Waits until pcscd reports the reader empty, so the next card is a new insertion.
fn wait_empty(reader: &str) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc");
    let name = std::ffi::CString::new(reader).expect("name");
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let _ = ctx.get_status_change(Duration::from_millis(100), &mut states);
        if states[0].event_state().contains(pcsc::State::EMPTY) {
            return;
        }
        states[0].sync_current_state();
    }
    panic!("{reader} never became empty");
}

#[test]
fn a_card_lifted_at_any_apdu_of_a_full_read_resumes_or_asks_to_place_it_again() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let lease = pcscd.lease(Duration::from_secs(60)).expect("reader");
    let reader = lease.reader_name().to_owned();
    let passport = Passport::modern();

    // Undisturbed, to learn how many commands the full read takes.
    let card = Inserted::insert(lease.vpcd_addr(), Box::new(passport.chip())).expect("insert");
    let whole = passport.read(&reader).expect("an undisturbed read");
    passport.assert_genuine(&whole, "undisturbed");
    let commands = whole.stats.apdus;
    drop(card);
    wait_empty(&reader);

    let (mut resumed, mut asked_again) = (0, 0);
    let sweep = Instant::now();
    for at in 1..=commands {
        let lifted = LiftedAt {
            chip: passport.chip(),
            at,
            seen: 0,
            gone: false,
        };
        let card = Inserted::insert(lease.vpcd_addr(), Box::new(lifted)).expect("insert");
        let back = put_back_after_lift(lease.vpcd_addr(), reader.clone(), card, passport.chip());
        let context = format!("lifted during command {at} of {commands}");
        match passport.read(&reader) {
            Ok(read) => {
                passport.assert_genuine(&read, &context);
                resumed += 1;
            }
            Err(e) => {
                let guidance = idgated::contract::chip_guidance(e.failure());
                assert!(
                    matches!(guidance, Guidance::ChipKeepStill | Guidance::ChipPlace),
                    "{context}: {e} gave {guidance:?}"
                );
                asked_again += 1;
                eprintln!("{context}: {e} → {guidance:?}");
            }
        }
        drop(back.join().expect("put back"));
        wait_empty(&reader);
    }
    eprintln!(
        "card lifted at each of {commands} commands: {resumed} reads resumed with the passport's \
         data, {asked_again} ended asking to place it again ({:.1} s)",
        sweep.elapsed().as_secs_f64()
    );
    assert_eq!(resumed + asked_again, commands);
}
