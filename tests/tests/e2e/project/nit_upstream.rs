//! `scripts/nit-against-rnut`, which runs upstream NUT's integration suite (NIT:
//! `tests/NIT/nit.sh` of NUT's source) against rnut's binaries. NUT's source is never part of
//! this repository, and the package mirror CI reaches does not serve it (docs/NIT.md), so the
//! full NIT run is a documented manual step with its results in docs/NIT.md; what runs here is
//! the script's plumbing, on a stand-in nit.sh.

use std::process::Command;

use rnut_tests::{bin_dir, free_port, workspace_root};

/// The script's plumbing, checked where NUT's source is not at hand (CI): on a source tree
/// whose `tests/NIT/nit.sh` only reports what it sees, the programs nit.sh finds first are
/// rnut's, the port is passed through, and as root it runs as `nut`.
#[test]
fn the_script_puts_rnut_binaries_where_nit_looks() {
    let bins = bin_dir();
    let src = tempfile::tempdir().expect("tempdir");
    let nit = src.path().join("tests/NIT");
    std::fs::create_dir_all(&nit).expect("mkdir");
    // The search path nit.sh builds in a source tree: the build tree's own directories first.
    let probe = "#!/bin/sh\n\
                 top=\"$(cd ../.. && pwd)\"\n\
                 PATH=\"$top/clients:$top/drivers:$top/server:$PATH\"\n\
                 for p in upsd upsmon upsc upscmd upsrw upsdrvctl dummy-ups; do\n\
                 echo \"found $p $(readlink -f \"$(command -v $p)\")\"\n\
                 done\n\
                 echo \"user $(id -un) port $NUT_PORT\"\n\
                 echo '[INFO] OVERALL: PASSED=1 FAILED=0'\n";
    std::fs::write(nit.join("nit.sh"), probe).expect("write nit.sh");
    let port = free_port().to_string();
    let out = Command::new(workspace_root().join("scripts/nit-against-rnut"))
        .arg(src.path())
        .env("RNUT_BIN_DIR", bins)
        .env("NUT_PORT", &port)
        .output()
        .expect("run nit-against-rnut");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for p in [
        "upsd",
        "upsmon",
        "upsc",
        "upscmd",
        "upsrw",
        "upsdrvctl",
        "dummy-ups",
    ] {
        let ours = bins.join(p).canonicalize().expect("binary");
        assert!(
            text.contains(&format!("found {p} {}\n", ours.display())),
            "nit.sh does not find rnut's {p} first:\n{text}"
        );
    }
    let user = if rnut_tests::is_root() { "nut" } else { "" };
    assert!(text.contains(&format!("user {user}")), "{text}");
    assert!(text.contains(&format!("port {port}")), "{text}");
}
