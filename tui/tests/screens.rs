//! Every screen and state, drawn by the real view code into ratatui's TestBackend and compared
//! with the committed snapshots (tests/snapshots/). States are reached through `App::update`
//! with the bus events the daemon sends, as in use.

use idgate::app::{App, Msg, Phase, StationInfo};
use idgate::manual::CivilDate;
use idgate::model::{
    Alternatives, BusEvent, CallError, CallKind, Check, ErrorKind, FileProgress, GuidanceRef,
    Outcome, OutcomeKind, PixelBox, PreviewFrame, Status, Step, Verdict,
};
use idgate::theme::Theme;
use idgate::view;
use idgate_api::{FieldProblem, Guidance, Lang, ManualField};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

fn app(lang: Lang) -> App {
    App::new(
        lang,
        CivilDate::new(2026, 11, 27).expect("date"),
        StationInfo {
            version: "0.1.0".into(),
            reader_present: true,
            camera_present: true,
            simulated: false,
        },
    )
}

/// The person has pressed Enter and the daemon accepted `Start`.
fn running(lang: Lang) -> App {
    let mut a = app(lang);
    key(&mut a, KeyCode::Enter);
    bus(&mut a, BusEvent::CallDone(CallKind::Start));
    a
}

fn bus(a: &mut App, ev: BusEvent) {
    a.update(Msg::Bus(ev));
}

fn key(a: &mut App, code: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_str(a: &mut App, s: &str) {
    for c in s.chars() {
        key(a, KeyCode::Char(c));
    }
}

fn status(a: &mut App, step: Step, code: &str, progress: f64) {
    bus(
        a,
        BusEvent::Status(Status {
            step,
            guidance: GuidanceRef::parse(code),
            progress,
        }),
    );
}

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

/// A passport photo page held up to the camera: a light page, a darker photo, two dark MRZ
/// bands near the bottom.
fn page_frame() -> PreviewFrame {
    let (w, h) = (96u32, 64u32);
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let on_page = (6..90).contains(&x) && (4..60).contains(&y);
            let photo = (10..32).contains(&x) && (8..36).contains(&y);
            let mrz = (10..86).contains(&x)
                && ((46..49).contains(&y) || (52..55).contains(&y))
                && x % 3 != 0;
            let px = match (on_page, photo, mrz) {
                (_, _, true) => [30, 30, 40],
                (_, true, _) => [150, 110, 90],
                (true, _, _) => [225, 220, 200],
                _ => [40, 60, 50],
            };
            rgb.extend(px);
        }
    }
    PreviewFrame::new(
        Step::Code,
        w,
        h,
        rgb,
        vec![PixelBox {
            x: 9,
            y: 45,
            w: 78,
            h: 11,
        }],
    )
    .expect("frame")
}

/// A face in front of the camera: an oval on a plain wall.
fn face_frame() -> PreviewFrame {
    let (w, h) = (80u32, 60u32);
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = ((x as f32 - 40.0) / 13.0, (y as f32 - 28.0) / 17.0);
            let in_face = dx * dx + dy * dy <= 1.0;
            let eye = (y == 24 || y == 25) && ((33..37).contains(&x) || (44..48).contains(&x));
            let px = match (in_face, eye) {
                (_, true) => [20, 20, 20],
                (true, _) => [220, 180, 150],
                _ => [90, 110, 140],
            };
            rgb.extend(px);
        }
    }
    PreviewFrame::new(
        Step::Face,
        w,
        h,
        rgb,
        vec![PixelBox {
            x: 26,
            y: 10,
            w: 28,
            h: 36,
        }],
    )
    .expect("frame")
}

fn code_app(lang: Lang) -> App {
    let mut a = running(lang);
    status(&mut a, Step::Code, "code.hold_still", -1.0);
    bus(&mut a, BusEvent::Preview(page_frame()));
    bus(
        &mut a,
        BusEvent::CodeLines {
            lines: vec![
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(),
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10".into(),
            ],
            uncertain: vec![
                "                                            ".into(),
                "   ^           ^                            ".into(),
            ],
        },
    );
    a
}

fn form_app(lang: Lang) -> App {
    let mut a = running(lang);
    status(&mut a, Step::Code, "code.show_page", -1.0);
    key(&mut a, KeyCode::Char('m'));
    bus(&mut a, BusEvent::CallDone(CallKind::UseManualEntry));
    a
}

fn chip_reading(lang: Lang) -> App {
    let mut a = running(lang);
    status(&mut a, Step::Chip, "chip.keep_still", -1.0);
    for (file, read, total) in [
        ("EF.COM", 23, 23),
        ("EF.SOD", 1480, 1480),
        ("DG1", 93, 93),
        ("DG2", 6144, 15083),
    ] {
        bus(
            &mut a,
            BusEvent::ChipProgress(FileProgress {
                file: file.into(),
                read,
                total,
            }),
        );
    }
    a
}

fn face_app(lang: Lang, challenge: bool) -> App {
    let mut a = running(lang);
    status(&mut a, Step::Face, "face.hold_still", 0.4);
    bus(&mut a, BusEvent::Preview(face_frame()));
    if challenge {
        bus(
            &mut a,
            BusEvent::Challenge(GuidanceRef::parse("face.move_closer")),
        );
    }
    a
}

fn finished(lang: Lang, outcome: Outcome, attempts: u32) -> App {
    let mut a = running(lang);
    status(&mut a, Step::Face, "", 1.0);
    bus(&mut a, BusEvent::Attempts(attempts));
    bus(&mut a, BusEvent::Finished(outcome));
    a
}

fn checks(face_ok: bool) -> Vec<Check> {
    let c = |key: &str, verdict: Verdict, detail: &str| Check {
        key: key.into(),
        verdict,
        detail: detail.into(),
    };
    vec![
        c("code.source", Verdict::Info, "camera"),
        c("chip.access", Verdict::Info, "PACE"),
        c("chip.dg1_matches_code", Verdict::Passed, ""),
        c("chip.passive_auth", Verdict::Passed, ""),
        c("chip.chip_auth", Verdict::NotSupported, ""),
        c("chip.active_auth", Verdict::Passed, ""),
        c("face.liveness", Verdict::Passed, ""),
        if face_ok {
            c("face.match", Verdict::Passed, "0.71 / 0.45")
        } else {
            c("face.match", Verdict::Failed, "0.22 / 0.45")
        },
        c("audit_id", Verdict::Info, "2026-11-27-0042"),
    ]
}

fn verified(lang: Lang) -> App {
    finished(
        lang,
        Outcome {
            kind: OutcomeKind::Verified,
            reasons: vec![],
            checks: checks(true),
            alternatives: None,
        },
        1,
    )
}

fn not_verified(lang: Lang, alternatives: bool) -> App {
    let mut reasons = vec![GuidanceRef::Known(Guidance::FaceNoMatch)];
    if alternatives {
        reasons.push(GuidanceRef::Known(Guidance::FlowAlternatives));
    }
    finished(
        lang,
        Outcome {
            kind: OutcomeKind::NotVerified,
            reasons,
            checks: checks(false),
            alternatives: alternatives.then(Alternatives::default),
        },
        if alternatives { 3 } else { 1 },
    )
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
