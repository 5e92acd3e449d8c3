//! The D-Bus client: connects, checks the contract version, claims the station, then runs two
//! tasks that never block the UI: one turns the session's signals into `BusEvent`s, the other
//! carries out `Cmd`s one at a time. Every call has a timeout.

pub mod decode;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::{SelectAll, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zbus::Connection;
use zbus::names::BusName;

use crate::app::StationInfo;
use crate::model::{
    BusEvent, CallError, CallKind, Cmd, ErrorKind, FileProgress, GuidanceRef, ManualData,
};
use decode::AsCallError;
use idgate_api::{ManualEntry, SessionProxy, StationProxy, names};

/// Where the station is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct Options {
    /// `None`: the system bus.
    pub address: Option<String>,
    pub call_timeout: Duration,
    /// How long to wait for the daemon to appear on the bus (for scripts that start both).
    pub wait_for_daemon: Duration,
}

impl Options {
    fn bus_name(&self) -> String {
        match &self.address {
            None => "system bus".to_owned(),
            Some(a) => format!("bus at {a}"),
        }
    }
}

/// Why the front end could not get going. `Display` is the one line for the terminal.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to the {bus}: {source}")]
    NoBus { bus: String, source: zbus::Error },
    #[error("timed out connecting to the {bus}")]
    BusTimeout { bus: String },
    #[error("idgated is not running on the {bus}")]
    NotRunning { bus: String },
    #[error("the station did not answer {what} within {after:?}")]
    Timeout { what: &'static str, after: Duration },
    #[error("the station refused {what}: {}", .error.message)]
    Refused {
        what: &'static str,
        error: CallError,
    },
}

impl ConnectError {
    /// What to do about it, for the person at the terminal (staff, at this point).
    pub fn advice(&self) -> &'static str {
        match self {
            ConnectError::NoBus { .. } | ConnectError::BusTimeout { .. } => {
                "Check that the D-Bus system bus is running (or the --bus-address given), then start idgated with `systemctl start idgated`, or run the simulated station with `scripts/station`."
            }
            ConnectError::NotRunning { .. } => {
                "Start it with `systemctl start idgated`, or run the simulated station with `scripts/station`."
            }
            ConnectError::Timeout { .. } => {
                "The daemon is stuck: check `journalctl -u idgated`, and restart it with `systemctl restart idgated`."
            }
            ConnectError::Refused { error, .. } => match error.kind {
                ErrorKind::AlreadyClaimed | ErrorKind::Busy => {
                    "Another front end is using the station: close it first."
                }
                ErrorKind::NoDevice => "Connect the chip reader and the camera, then try again.",
                _ => "Check `journalctl -u idgated` for the daemon's reason.",
            },
        }
    }
}

