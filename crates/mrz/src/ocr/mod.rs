//! Camera OCR of the MRZ, in pure Rust.
//!
//! Pipeline per frame ([`MrzReader`]):
//! 1. grey conversion; frames wider than 1400 px are halved;
//! 2. Sauvola binarisation over integral images (robust to uneven light) and 8-connected components;
//! 3. blobs are linked to their nearest right-hand neighbour, first in a wide cone to learn the skew,
//!    then in a narrow one; mutual-best links form text lines; each line gets a straight axis (total
//!    least squares) and a quadratic cell grid (perspective changes the pitch along the line);
//!    the MRZ is 2 or 3 parallel, left-aligned lines of 44, 36 or 30 cells;
//! 4. every cell is resampled along the line's axes into a 16×22 patch and classified, then scored
//!    again against the document's own clearly read glyphs (`adapt`);
//! 5. each position only admits its field's characters, and failing check digits are repaired by the
//!    least costly substitution that makes them verify (look-alikes and runners-up, two at most);
//! 6. [`FrameVoter`] averages the class scores of recent frames and marks uncertain characters;
//!    [`MrzScanner`] adds the hint policy ([`OcrHint`]).
//!
//! **Classifier choice**: normalised cross-correlation against templates rendered at start-up from
//! the real OCR-B font (`fonts-ocr-b`, loaded with `ab_glyph`), sharp and blurred, natural and 10 %
//! narrower, best over ±1 px shifts. The MRZ is printed in exactly this font, so the templates are
//! the ground truth; no trained weights have to be shipped or versioned, and start-up takes
//! milliseconds. Check digits, field constraints and voting catch what correlation confuses.
//! A learned classifier trained on augmented synthetic glyphs (`learned`) gives still images a
//! second opinion ([`MrzReader::new`]; `reader.rs`, `second_opinion`): it confirms, settles a
//! template near tie in a name or state code when it is sure, and never flips a character a check
//! digit guards. The live scanner reads with the templates alone (measured: crate README).

mod adapt;
mod binarize;
mod classify;
mod components;
mod correct;
pub mod font;
mod gray;
mod layout;
pub mod learned;
mod lines;
mod pairs;
mod prepare;
mod quality;
mod reader;
mod scanner;
mod still;
mod voter;

pub use correct::Decoded;
pub use font::{DEFAULT_FONT_PATH, FontError, OcrbFont};
pub use gray::rgb_to_gray;
pub use learned::{LearnedClassifier, ModelError};
pub use reader::{
    BLUR_THRESHOLD, FRAME_BLUR_THRESHOLD, FrameReading, GLARE_THRESHOLD, MrzReader, OcrHint,
    ReaderError, STILL_WEIGHT,
};
pub use scanner::{DEFAULT_UNREADABLE_AFTER, MrzScanner, ScanUpdate};
pub use still::{StillMiss, StillReading};
pub use voter::{Consensus, DEFAULT_MIN_AGREEING, DEFAULT_WINDOW, FrameVoter, class_char};
