//! Network I/O below the protocol: listeners (TCP and the Unix socket), the per-connection
//! transport (plain or TLS on the same socket, or a Unix-socket connection), and the bounded
//! line reader.

pub mod accepting;
pub mod line_reader;
pub mod listener;
pub mod local_peer;
pub mod transport;
pub mod unix_listener;
