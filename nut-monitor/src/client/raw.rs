//! Raw access for protocol testers (`nut-conformance`): bytes go out exactly as given and
//! reply lines come back as received, every wait bounded. Ordinary clients use the typed
//! requests of [`Client`]; nothing here parses a reply.

use std::time::Duration;

use nut_certutil::tls::ClientTlsPolicy;
use rustls::pki_types::CertificateDer;

use super::error::ClientError;
use super::transport::Stream;
use super::{Client, starttls};

/// What one bounded raw read gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawRead {
    /// One line, without its newline.
    Line(Vec<u8>),
    /// The server closed the connection.
    Closed,
    /// Nothing (or no whole line) arrived within the wait.
    Silent,
}

/// What the TLS session negotiated.
#[derive(Debug, Clone)]
pub struct TlsSessionInfo {
    /// The protocol version (`TLSv1_3`, `TLSv1_2`).
    pub version: String,
    /// The certificates the server sent, its own first.
    pub peer_chain: Vec<CertificateDer<'static>>,
}

impl Client {
    /// Write `bytes` as they are (no newline added) and flush.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.conn.write_bytes(bytes))
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// Read one line within `wait`. A line longer than the client's bound is an error.
    pub async fn read_raw(&mut self, wait: Duration) -> Result<RawRead, ClientError> {
        match tokio::time::timeout(wait, self.conn.read_raw_line()).await {
            Err(_) => Ok(RawRead::Silent),
            Ok(Ok(line)) => Ok(RawRead::Line(line)),
            Ok(Err(ClientError::Disconnected)) => Ok(RawRead::Closed),
            Ok(Err(e)) => Err(e),
        }
    }

    /// Whether bytes were received that no read has consumed yet (a partial line).
    pub fn has_pending_bytes(&self) -> bool {
        self.conn.has_pending()
    }

    /// Run the TLS handshake on a plaintext session whose `OK STARTTLS` the caller has read
    /// with [`Client::read_raw`]. No PROTVER probe follows: the caller speaks next.
    pub async fn handshake_after_starttls(
        self,
        policy: &ClientTlsPolicy,
    ) -> Result<Client, ClientError> {
        if self.conn.has_pending() {
            return Err(ClientError::Tls("unexpected data after OK STARTTLS".into()));
        }
        let timeout = self.timeout;
        let conn = tokio::time::timeout(timeout, starttls::handshake(self.conn, policy))
            .await
            .map_err(|_| ClientError::Tls("handshake timed out".into()))??;
        Ok(Client {
            conn,
            tls: true,
            ..self
        })
    }

    /// The negotiated TLS version and the server's certificates, on a TLS session.
    pub fn tls_session(&self) -> Option<TlsSessionInfo> {
        let Stream::Tls(tls) = &self.conn.stream else {
            return None;
        };
        let state = tls.get_ref().1;
        Some(TlsSessionInfo {
            version: state
                .protocol_version()
                .map_or_else(|| "unknown".to_string(), |v| format!("{v:?}")),
            peer_chain: state
                .peer_certificates()
                .map(|c| c.iter().map(|d| d.clone().into_owned()).collect())
                .unwrap_or_default(),
        })
    }
}
