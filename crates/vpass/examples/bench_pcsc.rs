//! Benchmark: the simulated station's full chip read through the real stack — idgate-emrtd → pcsc
//! → a private pcscd (idgate-testbed) → vsmartcard-vpcd → TCP → the virtual passport. A modern
//! passport (PACE, Chip and Active Authentication, Passive Authentication against its CSCA) with a
//! ~46 KB DG2, DG1, SOD, DG12, DG14, DG15, as `idgated run --simulate` personalises it.
//!
//! Prints, for the chip and socket as they were ("before": short APDUs, no TCP_QUICKACK) and as
//! they are now ("after": extended length, TCP_QUICKACK re-armed after each read), the wall time of
//! the whole read, the APDU count and the mean time per APDU round trip. Run with
//! `cargo run --release -p idgate-vpass --example bench_pcsc [RUNS]`.

#[path = "support/bench.rs"]
mod bench;
#[path = "../tests/support/pcsc_transport.rs"]
mod pcsc_transport;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bench::{Timed, median_ms};
use idgate_emrtd::ChipAuthenticity;
use idgate_emrtd::PreferPace;
use idgate_emrtd::{AccessKey, AccessProtocol, ReadOptions, SystemClock, read_passport};
use idgate_emrtd::{Check, CheckOutcome};
use idgate_vpass::security::{SecurityOptions, personalise};
use idgate_vpass::{
    ChipBehaviour, FaceImage, Inserted, PassportProfile, SocketTuning, VirtualPassport,
};
use pcsc_transport::PcscTransport;

/// Aimed at a DG2 of about 46 KB, as the simulator's chip photo makes.
const DG2_PHOTO_BYTES: usize = 50_000;

fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(3);
    let before = SocketTuning {
        no_delay: true,
        quick_ack: false,
    };
    let kinds = [
        (
            "before: short APDUs, no QUICKACK",
            ChipBehaviour::default(),
            before,
        ),
        (
            "short APDUs + QUICKACK",
            ChipBehaviour::default(),
            SocketTuning::default(),
        ),
        (
            "extended length, no QUICKACK",
            ChipBehaviour::modern(),
            before,
        ),
        (
            "after: extended + QUICKACK",
            ChipBehaviour::modern(),
            SocketTuning::default(),
        ),
    ];

    let mut profile = PassportProfile::specimen();
    profile.face = FaceImage::synthetic_jpeg(413, 531, DG2_PHOTO_BYTES);
    profile.dg11 = None;
    let now = SystemTime::now();
    let security = personalise(&mut profile, &SecurityOptions::modern(now))
        .map_err(|e| anyhow::anyhow!("personalise: {e}"))?;
    let key = AccessKey::Mrz(profile.access_key()?);
    println!(
        "modern passport (PACE + CA + AA + PA), DG2 photo {} bytes; {runs} runs each, median shown",
        profile.face.data.len()
    );

    let reader = idgate_testbed::pcscd()?.lease(Duration::from_secs(60))?;
    for (name, chip, tuning) in kinds {
        let mut walls = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let mut p = profile.clone();
            p.chip = chip.clone();
            let card = VirtualPassport::new(&p)
                .map_err(|e| anyhow::anyhow!("chip: {e}"))?
                .with_security(security.chip.clone());
            let inserted = Inserted::insert_tuned(reader.vpcd_addr(), Box::new(card), tuning)?;
            let mut transport = Timed::new(PcscTransport::new(reader.reader_name()));
            anyhow::ensure!(
                transport.inner.present(Duration::from_secs(10)),
                "the card never appeared in the reader"
            );
            let options = ReadOptions {
                access: Arc::new(PreferPace),
                hooks: Box::new(ChipAuthenticity::new(Arc::new(security.trust.clone()), now)),
                ..ReadOptions::default()
            };
            let start = Instant::now();
            let read = read_passport(&mut transport, key.clone(), options, &SystemClock)?;
            walls.push(start.elapsed());
            let report = read
                .authenticity
                .clone()
                .ok_or_else(|| anyhow::anyhow!("the read returned no authenticity report"))?;
            let all_passed = [
                Check::Pace,
                Check::ChipAuthentication,
                Check::ActiveAuthentication,
                Check::PassiveAuthentication,
            ]
            .into_iter()
            .all(|c| read.checks.contains(&CheckOutcome::passed(c)));
            anyhow::ensure!(
                read.access == AccessProtocol::Pace && all_passed && report.verdict().is_none(),
                "the read is not the full genuine one: {report}"
            );
            last = Some((
                read.stats.apdus,
                read.stats.bytes_read,
                transport.apdus,
                transport.spent,
            ));
            drop(transport);
            drop(inserted);
            // vpcd takes the next card only once pcscd has seen this one leave.
            std::thread::sleep(Duration::from_millis(1000));
        }
        if let Some((apdus, bytes, transmitted, spent)) = last {
            println!(
                "{name:34} {apdus:4} APDUs, {bytes:6} file bytes, read {:7.1} ms, {:6.2} ms per APDU round trip",
                median_ms(&mut walls),
                spent.as_secs_f64() * 1000.0 / f64::from(transmitted.max(1)),
            );
        }
    }
    Ok(())
}
