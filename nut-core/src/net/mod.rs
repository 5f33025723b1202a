//! The client <-> upsd network protocol (`shared/spec/net-protocol.md`) as types, shared by
//! upsd (which parses [`Request`]s and formats [`Reply`]s) and the clients (which write
//! requests with [`Request::to_line`] and parse replies with [`Reply::parse`]).
//!
//! ## Layout
//! - [`answer`]: whether a reply answers a `GET` or belongs to a `LIST` (kind, echoed
//!   names), as clients check it.
//! - [`error`]: [`ErrCode`], every `ERR` code with its wire name and libupsclient text.
//! - [`request`]: [`Request`] parsed from the words of a line with upsd's exact argument
//!   rules, [`RequestError`] (the `ERR` code plus whether USERNAME/PASSWORD come first).
//! - [`list`]: [`ListQuery`], what `LIST` asks for and `BEGIN LIST` / `END LIST` echo.
//! - [`push`]: the push extension's `NOTIFY` lines and capability words.
//! - [`reply`]: [`Reply`], [`OkMessage`], [`VarType`]: every reply line, both directions.
//! - [`tracking`]: [`TrackingId`] (v4 UUIDs) and [`TrackingStatus`] for `GET TRACKING`.
//! - [`system_name`]: [`SystemName`], `ups@host:port` as the clients take it.
//! - [`fuzzing`]: the invariant checks run by the fuzz targets in `fuzz/` and by the stable
//!   `fuzz_smoke_core` example.
//!
//! Words come from [`crate::words::Tokenizer`]; nothing here does I/O. Lines are written
//! without their `\n` (the writer adds it).
//!
//! ## Line length
//! C NUT formats each reply into a 512-byte buffer (newline included) and libupsclient reads
//! lines into 512-byte buffers, so a line longer than 511 bytes plus its newline gets cut by
//! C peers. [`line_fits`] tells whether a line is safe; upsd values are at most 255 bytes
//! before escaping, which keeps every standard reply well inside the limit.

pub mod answer;
pub mod error;
pub mod fuzzing;
pub mod list;
pub mod push;
pub mod reply;
pub mod request;
pub mod system_name;
pub mod tracking;

pub use error::ErrCode;
pub use list::ListQuery;
pub use reply::{OkMessage, Reply, ReplyError, VarType};
pub use request::{Request, RequestError, command_needs_login};
pub use system_name::{DEFAULT_HOST, SystemName, SystemNameError, parse_host_port};
pub use tracking::{TrackingId, TrackingIdError, TrackingStatus};

/// The protocol version answered to `PROTVER` / `NETVER`.
pub const PROTOCOL_VERSION: &str = "1.3";

/// The IANA-registered upsd port.
pub const DEFAULT_PORT: u16 = 3493;

/// The `HELP` reply, exactly as Debian's upsd 2.8.0 sends it (PRIMARY, MASTER and FSD
/// deliberately absent; PROTVER too, although upsd answers it: it joined the list in 2.8.3).
pub const HELP_TEXT: &str =
    "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS";

/// Where upsd's `VER` text points (as upsd 2.8.0 prints it, `http://`).
pub const PROJECT_URL: &str = "http://www.networkupstools.org/";

/// Longest line C NUT reads or writes, trailing newline included (`NUT_NET_ANSWER_MAX`,
/// `UPSCLI_NETBUF_LEN`).
pub const MAX_LINE_LEN: usize = 512;

/// The `VER` reply and the `server.info` value:
/// `Network UPS Tools upsd <version> - http://www.networkupstools.org/`.
pub fn ver_text(version: &str) -> String {
    format!("Network UPS Tools upsd {version} - {PROJECT_URL}")
}

/// Whether a line (given without its newline) plus the newline fits in [`MAX_LINE_LEN`]
/// bytes, so that C NUT peers read it whole.
pub fn line_fits(line: &str) -> bool {
    line.len() < MAX_LINE_LEN
}

#[cfg(test)]
mod tests;
