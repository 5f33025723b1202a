//! The TLS matrix of the clients against our upsd with a CERTFILE: CERTHOST name match and
//! mismatch, an untrusted CA, certverify 0, a client certificate at CERTREQUEST REQUIRE,
//! upsmon over STARTTLS (`[SSL]` in its log), and dummy-ups' repeater mode over STARTTLS.

use std::path::Path;
use std::time::Duration;

use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;
use rnut_tests::drivers::{RawReader, dump_value};
use rnut_tests::malleate::reencode_p256_signature;
use rnut_tests::monitor::*;
use rnut_tests::pki::TestPki;

fn tls_stack(extra: &str) -> (Stack, TestPki) {
    tls_stack_with(extra, |pki| pki.file("upsd.pem"))
}

/// [`tls_stack`] with upsd's CERTFILE chosen by `certfile`.
fn tls_stack_with(extra: &str, certfile: impl FnOnce(&TestPki) -> String) -> (Stack, TestPki) {
    // The PKI lives in the stack's directory, as long as the test.
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let pki = TestPki::in_dir(&stack.path().join("pki"));
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTFILE {}\n{extra}",
            stack.port,
            certfile(&pki)
        ),
        0o640,
    );
    stack.start();
    (stack, pki)
}

fn upsc(args: &[&str]) -> std::process::Output {
    run_tool_env("upsc", args, &[("RUST_LOG", "info")])
}

