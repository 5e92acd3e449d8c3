//! The result: verified, or not verified with the reasons and, after repeated failure, the
//! alternatives.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::i18n::{self, Phrase};
use crate::model::{OutcomeKind, Verdict};
use crate::theme::Theme;
use idgate_api::Guidance;

/// Names of the checks in `Finished` (the contract's keys), for people; unknown keys are shown
/// as sent.
fn check_name(key: &str) -> Option<Phrase> {
    let p = |en, da| Some(Phrase { en, da });
    match key {
        "code.source" => p("Code read by", "Koden læst ved"),
        "chip.access" => p("Chip opened with", "Chippen åbnet med"),
        "chip.dg1_matches_code" => p(
            "Chip data matches the code",
            "Chippens data passer med koden",
        ),
        "chip.passive_auth" => p(
            "Chip data signed by the issuer",
            "Chippens data underskrevet af udstederen",
        ),
        "chip.chip_auth" => p("Chip authentication", "Chipautentifikation"),
        "chip.active_auth" => p("Active authentication", "Aktiv autentifikation"),
        "face.liveness" => p("Liveness", "Livstegn"),
        "face.match" => p(
            "Face matches the chip photo",
            "Ansigtet passer med chipbilledet",
        ),
        "audit_id" => p("Audit record", "Logpost"),
        _ => None,
    }
}

/// Facts that are words on the wire (`code.source`), for people.
fn info_value(value: &str) -> Option<Phrase> {
    let p = |en, da| Some(Phrase { en, da });
    match value {
        "camera" => p("camera", "kamera"),
        "manual" => p("typing", "indtastning"),
        "can" => p("card access number", "kortadgangsnummer"),
        _ => None,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lang = app.lang;
    let Some(outcome) = &app.outcome else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{} {}", super::spinner(app), i18n::WORKING.get(lang)),
                theme.muted(),
            )),
            area,
        );
        return;
    };
    let mut lines = vec![Line::raw("")];
    match &outcome.kind {
        OutcomeKind::Verified => {
            lines.push(Line::styled(
                format!("✓ {}", i18n::RESULT_VERIFIED.get(lang)),
                theme.ok(),
            ));
            lines.push(Line::raw(""));
            lines.push(Line::raw(i18n::RESULT_VERIFIED_BODY.get(lang)));
        }
        OutcomeKind::Cancelled => {
            lines.push(Line::styled(
                format!("■ {}", i18n::RESULT_CANCELLED.get(lang)),
                theme.warn(),
            ));
            lines.push(Line::raw(""));
            lines.push(Line::raw(i18n::RESULT_TAKE_PASSPORT.get(lang)));
        }
        OutcomeKind::NotVerified | OutcomeKind::Other(_) => {
            lines.push(Line::styled(
                format!("✗ {}", i18n::RESULT_NOT_VERIFIED.get(lang)),
                theme.bad(),
            ));
            let reasons: Vec<_> = outcome
                .reasons
                .iter()
                .filter(|r| !r.is(Guidance::FlowAlternatives))
                .collect();
            if !reasons.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    format!("{}:", i18n::RESULT_REASONS.get(lang)),
                    theme.heading(),
                ));
                for r in reasons {
                    lines.extend(super::hanging(
                        Span::styled("  • ", theme.bad()),
                        r.text(lang),
                        theme.text(),
                        area.width,
                    ));
                }
            }
        }
    }
    if !outcome.checks.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{}:", i18n::RESULT_CHECKS.get(lang)),
            theme.heading(),
        ));
        for c in &outcome.checks {
            let name = check_name(&c.key).map_or(c.key.clone(), |p| p.get(lang).to_owned());
            let (mark, style, verdict) = match c.verdict {
                Verdict::Passed => ("✓", theme.ok(), i18n::CHECK_PASSED.get(lang)),
                Verdict::Failed => ("✗", theme.bad(), i18n::CHECK_FAILED.get(lang)),
                Verdict::NotSupported => ("–", theme.muted(), i18n::CHECK_NOT_SUPPORTED.get(lang)),
                Verdict::NotRun => ("–", theme.muted(), i18n::CHECK_NOT_RUN.get(lang)),
                Verdict::Info => ("·", theme.muted(), ""),
            };
            let mut spans = vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(format!("{name}: ")),
                Span::styled(verdict.to_owned(), style),
            ];
            if !c.detail.is_empty() {
                let shown = if verdict.is_empty() {
                    info_value(&c.detail).map_or(c.detail.clone(), |p| p.get(lang).to_owned())
                } else {
                    format!(" ({})", c.detail)
                };
                spans.push(Span::styled(shown, theme.muted()));
            }
            lines.push(Line::from(spans));
        }
    }
    if app.show_alternatives() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("▶ {}:", i18n::RESULT_ALTERNATIVES.get(lang)),
            theme.warn(),
        ));
        let text = outcome
            .alternatives
            .as_ref()
            .map_or(Guidance::FlowAlternatives.text(lang), |a| a.text(lang));
        lines.extend(super::hanging(
            Span::raw("  "),
            text,
            theme.text(),
            area.width,
        ));
    }
    if outcome.kind != OutcomeKind::Verified {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            i18n::RESULT_TAKE_PASSPORT.get(lang),
            theme.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
