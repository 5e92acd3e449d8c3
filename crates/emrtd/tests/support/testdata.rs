//! Test files taken from other projects live outside the repository (provenance, licences and
//! checksums in `../shared/testdata/README.md`): in `IDGATE_TESTDATA` if set, else
//! `../shared/testdata` beside the repository, else `.idgate/testdata`, where `scripts/setup`
//! fetches them from their upstreams when `../shared` is absent.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

pub(crate) fn testdata_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("IDGATE_TESTDATA") {
        return PathBuf::from(dir);
    }
    let root = std::env::var_os("IDGATE_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").map(|d| PathBuf::from(d).join("../..")))
        .unwrap_or_default();
    let shared = root.join("../shared/testdata");
    if shared.is_dir() {
        shared
    } else {
        root.join(".idgate/testdata")
    }
}

/// The bytes of `rel` (e.g. `emrtd/jp2/monochrome.jp2`), read once per test process.
pub(crate) fn testdata(rel: &str) -> &'static [u8] {
    static LOADED: Mutex<Option<HashMap<String, &'static [u8]>>> = Mutex::new(None);
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    let map = loaded.get_or_insert_with(HashMap::new);
    if let Some(bytes) = map.get(rel) {
        return bytes;
    }
    let path = testdata_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "test file {}: {e} (run scripts/setup, or set IDGATE_TESTDATA)",
            path.display()
        )
    });
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    map.insert(rel.to_owned(), bytes);
    bytes
}
