//! Claims are tied to the owner's unique bus name: when it leaves the bus (NameOwnerChanged with
//! an empty new owner), the actor is told and cancels the session.

use futures_util::StreamExt;
use tokio::sync::mpsc;
use zbus::Connection;
use zbus::names::{BusName, OwnedUniqueName};

use crate::bus::Request;

pub fn watch_owner(
    conn: Connection,
    owner: OwnedUniqueName,
    session: u64,
    tx: mpsc::Sender<Request>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = wait_for_exit(&conn, &owner).await {
            tracing::warn!(session, "cannot watch the claim owner ({e}); releasing");
        }
        let _ = tx.send(Request::OwnerGone { session }).await;
    })
}

async fn wait_for_exit(conn: &Connection, owner: &OwnedUniqueName) -> zbus::Result<()> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await?;
    let mut changes = dbus
        .receive_name_owner_changed_with_args(&[(0, owner.as_str())])
        .await?;
    // Subscribe first, then look: an owner that left in between is caught either way.
    let name = BusName::from(owner.as_ref());
    if !dbus.name_has_owner(name).await? {
        return Ok(());
    }
    while let Some(change) = changes.next().await {
        if let Ok(args) = change.args() {
            if args.new_owner().is_none() {
                return Ok(());
            }
        }
    }
    Ok(())
}
