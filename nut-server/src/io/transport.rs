//! One client connection's byte stream: plain TCP, or TLS on the same socket after
//! `STARTTLS`, or a Unix-socket connection (never TLS: the kernel carries its bytes). Both are buffered readers that also write, so the session code reads lines
//! and writes replies the same way whichever is active.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Read buffer per connection. Small (C NUT's own line size): requests are short, longer ones
/// are read in several fills, and 10,000 idle sessions must stay cheap.
pub const READ_BUFFER: usize = 512;

/// Longest a TLS handshake may take before the connection is dropped. Each handshake runs in
/// its own task, so a stalled client only ever holds up itself.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

type TlsBuf = BufReader<TlsStream<BufReader<TcpStream>>>;

/// The active stream of a connection.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Plain(BufReader<TcpStream>),
    /// TLS after STARTTLS.
    Tls(Box<TlsBuf>),
    /// A connection to the Unix-socket listener.
    Local(BufReader<UnixStream>),
    /// Nothing (after a failed handshake consumed the socket).
    Closed,
}

/// Why the upgrade failed.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// The handshake failed.
    #[error("TLS handshake failed: {}", nut_certutil::tls::handshake_error_text(.0))]
    Handshake(io::Error),
    /// The client did not finish in time.
    #[error("TLS handshake timed out after {0:?}")]
    Timeout(Duration),
    /// Already TLS, a Unix-socket connection, or closed.
    #[error("connection is not a plaintext TCP connection")]
    NotPlain,
}

impl Transport {
    /// Wrap an accepted socket.
    pub fn plain(stream: TcpStream) -> Self {
        Transport::Plain(BufReader::with_capacity(READ_BUFFER, stream))
    }

    /// Wrap a connection accepted on the Unix socket.
    pub fn local(stream: UnixStream) -> Self {
        Transport::Local(BufReader::with_capacity(READ_BUFFER, stream))
    }

    /// True once TLS is active.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// The bytes read from the socket but not yet consumed by the line reader.
    pub fn buffered(&self) -> &[u8] {
        match self {
            Transport::Plain(r) => r.buffer(),
            Transport::Tls(r) => r.buffer(),
            Transport::Local(r) => r.buffer(),
            Transport::Closed => &[],
        }
    }

    /// Mark `n` buffered bytes as read.
    pub fn consume(&mut self, n: usize) {
        match self {
            Transport::Plain(r) => Pin::new(r).consume(n),
            Transport::Tls(r) => Pin::new(r.as_mut()).consume(n),
            Transport::Local(r) => Pin::new(r).consume(n),
            Transport::Closed => {}
        }
    }

    /// The reader, for the line reader.
    pub fn reader(&mut self) -> Option<&mut (dyn AsyncBufRead + Unpin + Send)> {
        match self {
            Transport::Plain(r) => Some(r),
            Transport::Tls(r) => Some(r.as_mut()),
            Transport::Local(r) => Some(r),
            Transport::Closed => None,
        }
    }

    /// Write all of `bytes` in one go and flush (through TLS when active).
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Transport::Plain(r) => r.get_mut().write_all(bytes).await,
            Transport::Tls(r) => {
                let s = r.get_mut();
                s.write_all(bytes).await?;
                s.flush().await
            }
            Transport::Local(r) => r.get_mut().write_all(bytes).await,
            Transport::Closed => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }

    /// Run the server side of the TLS handshake on this socket. Bytes the client pipelined
    /// after `STARTTLS` are still in the plain reader's buffer and become handshake input:
    /// they are never executed as plaintext commands.
    pub async fn upgrade(
        &mut self,
        acceptor: &TlsAcceptor,
        timeout: Duration,
    ) -> Result<(), UpgradeError> {
        let plain = match std::mem::replace(self, Transport::Closed) {
            Transport::Plain(r) => r,
            other => {
                *self = other;
                return Err(UpgradeError::NotPlain);
            }
        };
        match tokio::time::timeout(timeout, acceptor.accept(plain)).await {
            Ok(Ok(tls)) => {
                *self = Transport::Tls(Box::new(BufReader::with_capacity(READ_BUFFER, tls)));
                Ok(())
            }
            Ok(Err(e)) => Err(UpgradeError::Handshake(e)),
            Err(_) => Err(UpgradeError::Timeout(timeout)),
        }
    }

    /// The TLS connection state, when TLS is active (for the peer certificate).
    pub fn tls_connection(&self) -> Option<&rustls::ServerConnection> {
        match self {
            Transport::Tls(r) => Some(r.get_ref().get_ref().1),
            _ => None,
        }
    }

    /// Close politely (TLS close_notify, TCP FIN).
    pub async fn shutdown(&mut self) {
        let _ = match self {
            Transport::Plain(r) => r.get_mut().shutdown().await,
            Transport::Tls(r) => r.get_mut().shutdown().await,
            Transport::Local(r) => r.get_mut().shutdown().await,
            Transport::Closed => Ok(()),
        };
    }
}

/// A TLS acceptor for a server config.
pub fn acceptor(config: Arc<rustls::ServerConfig>) -> TlsAcceptor {
    TlsAcceptor::from(config)
}
