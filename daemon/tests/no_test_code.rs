//! The production daemon links no test code: neither the virtual passport (`idgate-vpass`) nor the
//! test bench (`idgate-testbed`) is among `idgated`'s normal dependencies, direct or transitive.
//! They belong to the simulator (`idgated-sim`) and to tests only.

use std::process::Command;

#[test]
fn the_daemon_depends_on_neither_the_virtual_passport_nor_the_test_bench() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            "idgated",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ])
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let packages: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // The tree is the real one: the daemon and the crates it does need are there.
    for needed in [
        "idgated",
        "idgate-emrtd",
        "idgate-flow",
        "idgate-face",
        "pcsc",
    ] {
        assert!(packages.contains(&needed), "{needed} missing from:\n{tree}");
    }
    for test_only in ["idgate-vpass", "idgate-testbed", "idgated-sim"] {
        assert!(
            !packages.contains(&test_only),
            "idgated links {test_only}:\n{tree}"
        );
    }
}
