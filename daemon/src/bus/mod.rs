//! The D-Bus adapters. The interface structs are thin (InputPlumber style): each call takes the
//! caller's unique name from the message header, forwards a request over a channel to the
//! station actor and awaits its reply. They own no state but property snapshots the actor
//! writes. Before forwarding, each call is authorised ([`authorize`]): by polkit for the caller
//! taken from the header, or by the bus policy alone.

pub mod authorize;
mod session;
mod station;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use idgate_api::{Error, Step};
use tokio::sync::{mpsc, oneshot};
use zbus::message::{Header, Message};
use zbus::names::{ErrorName, OwnedUniqueName};
use zbus::{DBusError, OwnedVariant};

pub use authorize::{Authority, Denied};
pub use session::SessionIface;
pub use station::StationIface;

/// A call on a session object. Its `Debug` names the call and the sizes of its arguments, never
/// their text (MRZ lines, typed fields and CANs).
pub enum SessionCall {
    Start,
    SubmitMrz(String),
    SubmitManual(HashMap<String, OwnedVariant>),
    SubmitCan(String),
    UseManualEntry,
    Retry,
    Cancel,
    Release,
}

impl std::fmt::Debug for SessionCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionCall::SubmitMrz(text) | SessionCall::SubmitCan(text) => {
                write!(f, "{}(<{} bytes redacted>)", self.name(), text.len())
            }
            SessionCall::SubmitManual(dict) => {
                let mut keys: Vec<&str> = dict.keys().map(String::as_str).collect();
                keys.sort_unstable();
                write!(f, "SubmitManual(<values of {keys:?} redacted>)")
            }
            other => f.write_str(other.name()),
        }
    }
}

impl SessionCall {
    pub fn name(&self) -> &'static str {
        match self {
            SessionCall::Start => "Start",
            SessionCall::SubmitMrz(_) => "SubmitMrz",
            SessionCall::SubmitManual(_) => "SubmitManual",
            SessionCall::SubmitCan(_) => "SubmitCan",
            SessionCall::UseManualEntry => "UseManualEntry",
            SessionCall::Retry => "Retry",
            SessionCall::Cancel => "Cancel",
            SessionCall::Release => "Release",
        }
    }
}

/// What a session call returns on success.
#[derive(Debug)]
pub enum SessionReply {
    Done,
    FieldErrors(HashMap<String, String>),
}

/// A request from the bus to the station actor.
#[derive(Debug)]
pub enum Request {
    Claim {
        caller: OwnedUniqueName,
        reply: oneshot::Sender<Result<zbus::OwnedObjectPath, Error>>,
    },
    Session {
        session: u64,
        caller: OwnedUniqueName,
        call: SessionCall,
        reply: oneshot::Sender<Result<SessionReply, Error>>,
    },
    /// The claim owner's unique name left the bus.
    OwnerGone { session: u64 },
    /// The daemon is stopping: cancel what runs (so it is audited) and end the actor.
    Shutdown,
}

/// Property snapshots of the station object, written by the actor.
#[derive(Debug, Default, Clone)]
pub struct StationProps {
    pub reader_present: bool,
    pub camera_present: bool,
    pub busy: bool,
    pub simulated: bool,
    /// Settings that weaken the station (`setting: why`), for the attendant's screen.
    pub weakened: Vec<String>,
}

/// Property snapshots of a session object, written by the actor.
#[derive(Debug, Clone)]
pub struct SessionProps {
    pub step: Step,
    pub attempts: u32,
}

pub type Shared<T> = Arc<Mutex<T>>;

/// The caller's unique name, which every call must carry on a bus.
fn caller(header: &Header<'_>) -> Result<OwnedUniqueName, Error> {
    header
        .sender()
        .map(|s| OwnedUniqueName::from(s.to_owned()))
        .ok_or_else(|| Error::InvalidArgument("the call has no sender".into()))
}

/// Why a method call failed: the station's own `io.idgate.Error.*`, or a refusal sent as the
/// standard `org.freedesktop.DBus.Error.AccessDenied` (as the bus policy would), so clients
/// handle both the same way.
#[derive(Debug)]
pub enum CallError {
    Station(Error),
    Refused(zbus::fdo::Error),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Station(e)
    }
}

impl From<Denied> for CallError {
    fn from(d: Denied) -> Self {
        CallError::Refused(d.to_fdo())
    }
}

impl DBusError for CallError {
    fn create_reply(&self, call: &Header<'_>) -> zbus::Result<Message> {
        match self {
            CallError::Station(e) => e.create_reply(call),
            CallError::Refused(e) => e.create_reply(call),
        }
    }

    fn name(&self) -> ErrorName<'_> {
        match self {
            CallError::Station(e) => e.name(),
            CallError::Refused(e) => e.name(),
        }
    }

    fn description(&self) -> Option<&str> {
        match self {
            CallError::Station(e) => e.description(),
            CallError::Refused(e) => e.description(),
        }
    }
}

/// The caller of a method call, once `authority` lets it make the call.
async fn authorized_caller(
    authority: &Authority,
    conn: &zbus::Connection,
    header: &Header<'_>,
) -> Result<OwnedUniqueName, CallError> {
    let caller = caller(header)?;
    let method = header.member().map_or("?", |m| m.as_str());
    authority.check(conn, header, &caller, method).await?;
    Ok(caller)
}

/// Sends a request and waits for the actor's answer.
async fn ask<T>(
    tx: &mpsc::Sender<Request>,
    make: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Request,
) -> Result<T, Error> {
    let (reply, answer) = oneshot::channel();
    tx.send(make(reply))
        .await
        .map_err(|_| Error::Internal("the station is shutting down".into()))?;
    answer
        .await
        .map_err(|_| Error::Internal("the station dropped the request".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_calls_show_no_mrz_text_or_can_in_debug() {
        let mrz = "P<UTOSPECIMEN<<STATION<PERSON<<<<<<<<<<<<<<<<<<\nIDG0042116UTO6108049M3504155<<<<<<<<<<<<<<08";
        let mut dict = HashMap::new();
        dict.insert(
            "document_number".to_owned(),
            OwnedVariant::try_from(zbus::Variant::from("IDG004211")).expect("variant"),
        );
        for (call, secrets) in [
            (
                SessionCall::SubmitMrz(mrz.into()),
                &["SPECIMEN", "IDG004211", "610804"][..],
            ),
            (SessionCall::SubmitCan("123456".into()), &["123456"][..]),
            (SessionCall::SubmitManual(dict), &["IDG004211"][..]),
        ] {
            let shown = format!("{call:?}");
            assert!(shown.contains(call.name()), "{shown}");
            for secret in secrets {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
        assert_eq!(format!("{:?}", SessionCall::Start), "Start");
    }
}
