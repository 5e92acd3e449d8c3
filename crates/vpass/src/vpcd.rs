//! The card side of the vsmartcard `vpcd` protocol: our emulator connects to a vpcd reader's TCP port
//! and pcscd then sees a card in that reader, exactly as with a real card on a USB reader.
//!
//! Wire format (vsmartcard `virtualsmartcard/src/vpcd/vpcd.c`): every message is a 2-byte big-endian
//! length and a payload. A 1-byte payload from vpcd is a control message (power off/on, reset, ATR
//! request); any longer payload is a command APDU. The card answers an ATR request and every APDU with
//! one message of its own; power and reset messages get no answer.
//!
//! Hand-written: the protocol is a dozen lines and no crate implements the card side.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Control messages vpcd sends (one byte).
const CTRL_OFF: u8 = 0;
const CTRL_ON: u8 = 1;
const CTRL_RESET: u8 = 2;
const CTRL_ATR: u8 = 4;

/// What a card emulator must do to sit in a vpcd reader.
pub trait Card: Send {
    /// The answer to reset.
    fn atr(&self) -> Vec<u8>;
    /// Power off, power on or warm reset: the card drops any session state.
    fn reset(&mut self);
    /// Answers one command APDU with a response APDU (data ‖ SW1 SW2).
    fn respond(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// The card left the field while answering the last command: the answer is dropped and the
    /// connection closed, so pcscd sees the card removed mid-command.
    fn gone(&mut self) -> bool {
        false
    }
}

/// Why the connection to vpcd failed or ended.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error("cannot connect to vpcd at {addr}: {source}")]
    Connect { addr: String, source: io::Error },
    #[error("vpcd connection failed: {0}")]
    Io(#[from] io::Error),
    #[error("the card's answer is {0} bytes, more than a vpcd message can carry")]
    TooLong(usize),
}

/// Reads one vpcd message; `Ok(None)` when vpcd closed the connection cleanly.
fn read_message(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut payload)?;
    Ok(Some(payload))
}

fn write_message(stream: &mut impl Write, payload: &[u8]) -> Result<(), VpcdError> {
    let len = u16::try_from(payload.len()).map_err(|_| VpcdError::TooLong(payload.len()))?;
    // One write, so length and answer leave in one segment rather than two.
    let mut message = Vec::with_capacity(2 + payload.len());
    message.extend_from_slice(&len.to_be_bytes());
    message.extend_from_slice(payload);
    stream.write_all(&message)?;
    stream.flush()?;
    Ok(())
}

/// How the card's end of the vpcd TCP connection is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketTuning {
    /// `TCP_NODELAY`: our answers leave at once instead of waiting for an ACK (Nagle).
    pub no_delay: bool,
    /// `TCP_QUICKACK`, re-armed after every read. vpcd sends a command's length and its APDU in
    /// two `send()` calls without `TCP_NODELAY`, so its second segment waits for our ACK of the
    /// first; Linux delays that ACK by up to 40 ms, once per APDU. The kernel leaves quick-ACK
    /// mode on its own, hence re-armed on each read.
    pub quick_ack: bool,
}

impl Default for SocketTuning {
    fn default() -> Self {
        Self {
            no_delay: true,
            quick_ack: true,
        }
    }
}

/// The card's socket, re-arming `TCP_QUICKACK` after each read when asked to.
struct CardSocket {
    stream: TcpStream,
    quick_ack: bool,
}

impl CardSocket {
    fn arm(&self) {
        if self.quick_ack {
            // Best effort: without it the card still works, only slower.
            if let Err(e) = socket2::SockRef::from(&self.stream).set_tcp_quickack(true) {
                tracing::debug!("TCP_QUICKACK not set on the vpcd socket: {e}");
            }
        }
    }
}

impl Read for CardSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        self.arm();
        Ok(n)
    }
}

