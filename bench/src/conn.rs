//! Client connections for the load generator: a small line reader over any async stream,
//! plaintext connects and full STARTTLS sessions (rustls, ring provider, no resumption so
//! that every session is a full handshake).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Longest reply line accepted (C NUT lines are at most 512 bytes).
const MAX_LINE: usize = 4096;

/// A stream with a read buffer, yielding `\n`-terminated lines.
#[derive(Debug)]
pub struct Lines<S> {
    stream: S,
    buf: Vec<u8>,
    start: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Lines<S> {
    pub fn new(stream: S) -> Lines<S> {
        Lines {
            stream,
            buf: Vec::with_capacity(1024),
            start: 0,
        }
    }

    /// Write raw bytes (a request line with its `\n`).
    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// The next line without its `\n` (and without a trailing `\r`).
    pub async fn next_line(&mut self) -> Result<&[u8]> {
        loop {
            if let Some(off) = self.buf[self.start..].iter().position(|&b| b == b'\n') {
                let begin = self.start;
                let end = begin + off;
                self.start = end + 1;
                let line = &self.buf[begin..end];
                return Ok(line.strip_suffix(b"\r").unwrap_or(line));
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            if self.buf.len() > MAX_LINE {
                bail!("reply line longer than {MAX_LINE} bytes");
            }
            let len = self.buf.len();
            self.buf.resize(len + 2048, 0);
            let n = self.stream.read(&mut self.buf[len..]).await;
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e.into());
                }
            };
            self.buf.truncate(len + n);
            if n == 0 {
                bail!("connection closed by the server");
            }
        }
    }

    /// Send one request and read a one-line reply.
    pub async fn request(&mut self, req: &[u8]) -> Result<&[u8]> {
        self.send(req).await?;
        self.next_line().await
    }

    /// The stream back, failing if bytes were read past the last line.
    pub fn into_inner(self) -> Result<S> {
        if self.start != self.buf.len() {
            bail!("server sent bytes after the reply line");
        }
        Ok(self.stream)
    }

    /// The underlying stream.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

/// Connect over plaintext TCP with TCP_NODELAY.
pub async fn connect(addr: SocketAddr) -> Result<Lines<TcpStream>> {
    let s = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    s.set_nodelay(true)?;
    Ok(Lines::new(s))
}

/// What the bench needs to open TLS sessions: a connector trusting the bench CA and the name
/// the server certificate carries.
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// A client trusting the CA certificates of a PEM file, verifying the name `localhost`,
    /// TLS 1.2 and 1.3, with session resumption disabled.
    pub fn from_ca_pem(path: &Path) -> Result<TlsClient> {
        TlsClient::build(path, None)
    }

    /// [`TlsClient::from_ca_pem`] presenting a client certificate chain and its key.
    pub fn with_identity(
        path: &Path,
        chain: Vec<CertificateDer<'static>>,
        key: rustls_pki_types::PrivateKeyDer<'static>,
    ) -> Result<TlsClient> {
        TlsClient::build(path, Some((chain, key)))
    }

    fn build(
        path: &Path,
        identity: Option<(
            Vec<CertificateDer<'static>>,
            rustls_pki_types::PrivateKeyDer<'static>,
        )>,
    ) -> Result<TlsClient> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(path)
            .with_context(|| format!("read CA PEM {}", path.display()))?
        {
            let cert = cert.with_context(|| format!("parse CA PEM {}", path.display()))?;
            roots.add(cert).context("add CA certificate")?;
        }
        if roots.is_empty() {
            bail!("no certificate in {}", path.display());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots);
        let mut config = match identity {
            Some((chain, key)) => builder
                .with_client_auth_cert(chain, key)
                .context("client certificate")?,
            None => builder.with_no_client_auth(),
        };
        config.resumption = rustls::client::Resumption::disabled();
        Ok(TlsClient {
            connector: TlsConnector::from(Arc::new(config)),
            name: ServerName::try_from("localhost").context("server name")?,
        })
    }

    /// connect, `STARTTLS`, read `OK STARTTLS`, TLS handshake.
    pub async fn starttls(&self, addr: SocketAddr) -> Result<Lines<TlsStream<TcpStream>>> {
        let mut plain = connect(addr).await?;
        let line = plain.request(b"STARTTLS\n").await?;
        if line != b"OK STARTTLS" {
            bail!("STARTTLS answered {:?}", String::from_utf8_lossy(line));
        }
        let tcp = plain.into_inner()?;
        let tls = self
            .connector
            .connect(self.name.clone(), tcp)
            .await
            .context("TLS handshake")?;
        Ok(Lines::new(tls))
    }

    /// One full session: connect, STARTTLS, handshake, `VER`, close (close_notify + FIN).
    pub async fn session(&self, addr: SocketAddr) -> Result<()> {
        let mut tls = self.starttls(addr).await?;
        expect_ver(tls.request(b"VER\n").await?)?;
        let _ = tls.get_mut().shutdown().await;
        Ok(())
    }

    /// One full session like [`TlsClient::session`], describing what was negotiated: protocol
    /// version, cipher suite and the server key's algorithm.
    pub async fn probe(&self, addr: SocketAddr) -> Result<String> {
        let mut tls = self.starttls(addr).await?;
        expect_ver(tls.request(b"VER\n").await?)?;
        let (_, conn) = tls.get_mut().get_ref();
        let version = conn
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        let suite = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default();
        let key = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| key_algorithm(c.as_ref()))
            .unwrap_or("unknown key");
        let _ = tls.get_mut().shutdown().await;
        Ok(format!("{key} key, {version} {suite}"))
    }
}

/// The public key algorithm of a DER certificate, found by its SubjectPublicKeyInfo OID
/// (signature algorithm OIDs differ, so they do not match).
fn key_algorithm(der: &[u8]) -> &'static str {
    const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    const RSA: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
    let has = |pat: &[u8]| der.windows(pat.len()).any(|w| w == pat);
    if has(EC_PUBLIC_KEY) {
        if has(P256) {
            "ECDSA P-256"
        } else if has(P384) {
            "ECDSA P-384"
        } else {
            "ECDSA"
        }
    } else if has(RSA) {
        "RSA"
    } else if has(ED25519) {
        "Ed25519"
    } else {
        "unknown"
    }
}

/// Check a `VER` reply.
pub fn expect_ver(line: &[u8]) -> Result<()> {
    if line.starts_with(b"Network UPS Tools upsd ") {
        Ok(())
    } else {
        Err(anyhow!("VER answered {:?}", String::from_utf8_lossy(line)))
    }
}

/// One plaintext `VER` exchange on a new connection; the connection is returned open.
pub async fn ver_session(addr: SocketAddr) -> Result<Lines<TcpStream>> {
    let mut c = connect(addr).await?;
    expect_ver(c.request(b"VER\n").await?)?;
    Ok(c)
}

/// Run `fut` with a time limit, turning the timeout into an error.
pub async fn within<T>(limit: Duration, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(anyhow!("no answer within {:?}", limit)),
    }
}
