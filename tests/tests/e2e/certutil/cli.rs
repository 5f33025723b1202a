//! `nut-certutil` end to end: the NSS walkthrough of NUT's security guide with our tool, the
//! plain subcommands (OpenSSL-style CERTFILE and `<hash>.0` CA directory), doctor, policy,
//! password change, and a store killed in the middle of many writes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use nut_certutil::store::Store;
use nut_certutil::tls::{
    CertHostRule, CertIdent, CertRequest, ClientTlsSettings, ServerTlsSettings,
    build_client_config, build_server_config,
};
use nut_core::config::Secret;
use rnut_tests::certutil::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn nss_walkthrough_of_the_security_guide_ends_in_a_handshake() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("ca.pw"), "ca password\n").expect("pw");
    std::fs::write(d.join("srv.pw"), "database password\n").expect("pw");
    std::fs::write(d.join("noise"), [7u8; 2048]).expect("noise");
    // CA database and self-signed root (answer "y" to "Is this a CA certificate [y/N]?").
    certutil_ok(d, &["-N", "-d", "CA_db", "-f", "ca.pw"], "");
    let out = certutil_ok(
        d,
        &[
            "-S",
            "-d",
            "CA_db",
            "-n",
            "My Root CA",
            "-s",
            "CN=My CA,O=MyCompany,ST=MyState,C=US",
            "-t",
            "CT,,",
            "-x",
            "-2",
            "-f",
            "ca.pw",
            "-z",
            "noise",
            "-v",
            "120",
        ],
        "y\n\ny\n",
    );
    assert!(out.contains("Is this a CA certificate [y/N]?"), "{out}");
    certutil_ok(
        d,
        &[
            "-L",
            "-d",
            "CA_db",
            "-n",
            "My Root CA",
            "-a",
            "-o",
            "rootca.crt",
        ],
        "",
    );
    assert!(
        std::fs::read_to_string(d.join("rootca.crt"))
            .expect("read")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    // Server database, CA import, request.
    certutil_ok(d, &["-N", "-d", "cert_db", "-f", "srv.pw"], "");
    assert_eq!(mode(&d.join("cert_db")) & 0o027, 0);
    assert_eq!(mode(&d.join("cert_db").join("nut-certdb.sqlite")), 0o640);
    certutil_ok(
        d,
        &[
            "-A",
            "-d",
            "cert_db",
            "-n",
            "My Root CA",
            "-t",
            "TC,,",
            "-a",
            "-i",
            "rootca.crt",
            "-f",
            "srv.pw",
        ],
        "",
    );
    certutil_ok(
        d,
        &[
            "-R",
            "-d",
            "sql:cert_db",
            "-s",
            "CN=My nut server,O=MyCompany,ST=MyState,C=US",
            "-a",
            "-o",
            "server.req",
            "-f",
            "srv.pw",
            "-z",
            "noise",
        ],
        "",
    );
    assert!(
        std::fs::read_to_string(d.join("server.req"))
            .expect("read")
            .contains("BEGIN NEW CERTIFICATE REQUEST")
    );
    // The CA signs (the -6 questions come first: 0 = server auth, then anything to finish).
    certutil_ok(
        d,
        &[
            "-C",
            "-d",
            "CA_db",
            "-c",
            "My Root CA",
            "-a",
            "-i",
            "server.req",
            "-o",
            "server.crt",
            "-2",
            "-6",
            "-f",
            "ca.pw",
        ],
        "0\n9\nn\nn\n\nn\n",
    );
    certutil_ok(
        d,
        &[
            "-A",
            "-d",
            "cert_db",
            "-n",
            "My nut server",
            "-a",
            "-i",
            "server.crt",
            "-t",
            ",,",
            "-f",
            "srv.pw",
        ],
        "",
    );
    let list = certutil_ok(d, &["-L", "-d", "cert_db"], "");
    let expected = format!(
        "\n{:<60} {:<5}\n{:<60} {:<5}\n\n{:<60} {:<5}\n{:<60} {:<5}\n",
        "Certificate Nickname",
        "Trust Attributes",
        "",
        "SSL,S/MIME,JAR/XPI",
        "My Root CA",
        "CT,,",
        "My nut server",
        "u,u,u"
    );
    assert_eq!(list, expected);
    let keys = certutil_ok(d, &["-K", "-d", "cert_db", "-f", "srv.pw"], "");
    assert!(
        keys.starts_with("< 0> ec       ")
            && keys
                .trim_end()
                .ends_with("NSS Certificate DB:My nut server"),
        "{keys}"
    );
    let v = certutil_ok(
        d,
        &["-V", "-d", "cert_db", "-n", "My nut server", "-u", "V"],
        "",
    );
    assert_eq!(v.trim(), "certutil: certificate is valid");

    // Client database: only the root CA.
    std::fs::write(d.join("cli.pw"), "client db password\n").expect("pw");
    certutil_ok(d, &["-N", "-d", "cert_db_client", "-f", "cli.pw"], "");
    // Granting trust asks for the database password, as NSS does (the guide's user types it
    // at the prompt; here it comes from the file).
    certutil_ok(
        d,
        &[
            "-A",
            "-d",
            "cert_db_client",
            "-f",
            "cli.pw",
            "-n",
            "My Root CA",
            "-t",
            "TC,,",
            "-a",
            "-i",
            "rootca.crt",
        ],
        "",
    );

    // upsd.conf: CERTPATH cert_db, CERTIDENT "My nut server" "database password";
    // upsmon.conf: CERTHOST "localhost:3493" "My nut server" 1 1.
    let srv = store_server(
        &d.join("cert_db"),
        "My nut server",
        "database password",
        CertRequest::No,
    );
    let client = ClientTlsSettings {
        certpath: Some(d.join("cert_db_client")),
        certhosts: vec![CertHostRule {
            host: "localhost".into(),
            port: Some(3493),
            cert_name: "My nut server".into(),
            certverify: true,
            forcessl: true,
        }],
        ..Default::default()
    };
    let policy = build_client_config(&client, "localhost", 3493).expect("client");
    assert!(policy.certverify && policy.forcessl);
    let x = exchange(srv.clone(), &policy);
    assert!(x.ok(), "{x:?}");
    // A wrong CERTHOST name is refused with a clear reason.
    let wrong = ClientTlsSettings {
        certhosts: vec![CertHostRule {
            cert_name: "Other server".into(),
            ..client.certhosts[0].clone()
        }],
        ..client.clone()
    };
    let x = exchange(
        srv,
        &build_client_config(&wrong, "localhost", 3493).expect("client"),
    );
    assert!(
        x.client_error()
            .contains("does not match CERTHOST name 'Other server'"),
        "{x:?}"
    );
}

