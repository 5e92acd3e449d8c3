//! Step 1, the code: the live preview with a guide where the code should be, the lines read so
//! far (uncertain characters marked), or the form to type the data in.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::camera_pane::{self, Guide};
use crate::app::App;
use crate::i18n;
use crate::manual::ManualForm;
use crate::theme::Theme;

/// Where the two MRZ lines sit on a data page held to fill the frame.
const MRZ_GUIDE: Guide = [0.04, 0.68, 0.96, 0.95];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(i18n::CODE_HEADING.get(lang), theme.heading())),
        head,
    );
    if let Some(form) = &app.manual {
        draw_form(frame, rest, app, form, theme);
        return;
    }
    let advice =
        super::guidance_line(app, theme).unwrap_or_else(|| Line::raw(i18n::CODE_HOLD.get(lang)));
    let read_rows = app.code_lines.len().clamp(2, 3) as u16 + 3;
    let [advice_area, preview_area, read_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(read_rows),
    ])
    .areas(rest);
    frame.render_widget(
        Paragraph::new(advice).wrap(Wrap { trim: true }),
        advice_area,
    );
    camera_pane::draw(
        frame,
        preview_area,
        app,
        theme,
        Some(MRZ_GUIDE),
        i18n::CODE_NO_PREVIEW,
    );
    draw_read_so_far(frame, read_area, app, theme);
}

fn draw_read_so_far(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(
            format!(" {} ", i18n::CODE_READ_SO_FAR.get(lang)),
            theme.heading(),
        ));
    let mut lines: Vec<Line> = Vec::new();
    let mut any_uncertain = false;
    for (i, text) in app.code_lines.iter().enumerate() {
        let marks: Vec<char> = app
            .uncertain
            .get(i)
            .map(|m| m.chars().collect())
            .unwrap_or_default();
        let spans: Vec<Span> = text
            .chars()
            .enumerate()
            .map(|(j, c)| {
                let uncertain = marks.get(j).is_some_and(|m| *m != ' ');
                any_uncertain |= uncertain;
                let style = if uncertain {
                    theme.uncertain()
                } else {
                    theme.mrz()
                };
                Span::styled(c.to_string(), style)
            })
            .collect();
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            i18n::CODE_NOTHING_YET.get(lang),
            theme.muted(),
        ));
    }
    if any_uncertain {
        lines.push(Line::from(vec![
            Span::styled("X", theme.uncertain()),
            Span::styled(
                format!(" {}", i18n::CODE_UNCERTAIN.get(lang)),
                theme.muted(),
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_form(frame: &mut Frame, area: Rect, app: &App, form: &ManualForm, theme: Theme) {
    let lang = app.lang;
    let mut lines = vec![
        Line::raw(""),
        Line::styled(i18n::MANUAL_HEADING.get(lang), theme.text()),
        Line::raw(""),
    ];
    let label_w = form
        .fields
        .iter()
        .map(|f| f.id.label().get(lang).chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width / 2));
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let error = field.shown_error(app.today);
        let complete_ok =
            error.is_none() && !field.value().is_empty() && field.check(app.today).is_ok();
        let (mark, mark_style) = match (&error, complete_ok) {
            (Some(_), _) => ("✗", theme.bad()),
            (None, true) => ("✓", theme.ok()),
            (None, false) if focused => ("▶", theme.heading()),
            _ => (" ", theme.text()),
        };
        let label: String = field.id.label().get(lang).chars().take(label_w).collect();
        let shown = field.display();
        let width = 11;
        let value = format!("{shown:<width$}");
        let value_x = 2 + label_w + 2;
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), mark_style),
            Span::styled(
                format!("{label:<label_w$}  "),
                if error.is_some() {
                    theme.bad()
                } else {
                    theme.text()
                },
            ),
            Span::styled(value, theme.input(focused)),
            Span::styled(format!("  {}", field.id.hint().get(lang)), theme.muted()),
        ]));
        if focused {
            // Dates put the cursor on the next mask slot (skipping the dashes).
            let typed = field.value().chars().count();
            let col = if field.id == crate::manual::FieldId::BirthDate
                || field.id == crate::manual::FieldId::ExpiryDate
            {
                typed + usize::from(typed >= 2) + usize::from(typed >= 4)
            } else {
                typed
            };
            cursor = Some((value_x + col.min(width - 1), lines.len() - 1));
        }
        match error {
            // The daemon's messages can be long: wrapped under the value, not cut off.
            Some(e) => lines.extend(super::hanging(
                Span::styled(format!("{:value_x$}✗ ", ""), theme.bad()),
                &field.id.problem_text(e, lang),
                theme.bad(),
                area.width,
            )),
            None => lines.push(Line::raw("")),
        }
    }
    lines.push(Line::raw(""));
    if form.sending {
        lines.push(Line::styled(
            format!("{} {}", super::spinner(app), i18n::MANUAL_SENDING.get(lang)),
            theme.muted(),
        ));
    } else {
        lines.push(Line::styled(i18n::MANUAL_SUBMIT.get(lang), theme.muted()));
    }
    frame.render_widget(Paragraph::new(lines), area);
    if let Some((x, y)) = cursor
        && !app.help
        && !form.sending
    {
        let (Ok(x), Ok(y)) = (u16::try_from(x), u16::try_from(y)) else {
            return;
        };
        if x < area.width && y < area.height {
            frame.set_cursor_position(Position::new(area.x + x, area.y + y));
        }
    }
}
