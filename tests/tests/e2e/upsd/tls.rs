//! STARTTLS: identity from our store (CERTPATH + CERTIDENT) or a PEM CERTFILE, every
//! CERTREQUEST level, ALREADY-SSL-MODE / FEATURE-NOT-CONFIGURED, the STARTTLS injection flaw
//! closed, a stalled handshake that blocks nobody else, TLS configuration errors that stop
//! upsd instead of falling back to plaintext, and a renewed certificate taken on SIGHUP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pki::{CertProfile, CertRole, issue};
use rnut_tests::malleate::reencode_p256_signature;
use rnut_tests::upsd::pki::{
    SERVER_NICK, STORE_PASSWORD, TestPki, TlsClient, add_to_store, read_plain_line, store_conf,
    store_setup, store_setup_with,
};
use rnut_tests::upsd::*;

#[test]
fn starttls_with_store_identity() {
    let (_d, pki, _drv, u) = store_setup("");
    let mut t = TlsClient::connect(u.addr, pki.client_config(None)).expect("TLS session");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
    assert_eq!(
        t.cmd("GET VAR test ups.status").unwrap(),
        "VAR test ups.status \"OL\""
    );
    assert_eq!(t.cmd("STARTTLS").unwrap(), "ERR ALREADY-SSL-MODE");
    assert_eq!(t.cmd("USERNAME monp").unwrap(), "OK");
    assert_eq!(t.cmd("PASSWORD \"P@ss W0rd\"").unwrap(), "OK");
    assert_eq!(t.cmd("LOGIN test").unwrap(), "OK");
    assert!(
        u.wait_log(
            "User monp@127.0.0.1 logged into UPS [test] (SSL)",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
    assert_eq!(t.cmd("LIST UPS").unwrap(), "BEGIN LIST UPS");
    assert_eq!(t.line().unwrap(), "UPS test \"Description unavailable\"");
    assert_eq!(t.line().unwrap(), "END LIST UPS");
    assert_eq!(t.cmd("LOGOUT").unwrap(), "OK Goodbye");
    // Plaintext clients keep working on the same server.
    assert_eq!(u.client().cmd("PROTVER"), "1.3");
    assert!(
        !u.log_text().contains(STORE_PASSWORD),
        "the store password reached the log"
    );
}

#[test]
fn bytes_pipelined_after_starttls_are_never_run_as_plaintext() {
    let (_d, _pki, _drv, u) = store_setup("");
    let mut s = TcpStream::connect(u.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(b"STARTTLS\nVER\nGET VAR test ups.status\n")
        .expect("write");
    assert_eq!(read_plain_line(&mut s), "OK STARTTLS");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let text = String::from_utf8_lossy(&rest);
    assert!(
        !text.contains("Network UPS Tools"),
        "VER was answered in plaintext: {text:?}"
    );
    assert!(
        !text.contains("VAR test"),
        "GET VAR was answered in plaintext: {text:?}"
    );
    assert!(
        u.wait_log(
            "STARTTLS with client 127.0.0.1 failed",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
}

/// Credentials given in plaintext before STARTTLS (perhaps injected on the path) do not
/// carry over: inside TLS the client sets its own.
#[test]
fn plaintext_credentials_do_not_survive_starttls() {
    let (_d, pki, _drv, u) = store_setup("");
    let mut s = TcpStream::connect(u.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(b"USERNAME intruder\nPASSWORD x\n")
        .expect("write");
    assert_eq!(read_plain_line(&mut s), "OK");
    assert_eq!(read_plain_line(&mut s), "OK");
    let mut t = TlsClient::over(s, pki.client_config(None)).expect("TLS");
    assert_eq!(t.cmd("USERNAME monp").unwrap(), "OK");
    assert_eq!(t.cmd("PASSWORD \"P@ss W0rd\"").unwrap(), "OK");
    assert_eq!(t.cmd("LOGIN test").unwrap(), "OK");
}

#[test]
fn a_stalled_handshake_blocks_nobody_else() {
    let (_d, _pki, _drv, u) = store_setup("");
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(u.addr).expect("connect");
        s.write_all(b"STARTTLS\n").expect("write");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        assert_eq!(read_plain_line(&mut s), "OK STARTTLS");
        stalled.push(s);
    }
    let mut c = u.client();
    let t = Instant::now();
    for _ in 0..50 {
        assert_eq!(c.cmd("GET VAR test ups.load"), "VAR test ups.load \"23\"");
    }
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "other clients were slowed: {:?}",
        t.elapsed()
    );
    drop(stalled);
}

#[test]
fn certrequest_require() {
    let (_d, pki, _drv, u) = store_setup("CERTREQUEST REQUIRE");
    // Without a certificate: refused (during the handshake with TLS 1.2, on the first read with 1.3).
    let anon =
        TlsClient::connect(u.addr, pki.client_config(None)).and_then(|mut t| t.cmd("PROTVER"));
    assert!(
        anon.is_err(),
        "a client without certificate was served: {anon:?}"
    );
    // An untrusted certificate: refused.
    let rogue = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.rogue_der, &pki.rogue_key))),
    )
    .and_then(|mut t| t.cmd("PROTVER"));
    assert!(
        rogue.is_err(),
        "an untrusted client certificate was accepted: {rogue:?}"
    );
    // A certificate from the trusted CA: served, and its subject logged.
    let mut t = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.client_der, &pki.client_key))),
    )
    .expect("TLS with cert");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
    assert!(
        u.wait_log("upsmon client", Duration::from_secs(5)),
        "client certificate subject not logged: {}",
        u.log_text()
    );
}

