//! The driver <-> upsd socket protocol (C NUT's `docs/sock-protocol.txt`, `drivers/dstate.c`,
//! `server/sstate.c`, `common/state.c`), both directions, as types.
//!
//! ## Layout
//! - [`message`]: [`DriverMessage`] (driver -> reader) and [`ServerMessage`] (reader ->
//!   driver), parsed from the words of [`crate::words::Tokenizer`] and displayed as one line
//!   without its newline; [`ResultCode`] for `TRACKING` results.
//! - [`decoder`]: [`DriverDecoder`], the bytes a reader of a driver socket reads into
//!   [`DriverMessage`]s.
//! - [`reader`]: [`DriverReader`], the one reader's side of a connection, without the I/O
//!   (upsd's driver link, nut-drivers' socket reader and upsdrvctl's probe each add theirs):
//!   the opening `DUMPALL`, bounded reads decoded by [`DriverDecoder`], and [`reader::apply`]
//!   of each message to the reader's mirror (the state and whether the dump is done).
//! - [`flags`]: [`VarFlags`] (`RW`, `STRING`, `NUMBER`, internal `IMMUTABLE`).
//! - [`state`]: [`DriverState`], the pure state tree shared by the driver framework and
//!   upsd's registry: `apply` a message, `dump_all` in the exact `DUMPALL` order.
//! - [`limits`]: the bounds on that tree's size and the count of messages refused at them.

pub mod decoder;
pub mod flags;
#[doc(hidden)]
pub mod fuzzing;
pub mod limits;
pub mod message;
pub mod reader;
pub mod state;

pub use decoder::{DriverDecoder, IgnoredLine};
pub use flags::VarFlags;
pub use limits::{Refusals, StateLimit};
pub use message::{
    DriverMessage, ResultCode, ServerMessage, SockParseError, TRACKING_PENDING, atoi, strtol,
};
pub use reader::{Applied, DriverReader};
pub use state::{DriverState, VarNode};

/// Longest value a driver stores (`ST_MAX_VALUE_LEN` minus its NUL).
pub const MAX_VALUE_LEN: usize = 255;
/// Size of the buffer a C driver formats one message into (`ST_SOCK_BUF_LEN`).
pub const SOCK_BUF_LEN: usize = 512;
/// `listen()` backlog of the driver socket (`DS_LISTEN_BACKLOG`).
pub const LISTEN_BACKLOG: u32 = 16;
