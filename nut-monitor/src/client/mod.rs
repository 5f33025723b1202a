//! An async NUT client (the equivalent of C NUT's libupsclient): connect with a timeout,
//! STARTTLS by the tls.md 3.1 decision, typed requests and replies, typed errors.
//!
//! Every reply line is read with nut-core's parser ([`nut_core::net::Reply::parse`], the one
//! the fuzz targets exercise); `NOTIFY` lines of the push extension with nut-core's
//! [`nut_core::net::push::Notification`].
//!
//! Arguments are always escaped and quoted when needed (unlike libupsclient, a password with
//! spaces works). With FORCESSL, a server without TLS is refused right after its answer to
//! `STARTTLS`: no USERNAME or PASSWORD is ever sent in plaintext.
//!
//! Protocol testers (`nut-conformance`) get raw access in `raw`: bytes out as given, reply
//! lines back as received with bounded waits, the TLS handshake after an `OK STARTTLS` they
//! read themselves, and what the TLS session negotiated.
//!
//! ## Layout
//! - `connect`: TCP or Unix socket, then STARTTLS (`starttls`: the tls.md 3.1 decision).
//! - `queries`: `GET` and `LIST`, each answer checked to echo the query.
//! - `commands`: the `OK`-answered requests (login, SET, INSTCMD, ...) and `GET TRACKING`.
//! - `push`: `CAPABILITIES`, `WATCH` and the `NOTIFY` lines.
//! - `reply`: reply lines to [`nut_core::net::Reply`] or [`ClientError`].
//! - `transport`: the byte stream and its bounded line reader.

mod commands;
mod connect;
mod error;
mod options;
mod push;
mod queries;
mod raw;
mod reply;
mod starttls;
mod transport;

use std::time::Duration;

use nut_core::net::{Reply, Request};

pub use commands::TrackingResult;
pub use error::ClientError;
pub use options::{AddrFamily, ConnectOptions, Prebuilt};
pub use raw::{RawRead, TlsSessionInfo};
pub use transport::MAX_LINE;

use transport::LineStream;

/// One session with a NUT server.
#[derive(Debug)]
pub struct Client {
    conn: LineStream,
    host: String,
    port: u16,
    tls: bool,
    timeout: Duration,
    /// `NOTIFY` lines read while waiting for a reply (push extension), bounded.
    notifications: push::Pending,
    /// A `WATCH` succeeded on this session.
    watching: bool,
}

impl Client {
    /// Whether the session is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The certificate chain the server presented (DER, end entity first; empty without TLS).
    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        match &self.conn.stream {
            transport::Stream::Tls(tls) => tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
                .unwrap_or_default(),
            transport::Stream::Plain(_) | transport::Stream::Local(_) => Vec::new(),
        }
    }

    /// The server host as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Send one line and read its reply; `ERR` becomes [`ClientError::Server`].
    pub async fn request(&mut self, request_line: &str) -> Result<Reply, ClientError> {
        let timeout = self.timeout;
        let fut = async {
            self.conn.write_line(request_line).await?;
            self.read_reply().await
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// The next reply; `NOTIFY` lines (push extension) met on the way are kept for
    /// [`Client::next_notification`].
    async fn read_reply(&mut self) -> Result<Reply, ClientError> {
        loop {
            let words = self.conn.read_words().await?;
            if !self.notifications.keep(&words) {
                return reply::from_words(&words);
            }
        }
    }

    /// `LOGOUT`, then close. Errors are ignored: the session ends either way.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            self.conn.write_line(&Request::Logout.to_line()).await?;
            self.conn.read_raw_line().await.map(drop)
        })
        .await;
        use tokio::io::AsyncWriteExt;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.conn.stream.shutdown()).await;
    }
}

#[cfg(test)]
mod tests;
