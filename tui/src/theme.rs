//! Colours and emphasis. The monochrome theme (`NO_COLOR`, `--mono`) carries every meaning in
//! symbols (✓ ✗ ▶) and bold/reverse/underline, never in colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    /// 24-bit colour (`COLORTERM=truecolor`); otherwise previews use the 256-colour palette.
    pub truecolor: bool,
}

impl Theme {
    pub const COLOUR: Theme = Theme {
        mono: false,
        truecolor: true,
    };
    pub const COLOUR_256: Theme = Theme {
        mono: false,
        truecolor: false,
    };
    pub const MONO: Theme = Theme {
        mono: true,
        truecolor: false,
    };

    /// A camera pixel as a terminal colour this terminal can show.
    pub fn pixel(&self, [r, g, b]: [u8; 3]) -> Color {
        if self.truecolor {
            Color::Rgb(r, g, b)
        } else {
            Color::Indexed(ansi256(r, g, b))
        }
    }

    fn pick(&self, colour: Style, mono: Style) -> Style {
        if self.mono { mono } else { colour }
    }

    /// Bold in `colour`; bold alone without colour.
    fn bold(&self, colour: Color) -> Style {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        self.pick(bold.fg(colour), bold)
    }

    pub fn text(&self) -> Style {
        Style::default()
    }

    pub fn heading(&self) -> Style {
        self.bold(Color::Cyan)
    }

    pub fn title_bar(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Black).bg(Color::Cyan),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    pub fn step_current(&self) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD);
        self.pick(
            s.fg(Color::Black).bg(Color::White),
            s.add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn step_other(&self) -> Style {
        self.title_bar()
    }

    pub fn ok(&self) -> Style {
        self.bold(Color::Green)
    }

    pub fn bad(&self) -> Style {
        self.bold(Color::Red)
    }

    pub fn warn(&self) -> Style {
        self.bold(Color::Yellow)
    }

    pub fn muted(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Gray),
            Style::default().add_modifier(Modifier::DIM),
        )
    }

    pub fn key(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Black).bg(Color::Gray),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    /// An MRZ character the OCR is not sure of.
    pub fn uncertain(&self) -> Style {
        let s = Style::default().add_modifier(Modifier::UNDERLINED);
        self.pick(
            s.fg(Color::Black).bg(Color::Yellow),
            s.add_modifier(Modifier::REVERSED),
        )
    }

    pub fn mrz(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn input(&self, focused: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::UNDERLINED);
        if focused {
            self.pick(
                s.fg(Color::White)
                    .bg(Color::Blue)
                    .add_modifier(Modifier::BOLD),
                s.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            s
        }
    }

    /// The challenge prompt: the one thing the person must do now.
    pub fn prompt(&self) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD);
        self.pick(
            s.fg(Color::Black).bg(Color::Yellow),
            s.add_modifier(Modifier::REVERSED),
        )
    }

    pub fn border(&self) -> Style {
        self.pick(Style::default().fg(Color::DarkGray), Style::default())
    }

    /// Where to hold the passport's code (drawn over the preview).
    pub fn guide_colour(&self) -> [u8; 3] {
        [255, 200, 0]
    }

    /// What the daemon found (the face, the code).
    pub fn found_colour(&self) -> [u8; 3] {
        [0, 230, 64]
    }

    pub fn bar_filled(&self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }
}

/// The nearest xterm-256 colour: the 6×6×6 cube or the 24-step grey ramp, whichever is closer.
pub fn ansi256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest = |v: u8| -> (u8, u8) {
        let (i, l) = LEVELS
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (i16::from(**l) - i16::from(v)).abs())
            .map_or((0, 0), |(i, l)| (i, *l));
        (i as u8, l)
    };
    let ((ri, rl), (gi, gl), (bi, bl)) = (nearest(r), nearest(g), nearest(b));
    let dist = |a: [u8; 3]| -> u32 {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
        d(a[0], r).pow(2) + d(a[1], g).pow(2) + d(a[2], b).pow(2)
    };
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    // Grey ramp 232..=255 is 8, 18, …, 238.
    let gi = (avg.saturating_sub(3) / 10).min(23);
    let grey = 8 + 10 * gi;
    if dist([grey, grey, grey]) < dist([rl, gl, bl]) {
        232 + gi
    } else {
        cube
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_map_to_themselves() {
        assert_eq!(ansi256(0, 0, 0), 16);
        assert_eq!(ansi256(255, 255, 255), 231);
        assert_eq!(ansi256(255, 0, 0), 196);
        assert_eq!(ansi256(0, 95, 175), 16 + 6 + 3);
        assert_eq!(
            ansi256(128, 128, 128),
            232 + 12,
            "mid grey takes the grey ramp"
        );
        assert_eq!(ansi256(238, 238, 238), 255);
    }
}
