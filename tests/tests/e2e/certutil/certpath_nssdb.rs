//! An NSS database (cert9.db / key4.db) used directly as CERTPATH (issue 14 item 5): made by
//! Debian's NSS `certutil` with the commands of NUT's security guide, or one of the shared
//! fixtures; our upsd serves TLS from it (CERTIDENT nickname and password), our upsc and C
//! upsmon verify it, our upsc verifies against an NSS database holding the CA, `p` distrust
//! is honoured, CERTREQUEST REQUIRE takes client CAs trusted `T` there, a wrong password is a
//! clear refusal, and the database is never written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rnut_tests::monitor::{Stack, run_tool, stdout};
use rnut_tests::{private_tempdir, require_tool, shared_dir, write_file};

const DB_PASSWORD: &str = "db-Pass-1";
const CA_NICK: &str = "My Root CA";
const SERVER_NICK: &str = "My nut server";

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn fixture(name: &str) -> PathBuf {
    shared_dir().join("fixtures/nssdb").join(name)
}

/// NSS's certutil with `args`, answering its prompts with `answers`.
fn nss(args: &[&str], answers: &str) {
    let mut child = Command::new("certutil")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("certutil");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(answers.as_bytes()).expect("answers");
    }
    let o = child.wait_with_output().expect("certutil");
    assert!(o.status.success(), "certutil {args:?}: {}", text(&o));
}

/// An NSS database with `password` (a file next to it holds it, as NSS's `-f` reads it).
struct NssDb {
    dir: PathBuf,
    pwfile: PathBuf,
    noise: PathBuf,
}

impl NssDb {
    fn new(parent: &Path, name: &str, password: &str) -> NssDb {
        let dir = parent.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let pwfile = parent.join(format!("{name}.pw"));
        std::fs::write(&pwfile, format!("{password}\n")).expect("pw");
        let noise = parent.join(format!("{name}.noise"));
        let seed: Vec<u8> = (0..2048u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&noise, seed).expect("noise");
        let db = NssDb { dir, pwfile, noise };
        if password.is_empty() {
            nss(&["-N", "-d", &db.arg(), "--empty-password"], "");
        } else {
            nss(&["-N", "-d", &db.arg(), "-f", &db.pw()], "");
        }
        db
    }

    fn arg(&self) -> String {
        format!("sql:{}", self.dir.display())
    }

    fn pw(&self) -> String {
        self.pwfile.display().to_string()
    }

    fn noise(&self) -> String {
        self.noise.display().to_string()
    }

    /// The guide's self-signed CA: `certutil -S -n "My Root CA" -s ... -t "CT,," -x -2`.
    fn guide_ca(&self) {
        nss(
            &[
                "-S",
                "-d",
                &self.arg(),
                "-f",
                &self.pw(),
                "-z",
                &self.noise(),
                "-n",
                CA_NICK,
                "-s",
                "CN=My CA,O=MyCompany,ST=MyState,C=US",
                "-t",
                "CT,,",
                "-x",
                "-2",
                // Serial numbers given: NSS's default comes from the clock, and a leaf signed
                // in the same second as the CA would share the CA's issuer + serial.
                "-m",
                "1",
            ],
            // CA: yes; no path length limit; critical.
            "y\n-1\ny\n",
        );
    }

    /// A key pair and its request here (`certutil -R`), signed by `ca_db`'s CA (`certutil
    /// -C -2 -6`, EKU 0 = server auth or 1 = client auth, DNS names `sans` with `-8` when
    /// given), imported with `trust` (`-A`).
    fn guide_leaf(
        &self,
        ca_db: &NssDb,
        subject: &str,
        nick: &str,
        (eku, sans): (char, Option<&str>),
        trust: &str,
    ) {
        let req = self.dir.with_extension(format!("{nick}.req"));
        let crt = self.dir.with_extension(format!("{nick}.crt"));
        let (req_s, crt_s) = (req.display().to_string(), crt.display().to_string());
        nss(
            &[
                "-R",
                "-d",
                &self.arg(),
                "-f",
                &self.pw(),
                "-z",
                &self.noise(),
                "-s",
                subject,
                "-a",
                "-o",
                &req_s,
            ],
            "",
        );
        let ca_arg = ca_db.arg();
        let ca_pw = ca_db.pw();
        let serial = if eku == '0' { "2" } else { "3" };
        let mut sign = vec![
            "-C", "-d", &ca_arg, "-f", &ca_pw, "-c", CA_NICK, "-a", "-i", &req_s, "-o", &crt_s,
            "-2", "-6", "-m", serial,
        ];
        if let Some(names) = sans {
            sign.extend(["-8", names]);
        }
        nss(
            &sign,
            // EKU, done, not critical; not a CA, no path length, not critical.
            &format!("{eku}\n9\nn\nn\n\nn\n"),
        );
        self.import(nick, &crt_s, trust);
    }

