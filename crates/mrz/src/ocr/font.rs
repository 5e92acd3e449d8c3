//! The OCR-B font (ISO 1073-2), loaded from a file and rendered to coverage bitmaps with `ab_glyph`:
//! the templates the classifier compares against and the glyphs of synthetic pages.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, GlyphId, PxScale, point};

/// Where Debian's `fonts-ocr-b` package installs the font.
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

/// The 37 characters of the MRZ alphabet, in class order.
pub const MRZ_ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// Why the font could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the OCR-B font was not found at {path} (install the fonts-ocr-b package)")]
    Missing {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a usable font")]
    Invalid { path: PathBuf },
    #[error("the font has no glyph for '{0}'")]
    MissingGlyph(char),
}

/// A rendered glyph: coverage in `[0, 1]`, row-major, placed relative to the pen position on the baseline.
#[derive(Debug, Clone)]
pub struct GlyphBitmap {
    pub width: usize,
    pub height: usize,
    /// Offset of the bitmap's left edge from the pen position, in pixels.
    pub left: f32,
    /// Offset of the bitmap's top edge from the baseline (negative: above it).
    pub top: f32,
    pub coverage: Vec<f32>,
}

/// OCR-B, with the metrics the MRZ geometry needs.
#[derive(Debug)]
pub struct OcrbFont {
    font: FontVec,
    /// Height of a capital letter in font units.
    cap_height_units: f32,
    /// Advance width (all glyphs are equal: OCR-B is monospaced) in font units.
    advance_units: f32,
}

impl OcrbFont {
    /// Loads the font file at `path` (see [`DEFAULT_FONT_PATH`]).
    pub fn load(path: &Path) -> Result<Self, FontError> {
        let bytes = std::fs::read(path).map_err(|source| FontError::Missing {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(bytes).map_err(|e| match e {
            FontError::Invalid { .. } => FontError::Invalid {
                path: path.to_owned(),
            },
            other => other,
        })
    }

    /// Uses font data already in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, FontError> {
        let invalid = || FontError::Invalid {
            path: PathBuf::from("<memory>"),
        };
        let font = FontVec::try_from_vec(bytes).map_err(|_| invalid())?;
        for &c in MRZ_ALPHABET {
            if font.glyph_id(char::from(c)) == GlyphId(0) {
                return Err(FontError::MissingGlyph(char::from(c)));
            }
        }
        let h = font.glyph_id('H');
        let cap_height_units = font
            .outline(h)
            .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
            .filter(|v| *v > 0.0)
            .ok_or_else(invalid)?;
        let advance_units = font.h_advance_unscaled(h);
        if advance_units <= 0.0 {
            return Err(invalid());
        }
        Ok(Self {
            font,
            cap_height_units,
            advance_units,
        })
    }

    /// Advance width divided by cap height (the MRZ's pitch-to-height ratio when printed).
    pub fn advance_per_cap_height(&self) -> f32 {
        self.advance_units / self.cap_height_units
    }

    /// Renders `c` so that a capital letter is `cap_height` pixels tall. `None` for characters the
    /// font lacks or that have no outline (space).
    pub fn render(&self, c: char, cap_height: f32) -> Option<GlyphBitmap> {
        let id = self.font.glyph_id(c);
        if id == GlyphId(0) {
            return None;
        }
        // PxScale is relative to ascent - descent, not to the em or the cap height.
        let scale = PxScale::from(cap_height * self.font.height_unscaled() / self.cap_height_units);
        let glyph = id.with_scale_and_position(scale, point(0.0, 0.0));
        let outlined = self.font.outline_glyph(glyph)?;
        let bounds = outlined.px_bounds();
        let width = bounds.width().max(0.0) as usize;
        let height = bounds.height().max(0.0) as usize;
        let mut coverage = vec![0.0f32; width * height];
        outlined.draw(|x, y, v| {
            if let Some(px) = coverage.get_mut(y as usize * width + x as usize) {
                *px = v.clamp(0.0, 1.0);
            }
        });
        Some(GlyphBitmap {
            width,
            height,
            left: bounds.min.x,
            top: bounds.min.y,
            coverage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_file_is_a_typed_error() {
        let err = OcrbFont::load(Path::new("/nonexistent/OCRB.otf")).expect_err("missing");
        assert!(matches!(err, FontError::Missing { .. }));
        assert!(err.to_string().contains("fonts-ocr-b"));
    }

    #[test]
    fn garbage_is_not_a_font() {
        assert!(matches!(
            OcrbFont::from_bytes(vec![0u8; 64]),
            Err(FontError::Invalid { .. })
        ));
    }

    #[test]
    fn the_installed_ocr_b_has_every_mrz_glyph_at_the_mrz_proportions() {
        let font = OcrbFont::load(Path::new(DEFAULT_FONT_PATH)).expect("fonts-ocr-b installed");
        let h = font.render('H', 40.0).expect("H");
        assert!(
            (h.height as f32 - 40.0).abs() <= 2.0,
            "cap height {}",
            h.height
        );
        // Pitch 2.54 mm over a cap height of about 2.4 mm (Doc 9303 Part 3 §4.2): a ratio near 1.
        let ratio = font.advance_per_cap_height();
        assert!((0.8..1.3).contains(&ratio), "ratio {ratio}");
        for &c in MRZ_ALPHABET {
            let g = font.render(char::from(c), 40.0).expect("glyph");
            assert!(
                g.coverage.iter().sum::<f32>() > 20.0,
                "{} is empty",
                char::from(c)
            );
        }
    }
}
