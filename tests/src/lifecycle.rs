//! A PKI made with the `nut-certutil` command line, as an administrator would: a CA host's store
//! (`srv_db`: the CA, upsd's certificate `upsd` for 127.0.0.1/localhost, upsmon's `upsmon`), and
//! upsmon's own store (`mon_db`: the CA trusted `CT,,` and its identity imported from a
//! CERTFILE export), with a monitor stack (our dummy-ups and upsd) at CERTREQUEST REQUIRE.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::certutil::certutil_ok;
use crate::monitor::{Logged, NutTree, Stack, run_tool_env, start_upsmon};

/// The CA's nickname in both stores.
pub const CA: &str = "Lifecycle CA";

/// The stores and files of one test.
#[derive(Debug)]
pub struct CliPki {
    pub root: PathBuf,
}

impl CliPki {
    /// Build everything under `root` with the command line.
    pub fn new(root: &Path) -> CliPki {
        std::fs::create_dir_all(root).expect("mkdir");
        let ok = |args: &[&str]| certutil_ok(root, args, "");
        ok(&["init", "srv_db", "--empty-password"]);
        ok(&[
            "-d",
            "srv_db",
            "ca",
            "create",
            "-n",
            CA,
            "-s",
            "CN=Lifecycle CA,O=rnut",
        ]);
        ok(&[
            "-d",
            "srv_db",
            "issue",
            "-c",
            CA,
            "-n",
            "upsd",
            "-s",
            "CN=localhost,O=rnut",
            "--san",
            "127.0.0.1",
        ]);
        ok(&[
            "-d",
            "srv_db",
            "issue",
            "-c",
            CA,
            "-n",
            "upsmon",
            "-s",
            "CN=upsmon host,O=rnut",
            "--role",
            "client",
        ]);
        ok(&["-d", "srv_db", "export", "-n", CA, "-o", "ca.pem"]);
        ok(&[
            "-d",
            "srv_db",
            "export",
            "-n",
            "upsmon",
            "--format",
            "certfile",
            "-o",
            "upsmon.pem",
        ]);
        ok(&["init", "mon_db", "--empty-password"]);
        ok(&[
            "-d", "mon_db", "import", "-n", CA, "-i", "ca.pem", "-t", "CT,,",
        ]);
        ok(&["-d", "mon_db", "import", "-n", "upsmon", "-i", "upsmon.pem"]);
        CliPki {
            root: root.to_path_buf(),
        }
    }

    /// The CA's certificate and key, read from the CA host's store with the library.
    pub fn ca_material(&self) -> (Vec<u8>, nut_certutil::keys::PrivateKey) {
        let store = nut_certutil::store::Store::open(&self.root.join("srv_db")).expect("store");
        let cipher = store.unlock("").expect("unlock");
        let ca = store.certificate(CA).expect("ca");
        let key = store.key_for_certificate(&cipher, CA).expect("key");
        (ca.der, key)
    }

    /// Issue a server certificate for 127.0.0.1/localhost valid from `from` to `to` with the
    /// library, and import it (with its key) into the CA host's store as `nickname`.
    pub fn import_server_cert(
        &self,
        nickname: &str,
        from: nut_certutil::time::OffsetDateTime,
        to: nut_certutil::time::OffsetDateTime,
    ) {
        let role = nut_certutil::pki::CertRole::Server;
        self.import_cert("srv_db", nickname, role, "CN=localhost,O=rnut", from, to);
    }

    /// Issue a certificate for `subject` and `role` valid from `from` to `to` with the
    /// library (signed by the CA), and import it with its key into `store` as `nickname`.
    pub fn import_cert(
        &self,
        store: &str,
        nickname: &str,
        role: nut_certutil::pki::CertRole,
        subject: &str,
        from: nut_certutil::time::OffsetDateTime,
        to: nut_certutil::time::OffsetDateTime,
    ) {
        use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
        use nut_certutil::pem::encode as pem;
        use nut_certutil::pki::{CertProfile, issue};
        let (ca, ca_key) = self.ca_material();
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let mut profile = CertProfile::for_months(role, 1);
        profile.not_before = from;
        profile.not_after = to;
        if role == nut_certutil::pki::CertRole::Server {
            profile.sans = vec!["127.0.0.1".into()];
        }
        let der = issue(&key, subject, &profile, &ca, &ca_key).expect("issue");
        let file = format!("{nickname}.pem");
        crate::write_file(
            &self.root.join(&file),
            &(pem("CERTIFICATE", &der) + &pem("PRIVATE KEY", key.pkcs8_der())),
            0o600,
        );
        self.certutil(&["-d", store, "import", "-n", nickname, "-i", &file]);
    }

    /// `nut-certutil ARGS` in the PKI directory, asserting success.
    pub fn certutil(&self, args: &[&str]) -> String {
        certutil_ok(&self.root, args, "")
    }

    pub fn path(&self, name: &str) -> String {
        self.root.join(name).to_str().expect("utf-8").to_string()
    }

