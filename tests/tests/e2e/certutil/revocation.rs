//! Revocation end to end: stores made and changed with the `nut-certutil` command line, our upsd
//! at CERTREQUEST REQUIRE, our upsmon and upsc over real STARTTLS on loopback.
//!
//! - upsmon's client certificate revoked + `upsd -c reload`: the logged-in upsmon keeps its
//!   session, a new one is refused and says why (upsd names the revocation).
//! - the server certificate revoked, the CRL exported and imported into upsmon's store:
//!   upsmon refuses the server.
//! - an outside CA's CRL made by `openssl ca -gencrl` imported and enforced; a CRL of another
//!   key under the same CA name refused on import.
//! - a CRL past its next update under each `crl-stale` policy.

use std::path::Path;
use std::time::Duration;

use rnut_tests::certutil::{certutil, tool};
use rnut_tests::lifecycle::*;
use rnut_tests::monitor::{run_tool_env, stderr, stdout};

#[test]
fn a_revoked_upsmon_certificate_is_refused_after_reload_without_dropping_sessions() {
    let (stack, pki) = require_stack();
    let d = monitor(&stack, &pki);
    let mut mon = upsmon_logged_in(&d);

    pki.certutil(&[
        "-d",
        "srv_db",
        "revoke",
        "upsmon",
        "--reason",
        "keyCompromise",
    ]);
    let listed = pki.certutil(&["-d", "srv_db", "crl", "list"]);
    assert!(
        listed.contains("CN=Lifecycle CA,O=rnut") && listed.contains("ours"),
        "{listed}"
    );
    reload_upsd(&stack);

    // A new connection with the revoked certificate is refused, and both ends say why.
    let o = upsc_as_upsmon(&stack, &d);
    assert!(!o.status.success(), "revoked client served: {}", stdout(&o));
    assert!(
        stderr(&o).contains("CertificateRevoked"),
        "upsc says why: {}",
        stderr(&o)
    );
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(
            "client certificate 'upsmon host' was revoked on",
            Duration::from_secs(5)
        ),
        "upsd names the revocation: {}",
        upsd.text()
    );
    assert!(
        upsd.text()
            .contains("(keyCompromise) by 'CN=Lifecycle CA,O=rnut'")
    );

    // The session opened before the reload is still there (upsd lists it, upsmon saw no
    // communication loss): a reload re-checks new handshakes only.
    let clients = run_tool_env("upsc", &["--no-starttls", "-c", &stack.system()], &[]);
    assert!(
        stdout(&clients).contains("127.0.0.1"),
        "upsmon's session is listed: {} {}",
        stdout(&clients),
        stderr(&clients)
    );
    assert!(
        !d.events().iter().any(|e| e == "COMMBAD" || e == "NOCOMM"),
        "upsmon lost its session: {:?}\n{}",
        d.events(),
        mon.text()
    );
    mon.child.stop(Duration::from_secs(5));

    // A new upsmon is refused at login and says why.
    let again = rnut_tests::monitor::start_upsmon(&d, &["-p"]);
    assert!(
        again.wait_log("CertificateRevoked", Duration::from_secs(20)),
        "upsmon says why: {}",
        again.text()
    );
    assert!(!again.text().contains("[SSL]"), "{}", again.text());
}

#[test]
fn upsmon_refuses_a_revoked_server_certificate() {
    let (stack, pki) = require_stack();
    let d = monitor(&stack, &pki);
    let mut mon = upsmon_logged_in(&d);
    mon.child.stop(Duration::from_secs(5));

    // On the CA host: revoke, export the CRL; on the upsmon host: import it.
    pki.certutil(&["-d", "srv_db", "revoke", "upsd", "--reason", "superseded"]);
    pki.certutil(&["-d", "srv_db", "crl", "export", "-n", CA, "-o", "ca.crl"]);
    let imported = pki.certutil(&["-d", "mon_db", "crl", "import", "-i", "ca.crl"]);
    assert!(imported.contains("1 entries"), "{imported}");

    let mon = rnut_tests::monitor::start_upsmon(&d, &["-p"]);
    assert!(
        mon.wait_log(
            "certificate for 'localhost' was revoked on",
            Duration::from_secs(20)
        ),
        "upsmon refuses the server and says why: {}",
        mon.text()
    );
    assert!(mon.text().contains("(superseded)"), "{}", mon.text());
    assert!(!mon.text().contains("[SSL]"), "{}", mon.text());
    let o = upsc_as_upsmon(&stack, &d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("was revoked on"), "{}", stderr(&o));
}

