//! # nut-core: the NUT vocabulary
//!
//! Pure code, no I/O and no async: every other rnut crate shares these definitions, so the
//! server, the clients and the drivers can never disagree on a byte.
//!
//! ## Layout
//! - [`words`]: the tokenizer shared by the network protocol, the driver socket and the config
//!   files, and the value encoder (escaping and quoting).
//! - [`status`]: `ups.status` tokens as a parsed set.
//! - `net`: the client <-> upsd protocol as typed requests, replies and `ERR` codes.
//! - `sock`: the driver <-> upsd socket protocol, both directions.
//! - `config`: `ups.conf`, `upsd.conf`, `upsd.users`, `upsmon.conf` as typed structs.
//! - [`secret`]: the zeroizing, redacted string every password travels in.
//! - [`json`]: JSON output (`upsc -j`, upsd's `/api/v1`).
#![forbid(unsafe_code)]

pub mod config;
pub mod json;
pub mod net;
pub mod secret;
#[doc(hidden)]
pub mod smoke;
pub mod sock;
pub mod status;
pub mod version;
pub mod words;
