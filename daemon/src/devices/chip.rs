//! The chip read job: wait for the card, run emrtd's read driver over PC/SC with PACE/BAC and the
//! authenticity hooks, report progress, and hand the flow a report (never the data read). The
//! decoded DG2 photo stays in memory for the face step.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use idgate_api::{CheckResult, Guidance};
use idgate_emrtd::Check;
use idgate_emrtd::ChipAuthenticity;
use idgate_emrtd::Event as ReadEvent;
use idgate_emrtd::PreferPace;
use idgate_emrtd::TransportError;
use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::{ChipError, ChipFailure, ReadOptions, SystemClock};
use idgate_emrtd::{PaReport, TrustStore};
use idgate_flow::{AccessKey, ChipReport, Event, RunId};
use tokio::sync::mpsc::UnboundedSender;

use super::{ChipPhoto, DeviceEvent, send_flow};
use crate::contract;
use crate::reader::{PcscTransport, wait_for_card};

/// How long one look for the card lasts before checking for a cancel.
const CARD_POLL: Duration = Duration::from_millis(500);

/// What every chip read needs from the configuration.
#[derive(Clone)]
pub struct ChipSettings {
    /// CSCAs for Passive Authentication (empty: PA cannot pass, so no chip is genuine).
    pub trust: Arc<TrustStore>,
    /// The whole read's deadline (the flow's chip timeout also stops the job).
    pub deadline: Duration,
}

impl std::fmt::Debug for ChipSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipSettings")
            .field("cscas", &self.trust.cscas().len())
            .field("deadline", &self.deadline)
            .finish()
    }
}

pub struct ChipJob {
    pub run: RunId,
    pub key: AccessKey,
    pub reader: String,
    pub settings: ChipSettings,
    pub cancel: Arc<AtomicBool>,
    pub events: UnboundedSender<DeviceEvent>,
    pub photo: ChipPhoto,
}

impl ChipJob {
    pub fn run(self) {
        let run = self.run;
        let result = self.read();
        if self.cancel.load(Ordering::Relaxed) {
            return;
        }
        send_flow(&self.events, Event::ChipDone { run, result });
    }

    fn hint(&self, guidance: Guidance) {
        send_flow(
            &self.events,
            Event::ChipHint {
                run: self.run,
                guidance,
            },
        );
    }

    fn read(&self) -> Result<ChipReport, Guidance> {
        let mut transport = PcscTransport::new(&self.reader, self.cancel.clone())
            .map_err(|_| Guidance::FlowStationFault)?;
        self.wait_for_card()?;
        self.hint(Guidance::ChipKeepStill);

        let options = ReadOptions {
            access: Arc::new(PreferPace),
            hooks: Box::new(ChipAuthenticity::new(
                self.settings.trust.clone(),
                SystemTime::now(),
            )),
            deadline: self.settings.deadline,
            // Besides DG1, DG2 and EF.SOD the verification needs DG14 (Chip Authentication) and
            // DG15 (Active Authentication) only. DG7, DG11 and DG12 (signature image, address,
            // phone) are personal data it has no use for: they are never read.
            optional_files: vec![LdsFile::DG14, LdsFile::DG15],
            ..ReadOptions::default()
        };
        let key = self.key.clone();
        let mut observer = |event: &ReadEvent| self.observe(event);
        let started = std::time::Instant::now();
        let read = idgate_emrtd::read_passport_observed(
            &mut transport,
            key,
            options,
            &SystemClock,
            &mut observer,
        );
        let read = match read {
            Ok(read) => read,
            Err(e) => return Err(self.failure(&e)),
        };
        // For admins and the end-to-end bench: how long the card was on the reader, in APDUs.
        tracing::info!(
            apdus = read.stats.apdus,
            bytes = read.stats.bytes_read,
            resumes = read.stats.resumes,
            ms = started.elapsed().as_millis() as u64,
            "chip read done"
        );
        // The hooks always report; "not run" only if a future read ran without them.
        let pa = read.authenticity.clone().unwrap_or_else(PaReport::not_run);
        let report = ChipReport {
            access: contract::chip_access(read.access),
            files: read.raw.iter().map(|(f, _)| f.to_string()).collect(),
            // The driver compares DG1 with the MRZ key (and refuses a mismatch); with a CAN
            // alone there is nothing to compare with.
            dg1_matches_code: if read.checks.iter().any(|c| c.check == Check::Dg1MatchesCode) {
                CheckResult::Passed
            } else {
                CheckResult::NotRun
            },
            passive_auth: contract::passive_result(&pa),
            chip_auth: contract::check_result(&pa.chip_auth),
            active_auth: contract::check_result(&pa.active_auth),
        };
        match read.decode_face() {
            Ok(Some(face)) => {
                if !self.photo.put(self.run, face) {
                    // Stopped while reading: this run's result is stale, its photo dropped.
                    tracing::debug!("chip photo of a stopped read dropped");
                }
                Ok(report)
            }
            // No photo our decoders read: the face step cannot run here.
            Ok(None) | Err(_) => Err(Guidance::ChipUnsupported),
        }
    }

    /// Waits until a card is on the reader, telling the person to place it.
    fn wait_for_card(&self) -> Result<(), Guidance> {
        let ctx =
            pcsc::Context::establish(pcsc::Scope::User).map_err(|_| Guidance::FlowStationFault)?;
        let reader =
            std::ffi::CString::new(self.reader.as_str()).map_err(|_| Guidance::FlowStationFault)?;
        let mut told = false;
        loop {
            match wait_for_card(&ctx, &reader, CARD_POLL, &self.cancel) {
                Ok(()) => return Ok(()),
                Err(TransportError::NoCard) => {
                    if !told {
                        self.hint(Guidance::ChipPlace);
                        told = true;
                    }
                }
                Err(_) => return Err(Guidance::FlowStationFault),
            }
        }
    }

    fn observe(&self, event: &ReadEvent) {
        match event {
            ReadEvent::Progress(p) => {
                let total = p.total.unwrap_or(0);
                let within = if total > 0 {
                    p.read as f64 / total as f64
                } else {
                    0.0
                };
                let planned = p.files_planned.max(1) as f64;
                send_flow(
                    &self.events,
                    Event::ChipProgress {
                        run: self.run,
                        file: p.file.to_string(),
                        read: u32::try_from(p.read).unwrap_or(u32::MAX),
                        total: u32::try_from(total).unwrap_or(u32::MAX),
                        fraction: ((p.files_done as f64 + within) / planned).clamp(0.0, 1.0),
                    },
                );
            }
            ReadEvent::CardLost => self.hint(Guidance::ChipKeepStill),
            _ => {}
        }
    }

    fn failure(&self, e: &ChipError) -> Guidance {
        let failure = e.failure();
        if failure == ChipFailure::ReaderFault {
            if self.cancel.load(Ordering::Relaxed) {
                return Guidance::FlowCancelled;
            }
            tracing::warn!("reader failed during the chip read: {e}");
        } else {
            tracing::info!(?failure, "chip read failed: {e}");
        }
        contract::chip_guidance(failure)
    }
}
