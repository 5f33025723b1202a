//! The README's main-job command (`scripts/demo`) must stay true: it builds the binaries, makes
//! a certificate store with nut-certutil, starts dummy-ups and upsd with STARTTLS on loopback,
//! and reads the UPS over a verified TLS session. `--check` stops after that read.

use rnut_tests::{bin_dir, free_port, workspace_root};
use std::process::Command;

#[test]
fn demo_script_serves_the_ups_over_verified_tls() {
    bin_dir(); // build once, so the script's own build is a no-op
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let out = Command::new(workspace_root().join("scripts/demo"))
        .arg("--check")
        .env("RNUT_DEMO_DIR", dir.path())
        .env("RNUT_DEMO_PORT", port.to_string())
        .output()
        .expect("run scripts/demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/demo --check failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("demo: TLS check passed"),
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.contains("ups.status: OL"),
        "the UPS was read over TLS:\n{stdout}"
    );
    assert!(
        stdout.contains("rnut demo CA"),
        "the store lists the CA:\n{stdout}"
    );
    // The store and secrets are private.
    use std::os::unix::fs::PermissionsExt;
    let users = std::fs::metadata(dir.path().join("etc/upsd.users")).expect("upsd.users");
    assert_eq!(
        users.permissions().mode() & 0o007,
        0,
        "upsd.users must not be readable by others"
    );
}
