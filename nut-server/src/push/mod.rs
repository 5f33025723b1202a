//! The push extension (docs/PROTOCOL-EXTENSIONS.md, "Push"): a session that sent
//! `WATCH <ups>` gets `NOTIFY` lines for the UPS's changes, written between replies.
//!
//! Memory stays bounded whatever the watcher does: a session keeps, per watched UPS, only
//! the values it last sent (at most the driver's bounded variable count) and a change flag.
//! Changes are never queued: when the flag is up the session diffs the current state against
//! what it sent, so a watcher that reads slowly gets the latest values (coalesced), and one
//! that stops reading blocks its own connection's write, which is closed after
//! `connection::WRITE_TIMEOUT` with a logged reason.

pub mod watches;

#[cfg(test)]
mod tests;

pub use watches::{MAX_WATCHES, Watches};