#[test]
fn openssl_style_certfile_and_hashed_ca_directory() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    certutil_ok(d, &["init", "pki", "--empty-password"], "");
    certutil_ok(
        d,
        &[
            "-d",
            "pki",
            "ca",
            "create",
            "-n",
            "NUT CA",
            "-s",
            "CN=NUT Test CA,O=Example,C=US",
        ],
        "",
    );
    certutil_ok(
        d,
        &[
            "-d",
            "pki",
            "issue",
            "--ca",
            "NUT CA",
            "-n",
            "upsd",
            "-s",
            "CN=localhost,O=Example",
            "--role",
            "server",
            "--san",
            "ip:127.0.0.1",
        ],
        "",
    );
    certutil_ok(
        d,
        &[
            "-d", "pki", "export", "-n", "upsd", "--format", "certfile", "-o", "upsd.pem",
        ],
        "",
    );
    assert_eq!(mode(&d.join("upsd.pem")), 0o640);
    let pem = std::fs::read_to_string(d.join("upsd.pem")).expect("read");
    assert_eq!(
        pem.matches("BEGIN CERTIFICATE").count(),
        1,
        "root not included"
    );
    assert!(pem.trim_end().ends_with("-----END PRIVATE KEY-----"));
    let listed = certutil_ok(d, &["-d", "pki", "export", "--ca-dir", "certs"], "");
    let names: Vec<String> = std::fs::read_dir(d.join("certs"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{listed}");
    assert!(
        names[0].ends_with(".0") && names[0].len() == 10,
        "{names:?}"
    );
    if rnut_tests::require_tool("openssl") {
        let (code, out) = tool(
            d,
            "openssl",
            &[
                "x509",
                "-hash",
                "-noout",
                "-in",
                &format!("certs/{}", names[0]),
            ],
        );
        assert_eq!(code, 0);
        assert_eq!(format!("{}.0", out.trim()), names[0]);
    }
    // upsd CERTFILE + clients CERTPATH (the hashed directory), CERTVERIFY 1.
    let srv = build_server_config(&ServerTlsSettings {
        certfile: Some(d.join("upsd.pem")),
        certident: Some(CertIdent {
            name: "localhost".into(),
            password: Secret::default(),
        }),
        ..Default::default()
    })
    .expect("server");
    let cli = ClientTlsSettings {
        certpath: Some(d.join("certs")),
        certverify: Some(true),
        forcessl: Some(true),
        ..Default::default()
    };
    let x = exchange(
        srv.clone(),
        &build_client_config(&cli, "127.0.0.1", 3493).expect("client"),
    );
    assert!(x.ok(), "{x:?}");
    // The same CA as a single bundle file.
    let bundle = ClientTlsSettings {
        certpath: Some(d.join("certs").join(&names[0])),
        ..cli.clone()
    };
    let x = exchange(
        srv,
        &build_client_config(&bundle, "localhost", 3493).expect("client"),
    );
    assert!(x.ok(), "{x:?}");
    // CERTIDENT name mismatch with the CERTFILE is fatal, as in C NUT.
    let bad = build_server_config(&ServerTlsSettings {
        certfile: Some(d.join("upsd.pem")),
        certident: Some(CertIdent {
            name: "ups.example.com".into(),
            password: Secret::default(),
        }),
        ..Default::default()
    });
    assert!(
        bad.expect_err("mismatch")
            .to_string()
            .contains("does not match CERTIDENT name (ups.example.com)")
    );
    // Import the CERTFILE into a new store: certificate and key together.
    certutil_ok(d, &["init", "imported", "--empty-password"], "");
    certutil_ok(
        d,
        &["-d", "imported", "import", "-n", "upsd", "-i", "upsd.pem"],
        "",
    );
    let s = Store::open(&d.join("imported")).expect("open");
    assert!(s.certificate("upsd").expect("cert").has_key);
}

#[test]
fn doctor_finds_expiry_permissions_missing_keys_and_bad_passwords() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("pw"), "secret\n").expect("pw");
    std::fs::write(d.join("bad.pw"), "wrong\n").expect("pw");
    certutil_ok(d, &["init", "db", "-f", "pw"], "");
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "-f",
            "pw",
            "ca",
            "create",
            "-n",
            "CA",
            "-s",
            "CN=Doctor CA",
        ],
        "",
    );
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "-f",
            "pw",
            "issue",
            "--ca",
            "CA",
            "-n",
            "upsd",
            "-s",
            "CN=localhost",
            "--months",
            "24",
        ],
        "",
    );
    // As root, doctor also checks that user nut (the daemons' user) can read the store:
    // give it what doctor's fix says.
    if rnut_tests::is_root() {
        let_nut_read(d, &d.join("db"));
    }
    let (code, out, _) = certutil(d, &["-d", "db", "-f", "pw", "doctor"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problem found"), "{out}");

    // An expired certificate (validity shifted 13 months back, 1 month long), an identity
    // without key, a store writable by everyone, a wrong password.
    certutil_ok(
        d,
        &[
            "-S",
            "-d",
            "db",
            "-f",
            "pw",
            "-n",
            "old",
            "-s",
            "CN=old.example",
            "-t",
            ",,",
            "-c",
            "CA",
            "-w",
            "-13",
            "-v",
            "1",
        ],
        "",
    );
    certutil_ok(
        d,
        &[
            "-d", "db", "-f", "pw", "-L", "-n", "upsd", "-a", "-o", "upsd.crt",
        ],
        "",
    );
    certutil_ok(d, &["init", "db2", "--empty-password"], "");
    certutil_ok(
        d,
        &["-d", "db2", "import", "-n", "upsd", "-i", "upsd.crt"],
        "",
    );
    certutil_ok(
        d,
        &["-d", "db2", "policy", "set", "certident", "upsd", "upsd"],
        "",
    );
    let (code, out, _) = certutil(d, &["-d", "db2", "doctor"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: CERTIDENT of upsd \"upsd\" has no private key in the store"),
        "{out}"
    );
    assert!(
        out.contains("does not chain to a CA trusted with C") || out.contains("no private key"),
        "{out}"
    );

    std::fs::set_permissions(d.join("db"), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (code, out, _) = certutil(d, &["-d", "db", "-f", "bad.pw", "doctor"], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: certificate \"old\" (CN=old.example) expired on"),
        "{out}"
    );
    assert!(out.contains("is writable by everyone"), "{out}");
    assert!(out.contains("does not open the keys"), "{out}");
}

#[test]
fn policy_show_says_where_each_value_comes_from() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    certutil_ok(d, &["init", "db", "--empty-password"], "");
    certutil_ok(
        d,
        &["-d", "db", "ca", "create", "-n", "CA", "-s", "CN=Policy CA"],
        "",
    );
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "issue",
            "--ca",
            "CA",
            "-n",
            "srv",
            "-s",
            "CN=localhost",
        ],
        "",
    );
    certutil_ok(
        d,
        &["-d", "db", "policy", "set", "certident", "upsd", "srv"],
        "",
    );
    certutil_ok(
        d,
        &["-d", "db", "policy", "set", "certrequest", "REQUIRE"],
        "",
    );
    certutil_ok(d, &["-d", "db", "policy", "set", "forcessl", "1"], "");
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "policy",
            "set",
            "certhost",
            "ups1:3493",
            "ups1.example.com",
            "1",
            "1",
        ],
        "",
    );
    let (code, _, err) = certutil(
        d,
        &["-d", "db", "policy", "set", "certident", "upsd", "missing"],
        "",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("could not find certificate named \"missing\""),
        "{err}"
    );
    std::fs::write(
        d.join("upsmon.conf"),
        "MONITOR ups@localhost 1 upsmon pass primary\nSHUTDOWNCMD /bin/true\nCERTVERIFY 1\n",
    )
    .expect("w");
    let out = certutil_ok(
        d,
        &["-d", "db", "policy", "show", "--upsmon-conf", "upsmon.conf"],
        "",
    );
    let line = |name: &str| {
        out.lines()
            .filter(|l| l.starts_with(name))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(
        line("CERTIDENT")[0].contains("srv") && line("CERTIDENT")[0].contains("(store "),
        "{out}"
    );
    assert!(
        line("CERTREQUEST")[0].contains("REQUIRE") && line("CERTREQUEST")[0].contains("(store "),
        "{out}"
    );
    assert!(line("CERTVERIFY")[0].contains("upsmon.conf:3)"), "{out}");
    assert!(
        line("FORCESSL")[0].contains(" 1 ") && line("FORCESSL")[0].contains("(store "),
        "{out}"
    );
    assert!(
        line("CERTHOST ups1:3493")[0].contains("\"ups1.example.com\" certverify=1 forcessl=1"),
        "{out}"
    );
}