impl Write for CardSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Serves `card` over an established vpcd connection until vpcd hangs up or `stop` is set.
/// Sans-IO friendly: any `Read + Write` works, so the protocol is unit-tested over an in-memory pipe.
pub fn serve<S: Read + Write>(
    stream: &mut S,
    card: &mut dyn Card,
    stop: &AtomicBool,
) -> Result<(), VpcdError> {
    while !stop.load(Ordering::Acquire) {
        let message = match read_message(stream) {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            // The read timeout lets us notice `stop`; a timeout is not an error.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) if stop.load(Ordering::Acquire) => {
                tracing::debug!("vpcd connection closed while stopping: {e}");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        match message.as_slice() {
            [CTRL_OFF] | [CTRL_ON] | [CTRL_RESET] => card.reset(),
            [CTRL_ATR] => write_message(stream, &card.atr())?,
            [other] => tracing::warn!("ignoring unknown vpcd control message {other:#04x}"),
            apdu => {
                let answer = card.respond(apdu);
                if card.gone() {
                    return Ok(());
                }
                write_message(stream, &answer)?
            }
        }
    }
    Ok(())
}

/// A card inserted into a vpcd reader, served on its own thread. Dropping it (or calling
/// [`Inserted::remove`]) closes the connection: pcscd then sees the card removed.
#[derive(Debug)]
pub struct Inserted {
    stop: Arc<AtomicBool>,
    stream: TcpStream,
    thread: Option<JoinHandle<Result<(), VpcdError>>>,
}

impl Inserted {
    /// Connects `card` to the vpcd reader listening at `addr` (e.g. `127.0.0.1:35963`).
    pub fn insert(
        addr: impl ToSocketAddrs + std::fmt::Debug,
        card: Box<dyn Card>,
    ) -> Result<Self, VpcdError> {
        Self::insert_tuned(addr, card, SocketTuning::default())
    }

    /// [`Inserted::insert`] with the socket tuned as given (benchmarks compare with and without).
    pub fn insert_tuned(
        addr: impl ToSocketAddrs + std::fmt::Debug,
        mut card: Box<dyn Card>,
        tuning: SocketTuning,
    ) -> Result<Self, VpcdError> {
        let shown = format!("{addr:?}");
        let stream = TcpStream::connect(addr).map_err(|source| VpcdError::Connect {
            addr: shown,
            source,
        })?;
        stream.set_nodelay(tuning.no_delay)?;
        stream.set_read_timeout(Some(Duration::from_millis(200)))?;
        let control = stream.try_clone()?;
        let mut stream = CardSocket {
            stream,
            quick_ack: tuning.quick_ack,
        };
        stream.arm();
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("vpass-vpcd".into())
            .spawn(move || {
                let served = serve(&mut stream, card.as_mut(), &thread_stop);
                // The reader must see the card go even while our handle to the socket lives on.
                let _ = stream.stream.shutdown(Shutdown::Both);
                served
            })?;
        Ok(Self {
            stop,
            stream: control,
            thread: Some(thread),
        })
    }

    /// The card is still in the reader (its connection to vpcd is being served).
    pub fn is_connected(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Takes the card out of the reader and returns how the connection ended.
    pub fn remove(mut self) -> Result<(), VpcdError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), VpcdError> {
        self.stop.store(true, Ordering::Release);
        // Ignore: the peer may already have closed the socket.
        let _ = self.stream.shutdown(Shutdown::Both);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(VpcdError::Io(io::Error::other("vpcd thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Inserted {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::debug!("vpcd connection ended with {e}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Records what the protocol layer asked of it.
    struct Echo {
        resets: usize,
    }

    impl Card for Echo {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0x80, 0x80, 0x01, 0x01]
        }
        fn reset(&mut self) {
            self.resets += 1;
        }
        fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
            let mut r = apdu.to_vec();
            r.extend_from_slice(&[0x90, 0x00]);
            r
        }
    }

    /// An in-memory duplex: reads come from `input`, writes go to `output`.
    struct Pipe {
        input: Cursor<Vec<u8>>,
        output: Vec<u8>,
    }
    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }
    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn answers_atr_requests_and_apdus_but_not_power_messages() {
        let input = [
            &[0, 1, CTRL_ON][..],
            &[0, 1, CTRL_ATR],
            &[0, 4, 0x00, 0x84, 0x00, 0x00],
            &[0, 1, CTRL_RESET],
            &[0, 1, CTRL_OFF],
        ]
        .concat();
        let mut pipe = Pipe {
            input: Cursor::new(input),
            output: Vec::new(),
        };
        let mut card = Echo { resets: 0 };
        serve(&mut pipe, &mut card, &AtomicBool::new(false)).unwrap();
        assert_eq!(
            pipe.output,
            [
                &[0, 5, 0x3B, 0x80, 0x80, 0x01, 0x01][..],
                &[0, 6, 0x00, 0x84, 0x00, 0x00, 0x90, 0x00]
            ]
            .concat()
        );
        assert_eq!(card.resets, 3);
    }

    #[test]
    fn a_truncated_message_is_an_error_not_a_panic() {
        let mut pipe = Pipe {
            input: Cursor::new(vec![0, 9, 1, 2]),
            output: Vec::new(),
        };
        let mut card = Echo { resets: 0 };
        assert!(serve(&mut pipe, &mut card, &AtomicBool::new(false)).is_err());
    }
}
