//! The help overlay: every key binding.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::i18n;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let rows = [
        ("Enter", i18n::HELP_START),
        ("M", i18n::HELP_MANUAL),
        ("Tab ↑ ↓", i18n::HELP_FIELDS),
        ("Esc", i18n::HELP_BACK),
        ("R", i18n::HELP_RETRY),
        ("F1 ?", i18n::HELP_CLOSE),
        ("F2", i18n::HELP_LANG),
        ("Ctrl-R", i18n::HELP_ATTENDANT),
        ("Ctrl-Q", i18n::HELP_QUIT),
    ];
    let mut lines: Vec<Line> = rows
        .iter()
        .filter(|(k, _)| *k != "F1 ?")
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<8} "), theme.key()),
                Span::raw(format!(" {}", what.get(lang))),
            ])
        })
        .collect();
    if !app.station.weakened.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" ⚠ {}", i18n::WEAKENED_HEADING.get(lang)),
            theme.warn(),
        ));
        for w in &app.station.weakened {
            lines.push(Line::styled(format!("   {w}"), theme.warn()));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", i18n::HELP_CLOSE.get(lang)),
        theme.muted(),
    ));
    let w = area.width.saturating_sub(4).min(70);
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(theme.heading())
                .title(Span::styled(
                    format!(" {} ", i18n::HELP_TITLE.get(lang)),
                    theme.heading(),
                )),
        ),
        popup,
    );
}
