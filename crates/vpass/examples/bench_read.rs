//! Benchmark: full BAC read of a passport with a ~15 KB DG2 against the in-process emulator.
//! Prints APDU counts and times for several chip kinds. Run with
//! `cargo run --release -p idgate-vpass --example bench_read`.

#[path = "support/bench.rs"]
mod bench;

use std::time::Instant;

use bench::{Timed, median_ms};
use idgate_emrtd::{AccessKey, ReadOptions, SystemClock, read_passport};
use idgate_vpass::{InProcessTransport, PassportProfile, VirtualPassport};

/// Turns the specimen into one kind of chip.
type Tweak = fn(&mut PassportProfile);

fn main() -> anyhow::Result<()> {
    let runs = 20;
    let kinds: [(&str, Tweak); 4] = [
        ("short APDUs, Le 0xDF", |_| {}),
        ("extended length", |p| {
            p.chip.extended_length = true;
            p.chip.max_le = 0xFFFF;
        }),
        ("rejects Le >= 256, no SFI", |p| {
            p.chip.max_le = 0xDF;
            p.chip.sfi = false;
        }),
        ("takes only Le 128", |p| p.chip.max_le = 128),
    ];
    let base = PassportProfile::specimen();
    println!(
        "DG2 image {} bytes ({}×{} JPEG)",
        base.face.data.len(),
        base.face.width,
        base.face.height
    );
    for (name, tweak) in kinds {
        let mut profile = base.clone();
        tweak(&mut profile);
        let key = AccessKey::Mrz(profile.access_key()?);
        let mut times = Vec::with_capacity(runs);
        let mut chip_times = Vec::with_capacity(runs);
        let mut apdus = 0;
        let mut bytes = 0;
        let mut decode_off = Vec::with_capacity(runs);
        for decode in [true, false] {
            for _ in 0..runs {
                let mut transport =
                    Timed::new(InProcessTransport::new(VirtualPassport::new(&profile)?));
                let options = ReadOptions::default();
                let start = Instant::now();
                let read = read_passport(&mut transport, key.clone(), options, &SystemClock)?;
                if decode {
                    // The caller decodes the photo (the session no longer does).
                    read.decode_face()?;
                }
                let took = start.elapsed();
                if decode {
                    times.push(took);
                    chip_times.push(transport.spent);
                    apdus = read.stats.apdus;
                    bytes = read.stats.bytes_read;
                } else {
                    decode_off.push(took);
                }
            }
        }
        println!(
            "{name:28} {apdus:4} APDUs, {bytes:6} file bytes, median {:6.2} ms (of which emulator {:5.2} ms; without photo decode {:6.2} ms)",
            median_ms(&mut times),
            median_ms(&mut chip_times),
            median_ms(&mut decode_off),
        );
    }
    Ok(())
}
