//! upsd over TLS for the tests: a store set up from the [`TestPki`] served by upsd, a TLS
//! client that speaks the protocol after STARTTLS, and client certificates made to order.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::rustls;
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;
use rustls::pki_types::{CertificateDer, ServerName};

pub use crate::pki::{SERVER_NICK, STORE_PASSWORD, TestPki};

use super::{FakeDriver, NutTree, STANDARD_USERS, Upsd, sample_state, wait_ups_ready};

/// Add a certificate with `trust` (e.g. `p,,`) to the store in `dir` (password STORE_PASSWORD,
/// so the row's protection verifies).
pub fn add_to_store(dir: &Path, nickname: &str, der: &[u8], trust: &str) {
    let mut store = Store::open(dir).expect("open store");
    store.unlock(STORE_PASSWORD).expect("unlock");
    store
        .add_certificate(nickname, der, trust.parse::<TrustFlags>().expect("trust"))
        .expect("add certificate");
}

/// A TLS session with upsd after `STARTTLS`.
#[derive(Debug)]
pub struct TlsClient {
    pub stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    buf: Vec<u8>,
}

/// Read one plaintext line byte by byte (nothing beyond the newline is consumed).
pub fn read_plain_line(s: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(1) if b[0] == b'\n' => break,
            Ok(1) => line.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

impl TlsClient {
    /// Connect, send STARTTLS, expect `OK STARTTLS`, handshake. Err carries the TLS/IO error.
    pub fn connect(
        addr: SocketAddr,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<TlsClient, String> {
        let s =
            TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Self::over(s, config)
    }

    /// STARTTLS and the handshake on a connection already in use.
    pub fn over(mut s: TcpStream, config: Arc<rustls::ClientConfig>) -> Result<TlsClient, String> {
        s.write_all(b"STARTTLS\n").map_err(|e| e.to_string())?;
        let ok = read_plain_line(&mut s);
        if ok != "OK STARTTLS" {
            return Err(format!("STARTTLS answered {ok:?}"));
        }
        let conn =
            rustls::ClientConnection::new(config, ServerName::try_from("localhost").expect("name"))
                .map_err(|e| e.to_string())?;
        let mut stream = rustls::StreamOwned::new(conn, s);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| format!("handshake: {e}"))?;
        }
        Ok(TlsClient {
            stream,
            buf: Vec::new(),
        })
    }

    pub fn cmd(&mut self, request: &str) -> Result<String, String> {
        self.stream
            .write_all(format!("{request}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        self.stream.flush().map_err(|e| e.to_string())?;
        self.line()
    }

    pub fn line(&mut self) -> Result<String, String> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Ok(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("connection closed".into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

/// A client certificate whose subject CN is `cn` exactly (control characters included: the
/// tests' own certificate tools refuse such names, rcgen writes them), signed by the test CA
/// (`signed_by_ca`) or self-signed.
pub fn client_cert_with_cn(pki: &TestPki, cn: &str, signed_by_ca: bool) -> (Vec<u8>, PrivateKey) {
    use nut_certutil::rcgen::{
        CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair,
        KeyUsagePurpose,
    };
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let rc_key = KeyPair::try_from(key.pkcs8_der()).expect("rcgen key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "rnut");
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = if signed_by_ca {
        let ca_key = KeyPair::try_from(pki.ca_key.pkcs8_der()).expect("rcgen CA key");
        let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(pki.ca_der.clone()), ca_key)
            .expect("issuer");
        params.signed_by(&rc_key, &issuer).expect("sign")
    } else {
        params.self_signed(&rc_key).expect("self-sign")
    };
    (cert.der().to_vec(), key)
}

/// upsd with the test PKI's store as its TLS identity, `certrequest` as written (a line of
/// upsd.conf), UPS `test` served by a fake driver, the standard users.
pub fn store_setup(certrequest: &str) -> (NutTree, TestPki, FakeDriver, Upsd) {
    store_setup_with(TestPki::new(), certrequest, |_| {})
}

/// [`store_setup`] with `pki`, and `prepare` run on the store before upsd starts.
pub fn store_setup_with(
    pki: TestPki,
    certrequest: &str,
    prepare: impl FnOnce(&std::path::Path),
) -> (NutTree, TestPki, FakeDriver, Upsd) {
    let d = NutTree::new();
    let store = d.path().join("certdb");
    pki.write_store(&store);
    prepare(&store);
    // upsd refuses port 0 in LISTEN: a free port, picked before it starts.
    d.write_upsd_conf(&store_conf(
        crate::free_port(),
        &store,
        STORE_PASSWORD,
        certrequest,
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    (d, pki, drv, u)
}

/// The upsd.conf of [`store_setup`] for a server already on `port`.
pub fn store_conf(port: u16, store: &std::path::Path, password: &str, certrequest: &str) -> String {
    format!(
        "LISTEN 127.0.0.1 {port}\nCERTPATH {}\nCERTIDENT \"{SERVER_NICK}\" \"{password}\"\n{certrequest}\n",
        store.display()
    )
}
