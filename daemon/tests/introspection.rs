//! The committed introspection XML (`dbus/io.idgate.*.xml`) is what the running daemon serves.
//! After a deliberate contract change, regenerate with `IDGATE_BLESS=1 cargo test -p idgated
//! --test introspection` and review the diff.

mod common;

use std::path::PathBuf;

use common::{Daemon, claim, rt};
use idgate_api::names::{BUS_NAME, SESSION_INTERFACE, STATION_INTERFACE, STATION_PATH};

const HEADER: &str = r#"<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
"#;

/// The `<interface name="…">` element of an introspection document, re-indented.
fn interface_element(xml: &str, name: &str) -> String {
    let open = format!("<interface name=\"{name}\">");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("{name} not served:\n{xml}"));
    let end = xml[start..].find("</interface>").expect("closed") + start + "</interface>".len();
    let element = &xml[start..end];
    // Lines after the first keep their indentation relative to the `<interface>` line.
    let base = xml[..start].rsplit('\n').next().map_or(0, str::len);
    let mut out = String::from(HEADER);
    out.push_str("<node>\n");
    for (i, line) in element.lines().enumerate() {
        let line = if i == 0 {
            line
        } else {
            line.get(base.min(line.len() - line.trim_start().len())..)
                .unwrap_or(line)
        };
        out.push_str("  ");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("</node>\n");
    out
}

fn committed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dbus")
        .join(format!("{name}.xml"))
}

async fn introspect(conn: &zbus::Connection, path: &str) -> String {
    let reply = conn
        .call_method(
            Some(BUS_NAME),
            path,
            Some("org.freedesktop.DBus.Introspectable"),
            "Introspect",
            &(),
        )
        .await
        .expect("Introspect");
    reply.body().deserialize::<String>().expect("xml")
}

fn check(name: &str, live: &str) {
    let path = committed(name);
    if std::env::var_os("IDGATE_BLESS").is_some() {
        std::fs::write(&path, live).expect("write");
        return;
    }
    let file = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with IDGATE_BLESS=1 once)", path.display()));
    assert_eq!(
        file,
        live,
        "{} differs from the live daemon; if the change is deliberate, bless it",
        path.display()
    );
}

#[test]
fn the_committed_xml_matches_the_live_interfaces() {
    let daemon = Daemon::start();
    rt().block_on(async {
        let conn = daemon.connect().await;
        let station = introspect(&conn, STATION_PATH).await;
        check(
            STATION_INTERFACE,
            &interface_element(&station, STATION_INTERFACE),
        );

        let path = claim(&conn).await;
        let session = introspect(&conn, path.as_str()).await;
        check(
            SESSION_INTERFACE,
            &interface_element(&session, SESSION_INTERFACE),
        );
    });
}
