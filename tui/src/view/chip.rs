//! Step 2, the chip: what to do, a bar per file by bytes read, and step-specific guidance.

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
        Line::styled(i18n::CHIP_HEADING.get(lang), theme.heading()),
        Line::raw(""),
        Line::styled(i18n::CHIP_PLACE.get(lang), theme.text()),
        Line::raw(""),
    ];
    if let Some(g) = super::guidance_line(app, theme) {
        lines.push(g);
        lines.push(Line::raw(""));
    }
    if app.chip_files.is_empty() {
        lines.push(Line::styled(
            format!("{} {}", super::spinner(app), i18n::CHIP_WAITING.get(lang)),
            theme.muted(),
        ));
    } else {
        lines.push(Line::styled(i18n::CHIP_READING.get(lang), theme.heading()));
        let name_w = app
            .chip_files
            .iter()
            .map(|f| f.file.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(4, 12);
        // name, bar, "100%", "12345/12345 B"
        let bar_w = area
            .width
            .saturating_sub(name_w as u16 + 2 + 6 + 16)
            .clamp(4, 50);
        for f in &app.chip_files {
            let ratio = if f.total == 0 {
                0.0
            } else {
                f64::from(f.read) / f64::from(f.total)
            };
            let (full, empty) = super::bar(bar_w, ratio);
            let name: String = f.file.chars().take(name_w).collect();
            let done = f.total > 0 && f.read >= f.total;
            lines.push(Line::from(vec![
                Span::styled(if done { "✓ " } else { "  " }, theme.ok()),
                Span::raw(format!("{name:<name_w$} ")),
                Span::styled(full, theme.bar_filled()),
                Span::styled(empty, theme.muted()),
                Span::raw(format!(
                    " {:>3}% ",
                    (ratio.clamp(0.0, 1.0) * 100.0).round() as u32
                )),
                Span::styled(format!("{}/{} B", f.read, f.total), theme.muted()),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