#[test]
fn password_change_reencrypts_every_key() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("old.pw"), "old\n").expect("pw");
    std::fs::write(d.join("new.pw"), "new\n").expect("pw");
    certutil_ok(d, &["-N", "-d", "db", "-f", "old.pw"], "");
    certutil_ok(
        d,
        &[
            "-S", "-d", "db", "-f", "old.pw", "-n", "CA", "-s", "CN=PW CA", "-t", "CT,,", "-x",
            "-2",
        ],
        "y\n\n\n",
    );
    certutil_ok(
        d,
        &[
            "-S",
            "-d",
            "db",
            "-f",
            "old.pw",
            "-n",
            "srv",
            "-s",
            "CN=localhost",
            "-t",
            ",,",
            "-c",
            "CA",
            "-k",
            "rsa",
            "-g",
            "2048",
        ],
        "",
    );
    certutil_ok(d, &["-W", "-d", "db", "-f", "old.pw", "-@", "new.pw"], "");
    let (code, _, err) = certutil(
        d,
        &[
            "-S", "-d", "db", "-f", "old.pw", "-n", "x", "-s", "CN=x", "-t", ",,", "-c", "CA",
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(err.contains("wrong password"), "{err}");
    let s = Store::open(&d.join("db")).expect("open");
    let c = s.unlock("new").expect("new password");
    for k in s.keys().expect("keys") {
        s.private_key(&c, &k.key_id)
            .expect("every key opens with the new password");
    }
    assert_eq!(s.keys().expect("keys").len(), 2);
    // Listing keys asks for the password, as in NSS: the old one no longer opens them.
    let (code, _, err) = certutil(d, &["-K", "-d", "db", "-f", "old.pw"], "");
    assert_ne!(code, 0, "{err}");
    let keys = certutil_ok(d, &["-K", "-d", "db", "-f", "new.pw"], "");
    assert!(keys.contains("< 1> rsa "), "{keys}");
}

#[test]
fn killed_in_the_middle_of_imports_the_store_stays_consistent() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    let db = d.join("db");
    let mut s = new_store(&db, "");
    drop(s);
    let ca = Ca::new("CN=Kill CA");
    // CERTFILE PEMs: certificate and key, imported together in one transaction.
    let n = 40;
    for i in 0..n {
        let (k, der) = ca.issue(
            &format!("CN=host{i}"),
            &nut_certutil::pki::CertProfile::for_months(nut_certutil::pki::CertRole::Server, 1),
        );
        std::fs::write(
            d.join(format!("c{i}.pem")),
            format!(
                "{}{}",
                nut_certutil::pem::encode("CERTIFICATE", &der),
                nut_certutil::pem::encode("PRIVATE KEY", k.pkcs8_der())
            ),
        )
        .expect("write");
    }
    let bin = rnut_tests::bin("nut-certutil");
    let mut killed = 0;
    for i in 0..n {
        let mut child = rnut_tests::ChildGuard::spawn(
            "nut-certutil import",
            std::process::Command::new(&bin)
                .args([
                    "-d",
                    "db",
                    "import",
                    "-n",
                    &format!("host{i}"),
                    "-i",
                    &format!("c{i}.pem"),
                ])
                .current_dir(d)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        );
        // Kill at a different moment each time: from immediately to after the work is done.
        std::thread::sleep(Duration::from_micros((i as u64 * 997) % 12_000));
        if child.try_wait().is_none() {
            child.signal(nix::sys::signal::Signal::SIGKILL);
            killed += 1;
        }
        child.wait_exit(Duration::from_secs(10));
    }
    s = Store::open(&db).expect("open after kills");
    assert_eq!(s.integrity_check().expect("check"), "ok");
    let certs = s.certificates().expect("certs");
    for c in &certs {
        assert!(
            c.has_key,
            "certificate {} stored without its key",
            c.nickname
        );
        c.info().expect("every stored DER parses");
    }
    for k in s.keys().expect("keys") {
        assert!(
            k.nickname.is_some(),
            "key {} stored without its certificate",
            k.key_id
        );
    }
    let cipher = s.unlock("").expect("unlock");
    for c in &certs {
        s.private_key(&cipher, &c.key_id).expect("key decrypts");
    }
    eprintln!(
        "{killed} of {n} imports killed, {} certificates complete",
        certs.len()
    );
    assert!(
        killed > 0,
        "no import was killed: the test did not test anything"
    );
}