    /// `certutil -A -n NICK -t TRUST -a -i FILE`.
    fn import(&self, nick: &str, file: &str, trust: &str) {
        nss(
            &[
                "-A",
                "-d",
                &self.arg(),
                "-f",
                &self.pw(),
                "-n",
                nick,
                "-t",
                trust,
                "-a",
                "-i",
                file,
            ],
            "",
        );
    }

    /// `certutil -L -n NICK -a -o FILE`.
    fn export(&self, nick: &str) -> String {
        let out = self.dir.with_extension(format!("{nick}.export.pem"));
        nss(
            &[
                "-L",
                "-d",
                &self.arg(),
                "-n",
                nick,
                "-a",
                "-o",
                &out.display().to_string(),
            ],
            "",
        );
        out.display().to_string()
    }

    /// `certutil -M -n NICK -t TRUST`.
    fn set_trust(&self, nick: &str, trust: &str) {
        nss(
            &[
                "-M",
                "-d",
                &self.arg(),
                "-f",
                &self.pw(),
                "-n",
                nick,
                "-t",
                trust,
            ],
            "",
        );
    }
}

/// The bytes of every file of a directory (to show nothing was written or added).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let p = e.expect("entry").path();
            let data = std::fs::read(&p).unwrap_or_default();
            (p, data)
        })
        .collect();
    all.sort();
    all
}

/// The server's database as the guide makes it: CA (`CT,,`) and "My nut server" signed by
/// it, with its key, under a password.
/// `sans`: DNS names for the server certificate (`-8`), so that C upsmon, which checks the
/// MONITOR host, accepts it under `localhost`.
fn guide_server_db(parent: &Path, sans: Option<&str>) -> NssDb {
    let db = NssDb::new(parent, "server-db", DB_PASSWORD);
    db.guide_ca();
    db.guide_leaf(
        &db,
        "CN=My nut server,O=MyCompany,ST=MyState,C=US",
        SERVER_NICK,
        ('0', sans),
        ",,",
    );
    db
}

/// A client database holding the guide's CA, trusted `trust`.
fn client_db(parent: &Path, server: &NssDb, trust: &str) -> NssDb {
    let db = NssDb::new(parent, "client-db", "client-Pass-2");
    db.import(CA_NICK, &server.export(CA_NICK), trust);
    db
}

fn upsd_conf(stack: &Stack, certpath: &Path, ident: &str, password: &str, extra: &str) {
    write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTPATH {}\nCERTIDENT \"{ident}\" \"{password}\"\n{extra}",
            stack.port,
            certpath.display()
        ),
        0o640,
    );
}

/// Our upsc over STARTTLS to the stack, verifying the certificate named `certname` against
/// `certpath`, with `extra` options.
fn upsc_verified(stack: &Stack, certpath: &Path, certname: &str, extra: &[&str]) -> Output {
    let hostport = format!("127.0.0.1:{}", stack.port);
    let certpath = certpath.display().to_string();
    let mut args = vec![
        "--certpath",
        &certpath,
        "--certhost",
        &hostport,
        certname,
        "1",
        "1",
    ];
    args.extend_from_slice(extra);
    let sys = stack.system();
    args.extend([sys.as_str(), "ups.status"]);
    run_tool("upsc", &args)
}

/// upsd run to completion with the stack's config (a refusal to start).
fn upsd_refusal(stack: &Stack) -> Output {
    let mut cmd = Command::new(rnut_tests::bin("upsd"));
    cmd.arg("-F")
        .args(rnut_tests::stay_root_args())
        .env("NUT_CONFPATH", stack.path().join("conf"))
        .env("NUT_STATEPATH", stack.path().join("state"))
        .env("NUT_ALTPIDPATH", stack.path().join("run"))
        .stdin(Stdio::null());
    let o = cmd.output().expect("upsd");
    assert!(!o.status.success(), "upsd started: {}", text(&o));
    o
}

