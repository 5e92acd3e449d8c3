//! The named D-Bus errors `io.idgate.Error.*`. The daemon returns them; the proxies in
//! [`crate::proxy`] decode them back into [`Error`], so clients match on variants, not strings.

/// An error from the station. The string is a human-readable detail (English, for logs and staff);
/// front ends show guidance texts, not these messages.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "io.idgate.Error")]
pub enum Error {
    /// A transport or protocol error below the contract (bus gone, wrong signature, …).
    #[zbus(error)]
    ZBus(zbus::Error),
    /// The caller does not own this session (or the session was released).
    NotClaimed(String),
    /// Another client owns the station.
    AlreadyClaimed(String),
    /// An argument is malformed (the message names the field).
    InvalidArgument(String),
    /// The needed device (reader, camera) is not present.
    NoDevice(String),
    /// The call does not fit the session's current step (e.g. `SubmitMrz` during the face step).
    WrongStep(String),
    /// The station is busy with something that cannot be interrupted by this call.
    Busy(String),
    /// A fault inside the daemon; details are in its log.
    Internal(String),
}

impl Error {
    /// The D-Bus error name's last element, e.g. `AlreadyClaimed` (handy for logs and tests).
    pub fn short_name(&self) -> &'static str {
        match self {
            Error::ZBus(_) => "ZBus",
            Error::NotClaimed(_) => "NotClaimed",
            Error::AlreadyClaimed(_) => "AlreadyClaimed",
            Error::InvalidArgument(_) => "InvalidArgument",
            Error::NoDevice(_) => "NoDevice",
            Error::WrongStep(_) => "WrongStep",
            Error::Busy(_) => "Busy",
            Error::Internal(_) => "Internal",
        }
    }
}
