//! `idgated chip read`: one full chip read at the desk, for staff and admins diagnosing a passport
//! that fails — the same read the station runs (PACE preferred, BAC otherwise; Chip and Active
//! Authentication; Passive Authentication against the trust store), printed as one JSON object.
//!
//! The MRZ fields are printed because the operator asked for exactly them; nothing here logs them
//! (this command sets up no log sink). The photo is never printed: only its format and size, and
//! the size comes from the sandboxed decoder ([`crate::sandbox`]) and only when Passive
//! Authentication passed; otherwise the record's header is all that is shown.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant, SystemTime};

use idgate_emrtd::lds::LdsFile;
use idgate_emrtd::lds::security_infos::SecurityInfos;
use idgate_emrtd::{
    AccessKey, AccessProtocol, CheckResult, ChipAuthenticity, ChipError, ChipFailure, ChipRead,
    PaReport, PreferPace, ReadOptions, SystemClock, Transport, TransportError, TrustStore,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::reader::{PcscTransport, wait_for_card};
use crate::sandbox;

/// Exit codes of `chip read`.
pub mod exit {
    /// Read, every security check passed (or is not supported by the chip).
    pub const OK: u8 = 0;
    /// The reader or pcscd failed.
    pub const READER_FAULT: u8 = 1;
    /// Read, but a check failed (the whole report is printed).
    pub const CHECK_FAILED: u8 = 2;
    /// The chip could not be opened or read: no card, wrong key, access refused, card lost.
    pub const NOT_OPENED: u8 = 3;
}

/// How long the command waits for a card on the reader.
const CARD_WAIT: Duration = Duration::from_secs(10);

/// One file as read.
#[derive(Debug, Serialize)]
struct FileLine {
    file: String,
    size: usize,
    /// From the first to the last progress of this file, milliseconds.
    ms: u64,
}

/// The reader transport, remembering the card's ATR.
struct Recording {
    inner: PcscTransport,
    atr: Option<Vec<u8>>,
}

impl Transport for Recording {
    fn connect(&mut self) -> Result<Vec<u8>, TransportError> {
        let atr = self.inner.connect()?;
        self.atr = Some(atr.clone());
        Ok(atr)
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.inner.transmit(apdu)
    }
    fn reconnect(&mut self, wait: Duration) -> Result<Vec<u8>, TransportError> {
        let atr = self.inner.reconnect(wait)?;
        self.atr = Some(atr.clone());
        Ok(atr)
    }
}

/// Reads the chip on `reader` with `key`, checking against `trust`; returns the report and the
/// exit code.
pub fn read(reader: &str, key: AccessKey, trust: TrustStore) -> (Value, u8) {
    let mut report = serde_json::Map::new();
    report.insert("reader".into(), json!(reader));
    let cancel = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let opened = pcsc::Context::establish(pcsc::Scope::User)
        .map_err(|e| TransportError::Reader(e.to_string()))
        .and_then(|ctx| {
            let name = std::ffi::CString::new(reader)
                .map_err(|_| TransportError::Reader("bad reader name".into()))?;
            wait_for_card(&ctx, &name, CARD_WAIT, &cancel)
        })
        .and_then(|()| PcscTransport::new(reader, cancel.clone()));
    let mut transport = match opened {
        Ok(inner) => Recording { inner, atr: None },
        Err(e) => {
            let code = match e {
                TransportError::NoCard => exit::NOT_OPENED,
                _ => exit::READER_FAULT,
            };
            report.insert("error".into(), json!(e.to_string()));
            return (Value::Object(report), code);
        }
    };
    let options = ReadOptions {
        access: Arc::new(PreferPace),
        hooks: Box::new(ChipAuthenticity::new(Arc::new(trust), SystemTime::now())),
        // As the station reads: DG7, DG11 and DG12 are personal data the checks do not need.
        optional_files: vec![LdsFile::DG14, LdsFile::DG15],
        ..ReadOptions::default()
    };
    let mut times: BTreeMap<String, (Instant, Instant)> = BTreeMap::new();
    let mut observer = |event: &idgate_emrtd::Event| {
        if let idgate_emrtd::Event::Progress(p) = event {
            let now = Instant::now();
            times
                .entry(p.file.to_string())
                .and_modify(|t| t.1 = now)
                .or_insert((now, now));
        }
    };
    let result = idgate_emrtd::read_passport_observed(
        &mut transport,
        key,
        options,
        &SystemClock,
        &mut observer,
    );
    let ms = started.elapsed().as_millis() as u64;
    report.insert("atr".into(), json!(transport.atr.as_deref().map(hex)));
    let code = match &result {
        Ok(read) => describe(read, &times, &mut report),
        Err(e) => {
            report.insert("error".into(), json!(e.to_string()));
            failure_code(e)
        }
    };
    report.insert("ms".into(), json!(ms));
    (Value::Object(report), code)
}

fn failure_code(e: &ChipError) -> u8 {
    match e.failure() {
        ChipFailure::ReaderFault => exit::READER_FAULT,
        ChipFailure::NotGenuine { .. } => exit::CHECK_FAILED,
        _ => exit::NOT_OPENED,
    }
}

/// Fills the report from a finished read; returns the exit code.
fn describe(
    read: &ChipRead,
    times: &BTreeMap<String, (Instant, Instant)>,
    report: &mut serde_json::Map<String, Value>,
) -> u8 {
    report.insert("access".into(), access(read));
    let files: Vec<FileLine> = read
        .raw
        .iter()
        .map(|(file, bytes)| {
            let name = file.to_string();
            let ms = times
                .get(&name)
                .map(|(a, b)| b.duration_since(*a).as_millis() as u64)
                .unwrap_or(0);
            FileLine {
                file: name,
                size: bytes.len(),
                ms,
            }
        })
        .collect();
    report.insert("files".into(), json!(files));
    let d = &read.dg1;
    report.insert(
        "dg1".into(),
        json!({
            "document_code": d.document_code,
            "issuing_state": d.issuing_state,
            "document_number": d.document_number,
            "primary_identifier": d.primary_identifier,
            "secondary_identifier": d.secondary_identifier,
            "nationality": d.nationality,
            "birth_date": d.birth_date,
            "sex": d.sex,
            "expiry_date": d.expiry_date,
            "optional_data": d.optional_data,
        }),
    );
    let pa = read.authenticity.clone().unwrap_or_else(PaReport::not_run);
    let genuine = pa.dg_hashes.is_pass() && pa.sod_signature.is_pass() && pa.ds_chain.is_pass();
    report.insert("dg2".into(), dg2(read, genuine));
    report.insert("apdus".into(), json!(read.stats.apdus));
    let checks = [
        ("dg_hashes", &pa.dg_hashes),
        ("sod_signature", &pa.sod_signature),
        ("ds_chain", &pa.ds_chain),
        ("ds_revocation", &pa.ds_revocation),
        ("chip_auth", &pa.chip_auth),
        ("active_auth", &pa.active_auth),
    ];
    let security: serde_json::Map<String, Value> = checks
        .iter()
        .map(|(name, c)| ((*name).to_owned(), check(c)))
        .collect();
    report.insert("security".into(), Value::Object(security));
    // The named certificate steps behind ds_chain / ds_revocation (keyUsage, CRL window, …).
    let pki: Vec<Value> = pa
        .pki
        .iter()
        .map(|step| {
            let mut v = check(&step.result);
            if let Value::Object(m) = &mut v {
                m.insert("check".into(), json!(step.name));
            }
            v
        })
        .collect();
    report.insert("pki".into(), Value::Array(pki));
    // Passive Authentication must pass; any check that ran and failed fails the passport.
    if genuine && !checks.iter().any(|(_, c)| c.is_fail()) {
        exit::OK
    } else {
        exit::CHECK_FAILED
    }
}

fn check(c: &CheckResult) -> Value {
    match c {
        CheckResult::Pass => json!({ "result": "pass" }),
        CheckResult::Fail(why) => json!({ "result": "fail", "reason": why }),
        CheckResult::NotSupported(why) => json!({ "result": "not_supported", "reason": why }),
    }
}

/// The access control that opened the chip; for PACE, the PACEInfo the station's selector runs
/// (the same choice from EF.CardAccess) with its mapping and domain parameters.
fn access(read: &ChipRead) -> Value {
    match read.access {
        AccessProtocol::Bac => json!({ "protocol": "BAC" }),
        AccessProtocol::Pace => {
            let info = read
                .card_access_raw()
                .and_then(|raw| SecurityInfos::parse(raw).ok())
                .and_then(|infos| infos.best_pace().cloned());
            match info {
                Some(info) => json!({
                    "protocol": "PACE",
                    "mapping": format!("{:?}", info.protocol.mapping),
                    "cipher": format!("{:?}", info.protocol.cipher),
                    "parameter_id": info.parameter_id,
                    "curve": info.parameter_id.map(domain_name),
                }),
                None => json!({ "protocol": "PACE" }),
            }
        }
    }
}

/// Standardized domain parameters by id (ICAO 9303-11 §9.5.1, BSI TR-03110-3 table 4).
fn domain_name(id: u32) -> &'static str {
    match id {
        0 => "MODP 1024-bit, 160-bit subgroup (RFC 5114)",
        1 => "MODP 2048-bit, 224-bit subgroup (RFC 5114)",
        2 => "MODP 2048-bit, 256-bit subgroup (RFC 5114)",
        8 => "secp192r1",
        9 => "brainpoolP192r1",
        10 => "secp224r1",
        11 => "brainpoolP224r1",
        12 => "secp256r1",
        13 => "brainpoolP256r1",
        14 => "brainpoolP320r1",
        15 => "secp384r1",
        16 => "brainpoolP384r1",
        17 => "brainpoolP512r1",
        18 => "secp521r1",
        _ => "reserved",
    }
}

