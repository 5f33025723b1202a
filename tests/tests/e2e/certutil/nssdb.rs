//! Importing NSS databases (cert9.db + key4.db, what C NUT's CERTPATH names) with
//! `nut-certutil import-nss`: every fixture made by NSS 3.87, NSS 3.123 and an independent
//! writer, with its trust flags and keys; wrong and missing passwords; the listing compared
//! with Debian's NSS certutil on the same database; an
//! imported identity serving STARTTLS from our upsd; and `export-nss`: a database NSS's own
//! tools accept and C upsd serves STARTTLS from.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use nut_certutil::keys::PrivateKey;
use nut_certutil::nssdb::{self, NssError};
use rnut_tests::monitor::{Stack, run_tool, stdout};
use rnut_tests::{bin, private_tempdir, require_tool, shared_dir};

/// (fixture, password, trust of "NUT Test CA" as listed, CA key present, orphan keys).
const FIXTURES: &[(&str, &str, &str, bool, usize)] = &[
    ("nss3.87/rsa_pw", "nut-Secret-42", "CTu,u,u", true, 1),
    ("nss3.87/rsa_nopw", "", "CTu,u,u", true, 1),
    ("nss3.87/ec_pw", "nut-Secret-42", "CTu,u,u", true, 1),
    ("nss3.87/ec_nopw", "", "CTu,u,u", true, 1),
    ("nss3.123/rsa_pw", "nut-Secret-42", "CTu,u,u", true, 1),
    ("nss3.123/ec_pw", "nut-Secret-42", "CTu,u,u", true, 1),
    ("nss3.123/ec_nopw", "", "CTu,u,u", true, 1),
    ("mixed_trust_ec_nopw", "", "Pu,u,u", true, 1),
    (
        "written_without_nss/rsa_pw_sha1salt",
        "export-Pass-7",
        "CT,,",
        false,
        0,
    ),
    (
        "written_without_nss/rsa_pw_sha384salt",
        "export-Pass-7",
        "CT,,",
        false,
        0,
    ),
    ("written_without_nss/ec_nopw", "", "CT,,", false, 0),
];

fn fixture(name: &str) -> PathBuf {
    shared_dir().join("fixtures/nssdb").join(name)
}

