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
    let versions = format!(
        "{} {daemon_api}; {} {}.",
        i18n::UPDATE_VERSIONS.get(lang),
        i18n::UPDATE_OURS.get(lang),
        idgate_api::names::API_VERSION
    );
    draw(
        frame,
        area,
        theme,
        i18n::UPDATE_HEADING.get(lang),
        Guidance::FlowUpdateNeeded.text(lang),
        versions,
    );
}

pub fn lost(frame: &mut Frame, area: Rect, app: &App, theme: Theme, reason: &str) {
    let lang = app.lang;
    draw(
        frame,
        area,
        theme,
        i18n::LOST_HEADING.get(lang),
        i18n::LOST_BODY.get(lang),
        reason.to_owned(),
    );
}

/// The heading marked as a failure, what it means for the person, and the detail for staff, muted.
fn draw(frame: &mut Frame, area: Rect, theme: Theme, heading: &str, body: &str, detail: String) {
    let lines = vec![
        Line::raw(""),
        Line::styled(format!("✗ {heading}"), theme.bad()),
        Line::raw(""),
        Line::raw(body),
        Line::raw(""),
        Line::styled(detail, theme.muted()),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