    /// upsd.conf lines: the CA host's store, identity `upsd`, client certificates required.
    pub fn upsd_conf(&self) -> String {
        format!(
            "CERTPATH \"{}\"\nCERTIDENT upsd \"\"\nCERTREQUEST REQUIRE\n",
            self.path("srv_db")
        )
    }

    /// upsmon.conf lines: its own store, identity `upsmon`, verified TLS only.
    pub fn upsmon_conf(&self) -> String {
        format!(
            "CERTPATH \"{}\"\nCERTIDENT upsmon \"\"\nCERTVERIFY 1\nFORCESSL 1\n",
            self.path("mon_db")
        )
    }
}

/// A stack (dummy-ups + our upsd) serving TLS from `pki` at CERTREQUEST REQUIRE.
pub fn require_stack() -> (Stack, CliPki) {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let pki = CliPki::new(&stack.path().join("pki"));
    crate::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!("LISTEN 127.0.0.1 {}\n{}", stack.port, pki.upsd_conf()),
        0o640,
    );
    stack.start_driver();
    stack.start_upsd();
    (stack, pki)
}

/// `upsd -c reload` for the stack's upsd, then wait for it to log the reload.
pub fn reload_upsd(stack: &Stack) {
    let upsd = stack.upsd.as_ref().expect("upsd");
    // Signals are handled once upsd is ready (TLS is loaded, and warned about, before).
    assert!(
        upsd.wait_log(" ready (MAXCONN", Duration::from_secs(15)),
        "upsd ready"
    );
    let before = reloads(stack);
    let pid = upsd.child.pid().to_string();
    let out = Command::new(crate::bin("upsd"))
        .args(["-c", "reload", "-P", &pid])
        .env("NUT_CONFPATH", stack.path().join("conf"))
        .env("NUT_ALTPIDPATH", stack.path().join("run"))
        .env("NUT_STATEPATH", stack.path().join("state"))
        .output()
        .expect("upsd -c reload");
    assert!(
        out.status.success(),
        "upsd -c reload: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        crate::wait_until(Duration::from_secs(10), || reloads(stack) > before),
        "upsd reloaded"
    );
}

fn reloads(stack: &Stack) -> usize {
    let upsd = stack.upsd.as_ref().expect("upsd");
    upsd.log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("Configuration reloaded"))
        .count()
}

/// A monitor directory whose upsmon.conf watches the stack with `pki`'s upsmon settings.
pub fn monitor(stack: &Stack, pki: &CliPki) -> NutTree {
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), &pki.upsmon_conf());
    d
}

/// Start upsmon (one process) and wait until it is logged in over TLS.
pub fn upsmon_logged_in(d: &NutTree) -> Logged {
    let mon = start_upsmon(d, &["-p"]);
    assert!(
        mon.wait_log("[SSL]", Duration::from_secs(20)),
        "upsmon logs in over TLS: {}",
        mon.text()
    );
    mon
}

/// `upsc -C upsmon.conf SYSTEM ups.status`: the same TLS settings as upsmon.
pub fn upsc_as_upsmon(stack: &Stack, d: &NutTree) -> std::process::Output {
    let conf = d.conf_file();
    run_tool_env(
        "upsc",
        &[
            "-C",
            conf.to_str().expect("utf-8"),
            &stack.system(),
            "ups.status",
        ],
        &[("RUST_LOG", "info")],
    )
}

/// The serial of the certificate upsd presents to a new connection: STARTTLS and a handshake
/// with the TLS settings of `d`'s upsmon.conf (verified, with upsmon's client certificate).
pub fn served_serial(stack: &Stack, d: &NutTree) -> Result<String, String> {
    use nut_certutil::tls::{ClientTlsSettings, build_client_config};
    use nut_core::config::UpsmonConf;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpStream;
    let text = std::fs::read_to_string(d.conf_file()).expect("upsmon.conf");
    let conf = UpsmonConf::parse(&text, &d.conf_file()).expect("parse upsmon.conf");
    let policy = build_client_config(&ClientTlsSettings::from(&conf), "127.0.0.1", stack.port)
        .map_err(|e| e.to_string())?;
    let mut tcp = TcpStream::connect(("127.0.0.1", stack.port)).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    tcp.write_all(b"STARTTLS\n").map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(&mut tcp)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    if line.trim() != "OK STARTTLS" {
        return Err(format!("STARTTLS answered {line:?}"));
    }
    let conn = nut_certutil::rustls::ClientConnection::new(policy.config, policy.server_name)
        .map_err(|e| e.to_string())?;
    let mut tls = nut_certutil::rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"VER\n").map_err(|e| e.to_string())?;
    let mut reply = String::new();
    BufReader::new(&mut tls)
        .read_line(&mut reply)
        .map_err(|e| e.to_string())?;
    let der = tls
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("no server certificate")?;
    Ok(nut_certutil::certinfo::CertInfo::parse(der.as_ref())
        .map_err(|e| e.to_string())?
        .serial)
}

/// The serial of a certificate of the CA host's store.
pub fn stored_serial(pki: &CliPki, nickname: &str) -> String {
    let store = nut_certutil::store::Store::open(&pki.root.join("srv_db")).expect("store");
    store.certificate(nickname).expect("certificate").serial
}