fn certutil(args: &[&str]) -> Output {
    rnut_tests::process::output(Command::new(bin("nut-certutil")).args(args), "")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A new empty-password store in `parent`.
fn new_store(parent: &Path, name: &str) -> String {
    let dir = parent.join(name).display().to_string();
    let o = certutil(&["init", &dir, "--empty-password"]);
    assert!(o.status.success(), "{}", text(&o));
    dir
}

/// `nut-certutil -d STORE import-nss --from DIR [--from-password-file F]`.
fn import_nss(store: &str, from: &str, password_file: Option<&Path>) -> Output {
    let mut args = vec!["-d", store, "import-nss", "--from", from];
    if let Some(f) = password_file {
        args.extend(["--from-password-file", f.to_str().expect("utf-8")]);
    }
    certutil(&args)
}

/// `upsc` over STARTTLS to the stack, verifying the fixtures' server certificate
/// (`nutserver.example`, pinned with CERTHOST) against `ca`.
fn verified_status(stack: &Stack, ca: &Path) -> Output {
    let hostport = format!("127.0.0.1:{}", stack.port);
    run_tool(
        "upsc",
        &[
            "--certpath",
            ca.to_str().expect("utf-8"),
            "--certhost",
            &hostport,
            "nutserver.example",
            "1",
            "1",
            &stack.system(),
            "ups.status",
        ],
    )
}

/// A certificate of `store` as PEM in `out`.
fn export_pem(store: &str, nickname: &str, out: &Path) {
    let o = certutil(&[
        "-d",
        store,
        "export",
        "-n",
        nickname,
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

/// `nut-certutil -L` lines after the header: (nickname, trust).
fn listing(lines: &str) -> Vec<(String, String)> {
    lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !l.starts_with("Certificate Nickname") && !l.contains("SSL,S/MIME,JAR/XPI"))
        .filter_map(|l| {
            let l = l.trim_end();
            let (nick, trust) = l.rsplit_once(' ')?;
            Some((nick.trim().to_string(), trust.to_string()))
        })
        .collect()
}

#[test]
fn every_fixture_reads_with_its_trust_and_keys() {
    for (name, password, ca_trust, ca_key, orphans) in FIXTURES {
        let dir = fixture(name);
        let c = nssdb::read(&dir, Some(password)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.certs.len(), 2, "{name}");
        assert_eq!(c.orphan_keys, *orphans, "{name}");
        let ca = &c
            .certs
            .iter()
            .find(|c| c.nickname == "NUT Test CA")
            .expect("CA");
        assert_eq!(
            ca.trust.with_user(ca.key.is_some()).to_string(),
            *ca_trust,
            "{name}"
        );
        assert_eq!(ca.key.is_some(), *ca_key, "{name}");
        let server = c
            .certs
            .iter()
            .find(|c| c.nickname == "My nut server")
            .expect("server");
        assert_eq!(server.trust.to_string(), ",,", "{name}");
        // The rebuilt key is the one pk12util exported.
        // The independent writer's databases hold the keys of NSS 3.87's (spec 12).
        let source = match *name {
            "written_without_nss/ec_nopw" => fixture("nss3.87/ec_pw"),
            n if n.starts_with("written_without_nss/") => fixture("nss3.87/rsa_pw"),
            _ => dir.clone(),
        };
        let pem = std::fs::read(source.join("expected_server_key.pem")).expect("expected key");
        let der = nut_certutil::pem::private_key(&pem).expect("pem key");
        let expected = PrivateKey::from_key_der(&der).expect("expected key parses");
        let got = server.key.as_ref().expect("server key");
        assert_eq!(got.key_id(), expected.key_id(), "{name}");
        assert_eq!(got.algorithm(), expected.algorithm(), "{name}");
    }
}

#[test]
fn wrong_or_missing_passwords_are_refused() {
    let dir = fixture("nss3.87/rsa_pw");
    assert!(matches!(
        nssdb::read(&dir, Some("not-it")),
        Err(NssError::WrongPassword)
    ));
    assert!(matches!(
        nssdb::read(&dir, None),
        Err(NssError::NeedPassword)
    ));
    // The SHA-384 form too.
    assert!(matches!(
        nssdb::read(&fixture("nss3.123/ec_pw"), Some("nut-Secret-42x")),
        Err(NssError::WrongPassword)
    ));
    // An empty-password database needs none.
    assert!(nssdb::read(&fixture("nss3.87/ec_nopw"), None).is_ok());

    // Through the tool: a clear error and nothing written.
    let t = private_tempdir();
    let store = new_store(t.path(), "db");
    let pw = t.path().join("wrong");
    std::fs::write(&pw, "not-it\n").expect("write");
    let from = dir.to_str().expect("utf-8");
    let o = import_nss(&store, from, Some(&pw));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("wrong password for the NSS database"),
        "{}",
        text(&o)
    );
    let o = import_nss(&store, from, None);
    assert!(!o.status.success());
    assert!(text(&o).contains("--from-password-file"), "{}", text(&o));
    let o = certutil(&["-d", &store, "-L"]);
    assert!(listing(&String::from_utf8_lossy(&o.stdout)).is_empty());
    // Not an NSS database at all.
    let o = import_nss(&store, &store, None);
    assert!(!o.status.success());
    assert!(text(&o).contains("no NSS sql: database"), "{}", text(&o));
}

#[test]
fn the_imported_listing_matches_nss_certutil() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    // NSS 3.87 (Debian 12) reads the 3.87-format databases; it may write to them, so it gets
    // copies.
    for name in [
        "nss3.87/rsa_pw",
        "nss3.87/ec_nopw",
        "written_without_nss/ec_nopw",
    ] {
        let copy = t.path().join(name.replace('/', "_"));
        std::fs::create_dir_all(&copy).expect("mkdir");
        for f in ["cert9.db", "key4.db", "pwfile"] {
            std::fs::copy(fixture(name).join(f), copy.join(f)).expect("copy");
        }
        let nss = Command::new("certutil")
            .args(["-L", "-d"])
            .arg(format!("sql:{}", copy.display()))
            .output()
            .expect("certutil");
        assert!(nss.status.success(), "{}", text(&nss));
        let store = new_store(t.path(), &format!("{}-rnut", name.replace('/', "_")));
        let o = import_nss(
            &store,
            &format!("sql:{}", copy.display()),
            Some(&copy.join("pwfile")),
        );
        assert!(o.status.success(), "{name}: {}", text(&o));
        let ours = certutil(&["-d", &store, "-L"]);
        let mut a = listing(&String::from_utf8_lossy(&nss.stdout));
        let mut b = listing(&String::from_utf8_lossy(&ours.stdout));
        a.sort();
        b.sort();
        assert_eq!(b, a, "{name}");
        assert_eq!(a.len(), 2, "{name}");
    }
}

/// The NSS database used directly as CERTPATH is certutil::certpath_nssdb; here the
/// other way, `import-nss` into our store, serves the same identity.
#[test]
fn an_import_of_an_nss_database_serves_tls() {
    let t = private_tempdir();
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    // Imported into a password-protected store, the same identity serves STARTTLS.
    let store = t.path().join("imported");
    let pwfile = t.path().join("pw");
    std::fs::write(&pwfile, "store-Pass-1\n").expect("write");
    let o = certutil(&[
        "-d",
        store.to_str().expect("utf-8"),
        "-f",
        pwfile.to_str().expect("utf-8"),
        "init",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = certutil(&[
        "-d",
        store.to_str().expect("utf-8"),
        "-f",
        pwfile.to_str().expect("utf-8"),
        "import-nss",
        "--from",
        fixture("nss3.87/ec_pw").to_str().expect("utf-8"),
        "--from-password-file",
        fixture("nss3.87/ec_pw/pwfile").to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ca = t.path().join("ca.pem");
    export_pem(store.to_str().expect("utf-8"), "NUT Test CA", &ca);
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTPATH {}\nCERTIDENT \"My nut server\" \"store-Pass-1\"\n",
            stack.port,
            store.display()
        ),
        0o640,
    );
    stack.start();
    let o = verified_status(&stack, &ca);
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("SSL handshake done successfully", Duration::from_secs(5)),
        "{}",
        upsd.text()
    );
}

/// A copy of a fixture whose key4.db can be tampered with.
fn tampered_copy(name: &str, t: &Path, sql: &str) -> PathBuf {
    let copy = t.join(name.replace('/', "_"));
    std::fs::create_dir_all(&copy).expect("mkdir");
    for f in ["cert9.db", "key4.db"] {
        std::fs::copy(fixture(name).join(f), copy.join(f)).expect("copy");
    }
    let conn = rusqlite::Connection::open(copy.join("key4.db")).expect("open key4.db");
    let changed = conn.execute(sql, []).expect("tamper");
    assert!(changed > 0, "{sql}");
    copy
}

#[test]
fn tampered_integrity_entries_refuse_the_key_and_drop_the_trust() {
    let t = private_tempdir();
    // A key attribute whose MAC no longer matches: NSS would not hand the key out; neither
    // do we, and nothing is imported.
    let dir = tampered_copy(
        "nss3.87/ec_nopw",
        t.path(),
        "UPDATE metaData SET item1 = CAST(substr(item1, 1, length(item1) - 32) || randomblob(32) AS BLOB) \
         WHERE id LIKE 'sig_key_%_00000011'",
    );
    match nssdb::read(&dir, None) {
        Err(NssError::Integrity(m)) => assert!(m.contains("0x11"), "{m}"),
        other => panic!("expected an integrity error, got {other:?}"),
    }
    // A missing MAC for an encrypted attribute is refused the same way.
    let dir = tampered_copy(
        "nss3.87/rsa_nopw",
        t.path().join("b").as_path(),
        "DELETE FROM metaData WHERE id LIKE 'sig_key_%_00000124'",
    );
    assert!(matches!(
        nssdb::read(&dir, None),
        Err(NssError::Integrity(_))
    ));
    // A trust value whose MAC fails: the certificate comes without trust, said in a note.
    let dir = tampered_copy(
        "nss3.87/ec_nopw",
        t.path().join("c").as_path(),
        "UPDATE metaData SET item1 = CAST(substr(item1, 1, length(item1) - 32) || randomblob(32) AS BLOB) \
         WHERE id LIKE 'sig_cert_%_ce536358'",
    );
    let c = nssdb::read(&dir, None).expect("reads");
    let ca = c
        .certs
        .iter()
        .find(|c| c.nickname == "NUT Test CA")
        .expect("CA");
    assert_eq!(ca.trust.to_string(), ",,");
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("NUT Test CA") && n.contains("integrity")),
        "{:?}",
        c.notes
    );
    assert!(ca.key.is_some(), "the key itself is intact");

    // The CA row's certificate replaced by another one (certificates carry no integrity
    // entry): its trust object's certificate hash no longer matches, so the trust stays
    // behind instead of following the swapped certificate.
    let dir = t.path().join("d");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for f in ["cert9.db", "key4.db"] {
        std::fs::copy(fixture("nss3.87/ec_nopw").join(f), dir.join(f)).expect("copy");
    }
    let conn = rusqlite::Connection::open(dir.join("cert9.db")).expect("open cert9.db");
    let changed = conn
        .execute(
            "UPDATE nssPublic SET a11 = (SELECT a11 FROM nssPublic WHERE a3 = CAST('My nut server' AS BLOB)) \
             WHERE a3 = CAST('NUT Test CA' AS BLOB)",
            [],
        )
        .expect("swap");
    assert_eq!(changed, 1);
    let c = nssdb::read(&dir, None).expect("reads");
    let ca = c
        .certs
        .iter()
        .find(|c| c.nickname == "NUT Test CA")
        .expect("CA row");
    assert_eq!(ca.trust.to_string(), ",,", "{:?}", c.notes);
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("names another certificate")),
        "{:?}",
        c.notes
    );
}

