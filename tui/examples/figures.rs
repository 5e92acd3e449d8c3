//! Figures for the front end, printed (run with `cargo run --release -p idgate --example figures`):
//! 1. render time per frame at 120×40 for every screen (TestBackend, and a crossterm backend
//!    writing real escape sequences to a sink while the preview changes every frame);
//! 2. CPU used by the real event loop (`runner::run`) while waiting on a step, from this
//!    process's utime+stime in /proc over 10 s each: idle, spinner, and previews at 10 fps.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use fixtures::*;
use futures_util::stream;
use idgate::app::{App, Phase};
use idgate::model::{BusEvent, PreviewFrame, Step};
use idgate::runner;
use idgate::theme::Theme;
use idgate::view;
use idgate_api::Lang;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::Event;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use tokio::sync::mpsc;

const W: u16 = 120;
const H: u16 = 40;
const FRAMES: usize = 300;

fn screens() -> Vec<(&'static str, App)> {
    let mut update = app(Lang::En);
    update.phase = Phase::UpdateNeeded { daemon_api: 2 };
    let mut help = code_app(Lang::En);
    key(&mut help, ratatui::crossterm::event::KeyCode::F(1));
    vec![
        ("welcome", app(Lang::En)),
        ("code (preview + lines)", code_app(Lang::En)),
        ("code, manual entry", form_app(Lang::En)),
        ("chip (reading)", chip_reading(Lang::En)),
        ("face (preview + prompt)", face_app(Lang::En, true)),
        ("result verified", verified(Lang::En)),
        ("result + alternatives", not_verified(Lang::En, true)),
        ("update needed", update),
        ("help overlay", help),
    ]
}

/// (median, p99) in µs. The median, not the mean: on a shared 2-core machine a few frames wait
/// for the CPU, and that is the scheduler's time, not ours.
fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let median = samples
        .get(samples.len() / 2)
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    let p99 = samples
        .get(samples.len() * 99 / 100)
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    (median * 1e6, p99 * 1e6)
}

/// A camera frame whose content moves with `n`, so every redraw really changes cells.
fn moving_frame(step: Step, n: u32) -> PreviewFrame {
    let (w, h) = (160u32, 120u32);
    let rgb = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [
                ((x + n * 3) % 256) as u8,
                ((y * 2 + n) % 256) as u8,
                ((x ^ y) % 256) as u8,
            ]
        })
        .collect();
    PreviewFrame::new(step, w, h, rgb, vec![]).expect("frame")
}

fn render_times() {
    println!(
        "render time per frame at {W}x{H}, {FRAMES} frames each (debug builds are ~10x slower):"
    );
    println!(
        "  {:<32} {:>10} {:>10}",
        "screen (TestBackend)", "median µs", "p99 µs"
    );
    for theme in [Theme::COLOUR, Theme::MONO] {
        for (name, a) in screens() {
            let mut t = Terminal::new(TestBackend::new(W, H)).expect("terminal");
            let mut samples = Vec::with_capacity(FRAMES);
            for _ in 0..FRAMES {
                let start = Instant::now();
                t.draw(|f| view::draw(f, &a, theme)).expect("draw");
                samples.push(start.elapsed());
            }
            let (median, p99) = stats(samples);
            let label = if theme.mono {
                format!("{name} [mono]")
            } else {
                name.to_owned()
            };
            println!("  {label:<32} {median:>10.1} {p99:>10.1}");
        }
    }
    // A live preview: every frame new pixels, diffed and written as escape sequences.
    for (name, mut a, step) in [
        ("code, new preview/frame", code_app(Lang::En), Step::Code),
        (
            "face, new preview/frame",
            face_app(Lang::En, false),
            Step::Face,
        ),
    ] {
        let mut t = sink_terminal();
        let frames: Vec<_> = (0..8).map(|n| moving_frame(step, n)).collect();
        let mut samples = Vec::with_capacity(FRAMES);
        for i in 0..FRAMES {
            a.preview = frames.get(i % frames.len()).cloned();
            let start = Instant::now();
            t.draw(|f| view::draw(f, &a, Theme::COLOUR)).expect("draw");
            samples.push(start.elapsed());
        }
        let (median, p99) = stats(samples);
        println!("  {name:<32} {median:>10.1} {p99:>10.1}   (crossterm → sink)");
    }
}

/// A real crossterm terminal of W×H writing its escape sequences to nowhere.
fn sink_terminal() -> Terminal<CrosstermBackend<std::io::Sink>> {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .expect("terminal")
}

/// utime + stime of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after ')'.
    let num = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    num(11) + num(12)
}

fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

async fn idle_cpu(name: &str, mut a: App, preview_fps: Option<(Step, u32)>, secs: u64) {
    let mut t = sink_terminal();
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    let (cmd_tx, _cmd_rx) = mpsc::unbounded_channel();
    // No keys are pressed: the terminal's event stream never yields.
    let input = stream::pending::<std::io::Result<Event>>();
    let feeder = preview_fps.map(|(step, fps)| {
        tokio::spawn(async move {
            let frames: Vec<_> = (0..8).map(|n| moving_frame(step, n)).collect();
            let mut tick = tokio::time::interval(Duration::from_secs(1) / fps);
            for n in 0.. {
                tick.tick().await;
                let f = frames.get(n % frames.len()).cloned().expect("frame");
                if ev_tx.send(BusEvent::Preview(f)).await.is_err() {
                    return;
                }
            }
        })
    });
    let (t0, w0) = (cpu_ticks(), Instant::now());
    let _ = tokio::time::timeout(
        Duration::from_secs(secs),
        runner::run(
            &mut t,
            &mut a,
            Theme::COLOUR,
            input,
            Some(&mut ev_rx),
            Some(&cmd_tx),
        ),
    )
    .await;
    let (t1, w1) = (cpu_ticks(), Instant::now());
    if let Some(f) = feeder {
        f.abort();
    }
    let cpu = (t1 - t0) as f64 / clk_tck();
    let wall = (w1 - w0).as_secs_f64();
    println!(
        "  {name:<40} {:>8.3} s CPU in {wall:>5.1} s = {:>6.2} %",
        cpu,
        100.0 * cpu / wall
    );
}

fn main() {
    render_times();
    let secs = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    println!("\nCPU of the real event loop (runner::run, crossterm backend to a sink, {W}x{H}):");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        idle_cpu("welcome, waiting for a person", app(Lang::En), None, secs).await;
        let mut waiting = running(Lang::En);
        status(&mut waiting, Step::Chip, "chip.place", -1.0);
        idle_cpu(
            "chip, waiting for the passport (spinner)",
            waiting,
            None,
            secs,
        )
        .await;
        idle_cpu(
            "face, previews at 10 fps (160x120)",
            face_app(Lang::En, false),
            Some((Step::Face, 10)),
            secs,
        )
        .await;
    });
}
