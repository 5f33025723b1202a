//! Who is on the other end of a Unix-socket connection: the kernel's SO_PEERCRED record
//! (uid, gid and pid at connect time). upsd logs it; it grants nothing (upsd.users and its
//! passwords decide every right, see docs/SECURITY.md), so a process cannot gain a right by
//! being of some uid.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use tokio::net::UnixStream;

/// The address a Unix-socket session stands for where an IP is needed: the failure-delay
/// table and `LIST CLIENT`. A local client is on this host, as a loopback one is.
pub const LOCAL_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The credentials of a Unix-socket peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalPeer {
    /// User id of the connecting process.
    pub uid: u32,
    /// Group id of the connecting process.
    pub gid: u32,
    /// Process id, when the kernel reports it.
    pub pid: Option<i32>,
}

impl LocalPeer {
    /// Read the peer credentials of an accepted connection.
    pub fn of(stream: &UnixStream) -> std::io::Result<LocalPeer> {
        let cred = stream.peer_cred()?;
        Ok(LocalPeer {
            uid: cred.uid(),
            gid: cred.gid(),
            pid: cred.pid(),
        })
    }
}

impl fmt::Display for LocalPeer {
    /// `unix(uid=1000,pid=4242)`, as log lines name the client.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "unix(uid={},pid={pid})", self.uid),
            None => write!(f, "unix(uid={})", self.uid),
        }
    }
}
