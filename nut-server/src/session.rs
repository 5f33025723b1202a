//! Per-connection state (net-protocol.md section 2) and the reply buffer. Replies are
//! collected here and written by the connection loop, in one write for a whole LIST and for
//! every pipelined request answered in a row.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use nut_core::config::UpsdUsers;
use nut_core::net::{ErrCode, Reply};
use zeroize::Zeroizing;

use crate::counters::Counters;
use crate::registry::{Ups, UpsTable};

/// One client connection's state (its `Debug` form never shows the password).
pub struct Session {
    /// Unique, increasing id.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// `USERNAME`, once given.
    pub username: Option<String>,
    /// `PASSWORD`, once given (wiped from memory on drop).
    pub password: Option<Zeroizing<String>>,
    /// The UPS of a successful `LOGIN`.
    pub login: Option<Arc<Ups>>,
    /// `SET TRACKING ON`.
    pub tracking: bool,
    /// TLS is active.
    pub tls: bool,
    /// Subject of the verified client certificate, if one was presented.
    pub peer_subject: Option<String>,
    /// Cached result of checking USERNAME/PASSWORD against one loaded upsd.users (they
    /// cannot change once set, so a slow hash is verified once per connection and file).
    pub(crate) verified: Option<(Arc<UpsdUsers>, bool)>,
    /// Pending output.
    pub out: Vec<u8>,
    /// The UPS table as of a registry generation (refreshed when the generation changes).
    pub(crate) snapshot: Option<(u64, Arc<UpsTable>)>,
    /// Where ERR replies are counted.
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("peer", &self.peer)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("login", &self.login.as_ref().map(|u| u.name.as_str()))
            .field("tracking", &self.tracking)
            .field("tls", &self.tls)
            .field("peer_subject", &self.peer_subject)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A fresh plaintext session.
    pub fn new(id: u64, peer: SocketAddr, counters: Arc<Counters>) -> Self {
        Session {
            id,
            peer,
            username: None,
            password: None,
            login: None,
            tracking: false,
            tls: false,
            peer_subject: None,
            verified: None,
            out: Vec::new(),
            snapshot: None,
            counters,
        }
    }

    /// The peer's IP, IPv4-mapped addresses shown as IPv4 (as C upsd prints them).
    pub fn ip(&self) -> IpAddr {
        match self.peer.ip() {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map(IpAddr::V4)
                .unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        }
    }

    /// `user@addr` for logs (`-@addr` before USERNAME).
    pub fn who(&self) -> String {
        format!("{}@{}", self.username.as_deref().unwrap_or("-"), self.ip())
    }

    /// Suffix for login/logout log lines.
    pub fn ssl_suffix(&self) -> &'static str {
        if self.tls { " (SSL)" } else { "" }
    }

    /// Queue one reply line (formatted straight into the output buffer).
    pub fn reply(&mut self, reply: &Reply) {
        if let Reply::Err(code, _) = reply {
            self.counters.error(code);
        }
        // Writing into a Vec cannot fail.
        let _ = writeln!(self.out, "{reply}");
    }

    /// Queue `ERR <code>`.
    pub fn err(&mut self, code: ErrCode) {
        self.counters.error(&code);
        self.out.extend_from_slice(b"ERR ");
        self.out.extend_from_slice(code.as_str().as_bytes());
        self.out.push(b'\n');
    }

    /// Queue `OK`.
    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"OK\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_form_never_shows_the_password() {
        let mut s = Session::new(1, "127.0.0.1:4000".parse().expect("addr"), Arc::default());
        s.username = Some("monuser".into());
        s.password = Some(Zeroizing::new("hunter2-secret".into()));
        let shown = format!("{s:?}");
        assert!(
            shown.contains("monuser") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
