//! # nut-drivers: the driver framework, dummy-ups and upsdrvctl
//!
//! A driver owns the truth about one UPS and serves it on the Unix socket
//! `STATEPATH/<driver>-<upsname>` with the protocol of [`nut_core::sock`], byte-compatible
//! with C NUT 2.8.
//!
//! ## Layout
//! - [`backend`]: the [`DeviceBackend`] trait a driver implements (open, init, update,
//!   instcmd, setvar, shutdown, reload).
//! - [`dstate`]: [`Dstate`], the live state tree; every change is broadcast at once.
//! - [`server`]: the socket server (one tokenizer and one queue per reader).
//! - [`device`]: the device thread, `driver.*` core commands and variables.
//! - [`config`]: the common command line and the merged ups.conf / `-x` configuration.
//! - [`runtime`]: the driver main program ([`run`]): background, privileges, PID file,
//!   signals. [`daemon`]: background without `fork()`. [`privs`]: chroot and setuid.
//! - [`client`]: [`client::DriverClient`], a reader of a driver socket (upsd-style).
//! - [`netclient`]: a minimal plaintext NUT network client (dummy-ups repeater mode).
//! - [`dummy`]: the dummy-ups backend (`.dev`/`.seq` files, repeater).
//! - [`upsdrvctl`]: the upsdrvctl program.
//!
//! ## Threads
//! The socket side is a current-thread tokio runtime; the backend runs on one dedicated
//! thread because device I/O is blocking. Readers are served while the device is busy.

pub mod backend;
pub mod client;
pub mod config;
pub mod daemon;
mod device;
pub mod dstate;
pub mod dummy;
pub mod error;
pub mod logging;
pub mod netclient;
pub mod privs;
pub mod runtime;
pub mod server;
pub mod upsdrvctl;

pub use backend::{BackendError, DeviceBackend, DriverContext, DriverOption, ReloadOutcome};
pub use config::{DriverArgs, DriverConfig};
pub use dstate::Dstate;
pub use error::DriverError;
pub use runtime::run;

/// The C NUT release whose behaviour the drivers reproduce (`driver.version`).
pub const NUT_VERSION: &str = "2.8.0";
