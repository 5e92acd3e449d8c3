//! Virtual passport: an eMRTD chip emulator that connects to a vpcd reader as the card, so the
//! daemon talks to it through the real pcscd exactly as it would to a passport on a USB reader.
//! The same emulator also runs in-process behind [`idgate_emrtd::Transport`] for fast tests.

pub mod chip;
pub mod lds;
pub mod pki;
pub mod profile;
pub mod security;
pub mod transport;
pub mod vpcd;

pub use chip::{ChipStats, VirtualPassport};
pub use profile::{
    ChipBehaviour, Dg11Fields, Dg12Fields, FaceEncoding, FaceImage, PassportProfile,
};
pub use transport::{InProcessTransport, TestClock};
pub use vpcd::{Card, Inserted, SocketTuning, VpcdError};

impl vpcd::Card for VirtualPassport {
    fn atr(&self) -> Vec<u8> {
        VirtualPassport::atr(self)
    }

    fn reset(&mut self) {
        VirtualPassport::reset(self)
    }

    fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        let delay = self.behaviour().response_delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        VirtualPassport::respond(self, apdu)
    }

    fn gone(&mut self) -> bool {
        self.take_lost()
    }
}
