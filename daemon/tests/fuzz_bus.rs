//! Fuzz target `dbus_args`: a running daemon (private bus, no devices) gets session and station
//! calls with arguments of every shape — wrong types, dicts of any keys and variant types, nested
//! containers, long strings and arbitrary Unicode. Every call gets a reply (a result or a named
//! error) and the daemon stays up and keeps its claim logic. Runner: `scripts/fuzz dbus_args`.

mod common;

use std::collections::HashMap;

use common::{Daemon, claim, rt};
use idgate_api::StationProxy;
use idgate_api::names::{BUS_NAME, SESSION_INTERFACE, STATION_INTERFACE, STATION_PATH};
use idgate_testbed::fuzz::{fuzz, text};
use proptest::prelude::*;
use zbus::{OwnedVariant as OwnedValue, Variant as Value};

#[derive(Debug, Clone)]
enum Arg {
    Str(String),
    U32(u32),
    Bool(bool),
    Bytes(Vec<u8>),
    Dict(Vec<(String, Leaf)>),
    Strings(Vec<String>),
}

#[derive(Debug, Clone)]
enum Leaf {
    Str(String),
    I64(i64),
    F64(f64),
    Bool(bool),
    Strs(Vec<String>),
    Nested(Vec<(String, String)>),
}

const METHODS: [&str; 8] = [
    "Start",
    "SubmitMrz",
    "SubmitManual",
    "SubmitCan",
    "UseManualEntry",
    "Retry",
    "Cancel",
    "Claim",
];

/// D-Bus strings cannot hold NUL: the bus would disconnect the sender (us), not reach the daemon.
fn bus_text(max: usize) -> impl Strategy<Value = String> {
    text(max).prop_map(|t| t.replace('\0', ""))
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("document_number".to_owned()),
        Just("birth_date".to_owned()),
        Just("expiry_date".to_owned()),
        Just("can".to_owned()),
        bus_text(20),
    ]
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        bus_text(60).prop_map(Leaf::Str),
        any::<i64>().prop_map(Leaf::I64),
        any::<f64>().prop_map(Leaf::F64),
        any::<bool>().prop_map(Leaf::Bool),
        proptest::collection::vec(bus_text(10), 0..5).prop_map(Leaf::Strs),
        proptest::collection::vec((bus_text(8), bus_text(8)), 0..4).prop_map(Leaf::Nested),
    ]
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        3 => bus_text(200).prop_map(Arg::Str),
        1 => (1usize..70_000).prop_map(|n| Arg::Str("P".repeat(n))),
        1 => any::<u32>().prop_map(Arg::U32),
        1 => any::<bool>().prop_map(Arg::Bool),
        1 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Arg::Bytes),
        3 => proptest::collection::vec((key(), leaf()), 0..8).prop_map(Arg::Dict),
        1 => proptest::collection::vec(bus_text(20), 0..6).prop_map(Arg::Strings),
    ]
}

fn leaf_value(leaf: &Leaf) -> Value<'static> {
    match leaf {
        Leaf::Str(s) => Value::from(s.clone()),
        Leaf::I64(n) => Value::from(*n),
        Leaf::F64(x) => Value::from(*x),
        Leaf::Bool(b) => Value::from(*b),
        Leaf::Strs(v) => Value::from(v.clone()),
        Leaf::Nested(pairs) => {
            let map: HashMap<String, String> = pairs.iter().cloned().collect();
            Value::from(map)
        }
    }
}

#[test]
fn dbus_args() {
    let mut daemon = Daemon::start();
    let runtime = rt();
    let (conn, path) = runtime.block_on(async {
        let conn = daemon.connect().await;
        let path = claim(&conn).await;
        (conn, path)
    });
    let calls = (proptest::sample::select(&METHODS[..]), arg());
    fuzz("dbus_args", 300, calls, |(method, arg)| {
        let (object, iface) = if method == "Claim" {
            (STATION_PATH, STATION_INTERFACE)
        } else {
            (path.as_str(), SESSION_INTERFACE)
        };
        macro_rules! call {
            ($body:expr) => {
                runtime
                    .block_on(async {
                        tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            conn.call_method(Some(BUS_NAME), object, Some(iface), method, $body),
                        )
                        .await
                    })
                    .map(|r| r.map(|_| ()))
            };
        }
        let reply = match &arg {
            Arg::Str(s) => call!(&(s.as_str(),)),
            Arg::U32(n) => call!(&(*n,)),
            Arg::Bool(b) => call!(&(*b,)),
            Arg::Bytes(b) => call!(&(b.clone(),)),
            Arg::Strings(v) => call!(&(v.clone(),)),
            Arg::Dict(pairs) => {
                let dict: HashMap<String, OwnedValue> = pairs
                    .iter()
                    .filter_map(|(k, v)| {
                        OwnedValue::try_from(leaf_value(v))
                            .ok()
                            .map(|v| (k.clone(), v))
                    })
                    .collect();
                call!(&(dict,))
            }
        };
        // A reply, success or a named error: never silence (a hang) or a dropped connection.
        prop_assert!(reply.is_ok(), "{method} with {arg:?}: no reply within 10 s");
        if let Ok(Err(zbus::Error::InputOutput(e))) = &reply {
            prop_assert!(false, "{method} with {arg:?}: the connection broke: {e}");
        }
        if let Ok(Err(zbus::Error::MethodError(name, _, _))) = &reply {
            prop_assert!(
                name.as_str().starts_with("io.idgate.Error.")
                    || name.as_str().starts_with("org.freedesktop.DBus.Error."),
                "{method}: unnamed error {name}"
            );
        }
        Ok(())
    });
    assert!(daemon.alive(), "the daemon died under fuzzed calls");
    runtime.block_on(async {
        let station = StationProxy::new(&conn).await.expect("proxy");
        // Still serving, still the same claim (a fuzzed call may have ended it with Release-like
        // effects only through the owner, which is us).
        let _ = station.busy().await.expect("Busy still answers");
        let other = daemon.connect().await;
        let _ = StationProxy::new(&other)
            .await
            .expect("proxy")
            .reader_present()
            .await
            .expect("ReaderPresent");
    });
}
