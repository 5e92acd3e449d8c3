//! `scripts/setup` on a machine without `../shared`, offline: a copy of the script in a fresh tree
//! (no `../shared` beside it) downloads every model, specimen photo and third-party test file from
//! a local HTTP mirror (127.0.0.1 only) that serves them under their upstream file names, with
//! `IDGATE_MODEL_MIRROR` pointing at it. SFace arrives int8 and is folded by this crate's
//! `fold-sface`. What lands must be byte for byte what `../shared` holds, each model with its
//! licence notice; a mirror serving a wrong file makes setup fail with one line.
//!
//! The mirror is filled from this workplace's `../shared` (the same bytes as upstream: pinned
//! sha256 in scripts/setup), so this test needs `../shared` itself; the tree it installs into
//! does not see it.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn root() -> PathBuf {
    PathBuf::from(std::env::var_os("IDGATE_ROOT").expect("run through cargo (sets IDGATE_ROOT)"))
}

fn shared() -> PathBuf {
    let dir = root().join("../shared");
    assert!(
        dir.join("models/SHA256SUMS").is_file(),
        "this test fills its mirror from ../shared, not found at {}",
        dir.display()
    );
    dir
}

/// (upstream file name, the file in ../shared with those bytes).
fn mirror_files() -> Vec<(String, PathBuf)> {
    let s = shared();
    let mut files: Vec<(String, PathBuf)> = [
        (
            "yunet_s_dynamic.onnx",
            "models/face_detection_yunet_2023mar_dynamic.onnx",
        ),
        (
            "face_detection_yunet_2023mar.onnx",
            "models/face_detection_yunet_2023mar.onnx",
        ),
        (
            "face_recognition_sface_2021dec_int8bq.onnx",
            "models/face_recognition_sface_2021dec_int8bq.onnx",
        ),
        ("MiniFASNetV2.onnx", "models/2.7_80x80_MiniFASNetV2.onnx"),
        (
            "MiniFASNetV1SE.onnx",
            "models/4_0_0_80x80_MiniFASNetV1SE.onnx",
        ),
        ("obama.jpg", "faces/obama.jpg"),
        ("obama2.jpg", "faces/obama2.jpg"),
        ("obama-480p.jpg", "faces/obama-480p.jpg"),
        ("biden.jpg", "faces/biden.jpg"),
    ]
    .into_iter()
    .map(|(name, path)| (name.to_owned(), s.join(path)))
    .collect();
    for (rel, _) in testdata_files() {
        let name = rel.rsplit('/').next().unwrap_or(&rel).to_owned();
        files.push((name, s.join("testdata").join(&rel)));
    }
    files
}

/// The test files of ../shared/testdata, from its SHA256SUMS (relative path, sha256).
fn testdata_files() -> Vec<(String, String)> {
    let sums = std::fs::read_to_string(shared().join("testdata/SHA256SUMS")).expect("SHA256SUMS");
    sums.lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(sum, path)| (path.to_owned(), sum.to_owned()))
        .collect()
}

/// A directory of its own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("idgate-setup-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A static file server on 127.0.0.1: GET /NAME answers the file NAME of `dir` (or 404), and
/// records what was asked for. One connection at a time is enough for curl.
struct Mirror {
    base: String,
    served: Arc<Mutex<BTreeSet<String>>>,
}

impl Mirror {
    fn start(dir: PathBuf) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let served = Arc::new(Mutex::new(BTreeSet::new()));
        let log = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &dir, &log);
            }
        });
        Self { base, served }
    }
}

fn answer(mut stream: TcpStream, dir: &Path, log: &Mutex<BTreeSet<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Headers up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let name = request
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.strip_prefix('/'))
        .unwrap_or_default()
        .to_owned();
    let file = (!name.contains('/') && !name.is_empty())
        .then(|| std::fs::read(dir.join(&name)).ok())
        .flatten();
    match file {
        Some(body) => {
            if let Ok(mut l) = log.lock() {
                l.insert(name);
            }
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)?;
        }
        None => write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?,
    }
    stream.flush()
}

/// A fresh tree with only scripts/setup (and the ONNX Runtime wheel already in its cache, so
/// PyPI is not asked); `../shared` is not beside it.
fn fresh_tree(tmp: &Path) -> PathBuf {
    let repo = tmp.join("clone");
    std::fs::create_dir_all(repo.join("scripts")).expect("tree");
    std::fs::copy(root().join("scripts/setup"), repo.join("scripts/setup")).expect("setup");
    let cache = root().join(".idgate/cache");
    let wheel = std::fs::read_dir(&cache)
        .expect(".idgate/cache (run scripts/setup)")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("onnxruntime-"))
        .expect("the onnxruntime wheel in .idgate/cache (run scripts/setup)");
    std::fs::create_dir_all(repo.join(".idgate/cache")).expect("cache");
    std::fs::copy(
        wheel.path(),
        repo.join(".idgate/cache").join(wheel.file_name()),
    )
    .expect("wheel");
    assert!(!repo.join("../shared").exists());
    repo
}

