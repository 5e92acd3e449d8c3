//! `io.idgate.Station1` at `/io/idgate/Station`.

use idgate_api::names::API_VERSION;
use tokio::sync::mpsc;
use zbus::OwnedObjectPath;
use zbus::message::Header;

use super::{Authority, CallError, Request, Shared, StationProps, ask, authorized_caller};

#[derive(Debug)]
pub struct StationIface {
    tx: mpsc::Sender<Request>,
    props: Shared<StationProps>,
    authority: Authority,
}

impl StationIface {
    pub fn new(
        tx: mpsc::Sender<Request>,
        props: Shared<StationProps>,
        authority: Authority,
    ) -> Self {
        Self {
            tx,
            props,
            authority,
        }
    }

    fn props(&self) -> StationProps {
        self.props.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// The identity-verification station: its devices, and the claim that opens a session.
#[zbus::interface(name = "io.idgate.Station1")]
impl StationIface {
    /// Claims the station for the calling connection and returns the new session's object path.
    /// Fails with io.idgate.Error.AlreadyClaimed while another connection holds a claim. The
    /// claim ends with Session1.Release or when the caller leaves the bus.
    #[zbus(out_args("session"))]
    async fn claim(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> Result<OwnedObjectPath, CallError> {
        let caller = authorized_caller(&self.authority, conn, &header).await?;
        Ok(ask(&self.tx, |reply| Request::Claim { caller, reply }).await?)
    }

    /// A reader matching the configured name pattern is connected.
    #[zbus(property)]
    fn reader_present(&self) -> bool {
        self.props().reader_present
    }

    /// A camera is available.
    #[zbus(property)]
    fn camera_present(&self) -> bool {
        self.props().camera_present
    }

    /// A connection holds a claim.
    #[zbus(property)]
    fn busy(&self) -> bool {
        self.props().busy
    }

    /// Version of the bus contract.
    #[zbus(property(emits_changed_signal = "const"))]
    fn api_version(&self) -> u32 {
        API_VERSION
    }

    /// The daemon's version.
    #[zbus(property(emits_changed_signal = "const"))]
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_owned()
    }

    /// The station runs on simulated devices.
    #[zbus(property(emits_changed_signal = "const"))]
    fn simulated(&self) -> bool {
        self.props().simulated
    }

    /// Settings that weaken this station (`setting: why`, e.g. a lowered match threshold or
    /// policy-only authorisation); empty on a station as shipped.
    #[zbus(property(emits_changed_signal = "const"))]
    fn weakened(&self) -> Vec<String> {
        self.props().weakened.clone()
    }
}