async fn within<T, E: AsCallError>(
    what: &'static str,
    after: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, ConnectError> {
    match tokio::time::timeout(after, fut).await {
        Err(_) => Err(ConnectError::Timeout { what, after }),
        Ok(Err(e)) => Err(ConnectError::Refused {
            what,
            error: e.call_error(),
        }),
        Ok(Ok(v)) => Ok(v),
    }
}

/// A connection to a running daemon whose version we know.
#[derive(Debug)]
pub struct Station {
    conn: Connection,
    opts: Options,
    pub api_version: u32,
    pub info: StationInfo,
}

/// Connects and reads the station's properties. Does not claim it.
pub async fn connect(opts: Options) -> Result<Station, ConnectError> {
    let bus = opts.bus_name();
    let builder = match &opts.address {
        Some(a) => zbus::connection::Builder::address(a.as_str()),
        None => zbus::connection::Builder::system(),
    };
    let conn = match tokio::time::timeout(
        opts.call_timeout,
        builder.method_timeout(opts.call_timeout).build(),
    )
    .await
    {
        Err(_) => return Err(ConnectError::BusTimeout { bus }),
        Ok(Err(source)) => return Err(ConnectError::NoBus { bus, source }),
        Ok(Ok(c)) => c,
    };
    let dbus = within(
        "the bus",
        opts.call_timeout,
        zbus::fdo::DBusProxy::new(&conn),
    )
    .await?;
    let name = BusName::try_from(names::BUS_NAME).map_err(|e| ConnectError::Refused {
        what: "the bus name",
        error: CallError {
            kind: ErrorKind::Internal,
            message: e.to_string(),
        },
    })?;
    // Polled, and only at start-up: a script may start the daemon and us together.
    let deadline = tokio::time::Instant::now() + opts.wait_for_daemon;
    let mut told = false;
    loop {
        let has_owner = within(
            "NameHasOwner",
            opts.call_timeout,
            dbus.name_has_owner(name.clone()),
        )
        .await?;
        if has_owner {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ConnectError::NotRunning { bus });
        }
        if !told {
            // Before the terminal is taken over: a plain line, so the wait is not a blank screen.
            eprintln!("idgate: waiting for idgated on the {bus}…");
            told = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let station = within(
        "the station",
        opts.call_timeout,
        StationProxy::builder(&conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build(),
    )
    .await?;
    let t = opts.call_timeout;
    let api_version = within("ApiVersion", t, station.api_version()).await?;
    // The rest is informative: an older daemon without them still gets a welcome screen.
    let version = within("Version", t, station.version())
        .await
        .unwrap_or_default();
    let reader_present = within("ReaderPresent", t, station.reader_present())
        .await
        .unwrap_or(true);
    let camera_present = within("CameraPresent", t, station.camera_present())
        .await
        .unwrap_or(true);
    let simulated = within("Simulated", t, station.simulated())
        .await
        .unwrap_or(false);
    let weakened = within("Weakened", t, station.weakened())
        .await
        .unwrap_or_default();
    Ok(Station {
        conn,
        opts,
        api_version,
        info: StationInfo {
            version,
            reader_present,
            camera_present,
            simulated,
            weakened,
        },
    })
}

/// The running client: send `Cmd`s, receive `BusEvent`s.
#[derive(Debug)]
pub struct Client {
    pub cmds: mpsc::UnboundedSender<Cmd>,
    pub events: mpsc::Receiver<BusEvent>,
    calls: JoinHandle<()>,
    signals: JoinHandle<()>,
}

impl Client {
    /// Waits (bounded) for the queued calls, `Release` included, then stops listening.
    pub async fn shutdown(self, within: Duration) {
        let Client {
            cmds,
            events,
            calls,
            signals,
        } = self;
        drop(cmds);
        drop(events);
        let _ = tokio::time::timeout(within, calls).await;
        signals.abort();
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Option<BusEvent>> + Send>>;

impl Station {
    /// Claims the station and starts the client tasks. Signals are subscribed before this
    /// returns, so nothing the session says after `Start` is missed.
    pub async fn claim(self) -> Result<Client, ConnectError> {
        let t = self.opts.call_timeout;
        let station = within(
            "the station",
            t,
            StationProxy::builder(&self.conn)
                .cache_properties(zbus::proxy::CacheProperties::No)
                .build(),
        )
        .await?;
        let path = within("Claim", t, station.claim()).await?;
        // Cached properties: that is what makes the Step/Attempts change streams work.
        let session = within("the session", t, idgate_api::open_session(&self.conn, path)).await?;
        // A cached proxy of the station, for its device properties' change signals.
        let watched = within("the station", t, StationProxy::builder(&self.conn).build()).await?;
        let mut streams = within("signal subscriptions", t, subscribe(&session)).await?;
        streams.push(Box::pin(
            watched
                .receive_reader_present_changed()
                .await
                .then(|c| async move { c.get().await.ok().map(BusEvent::ReaderPresent) }),
        ));
        streams.push(Box::pin(
            watched
                .receive_camera_present_changed()
                .await
                .then(|c| async move { c.get().await.ok().map(BusEvent::CameraPresent) }),
        ));
        // Room for a burst of status signals; previews beyond it are dropped, never queued.
        let (ev_tx, ev_rx) = mpsc::channel(64);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let signals = tokio::spawn(forward_signals(streams, ev_tx.clone()));
        let calls = tokio::spawn(run_calls(session, cmd_rx, ev_tx, t));
        Ok(Client {
            cmds: cmd_tx,
            events: ev_rx,
            calls,
            signals,
        })
    }
}

async fn subscribe(s: &SessionProxy<'static>) -> zbus::Result<SelectAll<EventStream>> {
    let mut all: SelectAll<EventStream> = SelectAll::new();
    all.push(Box::pin(s.receive_status().await?.map(|sig| {
        let a = sig.args().ok()?;
        decode::status(&a.step, &a.code, a.progress)
            .ok()
            .map(BusEvent::Status)
    })));
    all.push(Box::pin(s.receive_code_lines().await?.map(|sig| {
        let a = sig.args().ok()?;
        Some(BusEvent::CodeLines {
            lines: a.lines.clone(),
            uncertain: a.uncertain_marks.clone(),
        })
    })));
    all.push(Box::pin(s.receive_chip_progress().await?.map(|sig| {
        let a = sig.args().ok()?;
        Some(BusEvent::ChipProgress(FileProgress {
            file: a.file.clone(),
            read: a.read,
            total: a.total,
        }))
    })));
    all.push(Box::pin(s.receive_preview().await?.map(|sig| {
        let a = sig.args().ok()?;
        decode::preview(&a.step, a.width, a.height, a.rgb.clone(), &a.boxes)
            .ok()
            .map(BusEvent::Preview)
    })));
    all.push(Box::pin(s.receive_challenge().await?.map(|sig| {
        let a = sig.args().ok()?;
        Some(BusEvent::Challenge(GuidanceRef::parse(&a.code)))
    })));
    all.push(Box::pin(s.receive_finished().await?.map(|sig| {
        let a = sig.args().ok()?;
        Some(BusEvent::Finished(decode::outcome(&a.outcome, &a.checks)))
    })));
    all.push(Box::pin(
        s.inner()
            .receive_property_changed::<String>("Step")
            .await
            .then(|c| async move { decode::step(&c.get().await.ok()?).ok().map(BusEvent::Step) }),
    ));
    all.push(Box::pin(
        s.inner()
            .receive_property_changed::<u32>("Attempts")
            .await
            .then(|c| async move { c.get().await.ok().map(BusEvent::Attempts) }),
    ));
    all.push(Box::pin(s.inner().receive_owner_changed().await?.map(
        |owner| {
            owner
                .is_none()
                .then(|| BusEvent::Lost("idgated left the bus".to_owned()))
        },
    )));
    Ok(all)
}

async fn forward_signals(mut streams: SelectAll<EventStream>, tx: mpsc::Sender<BusEvent>) {
    while let Some(ev) = streams.next().await {
        let Some(ev) = ev else { continue };
        let sent = if matches!(ev, BusEvent::Preview(_)) {
            // A late frame is worthless: drop it rather than delay what follows.
            match tx.try_send(ev) {
                Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
                _ => Ok(()),
            }
        } else {
            tx.send(ev).await.map_err(|_| ())
        };
        if sent.is_err() {
            return;
        }
    }
    let _ = tx
        .send(BusEvent::Lost(
            "the connection to the bus closed".to_owned(),
        ))
        .await;
}

fn manual_entry(m: &ManualData) -> ManualEntry {
    ManualEntry {
        document_number: Some(m.document_number.clone()),
        birth_date: Some(m.birth_date.clone()),
        expiry_date: Some(m.expiry_date.clone()),
        can: m.can.clone(),
    }
}

/// Makes one call; `SubmitManual`'s field problems come back as their own event.
async fn call(
    session: &SessionProxy<'static>,
    cmd: &Cmd,
) -> Result<Option<BusEvent>, idgate_api::Error> {
    match cmd {
        Cmd::Start => session.start().await?,
        Cmd::SubmitMrz(lines) => session.submit_mrz(lines).await?,
        Cmd::SubmitManual(m) => {
            let problems = session.submit_manual(manual_entry(m)).await?;
            if !problems.is_empty() {
                return Ok(Some(BusEvent::ManualRejected(decode::field_errors(
                    &problems,
                ))));
            }
        }
        Cmd::SubmitCan(can) => session.submit_can(can).await?,
        Cmd::UseManualEntry => session.use_manual_entry().await?,
        Cmd::Retry => session.retry().await?,
        Cmd::Cancel => session.cancel().await?,
        Cmd::Release => session.release().await?,
    }
    Ok(None)
}

async fn run_calls(
    session: SessionProxy<'static>,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    events: mpsc::Sender<BusEvent>,
    timeout: Duration,
) {
    while let Some(cmd) = cmds.recv().await {
        let kind = cmd.kind();
        let ev = match tokio::time::timeout(timeout, call(&session, &cmd)).await {
            Ok(Ok(None)) => BusEvent::CallDone(kind),
            Ok(Ok(Some(ev))) => ev,
            Ok(Err(e)) => BusEvent::CallFailed(kind, e.call_error()),
            Err(_) => BusEvent::CallFailed(
                kind,
                CallError {
                    kind: ErrorKind::Timeout,
                    message: format!("no reply within {} s", timeout.as_secs()),
                },
            ),
        };
        // The UI may be gone (quitting): the calls still go out, Release above all.
        let _ = events.try_send(ev);
        if kind == CallKind::Release {
            return;
        }
    }
}
