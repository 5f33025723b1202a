//! Network I/O below the protocol: listeners, the per-connection transport (plain or TLS on
//! the same socket), and the bounded line reader.

pub mod line_reader;
pub mod listener;
pub mod transport;
