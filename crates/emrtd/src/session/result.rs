//! The read's result: everything read and checked, assembled when the last file is in.

use std::fmt;

use crate::access::AccessKey;
use crate::budget::Budget;
use crate::checks::{Check, CheckOutcome};
use crate::error::{AccessProtocol, ChipError, KeyKind};
use crate::lds::card_access::CardAccess;
use crate::lds::com::EfCom;
use crate::lds::dg1::Dg1;
use crate::lds::dg2::{Dg2, Dg2Error, Dg2Unsupported};
use crate::lds::dg7::Dg7;
use crate::lds::dg11::Dg11;
use crate::lds::dg12::Dg12;
use crate::lds::image::{self, RgbImage};
use crate::lds::{LdsFile, RawFiles};
use crate::session::Reading;
use crate::session::profile::{ChipKind, ReadProfile};

/// Counters of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Command APDUs sent (including GET RESPONSE).
    pub apdus: u32,
    /// File bytes read.
    pub bytes_read: usize,
    /// Times the read resumed after the card came back or SM broke.
    pub resumes: u32,
    /// Read sizes refused.
    pub step_downs: u32,
}

/// Everything read from the chip.
pub struct ChipRead {
    /// The access control that opened the chip.
    pub access: AccessProtocol,
    /// EF.CardAccess parsed, when present (raw bytes in `raw`).
    pub card_access: Option<CardAccess>,
    /// EF.COM, when the chip has one.
    pub com: Option<EfCom>,
    /// DG1: the MRZ.
    pub dg1: Dg1,
    /// DG2: the facial images (encoded; see [`ChipRead::decode_face`]).
    pub dg2: Dg2,
    /// DG7: displayed signature, when read.
    pub dg7: Option<Dg7>,
    /// DG11: additional personal details, when read.
    pub dg11: Option<Dg11>,
    /// DG12: additional document details, when read.
    pub dg12: Option<Dg12>,
    /// Every file exactly as read (EF.SOD, DG14, DG15 and the rest, for Passive Authentication).
    pub raw: RawFiles,
    /// Checks performed (access control, DG1 = code, CA, AA and PA).
    pub checks: Vec<CheckOutcome>,
    /// Every authenticity check's result with its reason, from the read's hooks (`None` without
    /// authentication hooks). API change: formerly read from the hooks' shared slot afterwards.
    pub authenticity: Option<crate::auth::passive::PaReport>,
    /// The chip kind the read profile is stored under.
    pub chip_kind: ChipKind,
    /// The read sizes that worked (the driver stores it under `chip_kind`).
    pub profile: ReadProfile,
    /// Counters of the read.
    pub stats: ReadStats,
}

impl fmt::Debug for ChipRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipRead")
            .field("access", &self.access)
            .field("raw", &self.raw)
            .field("checks", &self.checks)
            .field("chip_kind", &self.chip_kind)
            .field("profile", &self.profile)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl ChipRead {
    /// EF.SOD as read.
    pub fn sod(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::Sod)
    }
    /// DG14 as read.
    pub fn dg14(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::DG14)
    }
    /// DG15 as read.
    pub fn dg15(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::DG15)
    }
    /// EF.CardAccess as read.
    pub fn card_access_raw(&self) -> Option<&[u8]> {
        self.raw.get(LdsFile::CardAccess)
    }

    /// DG2's first facial image decoded to RGB (JPEG or JPEG 2000), for whoever needs pixels: the
    /// session no longer decodes images (API change, issue 14: formerly `ChipRead::face` and
    /// `ReadOptions::decode_images`). `Ok(None)` when DG2 holds no image.
    pub fn decode_face(&self) -> Result<Option<RgbImage>, ChipError> {
        self.dg2
            .faces
            .first()
            .map(|f| image::decode(&f.data).map_err(|e| ChipError::Image(e.to_string())))
            .transpose()
    }
}

impl Reading {
    /// The result from everything read (runs the hooks' `after_read`, i.e. Passive Authentication).
    pub(super) fn build_result(&mut self, budget: &Budget<'_>) -> Result<ChipRead, ChipError> {
        let pa_checks = self.opts.hooks.after_read(&self.files, budget)?;
        self.checks.extend(pa_checks);
        self.check_downgrades()?;
        let lds = |file: LdsFile| move |error| ChipError::Lds { file, error };
        let dg1_raw = self
            .files
            .get(LdsFile::DG1)
            .ok_or(ChipError::MissingFile(LdsFile::DG1))?;
        let dg1 = Dg1::parse(dg1_raw).map_err(lds(LdsFile::DG1))?;
        let expected = match &self.key {
            AccessKey::Mrz(k) => Some(k),
            AccessKey::Can(_) => self.opts.expected_mrz.as_ref(),
        };
        if let Some(expected) = expected {
            if let Err(field) = dg1.matches(expected) {
                return Err(ChipError::Dg1Mismatch {
                    field: field.name(),
                    via: KeyKind::of(&self.key),
                });
            }
            self.checks
                .push(CheckOutcome::passed(Check::Dg1MatchesCode));
        }
        if !self.files.contains(LdsFile::Sod) {
            return Err(ChipError::MissingFile(LdsFile::Sod));
        }
        let dg2_raw = self
            .files
            .get(LdsFile::DG2)
            .ok_or(ChipError::MissingFile(LdsFile::DG2))?;
        let dg2 = Dg2::parse(dg2_raw).map_err(|e| match e {
            Dg2Error::Malformed(error) => ChipError::Lds {
                file: LdsFile::DG2,
                error,
            },
            Dg2Error::Unsupported(what) => ChipError::UnsupportedFormat {
                file: LdsFile::DG2,
                what: match what {
                    Dg2Unsupported::Iso39794Extension(_) => "ISO/IEC 39794-5 extension",
                    Dg2Unsupported::UnknownImageType(_) => "facial image type",
                },
            },
        })?;
        let dg7 = self
            .files
            .get(LdsFile::DG7)
            .map(Dg7::parse)
            .transpose()
            .map_err(lds(LdsFile::DG7))?;
        let dg11 = self
            .files
            .get(LdsFile::DG11)
            .map(Dg11::parse)
            .transpose()
            .map_err(lds(LdsFile::DG11))?;
        let dg12 = self
            .files
            .get(LdsFile::DG12)
            .map(Dg12::parse)
            .transpose()
            .map_err(lds(LdsFile::DG12))?;
        let access = self.access.ok_or(ChipError::Protocol {
            protocol: "session",
            reason: "finished without access control".into(),
        })?;
        let chip_kind = ChipKind {
            historical_bytes: self.historical.clone(),
            issuing_state: self
                .issuing_state
                .clone()
                .unwrap_or_else(|| dg1.issuing_state.clone()),
        };
        Ok(ChipRead {
            access,
            card_access: self.card_access.take(),
            com: self.com.take(),
            dg1,
            dg2,
            dg7,
            dg11,
            dg12,
            raw: std::mem::take(&mut self.files),
            checks: std::mem::take(&mut self.checks),
            authenticity: self.opts.hooks.report(),
            chip_kind,
            profile: self.modes.profile(self.use_sfi),
            stats: self.stats(),
        })
    }
}
