//! Per-connection state (net-protocol.md section 2) and the reply buffer. Replies are
//! collected here and written by the connection loop, in one write for a whole LIST and for
//! every pipelined request answered in a row.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use nut_core::config::UpsdUsers;
use nut_core::net::{ErrCode, Reply};
use zeroize::Zeroizing;

use crate::registry::{Ups, UpsTable};

/// One client connection's state.
#[derive(Debug)]
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
}

impl Session {
    /// A fresh plaintext session.
    pub fn new(id: u64, peer: SocketAddr) -> Self {
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

    /// Queue one reply line.
    pub fn reply(&mut self, reply: &Reply) {
        let mut s = String::with_capacity(64);
        let _ = write!(s, "{reply}");
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(b'\n');
    }

    /// Queue `ERR <code>`.
    pub fn err(&mut self, code: ErrCode) {
        self.out.extend_from_slice(b"ERR ");
        self.out.extend_from_slice(code.as_str().as_bytes());
        self.out.push(b'\n');
    }

    /// Queue `OK`.
    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"OK\n");
    }
}
