//! Per-call authorisation with polkit (`org.freedesktop.PolicyKit1.Authority`).
//!
//! The subject is the caller's unique bus name from the message header (`system-bus-name`):
//! polkitd asks the bus for that connection's credentials itself, so neither the daemon's own pid
//! nor a caller-supplied pid (racy: pids are reused) is ever trusted. Every call is checked; no
//! answer is cached: calls come at human pace, so a local round trip per call is cheap, while a
//! cache would outlive a revoked group membership or a changed rule.
//!
//! Fail closed: when polkit cannot be asked (not running, an error, no answer in time), the call is
//! denied with a log line that says so.

use std::collections::HashMap;
use std::time::Duration;

use zbus::Variant;
use zbus::message::{Flags, Header};
use zbus::names::UniqueName;

use crate::config::Authorize;

/// The polkit action every method call on the station needs (`polkit/io.idgate.station.policy`).
pub const VERIFY_ACTION: &str = "io.idgate.station.verify";

/// `CheckAuthorization` flag: polkit may ask the caller's authentication agent for a password.
const ALLOW_USER_INTERACTION: u32 = 0x1;
/// A check that cannot prompt is answered at once; more than the D-Bus default reply timeout
/// means polkitd is stuck.
const CHECK_TIMEOUT: Duration = Duration::from_secs(25);
/// A check that may prompt waits for a person to type a password.
const INTERACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

#[zbus::proxy(
    interface = "org.freedesktop.PolicyKit1.Authority",
    default_service = "org.freedesktop.PolicyKit1",
    default_path = "/org/freedesktop/PolicyKit1/Authority"
)]
trait PolkitAuthority {
    /// Returns (is_authorized, is_challenge, details).
    fn check_authorization(
        &self,
        subject: &(&str, HashMap<&str, Variant<'_>>),
        action_id: &str,
        details: &HashMap<&str, &str>,
        flags: u32,
        cancellation_id: &str,
    ) -> zbus::Result<(bool, bool, HashMap<String, String>)>;
}

/// Why a call was refused.
#[derive(Debug, thiserror::Error)]
pub enum Denied {
    /// polkit answered no.
    #[error("not authorised for {action}")]
    NotAuthorized { action: &'static str },
    /// polkit would allow it after authentication, but the caller did not allow interaction
    /// (the message lacks ALLOW_INTERACTIVE_AUTHORIZATION).
    #[error("{action} needs interactive authorisation; call again allowing it")]
    NeedsInteraction { action: &'static str },
    /// polkit could not be asked; the call is denied rather than let through.
    #[error("no decision from polkit ({0}); denied")]
    Unavailable(String),
}

impl Denied {
    /// The standard D-Bus error this denial is sent as: clients treat it like a bus-policy denial.
    pub fn to_fdo(&self) -> zbus::fdo::Error {
        match self {
            Denied::NeedsInteraction { .. } => {
                zbus::fdo::Error::InteractiveAuthorizationRequired(self.to_string())
            }
            _ => zbus::fdo::Error::AccessDenied(self.to_string()),
        }
    }
}

/// Decides whether a method call may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority {
    mode: Authorize,
}

impl Authority {
    pub fn new(mode: Authorize) -> Self {
        Self { mode }
    }

    pub fn mode(&self) -> Authorize {
        self.mode
    }

    /// Checks `method` (for logs) called by `caller` over `conn`. The caller may be prompted only
    /// when its message allows interactive authorisation.
    pub async fn check(
        &self,
        conn: &zbus::Connection,
        header: &Header<'_>,
        caller: &UniqueName<'_>,
        method: &str,
    ) -> Result<(), Denied> {
        if self.mode == Authorize::PolicyOnly {
            return Ok(());
        }
        let interactive = header
            .primary()
            .flags()
            .contains(Flags::ALLOW_INTERACTIVE_AUTH);
        let answer = ask_polkit(conn, caller, VERIFY_ACTION, interactive).await;
        match answer {
            Ok((true, _)) => {
                tracing::debug!(%caller, method, "polkit: authorised");
                Ok(())
            }
            Ok((false, challenge)) => {
                tracing::info!(%caller, method, challenge, "polkit: not authorised; denied");
                Err(if challenge && !interactive {
                    Denied::NeedsInteraction {
                        action: VERIFY_ACTION,
                    }
                } else {
                    Denied::NotAuthorized {
                        action: VERIFY_ACTION,
                    }
                })
            }
            Err(reason) => {
                tracing::warn!(%caller, method, "polkit unreachable ({reason}): call denied (fail closed)");
                Err(Denied::Unavailable(reason))
            }
        }
    }
}

/// One `CheckAuthorization` for a `system-bus-name` subject: (authorised, challenge).
async fn ask_polkit(
    conn: &zbus::Connection,
    caller: &UniqueName<'_>,
    action: &str,
    interactive: bool,
) -> Result<(bool, bool), String> {
    // No property cache: it would add a match rule and a GetAll per call for nothing.
    let proxy = PolkitAuthorityProxy::builder(conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let subject = (
        "system-bus-name",
        HashMap::from([("name", Variant::from(caller.as_str()))]),
    );
    let (flags, limit) = if interactive {
        (ALLOW_USER_INTERACTION, INTERACTIVE_TIMEOUT)
    } else {
        (0, CHECK_TIMEOUT)
    };
    let details = HashMap::new();
    let call = proxy.check_authorization(&subject, action, &details, flags, "");
    match tokio::time::timeout(limit, call).await {
        Ok(Ok((authorized, challenge, _details))) => Ok((authorized, challenge)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denials_are_sent_as_standard_bus_errors() {
        use zbus::DBusError as _;
        let no = Denied::NotAuthorized {
            action: VERIFY_ACTION,
        };
        assert_eq!(
            no.to_fdo().name().as_str(),
            "org.freedesktop.DBus.Error.AccessDenied"
        );
        let down = Denied::Unavailable("org.freedesktop.DBus.Error.ServiceUnknown".into());
        assert_eq!(
            down.to_fdo().name().as_str(),
            "org.freedesktop.DBus.Error.AccessDenied"
        );
        let prompt = Denied::NeedsInteraction {
            action: VERIFY_ACTION,
        };
        assert_eq!(
            prompt.to_fdo().name().as_str(),
            "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
        );
    }
}
