//! One still image (a scan, a photo, the CLI) instead of a live camera: there is no second frame
//! to confirm a reading, so the image is searched harder (four orientations, several scales) and a
//! reading is accepted only when every check digit verifies and no rival reading verifies too.

use std::fmt;

use image::GrayImage;
use zeroize::Zeroize;

use crate::format::MrzFormat;
use crate::mrz::Mrz;

use super::prepare;
use super::reader::{DECISIVE_NATS, Dispute, MrzReader, SETTLE_GAP, SETTLE_P};

/// Why a still image gave no MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StillMiss {
    /// No MRZ band was found in any orientation or scale.
    NoBand,
    /// A band was read but its characters are too uncertain to trust.
    Uncertain,
    /// A band was read but its check digits fail, even after correcting look-alikes.
    CheckDigits,
    /// Two different readings both verify: neither can be trusted.
    Rivals,
}

impl StillMiss {
    /// Stable machine-readable code (the CLI's `reason`).
    pub fn code(self) -> &'static str {
        match self {
            StillMiss::NoBand => "no_band",
            StillMiss::Uncertain | StillMiss::Rivals => "uncertain",
            StillMiss::CheckDigits => "check_digits",
        }
    }
}

impl fmt::Display for StillMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StillMiss::NoBand => "no MRZ found in the image",
            StillMiss::Uncertain => "the MRZ was found but some characters are too uncertain",
            StillMiss::CheckDigits => "the MRZ was found but its check digits fail",
            StillMiss::Rivals => "two different readings of the MRZ both verify: refusing both",
        })
    }
}

/// What a still image showed. `Debug` redacts the lines.
#[derive(Clone)]
pub struct StillReading {
    /// The verified MRZ, when exactly one reading verified.
    pub mrz: Option<Mrz>,
    /// The layout of the best band found, verified or not.
    pub format: Option<MrzFormat>,
    /// The best reading's lines (verified or not; empty when no band was found).
    pub lines: Vec<String>,
    /// In `[0, 1]`: zero unless verified; then how clearly the characters stood out.
    pub confidence: f32,
    /// Why there is no MRZ.
    pub miss: Option<StillMiss>,
}

impl Drop for StillReading {
    fn drop(&mut self) {
        self.lines.zeroize();
    }
}

impl fmt::Debug for StillReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StillReading")
            .field("verified", &self.mrz.is_some())
            .field("format", &self.format)
            .field("confidence", &self.confidence)
            .field("miss", &self.miss)
            .finish_non_exhaustive()
    }
}

impl MrzReader {
    /// Reads one still image: every orientation and a few scales, accepting a reading only when
    /// every check digit verifies and no different reading verifies as well.
    pub fn read_still(&self, img: &GrayImage) -> StillReading {
        let mut verified: Vec<(Mrz, f32)> = Vec::new();
        let mut best_unverified: Option<(usize, super::correct::Decoded)> = None;
        // The image as given first; only when no reading verifies, views prepared for what defeats
        // the frame pipeline: tiny scans (characters 6-8 px high), crops that hold only the band
        // (no page around it), washed-out glare and low contrast.
        let prepared = prepare::enlarge_and_pad(img);
        let base = prepared.as_ref().unwrap_or(img);
        for round in 0..3u8 {
            match round {
                0 => self.read_turns(img, None, &mut verified, &mut best_unverified),
                1 if prepared.is_some() => {
                    self.read_turns(base, None, &mut verified, &mut best_unverified);
                }
                1 => {}
                // The band found on a contrast-stretched view, its cells read on the image itself.
                _ => {
                    let stretched = prepare::stretch_contrast(base);
                    self.read_turns(base, Some(&stretched), &mut verified, &mut best_unverified);
                }
            }
            if !verified.is_empty() {
                break;
            }
        }
        match verified.as_slice() {
            [(mrz, conf)] => StillReading {
                format: Some(mrz.format()),
                lines: mrz.lines().to_vec(),
                confidence: *conf,
                mrz: Some(mrz.clone()),
                miss: None,
            },
            [] => match best_unverified {
                Some((_, d)) => {
                    let text: Vec<String> = d
                        .lines
                        .iter()
                        .map(|l| String::from_utf8_lossy(l).into_owned())
                        .collect();
                    // The text verifies, yet was not accepted: a rival reading verifies too.
                    let miss = if Mrz::from_lines(&text).is_ok() {
                        StillMiss::Uncertain
                    } else {
                        StillMiss::CheckDigits
                    };
                    StillReading {
                        mrz: None,
                        format: Some(d.format),
                        lines: d
                            .lines
                            .iter()
                            .map(|l| String::from_utf8_lossy(l).into_owned())
                            .collect(),
                        confidence: 0.0,
                        miss: Some(miss),
                    }
                }
                None => StillReading {
                    mrz: None,
                    format: None,
                    lines: Vec::new(),
                    confidence: 0.0,
                    miss: Some(StillMiss::NoBand),
                },
            },
            _ => StillReading {
                mrz: None,
                format: None,
                lines: Vec::new(),
                confidence: 0.0,
                miss: Some(StillMiss::Rivals),
            },
        }
    }
}