#[test]
fn certhost_name_match_mismatch_untrusted_ca_and_certverify_0() {
    let (stack, pki) = tls_stack("");
    let sys = stack.system();
    let hostport = format!("127.0.0.1:{}", stack.port);
    let ca = pki.file("ca.pem");

    // Verified chain, host name checked against the SAN.
    let o = upsc(&["--certpath", &ca, "--certverify", &sys, "ups.status"]);
    assert_eq!(stdout(&o), "OL\n", "{}", stderr(&o));
    assert!(stderr(&o).contains("in SSL"), "{}", stderr(&o));

    // CERTHOST certname matching the certificate's CN.
    let o = upsc(&[
        "--certpath",
        &ca,
        "--certhost",
        &hostport,
        "My nut server",
        "1",
        "1",
        &sys,
        "ups.status",
    ]);
    assert_eq!(stdout(&o), "OL\n", "CERTHOST match: {}", stderr(&o));

    // CERTHOST certname that the certificate does not carry.
    let o = upsc(&[
        "--certpath",
        &ca,
        "--certhost",
        &hostport,
        "other.example",
        "1",
        "1",
        &sys,
        "ups.status",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("Error: SSL error:"),
        "mismatch: {}",
        stderr(&o)
    );

    // A CA that did not issue the server certificate.
    let rogue = pki.file("rogue-ca.pem");
    let o = upsc(&["--certpath", &rogue, "--certverify", &sys, "ups.status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Error: SSL error:"),
        "untrusted CA: {}",
        stderr(&o)
    );

    // certverify 0 in the CERTHOST row: encrypted, not verified, even with the wrong CA/name.
    let o = upsc(&[
        "--certpath",
        &rogue,
        "--certhost",
        &hostport,
        "other.example",
        "0",
        "1",
        &sys,
        "ups.status",
    ]);
    assert_eq!(stdout(&o), "OL\n", "certverify 0: {}", stderr(&o));
    assert!(
        stderr(&o).contains("Certificate verification (by client) is disabled"),
        "{}",
        stderr(&o)
    );

    // The same from an upsmon.conf-style file.
    let conf = stack.path().join("tls-client.conf");
    rnut_tests::write_file(
        &conf,
        &format!("CERTPATH {ca}\nCERTHOST {hostport} \"My nut server\" 1 1\n"),
        0o600,
    );
    let o = upsc(&["-C", conf.to_str().unwrap(), &sys, "ups.status"]);
    assert_eq!(stdout(&o), "OL\n", "{}", stderr(&o));
}

/// `upsc --certverify --forcessl` refuses a distrusted server certificate re-encoded as
/// (r, n-s): same issuer and serial, still a valid signature, other bytes. Distrust goes by
/// issuer + serial, not by fingerprint.
#[test]
fn upsc_refuses_a_re_encoded_distrusted_server_certificate() {
    let mut issued = Vec::new();
    let (stack, pki) = tls_stack_with("", |pki| {
        let (file, der) = pki.server_certfile(
            "forged.pem",
            "CN=My nut server,O=rnut",
            &["localhost", "127.0.0.1"],
            |der| reencode_p256_signature(&der),
        );
        issued = der;
        file
    });
    let sys = stack.system();
    // The re-encoded certificate is served and verifies through its CA.
    let ca = pki.file("ca.pem");
    let o = upsc(&[
        "--certpath",
        &ca,
        "--certverify",
        "--forcessl",
        &sys,
        "ups.status",
    ]);
    assert_eq!(
        stdout(&o),
        "OL\n",
        "the re-encoded certificate verifies: {}",
        stderr(&o)
    );
    // A client store that trusts the CA and distrusts the certificate as issued.
    let db = stack.path().join("client-db");
    let mut store = Store::create_with_kdf(&db, "", 1000).expect("store");
    store.unlock("").expect("unlock");
    store
        .add_certificate("CA", &pki.ca_der, "C,,".parse::<TrustFlags>().expect("t"))
        .expect("ca");
    store
        .add_certificate("upsd", &issued, "p,,".parse::<TrustFlags>().expect("t"))
        .expect("distrusted");
    drop(store);
    let db = db.to_str().expect("utf-8").to_string();
    let o = upsc(&[
        "--certpath",
        &db,
        "--certverify",
        "--forcessl",
        &sys,
        "ups.status",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "a re-encoded distrusted server was read");
    assert!(
        stderr(&o).contains("'My nut server' is explicitly distrusted (p flag)"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("OtherError"),
        "rustls's debug form reached the user: {}",
        stderr(&o)
    );
}

/// Server names match as NSS matches them, checked by real handshakes with upsc: with a
/// subjectAltName the CN is ignored; no wildcard matches an IP address; the CN-prefix fallback
/// is for a CERTHOST certname, never for the MONITOR host.
#[test]
fn server_names_match_as_nss_does() {
    // (subject, SANs, MONITOR host, the CERTHOST certname that still matches, if any)
    let cases: [(&str, &[&str], &str, Option<&str>); 3] = [
        ("CN=localhost.", &["dns:other.example"], "localhost", None),
        ("CN=*.0.0.1", &[], "127.0.0.1", None),
        (
            "CN=localhost/evil.example",
            &[],
            "localhost",
            Some("localhost"),
        ),
    ];
    for (subject, sans, host, certname) in cases {
        let (stack, pki) = tls_stack_with("", |pki| {
            pki.server_certfile("odd.pem", subject, sans, |der| der).0
        });
        let ca = pki.file("ca.pem");
        let sys = format!("dummy@{host}:{}", stack.port);
        let o = upsc(&[
            "--certpath",
            &ca,
            "--certverify",
            "--forcessl",
            &sys,
            "ups.status",
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{subject} for {host}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(&format!("does not match host name '{host}'")),
            "{subject} for {host}: {}",
            stderr(&o)
        );
        let hostport = format!("{host}:{}", stack.port);
        let name = certname.unwrap_or(host);
        let o = upsc(&[
            "--certpath",
            &ca,
            "--certhost",
            &hostport,
            name,
            "1",
            "1",
            &sys,
            "ups.status",
        ]);
        let matched = stdout(&o) == "OL\n";
        assert_eq!(
            matched,
            certname.is_some(),
            "{subject}, CERTHOST {name}: {}",
            stderr(&o)
        );
    }
}

/// NUT's security guide, OpenSSL flavour, verbatim but for `-subj` (no prompts): `openssl req
/// -new -x509 -nodes` makes a CA:TRUE certificate on OpenSSL 3, copied as `<hash>.0` into the
/// client's CERTPATH. upsc trusts it as that exact peer, still checking its name.
#[test]
fn upsc_trusts_the_guides_self_signed_openssl_certificate_as_that_peer() {
    if !rnut_tests::require_tool("openssl") {
        return;
    }
    let mut certs = String::new();
    let (stack, _pki) = tls_stack_with("", |pki| {
        let run = |args: &[&str]| {
            let o = std::process::Command::new("openssl")
                .args(args)
                .current_dir(pki.dir())
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run openssl");
            assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
            stdout(&o)
        };
        run(&[
            "req",
            "-new",
            "-x509",
            "-nodes",
            "-out",
            "upsd.crt",
            "-keyout",
            "upsd.key",
            "-days",
            "365",
            "-subj",
            "/CN=localhost/O=MyCompany/C=US",
        ]);
        let text = run(&["x509", "-in", "upsd.crt", "-noout", "-text"]);
        assert!(text.contains("CA:TRUE"), "OpenSSL 3 makes it a CA: {text}");
        let hash = run(&["x509", "-hash", "-noout", "-in", "upsd.crt"]);
        let dir = pki.dir().join("certs");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let crt = std::fs::read_to_string(pki.dir().join("upsd.crt")).expect("crt");
        rnut_tests::write_file(&dir.join(format!("{}.0", hash.trim())), &crt, 0o644);
        let key = std::fs::read_to_string(pki.dir().join("upsd.key")).expect("key");
        rnut_tests::write_file(&pki.dir().join("guide.pem"), &(crt + &key), 0o640);
        certs = dir.to_str().expect("utf-8").to_string();
        pki.file("guide.pem")
    });
    let sys = format!("dummy@localhost:{}", stack.port);
    let o = upsc(&[
        "--certpath",
        &certs,
        "--certverify",
        "--forcessl",
        &sys,
        "ups.status",
    ]);
    assert_eq!(stdout(&o), "OL\n", "{}", stderr(&o));
    // The name is still checked: the certificate is for localhost, not 127.0.0.1.
    let o = upsc(&[
        "--certpath",
        &certs,
        "--certverify",
        "--forcessl",
        &stack.system(),
        "ups.status",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not match host name '127.0.0.1'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn client_certificate_at_certrequest_require() {
    let (mut stack, pki) = tls_stack("");
    // Restart upsd requiring client certificates from our CA.
    stack.stop_upsd();
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTFILE {}\nCERTPATH {}\nCERTREQUEST REQUIRE\n",
            stack.port,
            pki.file("upsd.pem"),
            pki.file("ca.pem")
        ),
        0o640,
    );
    stack.start_upsd();
    let sys = stack.system();
    let ca = pki.file("ca.pem");
    let ok = rnut_tests::wait_until(Duration::from_secs(15), || {
        upsc(&[
            "--certpath",
            &ca,
            "--certverify",
            "--certfile",
            &pki.file("client.pem"),
            &sys,
            "ups.status",
        ])
        .status
        .success()
    });
    assert!(ok, "a client presenting its certificate is served");
    let o = upsc(&["--certpath", &ca, "--certverify", &sys, "ups.status"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "without a client certificate: {}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("Error: SSL error:"), "{}", stderr(&o));
}

#[test]
fn upsmon_over_starttls_logs_ssl() {
    let (stack, pki) = tls_stack("");
    let d = NutTree::for_upsmon();
    d.write_conf(
        &stack.primary_monitor(),
        &format!(
            "CERTPATH {}\nCERTHOST 127.0.0.1:{} \"My nut server\" 1 1\n",
            pki.file("ca.pem"),
            stack.port
        ),
    );
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        mon.wait_log("[SSL]", Duration::from_secs(20)),
        "{}",
        mon.text()
    );
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("(SSL)", Duration::from_secs(5)),
        "upsd logs the login as SSL"
    );
    mon.child.stop(Duration::from_secs(5));
    assert_eq!(d.shutdown_count(), 0);
}

/// Add a repeater section `[name]` mirroring the stack's UPS to its ups.conf; `tls` is the
/// content of its `tlsconfig` file (none: the option is left out).
fn add_repeater(stack: &Stack, name: &str, target: &str, tls: Option<&str>) {
    let conf = stack.path().join("conf");
    let mut section =
        format!("[{name}]\n\tdriver = dummy-ups\n\tport = {target}\n\tpollinterval = 1\n");
    if let Some(text) = tls {
        rnut_tests::write_file(&conf.join(format!("{name}-tls.conf")), text, 0o640);
        section.push_str(&format!("\ttlsconfig = {name}-tls.conf\n"));
    }
    let mut ups_conf = std::fs::read_to_string(conf.join("ups.conf")).expect("ups.conf");
    ups_conf.push_str(&section);
    rnut_tests::write_file(&conf.join("ups.conf"), &ups_conf, 0o640);
}

fn repeater_socket(stack: &Stack, name: &str) -> std::path::PathBuf {
    stack.path().join(format!("state/dummy-ups-{name}"))
}

fn wait_socket(p: &Path) {
    assert!(
        rnut_tests::wait_for_unix(p, Duration::from_secs(20)),
        "{} appears",
        p.display()
    );
}

#[test]
fn repeater_tries_starttls_and_verifies_with_its_tlsconfig() {
    let (stack, pki) = tls_stack("");
    let sys = stack.system();
    // Verified: the CA of the server, CERTVERIFY and FORCESSL from the tlsconfig file.
    add_repeater(
        &stack,
        "verified",
        &sys,
        Some(&format!(
            "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
            pki.file("ca.pem")
        )),
    );
    // No tlsconfig: STARTTLS tried all the same (C dummy-ups' UPSCLI_CONN_TRYSSL).
    add_repeater(&stack, "trying", &sys, None);
    let verified = Logged::spawn("repeater", &mut stack.dummy_ups_command("verified"));
    let trying = Logged::spawn("repeater", &mut stack.dummy_ups_command("trying"));
    for (name, log) in [("verified", &verified), ("trying", &trying)] {
        let sock = repeater_socket(&stack, name);
        wait_socket(&sock);
        let dump = RawReader::connect(&sock).dump_all();
        assert_eq!(
            dump_value(&dump, "ups.status").as_deref(),
            Some("OL"),
            "{name}"
        );
        assert_eq!(
            dump_value(&dump, "driver.parameter.mode").as_deref(),
            Some("repeater")
        );
        assert!(
            log.wait_log(&format!("connected to {sys} (SSL)"), Duration::from_secs(5)),
            "{name}: {}",
            log.text()
        );
    }
    assert!(
        trying
            .text()
            .contains("Certificate verification (by client) is disabled"),
        "the unverified session says so: {}",
        trying.text()
    );
    assert!(
        !verified
            .text()
            .contains("verification (by client) is disabled")
    );
    let upsd = stack.upsd.as_ref().expect("upsd");
    let handshakes = upsd
        .text()
        .matches("SSL handshake done successfully with client 127.0.0.1")
        .count();
    assert!(
        handshakes >= 2,
        "upsd saw {handshakes} TLS sessions: {}",
        upsd.text()
    );
}

#[test]
fn repeater_refuses_an_untrusted_server_and_a_server_without_tls() {
    let (stack, pki) = tls_stack("");
    // A CA that did not issue upsd's certificate: the driver stops at start, nothing served.
    add_repeater(
        &stack,
        "rogue",
        &stack.system(),
        Some(&format!(
            "CERTPATH {}\nCERTVERIFY 1\n",
            pki.file("rogue-ca.pem")
        )),
    );
    let mut rogue = Logged::spawn("repeater", &mut stack.dummy_ups_command("rogue"));
    let status = rogue.child.wait_exit(Duration::from_secs(30));
    assert!(
        status.is_some_and(|s| !s.success()),
        "exits with an error: {status:?}"
    );
    let text = rogue.text();
    assert!(text.contains("SSL error"), "{text}");
    assert!(text.contains("repeater_disable_strict_start"), "{text}");
    assert!(!repeater_socket(&stack, "rogue").exists());

    // FORCESSL against a server without STARTTLS: only STARTTLS is ever sent.
    let plain = ScriptServer::start(|line| {
        common_reply(line).unwrap_or_else(|| vec!["ERR UNKNOWN-COMMAND".to_string()])
    });
    add_repeater(
        &stack,
        "forced",
        &format!("dummy@127.0.0.1:{}", plain.port()),
        Some("FORCESSL 1\n"),
    );
    let mut forced = Logged::spawn("repeater", &mut stack.dummy_ups_command("forced"));
    let status = forced.child.wait_exit(Duration::from_secs(30));
    assert!(
        status.is_some_and(|s| !s.success()),
        "exits with an error: {status:?}"
    );
    assert!(
        forced.text().contains("SSL is not available"),
        "{}",
        forced.text()
    );
    assert_eq!(plain.lines(), vec!["STARTTLS".to_string()]);
}

#[test]
fn repeater_reads_its_tls_files_once_and_reconnects_with_them() {
    let (mut stack, pki) = tls_stack("");
    let sys = stack.system();
    // The CA the repeater trusts, in a file that is gone after the start (as a root-only
    // CERTPATH is, once a driver has dropped to its -u user).
    let ca = stack.path().join("conf/repeater-ca.pem");
    std::fs::copy(pki.file("ca.pem"), &ca).expect("copy CA");
    add_repeater(
        &stack,
        "once",
        &sys,
        Some(&format!(
            "CERTPATH {}\nCERTVERIFY 1\nFORCESSL 1\n",
            ca.display()
        )),
    );
    let rep = Logged::spawn("repeater", &mut stack.dummy_ups_command("once"));
    wait_socket(&repeater_socket(&stack, "once"));
    let line = format!("connected to {sys} (SSL)");
    assert!(
        rep.wait_log(&line, Duration::from_secs(5)),
        "{}",
        rep.text()
    );
    std::fs::remove_file(&ca).expect("remove CA");
    // upsd restarts: the repeater loses its session and makes a new one, verified with the
    // CA it read at start.
    stack.stop_upsd();
    stack.start_upsd();
    assert!(
        rnut_tests::wait_until(Duration::from_secs(20), || rep
            .text()
            .matches(&line)
            .count()
            >= 2),
        "{}",
        rep.text()
    );
    let dump = RawReader::connect(&repeater_socket(&stack, "once")).dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
}
