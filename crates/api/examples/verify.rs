//! A complete client in a page: claim the station, run one verification, print what the person
//! is told (with the time since `Start`, so it doubles as an end-to-end timing) and the outcome.
//! Any app on the bus can do the same with the typed proxies.
//!
//! ```sh
//! cargo run -p idgate-api --example verify                       # system bus
//! cargo run -p idgate-api --example verify -- unix:path=/tmp/bus # a private bus
//! ```

use futures_util::StreamExt;
use idgate_api::{Lang, StationProxy, open_session};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = match std::env::args().nth(1) {
        Some(address) => {
            zbus::connection::Builder::address(address.as_str())
                .build()
                .await?
        }
        None => zbus::Connection::system().await?,
    };
    let station = StationProxy::new(&conn).await?;
    if station.api_version().await? != idgate_api::names::API_VERSION {
        eprintln!("{}", idgate_api::Guidance::FlowUpdateNeeded.text(Lang::En));
        std::process::exit(2);
    }
    // The claim lives as long as this connection: keep it open for the whole verification.
    let session = open_session(&conn, station.claim().await?).await?;
    let mut status = session.receive_status().await?;
    let mut challenge = session.receive_challenge().await?;
    let mut finished = session.receive_finished().await?;
    let started = std::time::Instant::now();
    session.start().await?;
    let mut last = None;
    loop {
        tokio::select! {
            Some(s) = status.next() => {
                let a = s.args()?;
                // Progress updates repeat the code: print each code change once.
                if last.as_deref() != Some(a.code().as_str()) {
                    last = Some(a.code().clone());
                    let ms = started.elapsed().as_millis();
                    println!("{ms:>6} ms [{:<6}] {:<20} {}", a.step(), a.code(), a.text());
                }
            }
            Some(c) = challenge.next() => println!("challenge: {}", c.args()?.code()),
            Some(f) = finished.next() => {
                let a = f.args()?;
                let checks = a.checks();
                println!("outcome: {} after {} ms", a.outcome(), started.elapsed().as_millis());
                println!("reasons: {:?}", checks.reasons.clone().unwrap_or_default());
                if let Some(text) = checks.alternatives(Lang::En) {
                    println!("alternatives: {text}");
                }
                println!("audit id: {}", checks.audit_id.as_deref().unwrap_or("-"));
                break;
            }
        }
    }
    session.release().await?;
    Ok(())
}
