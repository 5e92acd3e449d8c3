//! Drawing: one module per screen, all reading `App` and never changing it. The chrome (title
//! bar with the three steps, the notice line and the key hints) is shared.

mod camera_pane;
mod chip;
mod code;
mod face;
mod help;
mod notice;
pub mod preview;
mod result;
mod welcome;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Phase};
use crate::i18n::{self, Phrase};
use crate::model::ErrorKind;
use crate::theme::Theme;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub fn spinner(app: &App) -> char {
    SPINNER
        .get(app.spinner % SPINNER.len())
        .copied()
        .unwrap_or(' ')
}

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    let show_notice = app.notice.is_some();
    let [top, body, notice_row, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        // Two rows: the person's words and, wrapped, the daemon's detail.
        Constraint::Length(if show_notice { 2 } else { 0 }),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(frame, top, app, theme);
    let body = inset(body);
    match &app.phase {
        Phase::Welcome => welcome::draw(frame, body, app, theme),
        Phase::Code => code::draw(frame, body, app, theme),
        Phase::Chip => chip::draw(frame, body, app, theme),
        Phase::Face => face::draw(frame, body, app, theme),
        Phase::Result => result::draw(frame, body, app, theme),
        Phase::UpdateNeeded { daemon_api } => {
            notice::update_needed(frame, body, app, theme, *daemon_api)
        }
        Phase::Lost { reason } => notice::lost(frame, body, app, theme, reason),
    }
    if let Some(n) = &app.notice {
        // The person reads our words; the daemon's detail (English, for staff) follows, muted.
        let line = Line::from(vec![
            Span::styled(
                format!("! {} ", notice_text(n.kind, app.lang)),
                theme.warn(),
            ),
            Span::styled(format!("({})", n.message), theme.muted()),
        ]);
        frame.render_widget(
            Paragraph::new(line).wrap(Wrap { trim: true }),
            inset(notice_row),
        );
    }
    key_bar(frame, keys, app, theme);
    if app.help {
        help::draw(frame, area, app, theme);
    }
}

/// What a refused call means for the person at the desk.
fn notice_text(kind: ErrorKind, lang: idgate_api::Lang) -> &'static str {
    match kind {
        ErrorKind::NoDevice => i18n::NOTICE_NO_DEVICE.get(lang),
        ErrorKind::Busy => i18n::NOTICE_BUSY.get(lang),
        ErrorKind::WrongStep => i18n::NOTICE_WRONG_STEP.get(lang),
        ErrorKind::NotClaimed | ErrorKind::AlreadyClaimed => i18n::NOTICE_NOT_OURS.get(lang),
        ErrorKind::Internal => idgate_api::Guidance::FlowStationFault.text(lang),
        ErrorKind::Timeout => i18n::NOTICE_TIMEOUT.get(lang),
        ErrorKind::InvalidArgument | ErrorKind::Other => i18n::NOTICE_REFUSED.get(lang),
    }
}

/// One column of margin left and right.
fn inset(area: Rect) -> Rect {
    Rect {
        x: area.x.saturating_add(1),
        width: area.width.saturating_sub(2),
        ..area
    }
}