/// As in NSS: granting or changing trust on a password-protected database needs the
/// password; an out-of-range validity is an error, never a crash; an export never writes
/// through a file someone planted.
#[test]
fn trust_needs_the_password_and_bad_input_is_refused_cleanly() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("pw"), "secret\n").expect("pw");
    // A store with a low PBKDF2 count, so the many unlocks below stay quick.
    drop(new_store(&d.join("db"), "secret"));
    certutil_ok(
        d,
        &[
            "-S", "-d", "db", "-f", "pw", "-n", "CA", "-s", "CN=T CA", "-t", "CT,,", "-x", "-2",
        ],
        "y\n0\ny\n",
    );
    // With a wrong password: refused, trust unchanged. (Without -f it would ask on the
    // terminal, so the test gives a wrong one rather than none.)
    std::fs::write(d.join("bad.pw"), "not it\n").expect("pw");
    let (code, _, err) = certutil(
        d,
        &["-M", "-d", "db", "-f", "bad.pw", "-n", "CA", "-t", "P,,"],
        "",
    );
    assert_ne!(code, 0, "{err}");
    let list = certutil_ok(d, &["-L", "-d", "db"], "");
    assert!(list.contains("CTu,u,u") || list.contains("CT,,"), "{list}");
    certutil_ok(
        d,
        &["-M", "-d", "db", "-f", "pw", "-n", "CA", "-t", "C,,"],
        "",
    );
    // Validity out of range: a clear error and exit 255, not a panic (exit 101).
    for (v, w) in [("100000", "0"), ("12", "2147483647"), ("12", "-2147483648")] {
        let (code, _, err) = certutil(
            d,
            &[
                "-S", "-d", "db", "-f", "pw", "-n", "x", "-s", "CN=x", "-t", ",,", "-c", "CA",
                "-v", v, "-w", w,
            ],
            "",
        );
        assert_eq!(code, 255, "-v {v} -w {w}: {err}");
        assert!(err.contains("incorrect validity period"), "{err}");
    }
}