impl MrzReader {
    /// Reads `img` in its four orientations, stopping at the first clearly verified reading.
    fn read_turns(
        &self,
        img: &GrayImage,
        finder: Option<&GrayImage>,
        verified: &mut Vec<(Mrz, f32)>,
        best_unverified: &mut Option<(usize, super::correct::Decoded)>,
    ) {
        for turn in 0..4u8 {
            let turned = |i: &GrayImage| match turn {
                0 => i.clone(),
                1 => image::imageops::rotate90(i),
                2 => image::imageops::rotate180(i),
                _ => image::imageops::rotate270(i),
            };
            let view = turned(img);
            let finder_view = finder.map(turned);
            let reading = self.read_gray_found_on(&view, finder_view.as_ref(), true);
            let Some(d) = reading.decoded else {
                continue;
            };
            match &d.mrz {
                Some(m) if clear(&d, &reading.washed, &reading.disputes) => {
                    if !verified.iter().any(|(v, _)| v == m) {
                        verified.push((m.clone(), confidence(&d)));
                    }
                }
                verified_text => {
                    // A reading that verified but is not clear enough ranks above any that did not.
                    let rank = if verified_text.is_some() {
                        usize::MAX
                    } else {
                        d.lines.iter().map(Vec::len).sum::<usize>()
                    };
                    if best_unverified.as_ref().is_none_or(|(r, _)| rank > *r) {
                        *best_unverified = Some((rank, d));
                    }
                }
            }
            if !verified.is_empty() {
                break;
            }
        }
    }
}

/// Smallest margin a character no check digit covers (names, nationality, sex) needs in a still
/// image: below it the classifier is tossing a coin between two letters, and with one image there
/// is no second frame to settle it. (The margins of right readings on both benches lie well above.)
const UNGUARDED_MARGIN: f32 = 0.015;

/// Whether every character outside the check digits' reach was read with a clear margin and on
/// print that is not washed out. Washed-out cells are trusted only where a check digit binds them
/// to one character: not in the document number or optional data, which hold letters and digits
/// alike, so that a check-digit twin (`0`/`U`, `1`/`L`: values equal modulo 10) verifies as well.
fn clear(
    d: &super::correct::Decoded,
    washed: &[(usize, usize)],
    disputes: &[((usize, usize), Dispute)],
) -> bool {
    use super::layout::{Kind, kind};
    let guarded = super::correct::guarded_positions(d.format, &d.lines);
    // A code field read as digits (`correct.rs`, `numeric_code`) passed stricter margins than any
    // letter's; the network's opinion there is only on which letter it would be.
    let numeric = super::correct::numeric_code_positions(d.format, &d.lines);
    // Where the network disputes a character no check digit covers without settling it
    // (`reader.rs`, `second_opinion`), two readers contradict each other: refused when the
    // templates' lead is a near tie, or when the network is sure (a synthetic still kept the
    // templates' `D` by 0.031 against the network's right `O` at p 0.999).
    let disputes_ok = disputes.iter().all(|&((l, c), disp)| {
        let now = d.lines.get(l).and_then(|r| r.get(c)).copied();
        guarded.contains(&(l, c))
            || numeric.contains(&(l, c))
            || now == Some(disp.network)
            || (disp.gap >= SETTLE_GAP && disp.p < SETTLE_P)
            // Weighed together, the templates' lead outweighs the network's odds by far.
            || -disp.network_evidence() >= DECISIVE_NATS
    });
    if !disputes_ok {
        return false;
    }
    let margins_clear = d.margins.iter().enumerate().all(|(l, row)| {
        row.iter()
            .enumerate()
            .all(|(c, &m)| m >= UNGUARDED_MARGIN || guarded.contains(&(l, c)))
    });
    margins_clear
        && washed
            .iter()
            .all(|&(l, c)| guarded.contains(&(l, c)) && kind(d.format, l, c) != Kind::Any)
}

