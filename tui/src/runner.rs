//! The one event loop: terminal events, ticks and bus events in a single `select!`, with
//! redraws only on change and at most `MAX_FPS` a second.

use std::io;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::app::{App, Msg};
use crate::model::{BusEvent, Cmd};
use crate::theme::Theme;
use crate::view;

/// Redraws are capped here; previews arrive at 10 fps at most.
pub const MAX_FPS: u32 = 20;
/// The spinner's pace; the tick only runs while something on screen moves.
pub const TICK: Duration = Duration::from_millis(125);

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The person (staff) quit; `Release` has been queued.
    Quit,
    /// The terminal's input closed.
    InputClosed,
}

/// Runs until quit. `bus` may be `None` (no session: the update-needed screen).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    theme: Theme,
    mut input: S,
    mut bus: Option<&mut mpsc::Receiver<BusEvent>>,
    cmds: Option<&mpsc::UnboundedSender<Cmd>>,
) -> io::Result<Exit>
where
    B: Backend,
    B::Error: Into<io::Error>,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let frame_gap = Duration::from_secs(1) / MAX_FPS;
    let mut last_draw = Instant::now() - frame_gap;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        if app.quit {
            return Ok(Exit::Quit);
        }
        let draw_at = last_draw + frame_gap;
        let msg = tokio::select! {
            // Drawing first: a due redraw is never starved by a stream of events.
            biased;
            () = tokio::time::sleep_until(draw_at), if app.dirty => {
                terminal.draw(|f| view::draw(f, app, theme)).map_err(Into::into)?;
                app.dirty = false;
                last_draw = Instant::now();
                continue;
            }
            ev = input.next() => match ev {
                None => return Ok(Exit::InputClosed),
                Some(Err(e)) => return Err(e),
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize().map_err(Into::into)?;
                    Msg::Resize
                }
                Some(Ok(_)) => continue,
            },
            ev = recv(&mut bus) => match ev {
                Some(ev) => Msg::Bus(ev),
                None => {
                    // The client is gone: stop polling it and say so once.
                    bus = None;
                    Msg::Bus(BusEvent::Lost("the bus client stopped".to_owned()))
                }
            },
            _ = tick.tick(), if app.animating() => Msg::Tick,
        };
        for cmd in app.update(msg) {
            if let Some(tx) = cmds {
                // The client only stops after Release; a send error means it already has.
                let _ = tx.send(cmd);
            }
        }
    }
}

async fn recv(bus: &mut Option<&mut mpsc::Receiver<BusEvent>>) -> Option<BusEvent> {
    match bus {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