/// Issue 13, finding 3: `policy set` / `policy unset` need the database password (policy rows
/// carry its MAC), as `-M` does for trust.
#[test]
fn policy_changes_need_the_database_password() {
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("pw"), "secret\n").expect("pw");
    std::fs::write(d.join("bad.pw"), "wrong\n").expect("pw");
    certutil_ok(d, &["-N", "-d", "db", "-f", "pw"], "");
    for args in [
        &["-d", "db", "policy", "set", "certverify", "0"][..],
        &[
            "-d",
            "db",
            "-f",
            "bad.pw",
            "policy",
            "set",
            "certverify",
            "0",
        ],
        &[
            "-d",
            "db",
            "policy",
            "set",
            "certhost",
            "127.0.0.1",
            "x",
            "0",
            "0",
        ],
    ] {
        let (code, out, err) = certutil(d, args, "");
        assert_ne!(code, 0, "{args:?} worked without the password: {out}{err}");
    }
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "-f",
            "pw",
            "policy",
            "set",
            "certhost",
            "127.0.0.1",
            "x",
            "1",
            "1",
        ],
        "",
    );
    let (code, _, _) = certutil(
        d,
        &["-d", "db", "policy", "unset", "certhost", "127.0.0.1"],
        "",
    );
    assert_ne!(code, 0, "unset without the password");
    let out = certutil_ok(d, &["-d", "db", "-f", "pw", "policy", "show"], "");
    assert!(
        out.contains("CERTHOST 127.0.0.1 ") && out.contains("\"x\" certverify=1 forcessl=1"),
        "{out}"
    );
}

