//! Colours and emphasis. The monochrome theme (`NO_COLOR`, `--mono`) carries every meaning in
//! symbols (✓ ✗ ▶) and bold/reverse/underline, never in colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
}

impl Theme {
    pub const COLOUR: Theme = Theme { mono: false };
    pub const MONO: Theme = Theme { mono: true };

    fn pick(&self, colour: Style, mono: Style) -> Style {
        if self.mono { mono } else { colour }
    }

    pub fn text(&self) -> Style {
        Style::default()
    }

    pub fn heading(&self) -> Style {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        self.pick(bold.fg(Color::Cyan), bold)
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
        let bold = Style::default().add_modifier(Modifier::BOLD);
        self.pick(bold.fg(Color::Green), bold)
    }

    pub fn bad(&self) -> Style {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        self.pick(bold.fg(Color::Red), bold)
    }

    pub fn warn(&self) -> Style {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        self.pick(bold.fg(Color::Yellow), bold)
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
