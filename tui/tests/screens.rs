//! Every screen and state, drawn by the real view code into ratatui's TestBackend and compared
//! with the committed snapshots (tests/snapshots/). States are reached through `App::update`
//! with the bus events the daemon sends, as in use (see `fixtures`).

mod fixtures;

use fixtures::*;
use idgate::app::{App, Phase};
use idgate::model::{BusEvent, CallError, CallKind, ErrorKind, Step};
use idgate::theme::Theme;
use idgate::view;
use idgate_api::{FieldProblem, Lang, ManualField};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

fn render(a: &App, (w, h): (u16, u16), theme: Theme) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| view::draw(f, a, theme)).expect("draw");
    t
}

macro_rules! snap {
    ($name:expr, $app:expr, $size:expr) => {
        snap!($name, $app, $size, Theme::COLOUR)
    };
    ($name:expr, $app:expr, $size:expr, $theme:expr) => {{
        let t = render(&$app, $size, $theme);
        insta::assert_snapshot!($name, t.backend());
        t
    }};
}

#[test]
fn welcome() {
    snap!("welcome_80x24_en", app(Lang::En), SMALL);
    snap!("welcome_120x40_en", app(Lang::En), LARGE);
    snap!("welcome_80x24_da", app(Lang::Da), SMALL);
    let mut no_devices = app(Lang::En);
    no_devices.station.reader_present = false;
    no_devices.station.camera_present = false;
    snap!("welcome_no_devices_80x24_en", no_devices, SMALL);
    let mut simulated = app(Lang::En);
    simulated.station.simulated = true;
    snap!("welcome_simulated_80x24_en", simulated, SMALL);
    // Simulated, Danish, third attempt: the longest title bar still shows every step.
    let mut long = not_verified(Lang::Da, true);
    long.station.simulated = true;
    let t = render(&long, SMALL, Theme::COLOUR);
    let top: String = t.backend().buffer().content()[..80]
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        top.contains("Ansigt") && top.contains("Forsøg 3") && top.contains("SIMULERET"),
        "{top}"
    );
}