/// An OpenSSL CA in `dir` (`openssl ca` database files), subject `CN=Outside CA,O=elsewhere`.
fn openssl_ca(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("index.txt"), "").expect("index");
    std::fs::write(dir.join("crlnumber"), "01\n").expect("crlnumber");
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = CA_default\n[CA_default]\ndatabase = index.txt\n\
         crlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n\
         certificate = ca.pem\nprivate_key = ca.key\n",
    )
    .expect("cnf");
    let run = |args: &[&str]| {
        let (code, out) = tool(dir, "openssl", args);
        assert_eq!(code, 0, "openssl {args:?}: {out}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Outside CA/O=elsewhere",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
}

#[test]
fn an_openssl_ca_crl_is_imported_and_enforced_and_a_forged_one_refused() {
    if !rnut_tests::require_tool("openssl") {
        return;
    }
    let (stack, pki) = require_stack();
    let out = stack.path().join("pki/outside");
    openssl_ca(&out);
    let (code, text) = tool(
        &out,
        "openssl",
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=outside client",
        ],
    );
    assert_eq!(code, 0, "{text}");
    std::fs::write(out.join("client.ext"), "extendedKeyUsage = clientAuth\n").expect("ext");
    let (code, text) = tool(
        &out,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "0x00c0ffee",
            "-days",
            "10",
            "-extfile",
            "client.ext",
            "-out",
            "client.pem",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let identity = std::fs::read_to_string(out.join("client.pem")).expect("cert")
        + &std::fs::read_to_string(out.join("client.key")).expect("key");
    rnut_tests::write_file(&out.join("identity.pem"), &identity, 0o600);

    // upsd trusts the outside CA for client certificates.
    pki.certutil(&[
        "-d",
        "srv_db",
        "import",
        "-n",
        "Outside CA",
        "-i",
        "outside/ca.pem",
        "-t",
        "T,,",
    ]);
    reload_upsd(&stack);
    let upsc = || {
        run_tool_env(
            "upsc",
            &[
                "--certpath",
                &pki.path("ca.pem"),
                "--certverify",
                "--certfile",
                out.join("identity.pem").to_str().expect("utf-8"),
                &stack.system(),
                "ups.status",
            ],
            &[],
        )
    };
    let ok = upsc();
    assert!(ok.status.success(), "served before: {}", stderr(&ok));

    // OpenSSL revokes it and makes the CRL; the store takes it (it verifies against the CA).
    let (code, text) = tool(
        &out,
        "openssl",
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "client.pem",
            "-crl_reason",
            "keyCompromise",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = tool(
        &out,
        "openssl",
        &["ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem"],
    );
    assert_eq!(code, 0, "{text}");
    let imported = pki.certutil(&["-d", "srv_db", "crl", "import", "-i", "outside/crl.pem"]);
    assert!(imported.contains("\"Outside CA\" (1 entries"), "{imported}");
    reload_upsd(&stack);
    let refused = upsc();
    assert!(!refused.status.success(), "revoked outside client served");
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(
            "client certificate 'outside client' was revoked on",
            Duration::from_secs(5)
        ),
        "{}",
        upsd.text()
    );

    // Another key under the same CA name: its CRL (DER this time) does not verify.
    let forger = stack.path().join("pki/forger");
    openssl_ca(&forger);
    let (code, text) = tool(
        &forger,
        "openssl",
        &["ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem"],
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = tool(
        &forger,
        "openssl",
        &[
            "crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let (code, out_text, err) = certutil(
        &pki.root,
        &["-d", "srv_db", "crl", "import", "-i", "forger/crl.der"],
        "",
    );
    assert_ne!(code, 0, "forged CRL imported: {out_text}");
    assert!(err.contains("does not verify against the CA"), "{err}");
    let listed = pki.certutil(&["-d", "srv_db", "crl", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("Outside CA") && l.contains("      1 ")),
        "the genuine CRL stays: {listed}"
    );
}

/// A CRL of the Lifecycle CA whose next update is already past, signed with the CA's key
/// (read from the CA host's store with the library), imported with the command line.
fn import_stale_crl(pki: &CliPki) {
    use nut_certutil::crl::{CrlTimes, sign_crl};
    use nut_certutil::time::{Duration as D, OffsetDateTime};
    let (ca, key) = pki.ca_material();
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("ns");
    let times = CrlTimes {
        this_update: now - D::days(8),
        next_update: now - D::days(1),
        number: 1,
    };
    let der = sign_crl(&ca, &key, times, &[]).expect("crl");
    std::fs::write(pki.root.join("stale.crl"), der).expect("write");
    pki.certutil(&["-d", "srv_db", "crl", "import", "-i", "stale.crl"]);
}

#[test]
fn a_stale_crl_warns_by_default_and_refuses_under_the_policy() {
    let (stack, pki) = require_stack();
    import_stale_crl(&pki);
    reload_upsd(&stack);
    let d = monitor(&stack, &pki);
    let upsd = stack.upsd.as_ref().expect("upsd");

    // Default (warn): served, and upsd warns.
    let o = upsc_as_upsmon(&stack, &d);
    assert!(o.status.success(), "policy warn: {}", stderr(&o));
    assert!(
        upsd.wait_log("past its next update", Duration::from_secs(5)),
        "{}",
        upsd.text()
    );
    // doctor names it, with the fix.
    let (_, report, _) = certutil(&pki.root, &["-d", "srv_db", "doctor"], "");
    assert!(
        report.contains(
            "PROBLEM: the CRL of CN=Lifecycle CA,O=rnut (0 entries) is past its next update"
        ) && report.contains("nut-certutil crl import"),
        "{report}"
    );
    let shown = pki.certutil(&["-d", "srv_db", "policy", "show"]);
    assert!(
        shown.contains("CRL-STALE") && shown.contains("warn"),
        "{shown}"
    );

    // refuse: the CA's certificates are refused until a fresh CRL comes.
    pki.certutil(&["-d", "srv_db", "policy", "set", "crl-stale", "refuse"]);
    reload_upsd(&stack);
    let o = upsc_as_upsmon(&stack, &d);
    assert!(!o.status.success(), "policy refuse: served");
    assert!(
        upsd.wait_log("crl-stale refuse", Duration::from_secs(5)),
        "{}",
        upsd.text()
    );
    pki.certutil(&["-d", "srv_db", "crl", "update", "-n", CA]);
    let (_, report, _) = certutil(&pki.root, &["-d", "srv_db", "doctor"], "");
    assert!(
        report.contains("ok: CRL of CN=Lifecycle CA,O=rnut (0 entries)"),
        "{report}"
    );
    reload_upsd(&stack);
    let o = upsc_as_upsmon(&stack, &d);
    assert!(o.status.success(), "fresh CRL: {}", stderr(&o));
}
