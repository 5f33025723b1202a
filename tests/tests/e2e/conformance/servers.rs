//! `nut-conformance` against real servers on the same driver data: rnut's upsd fed by rnut's
//! dummy-ups (with STARTTLS from a CERTFILE), and Debian's C upsd fed by C's dummy-ups. Every
//! C upsd serves STARTTLS from an NSS database made by `nut-certutil export-nss`. Every check
//! that runs passes on both, with the same result on both.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rnut_tests::upsd::pki::{SERVER_NICK, STORE_PASSWORD, TestPki};
use rnut_tests::upsd::*;
use rnut_tests::{ChildGuard, bin, require_tool, wait_until, write_file};

const DEV: &str = "Riello/Riello__IPG_600__riello_usb__2.7.4__01.dev";

const ENABLE: &[&str] = &[
    "login.primary",
    "set.readonly",
    "set.var",
    "instcmd.unknown",
    "fsd.set",
];

fn conf_files(dir: &Path, port: u16, extra: &str) {
    write_dev_conf(dir, DEV, "Conformance UPS", port, extra);
}

/// Run the tool; its Markdown rows as (id, result) and the exit code.
fn conformance(port: u16, extra: &[&str]) -> (Vec<(String, String)>, String, i32) {
    let mut cmd = Command::new(bin("nut-conformance"));
    cmd.arg(format!("test@127.0.0.1:{port}"))
        .arg("--markdown")
        .args(["--admin-user", "admin", "--admin-password", "mypass"])
        .args([
            "--monitor-user",
            "monitor",
            "--monitor-password",
            "P@ssW0rd",
        ])
        .args(extra);
    for id in ENABLE {
        cmd.args(["--enable", id]);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run nut-conformance");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows = text
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let id = cells.first()?.strip_prefix("| `")?.strip_suffix('`')?;
            Some((id.to_string(), cells.get(2)?.to_string()))
        })
        .collect();
    (rows, text, out.status.code().unwrap_or(-1))
}

fn wait_served(port: u16) {
    let addr = format!("127.0.0.1:{port}").parse().expect("addr");
    let ok = wait_until(Duration::from_secs(20), || {
        rnut_tests::wait_for_tcp(addr, Duration::from_millis(200))
            && rnut_tests::exchange(addr, "GET VAR test ups.status\n", 1)
                .first()
                .is_some_and(|l| l.starts_with("VAR test ups.status") && !l.contains("WAIT"))
    });
    assert!(ok, "server on port {port} never served the UPS");
}

struct Served {
    _upsd: Option<Upsd>,
    _nut_dir: Option<NutTree>,
    _dir: Option<tempfile::TempDir>,
    _children: Vec<ChildGuard>,
    port: u16,
    ca: std::path::PathBuf,
}

fn start_rnut() -> Served {
    let d = NutTree::new();
    let port = rnut_tests::free_port();
    let pki = TestPki::new();
    pki.write_certfile(&d.conf().join("upsd.pem"));
    let ca = pki.write_ca_bundle(&d.path().join("ca.pem"));
    conf_files(
        &d.conf(),
        port,
        &format!("CERTFILE {}\n", d.conf().join("upsd.pem").display()),
    );
    let mut drv = Command::new(bin("dummy-ups"));
    drv.args(["-a", "test", "-F"])
        .env("NUT_CONFPATH", d.conf())
        .env("NUT_STATEPATH", d.state())
        .env("NUT_ALTPIDPATH", d.run())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if rnut_tests::is_root() {
        drv.args(["-u", "root"]);
    }
    let driver = ChildGuard::spawn("dummy-ups", &mut drv);
    let u = Upsd::start_with(&d, &[], |cmd| {
        // Descriptions come from the installed cmdvartab, as for C upsd.
        cmd.env("NUT_DATAPATH", "/usr/share/nut");
    });
    wait_served(port);
    Served {
        _upsd: Some(u),
        _nut_dir: Some(d),
        _dir: None,
        _children: vec![driver],
        port,
        ca,
    }
}