/// Distrust keys on issuer + serial, never on bytes: the distrusted client certificate with
/// its ECDSA signature re-encoded as (r, n-s) (the signed part unchanged, so it still verifies;
/// the DER and fingerprint differ) is refused at CERTREQUEST REQUIRE.
#[test]
fn a_re_encoded_distrusted_client_certificate_is_refused_at_require() {
    let pki = TestPki::new();
    let distrusted = pki.client_der.clone();
    let (_d, pki, _drv, u) = store_setup_with(pki, "CERTREQUEST REQUIRE", move |store| {
        add_to_store(store, "upsmon client", &distrusted, "p,,")
    });
    let forged = reencode_p256_signature(&pki.client_der);
    for (what, der) in [("original", &pki.client_der), ("re-encoded", &forged)] {
        let r = TlsClient::connect(u.addr, pki.client_config(Some((der, &pki.client_key))))
            .and_then(|mut t| t.cmd("PROTVER"));
        assert!(
            r.is_err(),
            "the {what} distrusted certificate was served: {r:?}"
        );
    }
    assert!(
        u.wait_log(
            "client certificate 'upsmon client' is explicitly distrusted (p flag)",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
}

/// A client chain through a distrusted sub-CA, the sub-CA re-encoded as (r, n-s), is refused:
/// the sub-CA is matched by issuer + serial (and its key), not by its bytes.
#[test]
fn a_chain_through_a_re_encoded_distrusted_sub_ca_is_refused_at_require() {
    let pki = TestPki::new();
    let key = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let sub_key = key();
    let sub = issue(
        &sub_key,
        "CN=rnut sub CA,O=rnut",
        &CertProfile::for_months(CertRole::Ca { path_len: Some(0) }, 12),
        &pki.ca_der,
        &pki.ca_key,
    )
    .expect("sub CA");
    let leaf_key = key();
    let leaf = issue(
        &leaf_key,
        "CN=minted client,O=rnut",
        &CertProfile::for_months(CertRole::Client, 12),
        &sub,
        &sub_key,
    )
    .expect("leaf");
    let distrusted = sub.clone();
    let (_d, pki, _drv, u) = store_setup_with(pki, "CERTREQUEST REQUIRE", move |store| {
        add_to_store(store, "rnut sub CA", &distrusted, "p,,")
    });
    let forged = reencode_p256_signature(&sub);
    for (what, sub_der) in [("original", &sub), ("re-encoded", &forged)] {
        let config =
            pki.client_config_chain(Some((vec![leaf.clone(), sub_der.clone()], &leaf_key)));
        let r = TlsClient::connect(u.addr, config).and_then(|mut t| t.cmd("PROTVER"));
        assert!(
            r.is_err(),
            "a chain through the {what} distrusted sub-CA was served: {r:?}"
        );
    }
    assert!(
        u.wait_log(
            "issuer 'CN=rnut sub CA,O=rnut' is explicitly distrusted (p flag)",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
}

#[test]
fn certrequest_request() {
    let (_d, pki, _drv, u) = store_setup("CERTREQUEST 1");
    let mut anon = TlsClient::connect(u.addr, pki.client_config(None)).expect("TLS without cert");
    assert_eq!(anon.cmd("PROTVER").unwrap(), "1.3");
    let mut t = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.client_der, &pki.client_key))),
    )
    .expect("TLS with cert");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
    assert!(
        u.wait_log("upsmon client", Duration::from_secs(5)),
        "{}",
        u.log_text()
    );
    // rnut verifies what is sent, even at REQUEST.
    let rogue = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.rogue_der, &pki.rogue_key))),
    )
    .and_then(|mut t| t.cmd("PROTVER"));
    assert!(
        rogue.is_err(),
        "an untrusted client certificate was accepted: {rogue:?}"
    );
}

