//! `idgated chip read` and `idgated trust list|import|verify`, run as the binary against the real
//! pcscd with a vpcd reader (the testbed's private one) and the virtual passport as the card.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use der::Encode as _;
use idgate_vpass::security::{PassportSecurity, SecurityOptions, personalise};
use idgate_vpass::{ChipBehaviour, Inserted, PassportProfile, VirtualPassport};
use serde_json::Value;

/// Real public trust material (the German CSCA master list), from `../shared/testdata` beside the
/// repository (or `IDGATE_TESTDATA`, or what `scripts/setup` fetched into `.idgate/testdata`).
fn testdata(rel: &str) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("IDGATE_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let shared = repo.join("../shared/testdata");
            if shared.is_dir() {
                shared
            } else {
                repo.join(".idgate/testdata")
            }
        });
    dir.join(rel)
}

const GERMAN_ML: &str = "emrtd/masterlists/DE_ML_2025-10-14-12-26-34.ml";

struct Passport {
    profile: PassportProfile,
    security: PassportSecurity,
}

impl Passport {
    fn modern() -> Self {
        let mut profile = PassportProfile::specimen();
        profile.chip = ChipBehaviour::modern();
        let security = personalise(&mut profile, &SecurityOptions::modern(SystemTime::now()))
            .expect("personalise");
        Self { profile, security }
    }
    fn chip(&self) -> VirtualPassport {
        VirtualPassport::new(&self.profile)
            .expect("chip")
            .with_security(self.security.chip.clone())
    }
    /// A trust directory holding this passport's CSCA.
    fn trust_dir(&self, dir: &Path) -> PathBuf {
        let trust = dir.join("csca");
        std::fs::create_dir_all(&trust).expect("dir");
        for (i, c) in self.security.trust.cscas().iter().enumerate() {
            std::fs::write(trust.join(format!("csca{i}.der")), c.to_der().expect("der"))
                .expect("write");
        }
        trust
    }
}

