//! `idgated selftest`: is this station ready? One line per check, non-zero exit on failure.

use std::io::Read as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::Config;

/// The models the face engine loads, with the sha256 `scripts/setup` pins.
pub const MODELS: [(&str, &str); 4] = [
    (
        "face_detection_yunet_2023mar_dynamic.onnx",
        "daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3",
    ),
    (
        "face_recognition_sface_2021dec_fp32.onnx",
        "107111c7155b7f4316fe357472ff37f5cc5c6e10a7ffdc432cd5031d78ea1c44",
    ),
    (
        "2.7_80x80_MiniFASNetV2.onnx",
        "4eed38f0bde33c9b805942a5f25e42ce1161e2bda545254be622be957727794e",
    ),
    (
        "4_0_0_80x80_MiniFASNetV1SE.onnx",
        "d819a69bac6b9ade2a0f4d9b60b618e1260f7bf3ba1fddff6c5d82131cb1083f",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Works, but not as a production station should (e.g. no camera configured).
    Warn,
    Fail,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

fn check(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Check {
    Check {
        name,
        verdict,
        detail: detail.into(),
    }
}

/// Streams a file through SHA-256 (models are tens of MB).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Runs every check. `bus_address`: check that bus instead of the system bus.
pub fn run(cfg: &Config, bus_address: Option<&str>) -> Vec<Check> {
    let mut out = Vec::new();

    let lib = cfg.face.ort_library();
    out.push(if lib.is_file() {
        check("onnx runtime", Verdict::Ok, lib.display().to_string())
    } else {
        check(
            "onnx runtime",
            Verdict::Fail,
            format!("{} missing", lib.display()),
        )
    });

    let dir = cfg.face.model_dir();
    for (name, want) in MODELS {
        let path = dir.join(name);
        out.push(match sha256_file(&path) {
            Ok(got) if got == want => check("model", Verdict::Ok, format!("{name} sha256 ok")),
            Ok(got) => check(
                "model",
                Verdict::Fail,
                format!("{name} sha256 {got}, expected {want}"),
            ),
            Err(e) => check("model", Verdict::Fail, format!("{}: {e}", path.display())),
        });
    }
    if lib.is_file() {
        out.push(
            match idgate_face::Engine::new(crate::serve::face_engine_config(cfg)) {
                Ok(_) => check("face engine", Verdict::Ok, "models load and run"),
                Err(e) => check("face engine", Verdict::Fail, e.to_string()),
            },
        );
    }

    out.push(if cfg.code.ocr_font.is_file() {
        check(
            "ocr font",
            Verdict::Ok,
            cfg.code.ocr_font.display().to_string(),
        )
    } else {
        check(
            "ocr font",
            Verdict::Warn,
            format!(
                "{} missing: the code will be typed",
                cfg.code.ocr_font.display()
            ),
        )
    });

    match pcsc::Context::establish(pcsc::Scope::User) {
        Ok(ctx) => {
            out.push(check("pcscd", Verdict::Ok, "reachable"));
            let names = crate::reader::reader_names(&ctx).unwrap_or_default();
            let policy = cfg.reader.policy();
            let choice = policy.choose(&names);
            out.push(match choice.chosen {
                Some(n) if policy.is_virtual(&n) => check(
                    "reader",
                    Verdict::Warn,
                    format!("{n} is virtual (allowed by [reader] allow_virtual)"),
                ),
                Some(n) => check("reader", Verdict::Ok, n),
                None if !choice.refused_virtual.is_empty() => check(
                    "reader",
                    Verdict::Fail,
                    format!(
                        "only virtual readers match {} ({}): refused; a USB reader is needed",
                        cfg.reader.name_pattern,
                        choice.refused_virtual.join(", ")
                    ),
                ),
                None => check(
                    "reader",
                    Verdict::Fail,
                    format!(
                        "none matches {} (connected: {})",
                        cfg.reader.name_pattern,
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                ),
            });
        }
        Err(e) => out.push(check("pcscd", Verdict::Fail, format!("not reachable: {e}"))),
    }

    let station = cfg.camera.station();
    out.push(match &station.device {
        None => check("camera", Verdict::Warn, "not configured ([camera] device)"),
        Some(sel) => match crate::camera::resolve(
            Path::new(crate::camera::SYSFS_ROOT),
            Some(sel),
            station.simulated,
        ) {
            Ok(node) => check("camera", Verdict::Ok, format!("{sel} → {node:?}")),
            Err(e) => check("camera", Verdict::Fail, e.to_string()),
        },
    });

    out.push(
        match idgate_emrtd::TrustStore::load_dir(&cfg.chip.trust_store, std::time::SystemTime::now()) {
            Ok((store, problems)) if !store.cscas().is_empty() => check(
                "trust store",
                if problems.is_empty() {
                    Verdict::Ok
                } else {
                    Verdict::Warn
                },
                format!(
                    "{} CSCAs, {} pinned master-list signers, {} CRLs, {} files refused or unreadable",
                    store.cscas().len(),
                    store.master_list_signers().len(),
                    store.crls().len(),
                    problems.len()
                ),
            ),
            Ok(_) => check(
                "trust store",
                Verdict::Fail,
                format!(
                    "{}: no CSCA: no chip can pass Passive Authentication",
                    cfg.chip.trust_store.display()
                ),
            ),
            Err(e) => check("trust store", Verdict::Fail, e.to_string()),
        },
    );

    out.extend(bus_checks(bus_address, cfg.bus.authorize()));
    for w in crate::config::weaknesses(cfg) {
        out.push(check("weakened", Verdict::Warn, w.to_string()));
    }

    let audit = &cfg.audit.path;
    let parent = audit.parent().unwrap_or(audit);
    out.push(if audit.is_dir() || parent.is_dir() {
        check("audit store", Verdict::Ok, audit.display().to_string())
    } else {
        check(
            "audit store",
            Verdict::Fail,
            format!("{}: directory missing", parent.display()),
        )
    });
    out
}

/// The station's polkit actions as scripts/install places them (polkitd reads only this directory).
const POLKIT_ACTIONS_FILE: &str = "/usr/share/polkit-1/actions/io.idgate.station.policy";

/// The bus, and polkit when calls are authorised with it.
fn bus_checks(address: Option<&str>, authorize: crate::config::Authorize) -> Vec<Check> {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return vec![check("bus", Verdict::Fail, e.to_string())],
    };
    rt.block_on(async {
        let builder = match address {
            Some(a) => zbus::connection::Builder::address(a),
            None => zbus::connection::Builder::system(),
        };
        let conn = match builder.build().await {
            Ok(c) => c,
            Err(e) => {
                return vec![check("bus", Verdict::Fail, format!("cannot connect: {e}"))];
            }
        };
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.ok();
        let owned = has_owner(dbus.as_ref(), idgate_api::names::BUS_NAME).await;
        let mut out = vec![check(
            "bus",
            Verdict::Ok,
            if owned {
                "connected; io.idgate.Station is served"
            } else {
                "connected; io.idgate.Station is not running"
            },
        )];
        if authorize == crate::config::Authorize::PolicyOnly {
            out.push(check(
                "polkit",
                Verdict::Ok,
                "not used ([bus] authorize = \"policy-only\")",
            ));
            return out;
        }
        let action = Path::new(POLKIT_ACTIONS_FILE);
        const POLKIT: &str = "org.freedesktop.PolicyKit1";
        let reachable =
            has_owner(dbus.as_ref(), POLKIT).await || is_activatable(dbus.as_ref(), POLKIT).await;
        out.push(match (action.is_file(), reachable) {
            (true, true) => check(
                "polkit",
                Verdict::Ok,
                format!("{} installed; polkitd reachable", action.display()),
            ),
            (false, _) => check(
                "polkit",
                Verdict::Fail,
                format!(
                    "{} missing: every call would be denied (run scripts/install)",
                    action.display()
                ),
            ),
            (true, false) => check(
                "polkit",
                Verdict::Fail,
                "polkitd is not on the bus: every call would be denied (install polkitd)",
            ),
        });
        out
    })
}

async fn has_owner(dbus: Option<&zbus::fdo::DBusProxy<'_>>, name: &str) -> bool {
    let (Some(dbus), Ok(name)) = (dbus, zbus::names::BusName::try_from(name)) else {
        return false;
    };
    dbus.name_has_owner(name).await.unwrap_or(false)
}

/// Whether the bus would start `name` on the first call (a D-Bus activation file).
async fn is_activatable(dbus: Option<&zbus::fdo::DBusProxy<'_>>, name: &str) -> bool {
    let Some(dbus) = dbus else {
        return false;
    };
    dbus.list_activatable_names()
        .await
        .map(|names| names.iter().any(|n| n.as_str() == name))
        .unwrap_or(false)
}

/// Prints the table; returns whether nothing failed.
pub fn print(checks: &[Check]) -> Verdict {
    for c in checks {
        println!("{:<5} {:<13} {}", c.verdict.label(), c.name, c.detail);
    }
    overall(checks)
}

/// The worst verdict: a failure, else a warning, else ok.
pub fn overall(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.verdict == Verdict::Warn) {
        Verdict::Warn
    } else {
        Verdict::Ok
    }
}