/// DG2's first image: format and size — the size decoded in the sandbox when the chip passed
/// Passive Authentication, else the record header's declared size. Never pixels.
fn dg2(read: &ChipRead, genuine: bool) -> Value {
    let Some(face) = read.dg2.faces.first() else {
        return json!({ "images": 0 });
    };
    let mut v = json!({
        "images": read.dg2.faces.len(),
        "format": format!("{:?}", face.format),
        "bytes": face.data.len(),
        "width": face.width,
        "height": face.height,
        "size_from": "header",
    });
    if genuine {
        match sandbox::decode_isolated(
            &sandbox::default_program(),
            &face.data,
            sandbox::Limits::default(),
        ) {
            Ok(img) => {
                v["width"] = json!(img.width);
                v["height"] = json!(img.height);
                v["size_from"] = json!("decoded");
            }
            Err(e) => v["decode_error"] = json!(e.to_string()),
        }
    } else {
        v["decode_error"] =
            json!("not decoded: Passive Authentication did not pass (header size shown)");
    }
    v
}

/// Builds the access key from the command's options: an MRZ (two or three lines; a literal `\n`
/// separates them too), the three fields, or a CAN.
pub fn access_key(
    mrz: Option<&str>,
    doc: Option<&str>,
    birth: Option<&str>,
    expiry: Option<&str>,
    can: Option<&str>,
) -> anyhow::Result<AccessKey> {
    use anyhow::Context as _;
    if let Some(text) = mrz {
        let text = text.replace("\\n", "\n");
        let mrz = idgate_mrz::Mrz::parse(&text).context("--mrz")?;
        return Ok(AccessKey::Mrz(mrz.access_key()));
    }
    if let Some(can) = can {
        return Ok(AccessKey::Can(
            idgate_mrz::Can::parse(can).map_err(|e| anyhow::anyhow!("--can: {e}"))?,
        ));
    }
    match (doc, birth, expiry) {
        (Some(d), Some(b), Some(e)) => Ok(AccessKey::Mrz(
            idgate_mrz::ChipAccessKey::new(d, b, e).context("--doc/--birth/--expiry")?,
        )),
        _ => anyhow::bail!("give --mrz, or --doc with --birth and --expiry, or --can"),
    }
}

/// The trust store for the read: `dir` (or none), plus master lists and CRLs given on the
/// command line, each master list verified first.
pub fn trust(
    dir: Option<&Path>,
    masterlists: &[std::path::PathBuf],
    crls: &[std::path::PathBuf],
) -> anyhow::Result<TrustStore> {
    use anyhow::Context as _;
    let mut store = match dir {
        Some(dir) => {
            let (store, problems) = TrustStore::load_dir(dir, SystemTime::now())?;
            for p in problems {
                eprintln!("idgated: trust store {}: {p}", dir.display());
            }
            store
        }
        None => TrustStore::new(),
    };
    for path in masterlists {
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        let certs = crate::trust_cli::verify_master_list(&store, &bytes)
            .with_context(|| path.display().to_string())?;
        certs.into_iter().for_each(|c| store.add_csca(c));
    }
    for path in crls {
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        store
            .add_bytes(&path.display().to_string(), &bytes, SystemTime::now())
            .with_context(|| path.display().to_string())?;
    }
    Ok(store)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