/// How clearly a verified reading's characters stood out: the mean classifier score, in `[0, 1]`.
fn confidence(d: &super::correct::Decoded) -> f32 {
    let all: Vec<f32> = d.scores.iter().flatten().copied().collect();
    if all.is_empty() {
        return 0.0;
    }
    (all.iter().sum::<f32>() / all.len() as f32).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::correct::decode;
    use crate::ocr::correct::tests::clear_cells;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    /// A reading of `TD3` where every character stands out clearly.
    fn clear_reading() -> super::super::correct::Decoded {
        decode(MrzFormat::Td3, &clear_cells(&TD3))
    }

    fn dispute(template: u8, network: u8, gap: f32) -> Dispute {
        Dispute {
            template,
            network,
            gap,
            p: 0.8,
            p_template: 0.2,
        }
    }

    #[test]
    fn a_near_tie_the_network_disputes_in_a_name_is_refused() {
        let d = clear_reading();
        assert!(d.mrz.is_some());
        assert!(clear(&d, &[], &[]));
        // `ANNA` (line 0, column 13 is the first `A`): the templates kept `A` by a hair, the
        // network preferred `R` without being sure enough to settle it.
        assert!(!clear(&d, &[], &[((0, 13), dispute(b'A', b'R', 0.01))]));
        // The same disagreement over a clear template lead does not matter.
        assert!(clear(&d, &[], &[((0, 13), dispute(b'A', b'R', 0.08))]));
    }

    #[test]
    fn a_letter_a_sure_network_contradicts_is_refused_even_over_a_clear_template_lead() {
        // Seen on a synthetic still: the templates' `D` led by 0.031, the network was 99.9 % sure
        // of the right `O`.
        let d = clear_reading();
        let sure = Dispute {
            p: 0.999,
            p_template: 0.001,
            ..dispute(b'A', b'R', 0.031)
        };
        assert!(!clear(&d, &[], &[((0, 13), sure)]));
    }

    #[test]
    fn a_wide_template_lead_outweighs_a_network_that_is_sure_but_not_certain() {
        // `ULYSSE` on a 376 px scan: the templates' `L` 0.092 ahead of `I`, the network 95 % sure
        // of `I`: 80 × 0.092 = 7.4 nats of lead against ln(0.95 / 0.05) = 2.9.
        let d = clear_reading();
        let wide = Dispute {
            p: 0.95,
            p_template: 0.05,
            ..dispute(b'A', b'R', 0.092)
        };
        assert!(clear(&d, &[], &[((0, 13), wide)]));
        // Against a lead of 0.045, the same network leaves the letter in doubt.
        let narrow = Dispute { gap: 0.045, ..wide };
        assert!(!clear(&d, &[], &[((0, 13), narrow)]));
    }

    #[test]
    fn a_disputed_character_a_check_digit_guards_is_left_to_the_check_digit() {
        let d = clear_reading();
        // Line 1, column 0: the document number's `L`.
        assert!(clear(&d, &[], &[((1, 0), dispute(b'L', b'1', 0.01))]));
    }
}