fn start_c() -> Option<Served> {
    if !["/lib/nut/upsd", "/lib/nut/dummy-ups"]
        .iter()
        .all(|t| require_tool(t))
    {
        return None;
    }
    let dir = rnut_tests::private_tempdir();
    let root = dir.path().to_path_buf();
    for sub in ["state", "run"] {
        std::fs::create_dir_all(root.join(sub)).expect("mkdir");
    }
    let port = rnut_tests::free_port();
    // C upsd's TLS identity: our store exported as an NSS database (C's build is NSS's).
    let pki = TestPki::new();
    let ca = pki.write_ca_bundle(&root.join("ca.pem"));
    pki.write_store(&root.join("store"));
    write_file(
        &root.join("store-pw"),
        &format!("{STORE_PASSWORD}\n"),
        0o600,
    );
    let nss = root.join("nssdb");
    let export = Command::new(bin("nut-certutil"))
        .arg("-d")
        .arg(root.join("store"))
        .arg("export-nss")
        .arg("--to")
        .arg(&nss)
        .arg("-f")
        .arg(root.join("store-pw"))
        .arg("--to-empty-password")
        .output()
        .expect("nut-certutil export-nss");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    conf_files(
        &root,
        port,
        &format!(
            "CERTPATH {}\nCERTIDENT \"{SERVER_NICK}\" \"\"\n",
            nss.display()
        ),
    );
    let spawn = |name: &str, path: &str, args: &[&str]| {
        let mut cmd = Command::new(path);
        cmd.args(args)
            .env("NUT_CONFPATH", &root)
            .env("NUT_STATEPATH", root.join("state"))
            .env("NUT_ALTPIDPATH", root.join("run"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        ChildGuard::spawn(name, &mut cmd)
    };
    let driver = spawn(
        "C dummy-ups",
        "/lib/nut/dummy-ups",
        &["-a", "test", "-F", "-u", "root"],
    );
    assert!(
        rnut_tests::wait_for_unix(&root.join("state/dummy-ups-test"), Duration::from_secs(15)),
        "C dummy-ups did not start"
    );
    let upsd = spawn("C upsd", "/lib/nut/upsd", &["-F", "-u", "root"]);
    wait_served(port);
    Some(Served {
        ca,
        _upsd: None,
        _nut_dir: None,
        _dir: Some(dir),
        _children: vec![upsd, driver],
        port,
    })
}

fn must_pass(name: &str, rows: &[(String, String)], text: &str, code: i32) {
    assert!(rows.len() > 60, "{name}: no result table:\n{text}");
    assert_eq!(code, 0, "{name}: a MUST check failed:\n{text}");
    for (id, result) in rows {
        assert_ne!(result, "fail", "{name} fails {id}:\n{text}");
    }
}

#[test]
fn rnut_and_c_upsd_pass_every_check_alike() {
    let ours = start_rnut();
    let ca = ours.ca.display().to_string();
    let (r_rows, r_text, r_code) = conformance(ours.port, &["--certpath", &ca]);
    println!("rnut upsd:\n{r_text}");
    must_pass("rnut", &r_rows, &r_text, r_code);
    for id in [
        "tls.handshake",
        "tls.chain",
        "tls.name",
        "starttls.no-plaintext",
        "login.primary",
        "fsd.set",
    ] {
        assert!(
            r_rows.contains(&(id.to_string(), "pass".to_string())),
            "{id}:\n{r_text}"
        );
    }
    let Some(c) = start_c() else { return };
    let c_ca = c.ca.display().to_string();
    let (c_rows, c_text, c_code) = conformance(c.port, &["--certpath", &c_ca]);
    println!("C upsd:\n{c_text}");
    must_pass("C", &c_rows, &c_text, c_code);
    // The same result for every check: where the notes differ (the version string, the
    // driver's extra commands), docs/DIFFERENCES.md says why.
    let differ: Vec<String> = r_rows
        .iter()
        .zip(&c_rows)
        .filter(|(r, c)| r != c)
        .map(|(r, c)| format!("{}: rnut {}, C {} ({})", r.0, r.1, c.1, c.0))
        .collect();
    assert_eq!(r_rows.len(), c_rows.len());
    assert!(
        differ.is_empty(),
        "{differ:?}\nrnut:\n{r_text}\nC:\n{c_text}"
    );
}

/// The row of `id` in a run's Markdown table (the whole line).
fn row<'a>(text: &'a str, id: &str) -> &'a str {
    let head = format!("| `{id}` |");
    text.lines()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no row {id}:\n{text}"))
}

#[test]
fn a_certificate_for_another_name_or_from_another_ca_is_reported() {
    let ours = start_rnut();
    let ca = ours.ca.display().to_string();
    // The certificate names localhost and 127.0.0.1, not this.
    let (_, text, code) = conformance(
        ours.port,
        &["--certpath", &ca, "--certname", "ups.example.org"],
    );
    assert!(row(&text, "tls.name").contains("| fail |"), "{text}");
    assert!(row(&text, "tls.name").contains("localhost"), "{text}");
    assert!(row(&text, "tls.chain").contains("| fail |"), "{text}");
    assert_eq!(code, 1, "tls.chain is a MUST:\n{text}");
    // Another CA: the name is right, the chain is not.
    let other = TestPki::new();
    let dir = rnut_tests::private_tempdir();
    let other_ca = other.write_ca_bundle(&dir.path().join("other-ca.pem"));
    let (_, text, code) = conformance(ours.port, &["--certpath", &other_ca.display().to_string()]);
    assert!(row(&text, "tls.name").contains("| pass |"), "{text}");
    assert!(row(&text, "tls.chain").contains("| fail |"), "{text}");
    assert_eq!(code, 1, "{text}");
}
