//! # nut-monitor: upsmon and the client tools (upsc, upscmd, upsrw)
//!
//! See `README.md` beside this crate for the tools' TLS options and where upsmon differs
//! from C NUT.
//!
//! ## Layout
//! - [`client`]: the async NUT client library (libupsclient's role): connect, STARTTLS by
//!   the CERTHOST/CERTVERIFY/FORCESSL decision, typed requests, replies and errors.
//! - [`upsmon`]: the monitoring daemon. Its decisions live in a pure state machine
//!   ([`upsmon::machine`] over per-UPS [`upsmon::tracker`]s, emitting [`upsmon::events`]).
//! - [`tools`]: upsc, upscmd and upsrw (C NUT's options and output formats, plus TLS options
//!   and `upsc -j`). The binaries in `src/bin/` only call into these modules.
#![forbid(unsafe_code)]

pub mod client;
pub mod tools;
pub mod upsmon;
