//! The code step's camera job: frames into mrz's scanner (read, vote, hint), OCR hints and the
//! lines read so far out, and the chip key once the MRZ has settled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use idgate_api::{Guidance, Step};
use idgate_flow::{AccessKey, Event, RunId};
use idgate_mrz::ocr::{MrzReader, MrzScanner, OcrHint};
use tokio::sync::mpsc::UnboundedSender;

use super::camera::{CameraHandle, PreviewSender};
use super::{DeviceEvent, send_flow};

pub struct OcrJob {
    pub run: RunId,
    pub camera: CameraHandle,
    pub reader: Arc<MrzReader>,
    pub cancel: Arc<AtomicBool>,
    pub events: UnboundedSender<DeviceEvent>,
}

impl OcrJob {
    pub fn run(self) {
        let mut scanner = MrzScanner::new(self.reader.clone());
        let mut preview = PreviewSender::new(self.run, Step::Code, self.events.clone());
        let mut shown_lines: Vec<String> = Vec::new();
        while let Some(frame) =
            self.camera
                .next_frame_for_job("code", self.run, &self.cancel, &self.events)
        {
            preview.offer(&frame.image, &[]);
            let update = scanner.push_rgb(&frame.image);
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }
            let progress = update
                .consensus
                .as_ref()
                .map_or(-1.0, |c| f64::from(c.confidence));
            if let Some(hint) = update.hint {
                send_flow(
                    &self.events,
                    Event::CodeHint {
                        run: self.run,
                        guidance: guidance(hint),
                        progress,
                    },
                );
            }
            if let Some(c) = &update.consensus {
                if c.lines != shown_lines {
                    shown_lines = c.lines.clone();
                    let marks = marks(&c.lines, &c.uncertain);
                    let _ = self.events.send(DeviceEvent::CodeLines {
                        run: self.run,
                        lines: c.lines.clone(),
                        marks,
                    });
                }
            }
            if let Some(mrz) = update.mrz {
                send_flow(
                    &self.events,
                    Event::CodeRead {
                        run: self.run,
                        key: AccessKey::Mrz(mrz.access_key()),
                    },
                );
                return;
            }
        }
    }
}

fn guidance(hint: OcrHint) -> Guidance {
    match hint {
        OcrHint::ShowPage => Guidance::CodeShowPage,
        OcrHint::HoldStill => Guidance::CodeHoldStill,
        OcrHint::Glare => Guidance::CodeGlare,
        OcrHint::Unreadable => Guidance::CodeUnreadable,
    }
}

/// One line per MRZ line: `^` under uncertain characters, space elsewhere.
fn marks(lines: &[String], uncertain: &[(usize, usize)]) -> Vec<String> {
    lines
        .iter()
        .enumerate()
        .map(|(row, line)| {
            (0..line.chars().count())
                .map(|col| {
                    if uncertain.contains(&(row, col)) {
                        '^'
                    } else {
                        ' '
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_sit_under_the_uncertain_characters() {
        let lines = vec!["P<UTO".to_owned(), "L898".to_owned()];
        assert_eq!(
            marks(&lines, &[(0, 2), (1, 3)]),
            ["  ^  ".to_owned(), "   ^".to_owned()]
        );
    }
}