#[test]
fn upsd_serves_tls_from_the_guides_nss_database_and_upsc_verifies_with_an_nss_ca() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let client = client_db(t.path(), &server, "CT,,");
    let before = snapshot(&server.dir);
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, DB_PASSWORD, "");
    stack.start();
    let o = upsc_verified(&stack, &client.dir, SERVER_NICK, &[]);
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("SSL handshake done successfully", Duration::from_secs(5)),
        "{}",
        upsd.text()
    );
    // NSS's `sql:` prefix names the same database.
    let o = upsc_verified(
        &stack,
        Path::new(&client.arg()),
        SERVER_NICK,
        &["--forcessl"],
    );
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));
    // Another name than the certificate's is refused: verification is real.
    let o = upsc_verified(&stack, &client.dir, "Another server", &[]);
    assert!(!o.status.success(), "{}", text(&o));
    stack.stop_upsd();
    // Read-only: neither database was written, nothing was added next to them.
    assert!(snapshot(&server.dir) == before, "the NSS database changed");
}

#[test]
fn a_wrong_nss_password_is_refused_with_a_clear_error() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, "not-the-password", "");
    let o = upsd_refusal(&stack);
    let msg = text(&o);
    assert!(msg.contains("wrong password"), "{msg}");
    assert!(msg.contains(&server.dir.display().to_string()), "{msg}");
    assert!(!msg.contains("not-the-password"), "{msg}");
    // A nickname the database does not hold is named.
    upsd_conf(&stack, &server.dir, "No such server", DB_PASSWORD, "");
    let msg = text(&upsd_refusal(&stack));
    assert!(msg.contains("No such server"), "{msg}");
}

/// A database made with `--empty-password` is opened whatever CERTIDENT's password says, as
/// NSS never asks for it (C upsd serves it with any CERTIDENT password); an old `cert8.db`
/// database is refused with the way to convert it.
#[test]
fn an_empty_password_nss_database_takes_any_certident_password_and_cert8_is_explained() {
    let t = private_tempdir();
    let dir = t.path().join("nopw");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for f in ["cert9.db", "key4.db"] {
        std::fs::copy(fixture("nss3.87/ec_nopw").join(f), dir.join(f)).expect("copy");
    }
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &dir, SERVER_NICK, "whatever-Pass", "");
    stack.start();
    let o = upsc_verified(&stack, &dir, "nutserver.example", &[]);
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));
    stack.stop_upsd();
    let legacy = t.path().join("legacy");
    std::fs::create_dir_all(&legacy).expect("mkdir");
    std::fs::write(legacy.join("cert8.db"), b"").expect("cert8");
    std::fs::write(legacy.join("key3.db"), b"").expect("key3");
    upsd_conf(&stack, &legacy, SERVER_NICK, "", "");
    let msg = text(&upsd_refusal(&stack));
    assert!(msg.contains("legacy NSS database"), "{msg}");
    assert!(msg.contains("certutil -K -d sql:"), "{msg}");
}

#[test]
fn p_distrust_in_an_nss_database_is_honoured() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let client = client_db(t.path(), &server, "CT,,");
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, DB_PASSWORD, "");
    stack.start();
    let o = upsc_verified(&stack, &client.dir, SERVER_NICK, &[]);
    assert_eq!(stdout(&o), "OL\n", "{}", text(&o));
    // The server's own certificate distrusted (`p`) in the client's database, its CA still
    // `CT`: refused, read with and without the database password.
    client.import(SERVER_NICK, &server.export(SERVER_NICK), "p,p,p");
    for extra in [&[][..], &["--certident", "", "client-Pass-2"][..]] {
        let o = upsc_verified(&stack, &client.dir, SERVER_NICK, extra);
        assert!(!o.status.success(), "{extra:?}: {}", text(&o));
        assert!(text(&o).contains("distrust"), "{extra:?}: {}", text(&o));
    }
    // The CA itself distrusted: refused too.
    let client2 = NssDb::new(t.path(), "client2-db", "client-Pass-3");
    client2.import(CA_NICK, &server.export(CA_NICK), "p,p,p");
    let o = upsc_verified(&stack, &client2.dir, SERVER_NICK, &[]);
    assert!(!o.status.success(), "{}", text(&o));
}

