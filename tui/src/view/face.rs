//! Step 3, the face: the live preview with the face box, the daemon's guidance, the liveness
//! prompt only while the daemon asks for it, and how far the check has come.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::camera_pane;
use crate::app::App;
use crate::i18n;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let prompt_rows = if app.challenge.is_some() { 3 } else { 0 };
    let [head, advice, prompt, preview_area, progress] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(prompt_rows),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(i18n::FACE_HEADING.get(lang), theme.heading())),
        head,
    );
    let advice_line =
        super::guidance_line(app, theme).unwrap_or_else(|| Line::raw(i18n::FACE_LOOK.get(lang)));
    frame.render_widget(
        Paragraph::new(advice_line).wrap(Wrap { trim: true }),
        advice,
    );
    if let Some(c) = &app.challenge {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(" ➜ {} ", c.text(lang)),
                theme.prompt(),
            ))
            .centered()
            .block(Block::bordered().border_style(theme.prompt())),
            prompt,
        );
    }
    camera_pane::draw(frame, preview_area, app, theme, None, i18n::FACE_NO_PREVIEW);
    if let Some(p) = app
        .status
        .as_ref()
        .map(|s| s.progress)
        .filter(|p| *p >= 0.0)
    {
        let label = format!("{} ", i18n::FACE_PROGRESS.get(lang));
        let pct = format!(" {:>3}%", (p.clamp(0.0, 1.0) * 100.0).round() as u32);
        let w = progress
            .width
            .saturating_sub((label.chars().count() + pct.len()) as u16);
        let (full, empty) = super::bar(w, p);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(label),
                Span::styled(full, theme.bar_filled()),
                Span::styled(empty, theme.muted()),
                Span::raw(pct),
            ])),
            progress,
        );
    }
}
