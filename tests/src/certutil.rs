//! Helpers of the `certutil::` tests: stores, a real TLS exchange over a loopback TCP
//! connection, and the nut-certutil command line and PKI walkthroughs run to completion.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nut_certutil::keys::PrivateKey;
use nut_certutil::rustls;
use nut_certutil::store::Store;
use nut_certutil::tls::ClientTlsPolicy;

use crate::process;

/// Low PBKDF2 count for test stores (the real default is much higher).
pub const TEST_KDF: u32 = 1000;

pub use crate::pki::Ca;

/// A new store at `dir` with the given password.
pub fn new_store(dir: &Path, password: &str) -> Store {
    let store = Store::create_with_kdf(dir, password, TEST_KDF).expect("create store");
    // Unlocked, as the tool is before it sets trust (trust is written with its MAC).
    store.unlock(password).expect("unlock");
    store
}

/// Put a certificate and its key in a store.
pub fn put_identity(
    store: &mut Store,
    password: &str,
    nickname: &str,
    der: &[u8],
    key: &PrivateKey,
) {
    let c = store.unlock(password).expect("unlock");
    store
        .add_certificate_with_key(&c, nickname, der, ",,".parse().expect("trust"), key)
        .expect("add");
}

/// Result of one TLS exchange: what the client read (or its error), and the server's error.
#[derive(Debug)]
pub struct Exchange {
    pub client: Result<String, String>,
    pub server: Result<Option<String>, String>,
}

impl Exchange {
    pub fn ok(&self) -> bool {
        self.client.as_deref() == Ok("1.3") && self.server.is_ok()
    }

    pub fn client_error(&self) -> String {
        self.client.clone().err().unwrap_or_default()
    }

    pub fn server_error(&self) -> String {
        self.server.clone().err().unwrap_or_default()
    }
}

/// Run one connection: the client sends `PROTVER`, the server answers `1.3` and reports the
/// subject of the client certificate it verified (if any).
pub fn exchange(server: Arc<rustls::ServerConfig>, client: &ClientTlsPolicy) -> Exchange {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = std::thread::spawn(move || -> Result<Option<String>, String> {
        let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let conn = rustls::ServerConnection::new(server).map_err(|e| e.to_string())?;
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let mut line = String::new();
        BufReader::new(&mut tls)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.trim_end() != "PROTVER" {
            return Err(format!("unexpected request {line:?}"));
        }
        let subject = nut_certutil::tls::peer_subject(&tls.conn);
        tls.write_all(b"1.3\n").map_err(|e| e.to_string())?;
        tls.flush().map_err(|e| e.to_string())?;
        tls.conn.send_close_notify();
        let _ = tls.flush();
        Ok(subject)
    });
    let client_result = (|| -> Result<String, String> {
        let sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let conn = rustls::ClientConnection::new(client.config.clone(), client.server_name.clone())
            .map_err(|e| e.to_string())?;
        let mut tls = rustls::StreamOwned::new(conn, sock);
        tls.write_all(b"PROTVER\n").map_err(|e| e.to_string())?;
        tls.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        BufReader::new(&mut tls)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.is_empty() {
            return Err("connection closed".into());
        }
        Ok(line.trim_end().to_string())
    })();
    let server_result = handle
        .join()
        .unwrap_or_else(|_| Err("server thread panicked".into()));
    Exchange {
        client: client_result,
        server: server_result,
    }
}

/// `dir/name` as a PathBuf.
pub fn p(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Run `nut-certutil` with `args`, feeding `stdin`, in `cwd`. Returns (exit code, stdout, stderr).
pub fn certutil(cwd: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(crate::bin("nut-certutil"));
    cmd.args(args)
        .current_dir(cwd)
        .env("NUT_CERTUTIL_KDF_ITERATIONS", "1000");
    let out = process::output(&mut cmd, stdin);
    (
        process::code(&out),
        process::stdout(&out),
        process::stderr(&out),
    )
}

/// Like [`certutil`], asserting success.
pub fn certutil_ok(cwd: &Path, args: &[&str], stdin: &str) -> String {
    let (code, out, err) = certutil(cwd, args, stdin);
    assert_eq!(code, 0, "nut-certutil {args:?} failed: {out}\n{err}");
    out
}

/// Run the PKI walkthrough `pki-examples/NAME` with our nut-certutil into `out`; asserts it
/// succeeded and returns what it printed (stdout, then stderr).
pub fn run_pki_example(name: &str, out: &Path) -> String {
    let script = crate::workspace_root().join("pki-examples").join(name);
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(&script)
        .arg(crate::bin("nut-certutil"))
        .arg(out)
        .env("NUT_CERTUTIL_KDF_ITERATIONS", "1000");
    let o = process::output(&mut cmd, "");
    let text = process::stdout(&o) + &process::stderr(&o);
    assert!(o.status.success(), "{name} failed:\n{text}");
    text
}

/// Run an outside tool, returning (exit code, stdout + stderr).
pub fn tool(cwd: &Path, prog: &str, args: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new(prog);
    cmd.args(args).current_dir(cwd);
    let out = process::output(&mut cmd, "");
    (
        process::code(&out),
        process::stdout(&out) + &process::stderr(&out),
    )
}

/// Server settings from a store (NSS style).
pub fn store_server(
    dir: &Path,
    nickname: &str,
    password: &str,
    level: nut_certutil::tls::CertRequest,
) -> Arc<rustls::ServerConfig> {
    nut_certutil::tls::build_server_config(&nut_certutil::tls::ServerTlsSettings {
        certpath: Some(dir.to_path_buf()),
        certident: Some(nut_certutil::tls::CertIdent {
            name: nickname.into(),
            password: nut_core::config::Secret::from(password),
        }),
        certfile: None,
        certrequest: Some(level),
    })
    .expect("server config")
}