/// A store user `nut` cannot read is named as such, with the user and the fix, not
/// reported as "no certificate database" (a directory without search permission) or with
/// SQLite's `file:` URI (a file without read permission).
#[test]
fn an_unreadable_store_names_the_path_the_user_and_the_fix() {
    if !rnut_tests::require_root("running nut-certutil as user nut") {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(d.join("pw"), "database password\n").expect("pw");
    certutil_ok(d, &["-N", "-d", "db", "-f", "pw"], "");
    let db = d.join("db");
    let file = Store::db_path(&db);
    let as_nut = || {
        let out = std::process::Command::new("runuser")
            .args(["-u", "nut", "--"])
            .arg(rnut_tests::bin("nut-certutil"))
            .args(["-L", "-d"])
            .arg(&db)
            .output()
            .expect("runuser");
        assert_ne!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = as_nut();
    assert!(
        err.contains(&format!(
            "cannot read {} as user nut: chown root:nut",
            db.display()
        )),
        "{err}"
    );
    assert!(!err.contains("no certificate database"), "{err}");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let err = as_nut();
    assert!(
        err.contains(&format!(
            "cannot read {} as user nut: chown root:nut",
            file.display()
        )),
        "{err}"
    );
    assert!(!err.contains("file:"), "{err}");
}

/// What doctor's fix says: the store's directory and file readable by group nut, and the
/// directories above searchable.
fn let_nut_read(top: &Path, db: &Path) {
    std::fs::set_permissions(top, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let file = Store::db_path(db);
    let st = std::process::Command::new("chown")
        .arg("root:nut")
        .arg(db)
        .arg(&file)
        .status()
        .expect("chown");
    assert!(st.success());
    std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o750)).expect("chmod");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
}

/// doctor run as root checks the store as user nut reads it: a store nut cannot read is a
/// problem naming the path and the fix, not "no problem found".
#[test]
fn doctor_as_root_checks_that_user_nut_can_read_the_store() {
    if !rnut_tests::require_root("checking doctor against user nut") {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(d.join("pw"), "secret\n").expect("pw");
    certutil_ok(d, &["init", "db", "-f", "pw"], "");
    let db = d.join("db");
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let (code, out, _) = certutil(d, &["-d", "db", "-f", "pw", "doctor"], "");
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "PROBLEM: cannot read {} as user nut: chown root:nut",
            db.display()
        )),
        "{out}"
    );
    assert!(!out.contains("no problem found"), "{out}");
    let_nut_read(d, &db);
    let (code, out, _) = certutil(d, &["-d", "db", "-f", "pw", "doctor"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok: user nut can read"), "{out}");
}