/// Damage the integrity entries (in key4.db) of the trust object of `nick` (in cert9.db).
fn break_trust_integrity(db: &NssDb, nick: &str) {
    let conn = rusqlite::Connection::open(db.dir.join("key4.db")).expect("key4.db");
    conn.execute(
        "ATTACH DATABASE ?1 AS certs",
        [db.dir.join("cert9.db").display().to_string()],
    )
    .expect("attach");
    let changed = conn
        .execute(
            "UPDATE metaData SET item1 = CAST(substr(item1, 1, length(item1) - 32) || randomblob(32) AS BLOB) \
             WHERE EXISTS (SELECT 1 FROM certs.nssPublic t, certs.nssPublic c \
               WHERE c.a3 = CAST(?1 AS BLOB) AND t.a82 = c.a82 AND t.a81 = c.a81 AND t.id != c.id \
               AND metaData.id LIKE 'sig_cert_' || printf('%08x', t.id) || '_%')",
            [nick],
        )
        .expect("tamper");
    assert!(changed > 0, "no integrity entry of {nick}'s trust");
}

/// A `p` whose integrity entry no longer matches still distrusts (distrust can only deny; a
/// store keeps it too); the trust it would have given is what is dropped.
#[test]
fn a_p_whose_integrity_entry_fails_still_distrusts() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let client = client_db(t.path(), &server, "CT,,");
    client.import(SERVER_NICK, &server.export(SERVER_NICK), "p,p,p");
    break_trust_integrity(&client, SERVER_NICK);
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, DB_PASSWORD, "");
    stack.start();
    // With the password (trust authenticated) and without (as stored): refused both ways.
    for extra in [&["--certident", "", "client-Pass-2"][..], &[][..]] {
        let o = upsc_verified(&stack, &client.dir, SERVER_NICK, extra);
        assert!(!o.status.success(), "{extra:?}: {}", text(&o));
        assert!(text(&o).contains("distrust"), "{extra:?}: {}", text(&o));
    }
}

/// Whether process `pid` holds `file` open.
fn holds_open(pid: u32, file: &Path) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.filter_map(Result::ok)
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == file))
    })
}

/// A running NSS writer holds key4.db locked (NSS databases use SQLite's rollback journal):
/// a client reading it waits (bounded) for the lock and then reads one consistent state
/// (here the one before the writer's uncommitted change), instead of failing with "database
/// is locked".
#[test]
fn a_client_waits_for_an_nss_writer_and_reads_one_state() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let client = client_db(t.path(), &server, "CT,,");
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, DB_PASSWORD, "");
    stack.start();
    let key4 = client.dir.join("key4.db");
    let writer = rusqlite::Connection::open(&key4).expect("key4.db");
    writer.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // A change in progress: the password check entry gone (never committed).
    writer
        .execute("DELETE FROM metaData WHERE id = 'password'", [])
        .expect("change");
    let out = t.path().join("upsc.out");
    let hostport = format!("127.0.0.1:{}", stack.port);
    let mut cmd = Command::new(rnut_tests::bin("upsc"));
    cmd.args(["--certpath", &client.dir.display().to_string()])
        .args(["--certident", "", "client-Pass-2"])
        .args(["--certhost", &hostport, SERVER_NICK, "1", "1"])
        .args([stack.system().as_str(), "ups.status"])
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(Stdio::null());
    let mut upsc = rnut_tests::ChildGuard::spawn("upsc", &mut cmd);
    let pid = upsc.pid();
    let canonical = key4.canonicalize().expect("canonical");
    assert!(
        rnut_tests::wait_until(Duration::from_secs(20), || holds_open(pid, &canonical)
            || upsc.try_wait().is_some()),
        "upsc never opened key4.db"
    );
    let idle = rnut_tests::procfs::wait_idle(pid, Duration::from_secs(5), || false);
    assert!(
        upsc.try_wait().is_none(),
        "upsc gave up on the locked database instead of waiting (idle: {idle:?})"
    );
    writer.execute_batch("ROLLBACK").expect("rollback");
    let status = upsc.wait_exit(Duration::from_secs(20)).expect("upsc ends");
    let got = std::fs::read_to_string(&out).expect("out");
    assert!(status.success() && got == "OL\n", "{status:?} {got:?}");
}

