//! Screens that end the flow without a result: an update is needed, or the station is gone.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::i18n;
use crate::theme::Theme;
use idgate_api::Guidance;

pub fn update_needed(frame: &mut Frame, area: Rect, app: &App, theme: Theme, daemon_api: u32) {
    let lang = app.lang;
    let lines = vec![
        Line::raw(""),
        Line::styled(format!("✗ {}", i18n::UPDATE_HEADING.get(lang)), theme.bad()),
        Line::raw(""),
        Line::raw(Guidance::FlowUpdateNeeded.text(lang)),
        Line::raw(""),
        Line::styled(
            format!(
                "{} {daemon_api}; {} {}.",
                i18n::UPDATE_VERSIONS.get(lang),
                i18n::UPDATE_OURS.get(lang),
                idgate_api::names::API_VERSION
            ),
            theme.muted(),
        ),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

pub fn lost(frame: &mut Frame, area: Rect, app: &App, theme: Theme, reason: &str) {
    let lang = app.lang;
    let lines = vec![
        Line::raw(""),
        Line::styled(format!("✗ {}", i18n::LOST_HEADING.get(lang)), theme.bad()),
        Line::raw(""),
        Line::raw(i18n::LOST_BODY.get(lang)),
        Line::raw(""),
        Line::styled(reason.to_owned(), theme.muted()),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