fn idgated(socket: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_idgated"))
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", socket)
        .output()
        .expect("run idgated");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn wait_present(socket: &Path, reader: &str) {
    let until = Instant::now() + Duration::from_secs(10);
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("idgated.toml");
    std::fs::write(&config, "[reader]\nallow_virtual = true\n").expect("config");
    loop {
        let (_, out, _) = idgated(
            socket,
            &[
                "chip",
                "readers",
                "--json",
                "--config",
                config.to_str().expect("utf-8"),
            ],
        );
        let present = out
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|l| l["reader"] == reader && l["card"] == true);
        if present || Instant::now() > until {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn chip_read_prints_the_whole_report_and_its_exit_code_says_how_the_passport_fared() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let lease = pcscd.lease(Duration::from_secs(60)).expect("reader");
    let passport = Passport::modern();
    let atr: String = passport
        .chip()
        .atr()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let _card = Inserted::insert(lease.vpcd_addr(), Box::new(passport.chip())).expect("insert");
    wait_present(pcscd.socket_path(), lease.reader_name());
    let dir = tempfile::tempdir().expect("tmp");
    let trust = passport.trust_dir(dir.path());
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let key = passport.profile.access_key().expect("key");
    let read = |trust: &Path, doc: &str| {
        idgated(
            pcscd.socket_path(),
            &[
                "chip",
                "read",
                "--reader",
                lease.reader_name(),
                "--doc",
                doc,
                "--birth",
                key.birth_date(),
                "--expiry",
                key.expiry_date(),
                "--trust",
                trust.to_str().expect("utf-8"),
            ],
        )
    };

    // Genuine and trusted: every check passes, exit 0.
    let (code, out, err) = read(&trust, key.document_number());
    let r = json(&out);
    assert_eq!(code, 0, "{r:#}\n{err}");
    assert_eq!(r["reader"], lease.reader_name());
    assert_eq!(r["atr"], atr.as_str());
    assert_eq!(r["access"]["protocol"], "PACE", "{r:#}");
    assert!(r["access"]["curve"].is_string(), "{r:#}");
    let files = r["files"].as_array().expect("files");
    for name in ["DG1", "DG2", "EF.SOD"] {
        let f = files
            .iter()
            .find(|f| f["file"].as_str().is_some_and(|n| n.contains(name)))
            .unwrap_or_else(|| panic!("{name} in {files:?}"));
        assert!(f["size"].as_u64().is_some_and(|s| s > 0), "{f}");
        assert!(f["ms"].is_u64(), "{f}");
    }
    assert_eq!(
        r["dg1"]["document_number"].as_str(),
        Some(key.document_number().trim_end_matches('<'))
    );
    assert_eq!(r["dg1"]["birth_date"].as_str(), Some(key.birth_date()));
    assert_eq!(r["dg2"]["size_from"], "decoded", "{r:#}");
    assert!(r["dg2"]["width"].as_u64().is_some_and(|w| w > 0));
    assert!(r["dg2"].get("pixels").is_none());
    assert!(r["apdus"].as_u64().is_some_and(|n| n > 0));
    assert!(r["ms"].is_u64());
    for check in [
        "dg_hashes",
        "sod_signature",
        "ds_chain",
        "ds_revocation",
        "chip_auth",
        "active_auth",
    ] {
        let c = &r["security"][check];
        assert!(
            ["pass", "not_supported"].contains(&c["result"].as_str().unwrap_or("")),
            "{check}: {c}"
        );
    }
    for check in [
        "dg_hashes",
        "sod_signature",
        "ds_chain",
        "chip_auth",
        "active_auth",
    ] {
        assert_eq!(r["security"][check]["result"], "pass", "{check}: {r:#}");
    }
    // The steps behind ds_chain, each by name.
    let pki = r["pki"].as_array().expect("pki");
    for step in [
        "ds_issuer",
        "ds_key_usage",
        "csca_key_usage",
        "csca_basic_constraints",
    ] {
        assert!(
            pki.iter()
                .any(|s| s["check"] == step && s["result"] == "pass"),
            "{step}: {r:#}"
        );
    }

    // The same passport by its MRZ lines (a literal `\n` between them, as typed in a shell).
    let mrz = passport
        .profile
        .mrz
        .encode()
        .expect("mrz")
        .lines()
        .join("\\n");
    let (code, out, err) = idgated(
        pcscd.socket_path(),
        &[
            "chip",
            "read",
            "--reader",
            lease.reader_name(),
            "--mrz",
            &mrz,
            "--trust",
            trust.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        json(&out)["dg1"]["birth_date"].as_str(),
        Some(key.birth_date())
    );

    // No CSCA trusted: the whole report still, the chain check failing with its reason, the
    // photo not decoded (header only), exit 2.
    let (code, out, err) = read(&empty, key.document_number());
    let r = json(&out);
    assert_eq!(code, 2, "{r:#}\n{err}");
    assert_eq!(r["atr"], atr.as_str());
    assert!(r["files"].as_array().is_some_and(|f| !f.is_empty()));
    assert_ne!(r["security"]["ds_chain"]["result"], "pass", "{r:#}");
    assert!(r["security"]["ds_chain"]["reason"].is_string(), "{r:#}");
    assert_eq!(r["security"]["dg_hashes"]["result"], "pass", "{r:#}");
    assert_eq!(r["dg2"]["size_from"], "header", "{r:#}");

    // A wrong document number: the chip does not open, exit 3.
    let (code, out, err) = read(&trust, "X00000000");
    let r = json(&out);
    assert_eq!(code, 3, "{r:#}\n{err}");
    assert!(r["error"].is_string(), "{r:#}");
    assert!(r.get("security").is_none());
}

#[test]
fn chip_read_on_a_reader_pcscd_does_not_know_is_a_reader_fault() {
    let pcscd = idgate_testbed::pcscd().expect("private pcscd");
    let (code, out, err) = idgated(
        pcscd.socket_path(),
        &[
            "chip",
            "read",
            "--reader",
            "No Such Reader 00 00",
            "--can",
            "123456",
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(json(&out)["error"].is_string());
}

/// A trust directory and a configuration naming it, for `idgated trust …`.
struct TrustDir {
    dir: tempfile::TempDir,
    store: PathBuf,
    config: PathBuf,
}

impl TrustDir {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let store = dir.path().join("csca");
        std::fs::create_dir_all(&store).expect("dir");
        let config = dir.path().join("idgated.toml");
        std::fs::write(
            &config,
            format!("[chip]\ntrust_store = \"{}\"\n", store.display()),
        )
        .expect("config");
        Self { dir, store, config }
    }
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--config", self.config.to_str().expect("utf-8")]);
        idgated(&self.dir.path().join("no-pcscd"), &all)
    }
    fn import(&self, file: &Path) -> (i32, Vec<Value>, String) {
        let (code, out, err) = self.run(&["trust", "import", file.to_str().expect("utf-8")]);
        (code, out.lines().map(json).collect(), err)
    }
    fn stored(&self) -> usize {
        std::fs::read_dir(&self.store).expect("dir").count()
    }
}

#[test]
fn trust_import_refuses_a_self_signed_master_list_until_its_signer_chains_to_an_anchor() {
    use idgate_vpass::pki::master_list::{ID_CSCA_MASTER_LIST, sign_master_list};
    use idgate_vpass::pki::{Csca, KeyKind, valid_around};
    let now = SystemTime::now();
    let mut csca =
        Csca::generate("UT", "CSCA Utopia", KeyKind::EcdsaP256, valid_around(now)).expect("csca");
    let signer = csca
        .issue_master_list_signer("ML Signer Utopia", KeyKind::EcdsaP256, valid_around(now))
        .expect("signer");
    let other =
        Csca::generate("AA", "CSCA AA", KeyKind::EcdsaP256, valid_around(now)).expect("csca");
    // As real lists are: the signer's own CSCA in the list and in the SignedData.
    let list = sign_master_list(
        &signer,
        &[&csca.certificate, &other.certificate],
        &[&signer.certificate, &csca.certificate],
        ID_CSCA_MASTER_LIST,
    )
    .expect("list");
    let t = TrustDir::new();
    let file = t.dir.path().join("utopia.ml");
    std::fs::write(&file, &list).expect("write");

    // Nothing configured: the list cannot vouch for itself. One line says why, nothing is added.
    let (code, lines, err) = t.import(&file);
    assert_eq!(code, 2, "{lines:?}\n{err}");
    let why = lines[0]["refused"].as_str().expect("refused");
    assert!(why.starts_with("not trusted: "), "{why}");
    assert!(
        why.contains("does not chain to a trusted CSCA or a pinned master-list signer"),
        "{why}"
    );
    assert_eq!(lines[0]["added"].as_array().map(Vec::len), Some(0));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("refused: not trusted"), "{err}");
    assert_eq!(t.stored(), 0);

    // The country's CSCA, checked out of band and copied in: now the list is trusted.
    std::fs::write(
        t.store.join("utopia-csca.der"),
        csca.certificate_der().expect("der"),
    )
    .expect("write");
    let (code, lines, err) = t.import(&file);
    assert_eq!(code, 0, "{lines:?}\n{err}");
    let added = lines[0]["added"].as_array().expect("added");
    assert_eq!(added.len(), 1, "only the CSCA not stored yet: {lines:?}");
    assert_eq!(added[0]["country"], "AA");
}

#[test]
fn trust_import_adds_a_master_list_under_a_pinned_signer_refuses_a_tampered_one_and_verify_names_bad_cscas()
 {
    let ml = testdata(GERMAN_ML);
    let bytes = std::fs::read(&ml).expect("master list");
    let t = TrustDir::new();
    let lines = |out: &str| -> Vec<Value> { out.lines().map(json).collect() };

    // The German list carries its signer and the CSCA that issued it: alone it is not trusted.
    let (code, l, err) = t.import(&ml);
    assert_eq!(code, 2, "{l:?}\n{err}");
    assert!(
        l[0]["refused"]
            .as_str()
            .is_some_and(|r| r.starts_with("not trusted: ")),
        "{l:?}"
    );
    assert_eq!(t.stored(), 0);

    // The admin pins the master-list signer (after checking its fingerprint with the BSI).
    let (signer, _) = idgate_testbed::pki::carried(&bytes).expect("carried certificates");
    std::fs::write(
        t.store.join("de-ml-signer.pem"),
        der::EncodePem::to_pem(&signer, der::pem::LineEnding::LF).expect("pem"),
    )
    .expect("write");

    // A tampered list: refused with the reason, nothing added.
    let mut tampered_bytes = bytes.clone();
    let at = tampered_bytes.len() / 2;
    tampered_bytes[at] ^= 0x01;
    let tampered = t.dir.path().join("tampered.ml");
    std::fs::write(&tampered, &tampered_bytes).expect("write");
    let (code, l, err) = t.import(&tampered);
    assert_eq!(code, 2, "{l:?}\n{err}");
    assert!(l[0]["refused"].is_string(), "{l:?}");
    assert_eq!(l[0]["added"].as_array().map(Vec::len), Some(0));
    assert_eq!(t.stored(), 1, "only the pinned signer");

    // The real list: verified, every CSCA added and named.
    let (code, l, err) = t.import(&ml);
    assert_eq!(code, 0, "{l:?}\n{err}");
    let added = l[0]["added"].as_array().expect("added").clone();
    assert!(added.len() > 10, "{l:?}");
    assert!(
        added
            .iter()
            .all(|c| c["fingerprint"].as_str().is_some_and(|f| f.len() == 64))
    );
    assert!(added.iter().any(|c| c["country"] == "DE"), "{l:?}");

    // Listed as stored (the CSCAs and the pinned signer); importing again adds nothing new.
    let (code, out, _) = t.run(&["trust", "list"]);
    assert_eq!(code, 0);
    let listed = lines(&out);
    assert_eq!(listed.len(), added.len() + 1);
    assert_eq!(
        listed
            .iter()
            .filter(|c| c["role"] == "master_list_signer")
            .count(),
        1,
        "{out}"
    );
    let (code, l, _) = t.import(&ml);
    assert_eq!(code, 0);
    assert_eq!(l[0]["added"].as_array().map(Vec::len), Some(0));

    // Verify looks at each one; the list holds CSCAs expired long ago, named with the reason.
    let (code, out, _) = t.run(&["trust", "verify"]);
    let verdicts = lines(&out);
    assert_eq!(verdicts.len(), listed.len());
    let bad: Vec<_> = verdicts.iter().filter(|v| v["ok"] == false).collect();
    assert!(!bad.is_empty(), "{out}");
    assert_eq!(code, 2);
    assert!(
        bad.iter()
            .all(|v| v["problems"].as_array().is_some_and(|p| !p.is_empty())),
        "{out}"
    );
    assert!(
        bad.iter()
            .any(|v| v["problems"].to_string().contains("expired")),
        "{out}"
    );
}