#[test]
fn certrequest_require_takes_client_cas_trusted_t_in_the_nss_database() {
    if !require_tool("certutil") {
        return;
    }
    let t = private_tempdir();
    let server = guide_server_db(t.path(), None);
    let client = client_db(t.path(), &server, "CT,,");
    client.guide_leaf(
        &server,
        "CN=upsmon client,O=MyCompany",
        "upsmon client",
        ('1', None),
        ",,",
    );
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(
        &stack,
        &server.dir,
        SERVER_NICK,
        DB_PASSWORD,
        "CERTREQUEST REQUIRE\n",
    );
    stack.start_driver();
    stack.start_upsd();
    let ident = ["--certident", "upsmon client", "client-Pass-2"];
    let ok = rnut_tests::wait_until(Duration::from_secs(20), || {
        let o = upsc_verified(&stack, &client.dir, SERVER_NICK, &ident);
        o.status.success() && stdout(&o) == "OL\n"
    });
    let o = upsc_verified(&stack, &client.dir, SERVER_NICK, &ident);
    assert!(ok, "{}", text(&o));
    // Without a client certificate: refused.
    let o = upsc_verified(&stack, &client.dir, SERVER_NICK, &[]);
    assert!(!o.status.success(), "{}", text(&o));
    stack.stop_upsd();
    // The CA trusted for servers only (`C,,`, no `T`): REQUIRE has no client CA to check
    // against, and upsd says so.
    server.set_trust(CA_NICK, "C,,");
    let msg = text(&upsd_refusal(&stack));
    assert!(msg.contains("CERTREQUEST"), "{msg}");
    assert!(msg.contains("(flag T)"), "{msg}");
}

#[test]
fn every_nss_fixture_serves_tls_as_certpath() {
    let t = private_tempdir();
    for (name, password) in [
        ("nss3.87/ec_pw", "nut-Secret-42"),
        ("nss3.87/rsa_nopw", ""),
        ("nss3.123/rsa_pw", "nut-Secret-42"),
        ("nss3.123/ec_nopw", ""),
        ("written_without_nss/rsa_pw_sha384salt", "export-Pass-7"),
    ] {
        // A copy, so that "never written" is checked on files no other test reads.
        let dir = t.path().join(name.replace('/', "_"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for f in ["cert9.db", "key4.db"] {
            std::fs::copy(fixture(name).join(f), dir.join(f)).expect("copy");
        }
        let before = snapshot(&dir);
        let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
        upsd_conf(&stack, &dir, SERVER_NICK, password, "");
        stack.start();
        // The same database, as the client's CERTPATH, verifies the server (its CA is CT).
        let o = upsc_verified(&stack, &dir, "nutserver.example", &[]);
        assert_eq!(stdout(&o), "OL\n", "{name}: {}", text(&o));
        stack.stop_upsd();
        assert!(snapshot(&dir) == before, "{name}: the NSS database changed");
    }
    // A CA whose trust NSS 3.123 changed to `P,,`: a pinned peer, not an anchor; the server
    // certificate it signed is not trusted through it.
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let mixed = fixture("mixed_trust_ec_nopw");
    upsd_conf(&stack, &mixed, SERVER_NICK, "", "");
    stack.start();
    let o = upsc_verified(&stack, &mixed, "nutserver.example", &[]);
    assert!(!o.status.success(), "{}", text(&o));
}

/// C upsmon (NSS build) verifies our upsd serving from the guide's NSS database.
#[test]
fn c_upsmon_verifies_our_upsd_serving_from_an_nss_database() {
    if !require_tool("certutil") || !require_tool("/lib/nut/upsmon") {
        return;
    }
    let _machine = rnut_tests::system_lock();
    let t = private_tempdir();
    let server = guide_server_db(t.path(), Some("localhost"));
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    upsd_conf(&stack, &server.dir, SERVER_NICK, DB_PASSWORD, "");
    stack.start();
    let mon = t.path().join("mon");
    std::fs::create_dir_all(&mon).expect("mkdir");
    let client = NssDb::new(&mon, "nssdb", "");
    client.import(CA_NICK, &server.export(CA_NICK), "CT,,");
    write_file(
        &mon.join("upsmon.conf"),
        &format!(
            "MONITOR {} 1 monc cpass primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/bin/false\"\n\
             POLLFREQ 2\nCERTPATH {}\nCERTHOST localhost:{} \"{SERVER_NICK}\" 1 1\nCERTVERIFY 1\n\
             FORCESSL 1\nPOWERDOWNFLAG {}/killpower\n",
            stack.system().replace("127.0.0.1", "localhost"),
            client.dir.display(),
            stack.port,
            mon.display()
        ),
        0o640,
    );
    let upsmon = rnut_tests::monitor::spawn_c_upsmon(&mon, "-D");
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("logged into UPS [dummy] (SSL)", Duration::from_secs(30)),
        "upsd: {}\nupsmon: {}",
        upsd.text(),
        upsmon.text()
    );
}