fn run_setup(repo: &Path, mirror: &Mirror) -> Output {
    Command::new("bash")
        .arg(repo.join("scripts/setup"))
        .env("IDGATE_MODEL_MIRROR", &mirror.base)
        .env("IDGATE_FOLD_SFACE", env!("CARGO_BIN_EXE_fold-sface"))
        .env_remove("IDGATE_SHARED")
        .env_remove("IDGATE_MODELS_FROM")
        .output()
        .expect("run scripts/setup")
}

fn fill_mirror(dir: &Path) {
    for (name, from) in mirror_files() {
        std::fs::copy(&from, dir.join(&name)).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
}

#[test]
fn setup_installs_everything_from_a_mirror_of_the_upstreams() {
    let tmp = TempDir::new("mirror");
    let mirror_dir = tmp.0.join("mirror");
    std::fs::create_dir_all(&mirror_dir).expect("mirror dir");
    fill_mirror(&mirror_dir);
    let mirror = Mirror::start(mirror_dir);
    let repo = fresh_tree(&tmp.0);

    let out = run_setup(&repo, &mirror);
    let log = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "--- scripts/setup with IDGATE_MODEL_MIRROR={}\n{log}",
        mirror.base
    );
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Everything came from the mirror, and everything the mirror has was needed.
    let served = mirror.served.lock().expect("log").clone();
    let offered: BTreeSet<String> = mirror_files().into_iter().map(|(n, _)| n).collect();
    assert_eq!(served, offered);

    let s = shared();
    let same = |installed: PathBuf, reference: PathBuf| {
        let a =
            std::fs::read(&installed).unwrap_or_else(|e| panic!("{}: {e}", installed.display()));
        let b = std::fs::read(&reference).expect("reference");
        assert!(
            a == b,
            "{} differs from {}",
            installed.display(),
            reference.display()
        );
    };
    let models = repo.join(".idgate/models");
    for name in [
        "face_detection_yunet_2023mar_dynamic.onnx",
        "face_detection_yunet_2023mar.onnx",
        "face_recognition_sface_2021dec_fp32.onnx",
        "2.7_80x80_MiniFASNetV2.onnx",
        "4_0_0_80x80_MiniFASNetV1SE.onnx",
    ] {
        same(models.join(name), s.join("models").join(name));
        let notice = std::fs::read_to_string(models.join(format!("{name}.NOTICE")))
            .unwrap_or_else(|e| panic!("{name}.NOTICE: {e}"));
        assert!(notice.contains("License"), "{name}.NOTICE: {notice}");
    }
    let apache = std::fs::read_to_string(models.join("LICENSE-Apache-2.0")).expect("licence text");
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0"));
    for name in ["obama.jpg", "obama2.jpg", "obama-480p.jpg", "biden.jpg"] {
        same(
            repo.join(".idgate/specimen").join(name),
            s.join("faces").join(name),
        );
    }
    for (rel, _) in testdata_files() {
        same(
            repo.join(".idgate/testdata").join(&rel),
            s.join("testdata").join(&rel),
        );
    }
    assert!(repo.join(".idgate/onnxruntime/libonnxruntime.so").exists());

    // A second run finds everything in place and downloads nothing.
    mirror.served.lock().expect("log").clear();
    let again = run_setup(&repo, &mirror);
    assert!(again.status.success());
    assert!(mirror.served.lock().expect("log").is_empty());
}

#[test]
fn a_file_with_the_wrong_checksum_fails_setup_with_one_line() {
    let tmp = TempDir::new("mismatch");
    let mirror_dir = tmp.0.join("mirror");
    std::fs::create_dir_all(&mirror_dir).expect("mirror dir");
    fill_mirror(&mirror_dir);
    // One flipped byte in the first model setup fetches.
    let victim = mirror_dir.join("yunet_s_dynamic.onnx");
    let mut bytes = std::fs::read(&victim).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&victim, &bytes).expect("write");
    let mirror = Mirror::start(mirror_dir);
    let repo = fresh_tree(&tmp.0);

    let out = run_setup(&repo, &mirror);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- stderr of the failing setup\n{stderr}");
    assert!(!out.status.success());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("setup: error: checksum mismatch:")
            && lines[0].contains("yunet_s_dynamic.onnx")
            && lines[0].contains(
                "expected daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3"
            ),
        "{}",
        lines[0]
    );
    // Nothing half-installed under the model's name.
    let models = repo.join(".idgate/models");
    assert!(
        !models
            .join("face_detection_yunet_2023mar_dynamic.onnx")
            .exists()
    );
    assert!(
        !models
            .join("face_detection_yunet_2023mar_dynamic.onnx.part")
            .exists()
    );
}
