//! The TLS matrix of the clients against our upsd with a CERTFILE: CERTHOST name match and
//! mismatch, an untrusted CA, certverify 0, a client certificate at CERTREQUEST REQUIRE, and
//! upsmon over STARTTLS (`[SSL]` in its log).

mod monitor_support;

use std::time::Duration;

use monitor_support::pki::Pki;
use monitor_support::*;

fn tls_stack(extra: &str) -> (Stack, Pki) {
    // The PKI lives in the stack's directory, as long as the test.
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let pki = Pki::new(&stack.path().join("pki"));
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTFILE {}\n{extra}",
            stack.port,
            pki.file("upsd.pem")
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
    let d = MonDir::new();
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
