//! The chip read job: wait for the card, run emrtd's read driver over PC/SC with PACE/BAC and the
//! authenticity hooks, report progress, and hand the flow a report (never the data read). The
//! DG2 photo is decoded only for a chip whose Passive Authentication passed, and then in the
//! locked-down decoder process ([`crate::sandbox`]): image decoders (OpenJPEG is C) never see
//! bytes from a chip not known to be genuine, and never in the daemon's own memory. The decoded
//! photo stays in memory for the face step.

use std::path::PathBuf;
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
use crate::sandbox;

/// How long one look for the card lasts before checking for a cancel.
const CARD_POLL: Duration = Duration::from_millis(500);

/// What every chip read needs from the configuration.
#[derive(Clone)]
pub struct ChipSettings {
    /// CSCAs for Passive Authentication (empty: PA cannot pass, so no chip is genuine).
    pub trust: Arc<TrustStore>,
    /// The whole read's deadline (the flow's chip timeout also stops the job).
    pub deadline: Duration,
    /// The executable started as the photo decoder child (`idgated`, or `idgated-sim`: both call
    /// [`sandbox::child_main`] first); see [`sandbox::default_program`].
    pub decoder: PathBuf,
}

impl std::fmt::Debug for ChipSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipSettings")
            .field("cscas", &self.trust.cscas().len())
            .field("deadline", &self.deadline)
            .field("decoder", &self.decoder)
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
            // The transport fails at once on a cancel; this also stops the read around Passive
            // Authentication, which talks to no card.
            cancel: Some(self.cancel.clone()),
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
        if report.passive_auth != CheckResult::Passed
            || report.chip_auth == CheckResult::Failed
            || report.active_auth == CheckResult::Failed
        {
            // Not genuine: the flow ends with its guidance; the photo's bytes go to no decoder.
            tracing::info!("chip photo not decoded: the chip is not shown genuine");
            return Ok(report);
        }
        if self.cancel.load(Ordering::Relaxed) {
            // Stopped meanwhile: no photo is decoded for a run that is over.
            return Err(Guidance::FlowCancelled);
        }
        let Some(face) = read.dg2.faces.first() else {
            // No photo: the face step cannot run here.
            return Err(Guidance::ChipUnsupported);
        };
        match sandbox::decode_isolated(
            &self.settings.decoder,
            &face.data,
            sandbox::Limits::default(),
        ) {
            Ok(face) => {
                tracing::info!("chip photo decoded in the sandbox");
                if !self.photo.put(self.run, face) {
                    // Stopped while reading: this run's result is stale, its photo dropped.
                    tracing::debug!("chip photo of a stopped read dropped");
                }
                Ok(report)
            }
            // The decoder could not be started or talked to: the station's fault, not the chip's.
            Err(e @ (sandbox::SandboxError::Spawn { .. } | sandbox::SandboxError::Io(_))) => {
                tracing::error!("chip photo decoder unavailable: {e}");
                Err(Guidance::FlowStationFault)
            }
            // A photo our decoder refuses (or that stops it): the face step cannot run here.
            Err(e) => {
                tracing::warn!("chip photo not decoded: {e}");
                Err(Guidance::ChipUnsupported)
            }
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

#[cfg(test)]
mod tests {
    //! The job against the real pcscd (the testbed's private one), its vpcd reader and the
    //! virtual passport: the photo reaches a decoder only when Passive Authentication passed, and
    //! then only the sandboxed child.

    use std::time::Duration;

    use idgate_api::CheckResult;
    use idgate_emrtd::TrustStore;
    use idgate_vpass::security::{SecurityOptions, personalise};
    use idgate_vpass::{ChipBehaviour, Inserted, PassportProfile, VirtualPassport};
    use tokio::sync::mpsc::unbounded_channel;

    use super::*;
    use crate::devices::photo::PhotoSlot;

    /// Runs one chip job over `reader` and returns its result and whether a photo was kept.
    fn job(
        reader: &str,
        key: AccessKey,
        trust: TrustStore,
        decoder: PathBuf,
    ) -> (Result<ChipReport, Guidance>, bool) {
        let (tx, mut rx) = unbounded_channel();
        let photo = Arc::new(PhotoSlot::default());
        photo.open(RunId(1));
        ChipJob {
            run: RunId(1),
            key,
            reader: reader.to_owned(),
            settings: ChipSettings {
                trust: Arc::new(trust),
                deadline: Duration::from_secs(30),
                decoder,
            },
            cancel: Arc::new(AtomicBool::new(false)),
            events: tx,
            photo: photo.clone(),
        }
        .run();
        let mut result = None;
        while let Ok(event) = rx.try_recv() {
            if let DeviceEvent::Flow(Event::ChipDone { result: r, .. }) = event {
                result = Some(r);
            }
        }
        (result.expect("ChipDone"), photo.copy().is_some())
    }

    #[test]
    fn the_photo_of_a_chip_whose_passive_authentication_did_not_pass_reaches_no_decoder() {
        let pcscd = idgate_testbed::pcscd().expect("private pcscd");
        let lease = pcscd.lease(Duration::from_secs(60)).expect("reader");
        let mut profile = PassportProfile::specimen();
        profile.chip = ChipBehaviour::modern();
        let security = personalise(&mut profile, &SecurityOptions::modern(SystemTime::now()))
            .expect("personalise");
        let key = AccessKey::Mrz(profile.access_key().expect("key"));
        let chip = VirtualPassport::new(&profile)
            .expect("chip")
            .with_security(security.chip.clone());
        let _card = Inserted::insert(lease.vpcd_addr(), Box::new(chip)).expect("insert");
        // A decoder that cannot start: any decode attempt other than through it would succeed.
        let nowhere = PathBuf::from("/nonexistent/idgated");

        // No CSCA trusted: Passive Authentication cannot pass.
        let before = sandbox::decoders_started();
        let (result, kept) = job(
            lease.reader_name(),
            key.clone(),
            TrustStore::new(),
            nowhere.clone(),
        );
        let report = result.expect("the chip was read; the flow decides");
        assert_ne!(report.passive_auth, CheckResult::Passed);
        assert!(!kept, "no photo of an unproven chip");
        assert_eq!(sandbox::decoders_started(), before, "no decoder started");

        // Trusted: the photo goes to the sandboxed decoder (here one that cannot start, so the
        // read ends in a station fault instead of decoding in-process).
        let (result, kept) = job(lease.reader_name(), key, security.trust.clone(), nowhere);
        assert_eq!(result, Err(Guidance::FlowStationFault));
        assert!(!kept);
        assert_eq!(sandbox::decoders_started(), before + 1, "one decoder child");
    }
}