fn title_bar(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let current = match app.phase {
        Phase::Code => Some(0),
        Phase::Chip => Some(1),
        Phase::Face => Some(2),
        Phase::Result => Some(3),
        _ => None,
    };
    let mut spans = vec![Span::styled(
        format!(" idgate · {} ", i18n::TITLE.get(lang)),
        theme.title_bar(),
    )];
    if app.station.simulated {
        spans.push(Span::styled(
            format!(" {} ", i18n::SIMULATED.get(lang)),
            theme.prompt(),
        ));
    }
    if !app.station.weakened.is_empty() {
        // For staff: the details are on the help screen (F1).
        spans.push(Span::styled(
            format!(
                " ⚠ {} ({}) ",
                i18n::WEAKENED.get(lang),
                app.station.weakened.len()
            ),
            theme.warn(),
        ));
    }
    let steps = [i18n::STEP_CODE, i18n::STEP_CHIP, i18n::STEP_FACE];
    let mut right: Vec<Span> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let done = current.is_some_and(|c| c > i);
        let here = current == Some(i);
        let mark = if done {
            "✓".to_owned()
        } else if here {
            "▶".to_owned()
        } else {
            format!("{}", i + 1)
        };
        let style = if here {
            theme.step_current()
        } else {
            theme.step_other()
        };
        right.push(Span::styled(format!(" {mark} {} ", step.get(lang)), style));
        if i + 1 < steps.len() {
            right.push(Span::styled("›", theme.step_other()));
        }
    }
    if app.attempts > 1 {
        right.push(Span::styled(
            format!(" {} {} ", i18n::ATTEMPT.get(lang), app.attempts),
            theme.step_other(),
        ));
    }
    if spans.iter().chain(&right).map(Span::width).sum::<usize>() > usize::from(area.width) {
        // Narrow terminal: the steps matter more than the title.
        spans = vec![Span::styled(" idgate ", theme.title_bar())];
    }
    let used: usize = spans.iter().chain(&right).map(Span::width).sum();
    let gap = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(" ".repeat(gap), theme.title_bar()));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn key_bar(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let mut keys: Vec<Phrase> = Vec::new();
    let in_form = app.manual.is_some() && app.phase == Phase::Code;
    match &app.phase {
        Phase::Welcome => keys.push(i18n::KEY_START),
        Phase::Code if !in_form => keys.extend([i18n::KEY_MANUAL, i18n::KEY_RETRY]),
        Phase::Chip | Phase::Face => keys.push(i18n::KEY_RETRY),
        Phase::Result => {
            keys.push(i18n::KEY_DONE);
            if app.outcome.as_ref().is_some_and(|o| {
                o.kind != crate::model::OutcomeKind::Verified && !app.show_alternatives()
            }) {
                keys.push(i18n::KEY_RETRY);
            }
        }
        Phase::UpdateNeeded { .. } | Phase::Lost { .. } => keys.push(i18n::KEY_QUIT),
        Phase::Code => {}
    }
    keys.extend([i18n::KEY_HELP, i18n::KEY_LANG]);
    let mut spans = Vec::new();
    for k in keys {
        spans.push(Span::styled(format!(" {} ", k.get(lang)), theme.key()));
        spans.push(Span::raw(" "));
    }
    if app.pending.is_some() {
        spans.push(Span::styled(
            format!("{} {}", spinner(app), i18n::WORKING.get(lang)),
            theme.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), inset(area));
}

/// The guidance line for the current status, styled by whether it reports a failure.
pub(crate) fn guidance_line<'a>(app: &App, theme: Theme) -> Option<Line<'a>> {
    let g = app.guidance()?;
    let (mark, style) = if g.is_failure() {
        ("✗ ", theme.bad())
    } else {
        ("▶ ", theme.warn())
    };
    Some(Line::from(vec![
        Span::styled(mark, style),
        Span::styled(g.text(app.lang), style),
    ]))
}

/// A text bar `███░░░` of `width` cells.
pub(crate) fn bar(width: u16, ratio: f64) -> (String, String) {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (f64::from(width) * ratio).round() as usize;
    let empty = usize::from(width).saturating_sub(filled);
    ("█".repeat(filled), "░".repeat(empty))
}

/// Greedy word wrap to `width` columns (for hanging indents, which `Wrap` cannot do).
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let cur_w = cur.chars().count();
        let word_w = word.chars().count();
        if cur_w > 0 && cur_w + 1 + word_w > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `head` then `text` wrapped so that continuation lines start under the text, not the head.
pub(crate) fn hanging<'a>(
    head: Span<'a>,
    text: &str,
    style: ratatui::style::Style,
    width: u16,
) -> Vec<Line<'a>> {
    let indent = head.width();
    let rest = usize::from(width).saturating_sub(indent);
    wrap_words(text, rest)
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let first = if i == 0 {
                head.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![first, Span::styled(l, style)])
        })
        .collect()
}