#[test]
fn welcome_in_monochrome_has_no_colour_at_all() {
    let t = snap!("welcome_80x24_mono", app(Lang::En), SMALL, Theme::MONO);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

#[test]
fn code_waiting_for_the_camera() {
    let mut a = running(Lang::En);
    status(&mut a, Step::Code, "code.show_page", -1.0);
    snap!("code_waiting_80x24_en", a, SMALL);
}

/// The cells of the row that contains `needle`, from the needle's first character on.
fn cells_from<'a>(t: &'a Terminal<TestBackend>, needle: &str) -> Vec<&'a ratatui::buffer::Cell> {
    let buf = t.backend().buffer();
    let w = usize::from(buf.area.width);
    for row in buf.content().chunks(w) {
        let text: String = row.iter().map(|c| c.symbol()).collect();
        if let Some(byte_pos) = text.find(needle) {
            let col = text[..byte_pos].chars().count();
            return row.iter().skip(col).collect();
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn code_with_preview_and_uncertain_characters() {
    let t = snap!("code_preview_80x24_en", code_app(Lang::En), SMALL);
    let line = cells_from(&t, "L898902C36");
    // The daemon marked columns 3 and 15 of the second line as uncertain.
    for (i, cell) in line.iter().take(20).enumerate() {
        let marked = cell.bg == Color::Yellow;
        assert_eq!(marked, i == 3 || i == 15, "column {i}");
    }
    let mono = render(&code_app(Lang::En), SMALL, Theme::MONO);
    let line = cells_from(&mono, "L898902C36");
    let reversed =
        |c: &&ratatui::buffer::Cell| c.modifier.contains(ratatui::style::Modifier::REVERSED);
    assert!(reversed(&line[3]) && reversed(&line[15]) && !reversed(&line[4]));
    snap!("code_preview_120x40_en", code_app(Lang::En), LARGE);
    snap!("code_preview_80x24_da", code_app(Lang::Da), SMALL);
}

#[test]
fn code_in_monochrome_draws_the_picture_in_characters() {
    let t = snap!(
        "code_preview_80x24_mono",
        code_app(Lang::En),
        SMALL,
        Theme::MONO
    );
    let buf = t.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(
        !buf.content().iter().any(|c| c.symbol() == "▀"),
        "no half-blocks without colour"
    );
}

#[test]
fn code_unreadable_offers_typing_it_in() {
    let mut a = code_app(Lang::En);
    status(&mut a, Step::Code, "code.unreadable", -1.0);
    snap!("code_unreadable_80x24_en", a, SMALL);
}

#[test]
fn manual_entry_empty() {
    snap!("manual_empty_80x24_en", form_app(Lang::En), SMALL);
    snap!("manual_empty_120x40_da", form_app(Lang::Da), LARGE);
}

#[test]
fn manual_entry_marks_fields_as_typed() {
    let mut a = form_app(Lang::En);
    type_str(&mut a, "L898902C3");
    key(&mut a, KeyCode::Tab);
    type_str(&mut a, "31041974");
    key(&mut a, KeyCode::Tab);
    type_str(&mut a, "1504");
    key(&mut a, KeyCode::Tab);
    type_str(&mut a, "12");
    let t = snap!("manual_invalid_80x24_en", a, SMALL);
    assert!(t.backend().cursor_position().y > 0);
}

#[test]
fn manual_entry_shows_the_daemons_rejection_on_its_field() {
    let mut a = form_app(Lang::En);
    type_str(&mut a, "L898902C4");
    key(&mut a, KeyCode::Tab);
    type_str(&mut a, "12081974");
    key(&mut a, KeyCode::Tab);
    type_str(&mut a, "15042032");
    key(&mut a, KeyCode::Enter);
    snap!("manual_sending_80x24_en", a.clone(), SMALL);
    bus(
        &mut a,
        BusEvent::ManualRejected(vec![
            (ManualField::DocumentNumber, Some(FieldProblem::Characters)),
            (ManualField::ExpiryDate, Some(FieldProblem::TooFarAhead)),
        ]),
    );
    snap!("manual_rejected_80x24_en", a.clone(), SMALL);
    a.lang = Lang::Da;
    snap!("manual_rejected_80x24_da", a, SMALL);
}

#[test]
fn chip_waiting_for_the_passport() {
    let mut a = running(Lang::En);
    status(&mut a, Step::Chip, "chip.place", -1.0);
    snap!("chip_place_80x24_en", a.clone(), SMALL);
    a.lang = Lang::Da;
    snap!("chip_place_80x24_da", a, SMALL);
}

#[test]
fn chip_reading_shows_bytes_per_file() {
    snap!("chip_reading_80x24_en", chip_reading(Lang::En), SMALL);
    snap!("chip_reading_120x40_en", chip_reading(Lang::En), LARGE);
}

#[test]
fn chip_errors_say_what_to_do() {
    let mut a = chip_reading(Lang::En);
    status(&mut a, Step::Chip, "chip.timeout", -1.0);
    snap!("chip_timeout_80x24_en", a, SMALL);
    let mut b = running(Lang::En);
    status(&mut b, Step::Chip, "chip.wrong_code", -1.0);
    snap!("chip_wrong_code_80x24_en", b, SMALL);
}

#[test]
fn face_with_preview_and_guidance() {
    snap!("face_80x24_en", face_app(Lang::En, false), SMALL);
    snap!("face_120x40_en", face_app(Lang::En, false), LARGE);
}

#[test]
fn face_liveness_prompt_when_asked() {
    snap!("face_challenge_80x24_en", face_app(Lang::En, true), SMALL);
    snap!("face_challenge_80x24_da", face_app(Lang::Da, true), SMALL);
}

#[test]
fn face_waiting_for_the_camera() {
    let mut a = running(Lang::En);
    status(&mut a, Step::Face, "face.none", -1.0);
    snap!("face_waiting_80x24_en", a, SMALL);
}

#[test]
fn result_verified() {
    snap!("result_verified_80x24_en", verified(Lang::En), SMALL);
    snap!("result_verified_120x40_en", verified(Lang::En), LARGE);
    snap!("result_verified_80x24_da", verified(Lang::Da), SMALL);
}

#[test]
fn result_not_verified_with_a_retry() {
    snap!(
        "result_not_verified_80x24_en",
        not_verified(Lang::En, false),
        SMALL
    );
}

#[test]
fn result_not_verified_offers_the_alternatives_after_repeated_failure() {
    snap!(
        "result_alternatives_80x24_en",
        not_verified(Lang::En, true),
        SMALL
    );
    snap!(
        "result_alternatives_120x40_en",
        not_verified(Lang::En, true),
        LARGE
    );
    snap!(
        "result_alternatives_80x24_da",
        not_verified(Lang::Da, true),
        SMALL
    );
}

#[test]
fn update_needed() {
    let mut a = app(Lang::En);
    a.phase = Phase::UpdateNeeded { daemon_api: 2 };
    snap!("update_needed_80x24_en", a.clone(), SMALL);
    a.lang = Lang::Da;
    snap!("update_needed_80x24_da", a, SMALL);
}

#[test]
fn station_lost() {
    let mut a = chip_reading(Lang::En);
    bus(&mut a, BusEvent::Lost("idgated left the bus".into()));
    snap!("lost_80x24_en", a, SMALL);
}

#[test]
fn a_refused_call_is_shown_above_the_keys() {
    let mut a = running(Lang::En);
    status(&mut a, Step::Chip, "chip.timeout", -1.0);
    key(&mut a, KeyCode::Char('r'));
    snap!("chip_retry_pending_80x24_en", a.clone(), SMALL);
    bus(
        &mut a,
        BusEvent::CallFailed(
            CallKind::Retry,
            CallError {
                kind: ErrorKind::WrongStep,
                message: "Retry is not possible while the chip is being read.".into(),
            },
        ),
    );
    snap!("chip_retry_refused_80x24_en", a, SMALL);
    let mut b = app(Lang::Da);
    key(&mut b, KeyCode::Enter);
    bus(
        &mut b,
        BusEvent::CallFailed(
            CallKind::Start,
            CallError {
                kind: ErrorKind::NoDevice,
                message: "no card reader is connected".into(),
            },
        ),
    );
    snap!("welcome_start_refused_80x24_da", b, SMALL);
}

#[test]
fn help_overlay() {
    let mut a = code_app(Lang::En);
    key(&mut a, KeyCode::F(1));
    snap!("help_80x24_en", a.clone(), SMALL);
    a.lang = Lang::Da;
    snap!("help_120x40_da", a, LARGE);
}

#[test]
fn every_screen_fits_a_tiny_terminal_without_panicking() {
    let states = [
        app(Lang::En),
        code_app(Lang::En),
        form_app(Lang::Da),
        chip_reading(Lang::En),
        face_app(Lang::En, true),
        verified(Lang::En),
        not_verified(Lang::Da, true),
    ];
    for a in &states {
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 12), (79, 23)] {
            for theme in [Theme::COLOUR, Theme::MONO] {
                render(a, (w, h), theme);
            }
        }
    }
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buffer = t.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn a_weakened_station_is_marked_for_staff_and_each_setting_listed_on_the_help_screen() {
    let mut a = app(Lang::En);
    a.station.weakened = vec![
        "face.match_threshold: 0 is below the calibrated 0.45".into(),
        "bus.authorize: policy-only".into(),
    ];
    let top = screen_text(&render(&a, SMALL, Theme::MONO));
    let title = top.lines().next().unwrap_or_default();
    assert!(title.contains("WEAKENED (2)"), "{title}");
    key(&mut a, KeyCode::F(1));
    let help = screen_text(&render(&a, LARGE, Theme::MONO));
    assert!(help.contains("Settings that weaken this station"), "{help}");
    assert!(help.contains("face.match_threshold: 0 is below"), "{help}");
    assert!(help.contains("bus.authorize: policy-only"), "{help}");
    // A station as shipped shows neither.
    let plain = screen_text(&render(&app(Lang::En), SMALL, Theme::MONO));
    assert!(!plain.contains("WEAKENED"), "{plain}");
}
