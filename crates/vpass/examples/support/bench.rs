//! What the benchmarks share: a transport wrapper that times the answers, and the median.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use idgate_emrtd::{Transport, TransportError};

/// Counts APDUs and the time spent waiting for their answers (below the reader: the emulator,
/// or pcscd, vpcd and the emulator), so the reader's own share can be told apart.
pub struct Timed<T> {
    pub inner: T,
    pub apdus: u32,
    pub spent: Duration,
}

impl<T> Timed<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            apdus: 0,
            spent: Duration::ZERO,
        }
    }
}

impl<T: Transport> Transport for Timed<T> {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        self.inner.connect()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        let r = self.inner.transmit(apdu);
        self.spent += start.elapsed();
        self.apdus += 1;
        r
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        self.inner.reconnect(wait)
    }
}

/// The median of `v`, in milliseconds (0 for none).
pub fn median_ms(v: &mut [Duration]) -> f64 {
    v.sort();
    v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