#[test]
fn an_export_satisfies_nss_tools_and_serves_c_upsd() {
    if !require_tool("certutil") || !require_tool("pk12util") || !require_tool("/lib/nut/upsd") {
        return;
    }
    let t = private_tempdir();
    // A store holding an imported CA (CT,,) with its key and a server certificate with its
    // key, plus a client certificate issued here.
    let store = new_store(t.path(), "store");
    let o = import_nss(
        &store,
        fixture("nss3.87/ec_pw").to_str().expect("utf-8"),
        Some(&fixture("nss3.87/ec_pw/pwfile")),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = certutil(&[
        "-d",
        &store,
        "issue",
        "-c",
        "NUT Test CA",
        "-n",
        "client1",
        "-s",
        "CN=client1",
        "--role",
        "client",
    ]);
    assert!(o.status.success(), "{}", text(&o));

    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let nss = stack.path().join("nssdb");
    let pw = stack.path().join("nss-pw");
    std::fs::write(&pw, "exp-Pass-9\n").expect("write");
    let nss_arg = format!("sql:{}", nss.display());
    let o = certutil(&[
        "-d",
        &store,
        "export-nss",
        "--to",
        &nss_arg,
        "--to-password-file",
        pw.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // Owner-only files, as NSS makes them (key4.db holds the keys).
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["cert9.db", "key4.db"] {
            let mode = std::fs::metadata(nss.join(f))
                .expect(f)
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
        let mode = std::fs::metadata(&nss).expect("dir").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    // An empty password file is not taken for an intended empty password.
    let empty = stack.path().join("empty-pw");
    std::fs::write(&empty, "\n").expect("write");
    let other = format!("sql:{}", stack.path().join("other").display());
    let o = certutil(&[
        "-d",
        &store,
        "export-nss",
        "--to",
        &other,
        "--to-password-file",
        empty.to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--to-empty-password"), "{}", text(&o));
    // A second export into the same place is refused: nothing is overwritten.
    let again = certutil(&[
        "-d",
        &store,
        "export-nss",
        "--to",
        &nss_arg,
        "--to-empty-password",
    ]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("never overwritten"),
        "{}",
        text(&again)
    );

    let nss_tool = |tool: &str, args: &[&str]| {
        let o = Command::new(tool).args(args).output().expect(tool);
        assert!(o.status.success(), "{tool} {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // NSS lists what we list, with the same trust.
    let mut theirs = listing(&nss_tool("certutil", &["-L", "-d", &nss_arg]));
    let mut ours = listing(&String::from_utf8_lossy(
        &certutil(&["-d", &store, "-L"]).stdout,
    ));
    theirs.sort();
    ours.sort();
    assert_eq!(theirs, ours);
    assert_eq!(theirs.len(), 3);
    // It opens the keys with the password (HMACs and encryption as NSS wants them) ...
    let pwf = pw.to_str().expect("utf-8");
    let keys = nss_tool("certutil", &["-K", "-d", &nss_arg, "-f", pwf]);
    for nick in ["NUT Test CA", "My nut server", "client1"] {
        assert!(keys.contains(nick), "{nick}: {keys}");
    }
    // ... verifies the chains against the exported trust ...
    let v = nss_tool(
        "certutil",
        &["-V", "-n", "client1", "-u", "C", "-d", &nss_arg],
    );
    assert!(v.contains("certificate is valid"), "{v}");
    // ... and exports a key, which needs it decrypted.
    let p12pw = stack.path().join("p12-pw");
    std::fs::write(&p12pw, "p12pass\n").expect("write");
    let p12 = stack.path().join("server.p12");
    nss_tool(
        "pk12util",
        &[
            "-o",
            p12.to_str().expect("utf-8"),
            "-n",
            "My nut server",
            "-d",
            &nss_arg,
            "-k",
            pwf,
            "-w",
            p12pw.to_str().expect("utf-8"),
        ],
    );

    // C upsd (NSS build) serves STARTTLS from it.
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTPATH {}\nCERTIDENT \"My nut server\" \"exp-Pass-9\"\n",
            stack.port,
            nss.display()
        ),
        0o640,
    );
    let ca = stack.path().join("ca.pem");
    export_pem(&store, "NUT Test CA", &ca);
    stack.for_c_nut();
    stack.start();
    let o = verified_status(&stack, &ca);
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));

    // And it reads back into a rnut store unchanged.
    let back = new_store(t.path(), "back");
    let o = import_nss(&back, &nss_arg, Some(&pw));
    assert!(o.status.success(), "{}", text(&o));
    let mut again = listing(&String::from_utf8_lossy(
        &certutil(&["-d", &back, "-L"]).stdout,
    ));
    again.sort();
    assert_eq!(again, ours);
}

#[test]
fn a_renewed_certificate_sharing_a_nickname_imports_the_newest() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    // Two certificates with the same subject, the second valid longer (a renewal).
    let src = new_store(t.path(), "src");
    let ca = [
        "-d",
        &src,
        "ca",
        "create",
        "-n",
        "CA",
        "-s",
        "CN=Renewal CA",
    ];
    assert!(certutil(&ca).status.success());
    for (nick, months) in [("old", "12"), ("new", "24")] {
        let o = certutil(&[
            "-d",
            &src,
            "issue",
            "-c",
            "CA",
            "-n",
            nick,
            "-s",
            "CN=srv.example",
            "--months",
            months,
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let nss = t.path().join("nss");
    std::fs::create_dir_all(&nss).expect("mkdir");
    let nss_arg = format!("sql:{}", nss.display());
    let run = |args: &[&str]| {
        let o = Command::new("certutil")
            .args(args)
            .output()
            .expect("certutil");
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    };
    run(&["-N", "-d", &nss_arg, "--empty-password"]);
    for nick in ["old", "new"] {
        let pem = t.path().join(format!("{nick}.pem"));
        export_pem(&src, nick, &pem);
        // NSS accepts one nickname for certificates of the same subject.
        run(&[
            "-A",
            "-d",
            &nss_arg,
            "-n",
            "srv",
            "-t",
            ",,",
            "-a",
            "-i",
            pem.to_str().expect("utf-8"),
        ]);
    }
    let dst = new_store(t.path(), "dst");
    let o = import_nss(&dst, &nss_arg, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("an older certificate named \"srv\""),
        "{}",
        text(&o)
    );
    let shown = certutil(&["-d", &dst, "show", "srv"]);
    let newest = certutil(&["-d", &src, "show", "new"]);
    let not_after = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.contains("Not After"))
            .map(str::to_string)
    };
    assert!(not_after(&newest).is_some(), "{}", text(&newest));
    assert_eq!(not_after(&shown), not_after(&newest));
}

/// What a TLS setup reads of an NSS CERTPATH: only the CERTIDENT nickname's key is decrypted;
/// without the password, a database that has one gives its certificates and trust as stored
/// and no key; a wrong password is still an error.
#[test]
fn a_tls_read_decrypts_only_the_named_key_and_reads_trust_as_stored_without_password() {
    use nssdb::{KeysWanted, ReadOptions};
    let dir = fixture("nss3.87/ec_pw");
    let opts = |password, keys| ReadOptions {
        password,
        keys,
        trust_as_stored_without_password: password.is_none(),
    };
    let trust_of = |c: &nssdb::NssContents, nick: &str| {
        let cert = c.certs.iter().find(|c| c.nickname == nick).expect(nick);
        (cert.trust.to_string(), cert.key.is_some())
    };
    let c = nssdb::read_with(
        &dir,
        &opts(Some("nut-Secret-42"), KeysWanted::Of("My nut server")),
    )
    .expect("read");
    assert_eq!(trust_of(&c, "NUT Test CA"), ("CT,,".to_string(), false));
    assert_eq!(trust_of(&c, "My nut server"), (",,".to_string(), true));
    assert_eq!(c.orphan_keys, 0);
    let c = nssdb::read_with(&dir, &opts(None, KeysWanted::Of("My nut server"))).expect("read");
    assert_eq!(trust_of(&c, "NUT Test CA"), ("CT,,".to_string(), false));
    assert_eq!(trust_of(&c, "My nut server"), (",,".to_string(), false));
    assert!(matches!(
        nssdb::read_with(&dir, &opts(Some("not-it"), KeysWanted::Nothing)),
        Err(NssError::WrongPassword)
    ));
}
