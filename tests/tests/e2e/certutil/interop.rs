//! Interop with the outside world, used as oracles (nothing links NSS or OpenSSL):
//! a CSR made by NSS `certutil -R` is signed by `nut-certutil`; a certificate issued by
//! `nut-certutil` is imported and validated by NSS `certutil -V`; chains verify with
//! `openssl verify`; `<hash>.0` names equal `openssl x509 -hash`, for tricky subjects too.

use rnut_tests::certutil::*;

fn nss_available() -> bool {
    rnut_tests::require_tool("certutil") && rnut_tests::require_tool("openssl")
}

#[test]
fn nss_request_signed_by_nut_certutil_and_validated_by_nss_and_openssl() {
    if !nss_available() {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::write(
        d.join("noise"),
        (0..2048u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .expect("noise");
    // Our CA.
    certutil_ok(d, &["init", "ca", "--empty-password"], "");
    certutil_ok(
        d,
        &[
            "-d",
            "ca",
            "ca",
            "create",
            "-n",
            "rnut CA",
            "-s",
            "CN=rnut Interop CA,O=rnut,C=US",
        ],
        "",
    );
    certutil_ok(
        d,
        &["-L", "-d", "ca", "-n", "rnut CA", "-a", "-o", "ca.crt"],
        "",
    );
    // NSS database and request (RSA, NSS's default, with extensions rcgen does not parse).
    std::fs::create_dir(d.join("nss")).expect("mkdir");
    let (c, out) = tool(d, "certutil", &["-N", "-d", "nss", "--empty-password"]);
    assert_eq!(c, 0, "{out}");
    let (c, out) = tool(
        d,
        "certutil",
        &[
            "-R",
            "-d",
            "nss",
            "-s",
            "CN=nss-ups.example.com,O=NSS",
            "-a",
            "-o",
            "nss.req",
            "-z",
            "noise",
            "--extSAN",
            "dns:nss-ups.example.com,ip:127.0.0.1",
            "--extKeyUsage",
            "serverAuth",
            "--nsCertType",
            "sslServer",
        ],
    );
    assert_eq!(c, 0, "{out}");
    // Signed by nut-certutil (NSS command line, -6 answer 0 = server auth).
    certutil_ok(
        d,
        &[
            "-C", "-d", "ca", "-c", "rnut CA", "-a", "-i", "nss.req", "-o", "nss.crt", "-6", "-v",
            "12",
        ],
        "0\n9\nn\n",
    );
    let (c, out) = tool(d, "openssl", &["verify", "-CAfile", "ca.crt", "nss.crt"]);
    assert_eq!(c, 0, "openssl verify: {out}");
    let (_, text) = tool(d, "openssl", &["x509", "-in", "nss.crt", "-noout", "-text"]);
    assert!(
        text.contains("DNS:nss-ups.example.com") && text.contains("IP Address:127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    // Back into NSS: the certificate meets its key there and validates as an SSL server.
    for (args, what) in [
        (
            vec![
                "-A", "-d", "nss", "-n", "rnut CA", "-t", "CT,,", "-a", "-i", "ca.crt",
            ],
            "import CA",
        ),
        (
            vec![
                "-A", "-d", "nss", "-n", "server", "-t", ",,", "-a", "-i", "nss.crt",
            ],
            "import server",
        ),
    ] {
        let (c, out) = tool(d, "certutil", &args);
        assert_eq!(c, 0, "{what}: {out}");
    }
    let (c, out) = tool(
        d,
        "certutil",
        &["-V", "-d", "nss", "-n", "server", "-u", "V"],
    );
    assert_eq!(c, 0, "NSS -V: {out}");
    assert!(out.contains("certificate is valid"), "{out}");
    // A subject rcgen cannot reproduce (the same attribute twice) is refused, not mangled.
    let (c, out) = tool(
        d,
        "certutil",
        &[
            "-R",
            "-d",
            "nss",
            "-s",
            "CN=dup,OU=a,OU=b,O=NSS",
            "-a",
            "-o",
            "dup.req",
            "-z",
            "noise",
        ],
    );
    assert_eq!(c, 0, "{out}");
    let (code, _, err) = certutil(
        d,
        &[
            "-C", "-d", "ca", "-c", "rnut CA", "-a", "-i", "dup.req", "-o", "dup.crt",
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(err.contains("has the attribute OU more than once"), "{err}");
    assert!(!d.join("dup.crt").exists());
    let (_, list) = tool(d, "certutil", &["-L", "-d", "nss"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("server ") && l.trim_end().ends_with("u,u,u")),
        "{list}"
    );
}

#[test]
fn certificates_issued_by_nut_certutil_validate_in_nss() {
    if !nss_available() {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    certutil_ok(d, &["init", "db", "--empty-password"], "");
    certutil_ok(
        d,
        &[
            "-d",
            "db",
            "ca",
            "create",
            "-n",
            "CA",
            "-s",
            "CN=rnut NSS CA,O=rnut",
            "-k",
            "rsa",
            "-g",
            "3072",
        ],
        "",
    );
    certutil_ok(d, &["-L", "-d", "db", "-n", "CA", "-a", "-o", "ca.crt"], "");
    for (nick, role, usage, key, curve) in [
        ("srv", "server", "V", "ec", "nistp256"),
        ("cli", "client", "C", "ec", "nistp256"),
        ("p384", "server", "V", "ec", "nistp384"),
        ("ed", "server", "V", "ed25519", ""),
    ] {
        let mut args = vec![
            "-d",
            "db",
            "issue",
            "--ca",
            "CA",
            "-n",
            nick,
            "-s",
            "CN=localhost,O=rnut",
            "--role",
            role,
            "-k",
            key,
        ];
        if !curve.is_empty() {
            args.extend(["-q", curve]);
        }
        certutil_ok(d, &args, "");
        certutil_ok(
            d,
            &[
                "-L",
                "-d",
                "db",
                "-n",
                nick,
                "-a",
                "-o",
                &format!("{nick}.crt"),
            ],
            "",
        );
        if key == "ed25519" {
            // NSS 3.87 has no Ed25519: openssl checks that one below.
            continue;
        }
        let nssdir = format!("nss-{nick}");
        let crt = format!("{nick}.crt");
        std::fs::create_dir(d.join(&nssdir)).expect("mkdir");
        for args in [
            vec!["-N", "-d", nssdir.as_str(), "--empty-password"],
            vec![
                "-A",
                "-d",
                nssdir.as_str(),
                "-n",
                "CA",
                "-t",
                "CT,,",
                "-a",
                "-i",
                "ca.crt",
            ],
            vec![
                "-A",
                "-d",
                nssdir.as_str(),
                "-n",
                nick,
                "-t",
                ",,",
                "-a",
                "-i",
                crt.as_str(),
            ],
        ] {
            let (c, out) = tool(d, "certutil", &args);
            assert_eq!(c, 0, "{args:?}: {out}");
        }
        let (c, out) = tool(
            d,
            "certutil",
            &["-V", "-d", &nssdir, "-n", nick, "-u", usage],
        );
        assert_eq!(c, 0, "NSS -V -u {usage} for {nick}: {out}");
    }
    for nick in ["srv", "cli", "p384", "ed"] {
        let purpose = if nick == "cli" {
            "sslclient"
        } else {
            "sslserver"
        };
        let (c, out) = tool(
            d,
            "openssl",
            &[
                "verify",
                "-purpose",
                purpose,
                "-CAfile",
                "ca.crt",
                &format!("{nick}.crt"),
            ],
        );
        assert_eq!(c, 0, "openssl verify {nick}: {out}");
    }
    // Our own -V agrees, and refuses the wrong usage.
    let v = certutil_ok(d, &["-V", "-d", "db", "-n", "srv", "-u", "V"], "");
    assert!(v.contains("certificate is valid"));
    let (code, out, _) = certutil(d, &["-V", "-d", "db", "-n", "srv", "-u", "C"], "");
    assert_eq!(code, 255, "{out}");
    assert!(out.contains("certificate is invalid"), "{out}");
}

#[test]
fn hash_names_equal_openssl_x509_hash() {
    if !rnut_tests::require_tool("openssl") {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    certutil_ok(d, &["init", "db", "--empty-password"], "");
    let subjects = [
        "CN=My CA,O=MyCompany,ST=MyState,C=US",
        "CN=UPPER lower   MiXed,OU=Power  Team,O=Big Corp",
        "CN=caf\u{e9} \u{fc}ber CA,O=\u{c9}cole",
        "CN=a,E=Admin@Example.COM,DC=Example,DC=com",
    ];
    for (i, s) in subjects.iter().enumerate() {
        let nick = format!("ca{i}");
        let (code, out, err) = certutil(d, &["-d", "db", "ca", "create", "-n", &nick, "-s", s], "");
        if code != 0 {
            // Repeated attribute types are refused by the subject parser: that is a clear error.
            assert!(err.contains("given twice"), "{s}: {out}{err}");
            continue;
        }
    }
    // An NSS-made CA (PrintableString encodings) in the mix, imported with C trust.
    if rnut_tests::require_tool("certutil") {
        std::fs::write(d.join("noise"), [3u8; 2048]).expect("noise");
        std::fs::create_dir(d.join("nss")).expect("mkdir");
        let (c, out) = tool(d, "certutil", &["-N", "-d", "nss", "--empty-password"]);
        assert_eq!(c, 0, "{out}");
        let (c, out) = tool(
            d,
            "sh",
            &[
                "-c",
                "printf 'y\\n\\ny\\n' | certutil -S -d nss -n nssca -s 'CN=NSS  Made CA,O=Some Org,C=DE' -t CT,, -x -2 -z noise -v 12",
            ],
        );
        assert_eq!(c, 0, "{out}");
        let (c, out) = tool(
            d,
            "sh",
            &["-c", "certutil -L -d nss -n nssca -a > nssca.crt"],
        );
        assert_eq!(c, 0, "{out}");
        certutil_ok(
            d,
            &[
                "-A",
                "-d",
                "db",
                "-n",
                "nssca",
                "-t",
                "C,,",
                "-a",
                "-i",
                "nssca.crt",
            ],
            "",
        );
    }
    certutil_ok(d, &["-d", "db", "export", "--ca-dir", "certs"], "");
    let mut checked = 0;
    for e in std::fs::read_dir(d.join("certs")).expect("dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        let (c, out) = tool(
            d,
            "openssl",
            &[
                "x509",
                "-hash",
                "-noout",
                "-in",
                &e.path().to_string_lossy(),
            ],
        );
        assert_eq!(c, 0, "{out}");
        assert_eq!(name, format!("{}.0", out.trim()), "hash of {name}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} CA files checked");
}
