//! Welcome: what you need and the three steps.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::i18n;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let mut lines = vec![
        Line::raw(""),
        Line::styled(i18n::WELCOME_HEADING.get(lang), theme.heading()),
        Line::raw(""),
        Line::raw(i18n::WELCOME_NEED.get(lang)),
        Line::raw(""),
    ];
    let steps = [
        (i18n::STEP_CODE, i18n::WELCOME_STEP_CODE),
        (i18n::STEP_CHIP, i18n::WELCOME_STEP_CHIP),
        (i18n::STEP_FACE, i18n::WELCOME_STEP_FACE),
    ];
    for (i, (name, what)) in steps.iter().enumerate() {
        lines.extend(super::hanging(
            Span::styled(
                format!(" {}  {:<8}", i + 1, name.get(lang)),
                theme.heading(),
            ),
            what.get(lang),
            theme.text(),
            area.width,
        ));
    }
    lines.push(Line::raw(""));
    if !app.station.reader_present {
        lines.push(Line::styled(
            format!("✗ {}", i18n::WELCOME_NO_READER.get(lang)),
            theme.bad(),
        ));
    }
    if !app.station.camera_present {
        lines.push(Line::styled(
            format!("! {}", i18n::WELCOME_NO_CAMERA.get(lang)),
            theme.warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(i18n::WELCOME_START.get(lang), theme.ok()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