#[test]
fn certrequest_no_ignores_client_certificates() {
    let (_d, pki, _drv, u) = store_setup("CERTREQUEST NO");
    let mut t = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.rogue_der, &pki.rogue_key))),
    )
    .expect("TLS");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
    assert!(!u.log_text().contains("rogue client"));
}

#[test]
fn starttls_with_pem_certfile_and_ca_bundle() {
    let pki = TestPki::new();
    let d = NutTree::new();
    let certfile = d.conf().join("upsd.pem");
    pki.write_certfile(&certfile);
    let bundle = pki.write_ca_bundle(&d.conf().join("ca.pem"));
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nCERTFILE {}\nCERTPATH {}\nCERTREQUEST 2\nDISABLE_WEAK_SSL true\n",
        rnut_tests::free_port(),
        certfile.display(),
        bundle.display()
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    let mut t = TlsClient::connect(
        u.addr,
        pki.client_config(Some((&pki.client_der, &pki.client_key))),
    )
    .expect("TLS");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
    let anon =
        TlsClient::connect(u.addr, pki.client_config(None)).and_then(|mut t| t.cmd("PROTVER"));
    assert!(anon.is_err());
}

/// SIGHUP re-reads the TLS identity: a renewed certificate (here from another CA) serves new
/// STARTTLS sessions, a session opened before keeps going, a new CERTREQUEST applies, and a
/// store that no longer opens, or TLS lines gone from upsd.conf, keep the identity in force
/// instead of dropping TLS.
#[test]
fn sighup_serves_a_renewed_certificate_and_keeps_live_tls_sessions() {
    let (d, old_pki, _drv, u) = store_setup("");
    let mut live = TlsClient::connect(u.addr, old_pki.client_config(None)).expect("TLS session");
    assert_eq!(live.cmd("PROTVER").unwrap(), "1.3");

    let store = d.path().join("certdb");
    let new_pki = TestPki::new();
    std::fs::remove_dir_all(&store).expect("remove the old store");
    new_pki.write_store(&store);
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        u.wait_log("Configuration reloaded", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    let old_trust = TlsClient::connect(u.addr, old_pki.client_config(None));
    assert!(
        old_trust.is_err(),
        "the replaced certificate is still served"
    );
    let mut renewed =
        TlsClient::connect(u.addr, new_pki.client_config(None)).expect("renewed certificate");
    assert_eq!(
        renewed.cmd("GET VAR test ups.status").unwrap(),
        "VAR test ups.status \"OL\""
    );
    assert_eq!(
        live.cmd("GET VAR test ups.load").unwrap(),
        "VAR test ups.load \"23\"",
        "the session opened before the reload was dropped"
    );

    // A new CERTREQUEST level applies to the next handshakes.
    d.write_upsd_conf(&store_conf(
        u.addr.port(),
        &store,
        STORE_PASSWORD,
        "CERTREQUEST REQUIRE",
    ));
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        wait_for_count(&u, "Configuration reloaded", 2),
        "{}",
        u.log_text()
    );
    let anon =
        TlsClient::connect(u.addr, new_pki.client_config(None)).and_then(|mut t| t.cmd("PROTVER"));
    assert!(
        anon.is_err(),
        "CERTREQUEST REQUIRE was not applied: {anon:?}"
    );
    let client = (new_pki.client_der.as_slice(), &new_pki.client_key);
    let mut with_cert =
        TlsClient::connect(u.addr, new_pki.client_config(Some(client))).expect("client cert");
    assert_eq!(with_cert.cmd("PROTVER").unwrap(), "1.3");

    // A wrong store password: the reload fails and the identity in force stays.
    d.write_upsd_conf(&store_conf(
        u.addr.port(),
        &store,
        "not the password",
        "CERTREQUEST REQUIRE",
    ));
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        u.wait_log("reload failed", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    let mut still = TlsClient::connect(u.addr, new_pki.client_config(Some(client)))
        .expect("TLS after a failed reload");
    assert_eq!(still.cmd("PROTVER").unwrap(), "1.3");

    // The TLS lines removed (a typo, a commented-out line): the reload is refused, STARTTLS
    // keeps working; a reload never turns TLS off.
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {}\n", u.addr.port()));
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(wait_for_count(&u, "reload failed", 2), "{}", u.log_text());
    assert!(
        u.log_text()
            .contains("turning STARTTLS off needs a restart"),
        "{}",
        u.log_text()
    );
    let mut kept = TlsClient::connect(u.addr, new_pki.client_config(Some(client)))
        .expect("TLS after a reload without TLS lines");
    assert_eq!(kept.cmd("PROTVER").unwrap(), "1.3");
    assert!(
        !u.log_text().contains("not the password") && !u.log_text().contains(STORE_PASSWORD),
        "a store password reached the log"
    );
}

/// Wait until `needle` is in `n` log lines.
fn wait_for_count(u: &Upsd, needle: &str, n: usize) -> bool {
    rnut_tests::wait_until(Duration::from_secs(10), || {
        u.log_lines().iter().filter(|l| l.contains(needle)).count() >= n
    })
}

fn expect_startup_failure(d: &NutTree, needle: &str) {
    let (mut child, log) = spawn_upsd(d, &[], |_| {});
    let status = child
        .wait_exit(Duration::from_secs(20))
        .expect("upsd should exit");
    assert!(!status.success());
    // The log reader thread may still be draining the pipe.
    rnut_tests::wait_until(Duration::from_secs(5), || {
        log.lock().unwrap().join("\n").contains(needle)
    });
    let text = log.lock().unwrap().join("\n");
    assert!(text.contains(needle), "expected {needle:?} in: {text}");
    assert!(
        !text.contains("listening on") || !text.contains("ready"),
        "upsd served despite a broken TLS setup"
    );
}

#[test]
fn broken_tls_configuration_stops_upsd() {
    let pki = TestPki::new();
    let d = NutTree::new();
    let store = d.path().join("certdb");
    pki.write_store(&store);
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let port = rnut_tests::free_port();
    // Wrong store password.
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {port}\nCERTPATH {}\nCERTIDENT \"{SERVER_NICK}\" \"wrong\"\n",
        store.display()
    ));
    expect_startup_failure(&d, "TLS is configured");
    // Unknown nickname.
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {port}\nCERTPATH {}\nCERTIDENT \"nope\" \"{STORE_PASSWORD}\"\n",
        store.display()
    ));
    expect_startup_failure(&d, "TLS is configured");
    // Missing certificate file.
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {port}\nCERTFILE {}\n",
        d.path().join("missing.pem").display()
    ));
    expect_startup_failure(&d, "TLS is configured");
    // A store directory writable by others.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {port}\nCERTPATH {}\nCERTIDENT \"{SERVER_NICK}\" \"{STORE_PASSWORD}\"\n",
        store.display()
    ));
    expect_startup_failure(&d, "chmod o-w");
}

#[test]
fn single_quoted_certident_is_accepted() {
    let pki = TestPki::new();
    let d = NutTree::new();
    let store = d.path().join("certdb");
    pki.write_store(&store);
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nCERTPATH {}\nCERTIDENT '{SERVER_NICK}' '{STORE_PASSWORD}'\n",
        rnut_tests::free_port(),
        store.display()
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let u = Upsd::start(&d);
    let mut t = TlsClient::connect(u.addr, pki.client_config(None)).expect("TLS");
    assert_eq!(t.cmd("PROTVER").unwrap(), "1.3");
}
