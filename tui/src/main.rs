//! idgate: connects to idgated, claims the station and steps a person through code, chip, face.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use ratatui::crossterm::event::EventStream;

use idgate::app::{App, Phase};
use idgate::bus::{self, ConnectError};
use idgate::cli::{self, Args};
use idgate::manual::Date;
use idgate::model::Cmd;
use idgate::runner;
use idgate::theme::Theme;

fn today() -> Date {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // A clock before 1970 or beyond the calendar: 1 January 1970 (the daemon judges dates too).
    i64::try_from(secs)
        .ok()
        .and_then(Date::from_unix_seconds)
        .or_else(|| Date::new(1970, 1, 1))
        .expect("1 January 1970 is a date")
}

fn report(e: &ConnectError) -> ExitCode {
    eprintln!("idgate: {e}.");
    eprintln!("{}", e.advice());
    match e {
        ConnectError::NotRunning { .. }
        | ConnectError::NoBus { .. }
        | ConnectError::BusTimeout { .. } => ExitCode::from(2),
        _ => ExitCode::from(3),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let env = |k: &str| std::env::var(k).ok();
    let lang = args.lang.unwrap_or_else(|| cli::lang_from_env(env));
    let theme = if cli::mono_from_env(args.mono, env) {
        Theme::MONO
    } else if cli::truecolor_from_env(env) {
        Theme::COLOUR
    } else {
        Theme::COLOUR_256
    };
    let opts = bus::Options {
        address: args.bus_address.clone(),
        call_timeout: Duration::from_secs(args.timeout),
        wait_for_daemon: Duration::from_secs(args.wait),
    };
    let station = match bus::connect(opts).await {
        Ok(s) => s,
        Err(e) => return report(&e),
    };
    let mut app = App::new(lang, today(), station.info.clone());
    let mut client = None;
    if station.api_version == idgate_api::names::API_VERSION {
        match station.claim().await {
            Ok(c) => client = Some(c),
            Err(e) => return report(&e),
        }
    } else {
        app.phase = Phase::UpdateNeeded {
            daemon_api: station.api_version,
        };
    }
    match run_tui(&mut app, theme, client.as_mut()).await {
        Ok(()) => {}
        Err(e) => {
            eprintln!("idgate: the terminal failed: {e}");
            if let Some(c) = client {
                c.shutdown(Duration::from_secs(args.timeout)).await;
            }
            return ExitCode::FAILURE;
        }
    }
    if let Some(c) = client {
        c.shutdown(Duration::from_secs(args.timeout)).await;
    }
    match app.phase {
        Phase::UpdateNeeded { .. } | Phase::Lost { .. } => ExitCode::from(4),
        _ => ExitCode::SUCCESS,
    }
}

async fn run_tui(
    app: &mut App,
    theme: Theme,
    client: Option<&mut bus::Client>,
) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Stopped by the service manager or the terminal closing: release the station and restore
    // the terminal just as Ctrl-Q does.
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut terminal = ratatui::try_init()?;
    let (events, cmds) = match client {
        Some(c) => (Some(&mut c.events), Some(&c.cmds)),
        None => (None, None),
    };
    let result = tokio::select! {
        r = runner::run(&mut terminal, app, theme, EventStream::new(), events, cmds) => r.map(|_| ()),
        _ = term.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
    };
    if !app.quit
        && let Some(tx) = cmds
    {
        let _ = tx.send(Cmd::Release);
    }
    ratatui::try_restore()?;
    result
}
