//! Enrollment end to end: `nut-certutil enroll upsd` and `enroll upsmon` on the CA host write a
//! directory per new host; each is copied as is (`cp -a`) to the path it was made for, its
//! config lines pasted, and upsmon logs in over verified TLS with its client certificate at
//! CERTREQUEST REQUIRE: our upsmon with the store and the PEM variants, Debian's C upsmon
//! (NSS build) with the NSS variant.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rnut_tests::lifecycle::*;
use rnut_tests::monitor::{NutTree, Stack};

/// Enroll a host from the CA host's store into `made`, for `installed`, and copy it there.
fn enroll(pki: &CliPki, args: &[&str], made: &Path, installed: &Path) -> String {
    let mut all = vec!["-d", "srv_db", "enroll"];
    all.extend_from_slice(args);
    let made_s = made.to_str().expect("utf-8");
    let inst_s = installed.to_str().expect("utf-8");
    all.extend_from_slice(&["--out", made_s, "--install-dir", inst_s]);
    pki.certutil(&all);
    let ok = Command::new("cp")
        .args(["-a", made_s, inst_s])
        .status()
        .expect("cp");
    assert!(ok.success());
    let conf = std::fs::read_dir(installed)
        .expect("dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".conf.tls"))
        .expect("config lines");
    let mode = conf.metadata().expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the lines hold the password");
    if let Ok(m) = std::fs::metadata(installed.join("password")) {
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }
    std::fs::read_to_string(conf.path()).expect("read")
}

/// A stack whose upsd is an enrolled host (store variant, CN localhost, SAN 127.0.0.1).
fn enrolled_upsd(format: &str) -> (Stack, CliPki) {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let pki = CliPki::new(&stack.path().join("pki"));
    let lines = enroll(
        &pki,
        &[
            "upsd",
            "-c",
            CA,
            "--name",
            "localhost",
            "--san",
            "127.0.0.1",
            "--format",
            format,
        ],
        &stack.path().join("made-upsd"),
        &stack.path().join("upsd-host"),
    );
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!("LISTEN 127.0.0.1 {}\n{lines}", stack.port),
        0o640,
    );
    stack.start_driver();
    stack.start_upsd();
    (stack, pki)
}

fn our_upsmon_logs_in(format: &str) {
    let (stack, pki) = enrolled_upsd("store");
    let d = NutTree::for_upsmon();
    let lines = enroll(
        &pki,
        &[
            "upsmon",
            "-c",
            CA,
            "--name",
            "secondary.example",
            "--format",
            format,
            "--server",
            &format!("127.0.0.1:{}", stack.port),
            "--server-name",
            "localhost",
        ],
        &d.path().join("made"),
        &d.path().join("installed"),
    );
    assert!(
        lines.contains("CERTVERIFY 1") && lines.contains("FORCESSL 1"),
        "{lines}"
    );
    d.write_conf(&stack.primary_monitor(), &lines);
    let mut mon = upsmon_logged_in(&d);
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(
            "logged into UPS [dummy] (SSL) with certificate [CN=secondary.example]",
            Duration::from_secs(10)
        ),
        "{}",
        upsd.text()
    );
    mon.child.stop(Duration::from_secs(5));
}

#[test]
fn an_enrolled_store_lets_our_upsmon_log_in_at_require() {
    our_upsmon_logs_in("store");
}

#[test]
fn enrolled_pem_files_let_our_upsmon_log_in_at_require() {
    our_upsmon_logs_in("pem");
}

#[test]
fn an_enrolled_nss_database_lets_c_upsmon_log_in_at_require() {
    if !rnut_tests::require_tool("/lib/nut/upsmon") {
        return;
    }
    let _machine = rnut_tests::system_lock();
    let (stack, pki) = enrolled_upsd("store");
    let t = rnut_tests::private_tempdir();
    let mon = t.path().join("mon");
    let lines = enroll(
        &pki,
        &[
            "upsmon",
            "-c",
            CA,
            "--name",
            "c-secondary",
            "--format",
            "nss",
            "--server",
            &format!("localhost:{}", stack.port),
            "--server-name",
            "localhost",
        ],
        &t.path().join("made"),
        &mon,
    );
    rnut_tests::write_file(
        &mon.join("upsmon.conf"),
        &format!(
            "MONITOR dummy@localhost:{} 1 monc cpass primary\nMINSUPPLIES 1\n\
             SHUTDOWNCMD \"/bin/false\"\nPOLLFREQ 2\nPOWERDOWNFLAG {}/killpower\n{lines}",
            stack.port,
            mon.display()
        ),
        0o640,
    );
    let upsmon = rnut_tests::monitor::spawn_c_upsmon(&mon, "-D");
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(
            "logged into UPS [dummy] (SSL) with certificate [CN=c-secondary]",
            Duration::from_secs(30)
        ),
        "upsd: {}\nupsmon: {}",
        upsd.text(),
        upsmon.text()
    );
}

/// `--name` becomes a CN, a nickname and a quoted word of the config lines: anything but a host
/// name is refused before anything is written; a validity out of range is an error, never a
/// panic.
#[test]
fn a_bad_name_or_validity_is_refused_cleanly() {
    let t = rnut_tests::private_tempdir();
    let pki = CliPki::new(t.path());
    for bad in ["x,O=evil", "a\"b", "two words", "line\nbreak", ""] {
        let (code, _, err) = rnut_tests::certutil::certutil(
            &pki.root,
            &[
                "-d", "srv_db", "enroll", "upsmon", "-c", CA, "--name", bad, "--out", "out",
            ],
            "",
        );
        assert_ne!(code, 0, "{bad:?} accepted");
        assert!(err.contains("is not a host name"), "{bad:?}: {err}");
        assert!(!pki.root.join("out").exists());
    }
    // Validity out of range: a clear error, not a panic (enroll and renew alike).
    for args in [
        &[
            "-d",
            "srv_db",
            "enroll",
            "upsmon",
            "-c",
            CA,
            "--name",
            "h",
            "--out",
            "out",
            "--months",
            "4000000000",
        ][..],
        &["-d", "srv_db", "renew", "upsd", "--months", "4000000000"][..],
        &["-d", "srv_db", "renew", "upsd", "--months", "0"][..],
    ] {
        let (code, _, err) = rnut_tests::certutil::certutil(&pki.root, args, "");
        assert_eq!(code, 255, "{args:?}: {err}");
        assert!(err.contains("out of range"), "{args:?}: {err}");
    }
}
