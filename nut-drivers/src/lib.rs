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
//! - [`server`]: the socket server (one tokenizer and one queue per reader; the bounded
//!   queue in `server::queue`).
//! - [`error`]: [`DriverError`], and [`BackendError`] carrying each backend's typed cause
//!   (`dummy::DummyError`, `megatec::MegatecError`, `usbhid::UsbHidError`).
//! - [`device`]: the device thread, `driver.*` core commands and variables.
//! - [`config`]: the common command line and the merged ups.conf / `-x` configuration.
//! - [`runtime`]: the driver main program ([`run`]): background, privileges, PID file,
//!   signals. [`daemon`]: background without `fork()`. [`privs`]: chroot and setuid.
//! - [`control`]: reaching a running driver from another process: its PID file and the
//!   signal of each `-c` command (the driver's `-c` and upsdrvctl's).
//! - [`socket_reader`]: [`socket_reader::SocketReader`], a reader of a driver socket
//!   (upsd-style), the I/O around nut-core's [`nut_core::sock::DriverReader`].
//! - [`dummy`]: the dummy-ups backend (`.dev`/`.seq` files, repeater over nut-monitor's
//!   client, STARTTLS tried as C does).
//! - [`number`]: numbers printed as C drivers print them (`%.Nf`).
//! - [`megatec`]: the blazer_ser backend (Megatec / Q1 protocol on a serial port).
//! - [`usbhid`]: the usbhid-ups backend (USB HID Power Device class, libusb through `rusb`).
//! - [`upsdrvctl`]: the upsdrvctl program.
//!
//! ## Foreground, background and upsdrvctl
//! As in C, a driver goes to the background unless `-D` (without `-B`), `-F` or `-d` is
//! given. Without `fork()` (it needs `unsafe`, forbidden here) the driver re-executes itself
//! with a hidden `--rnut-daemon-child` flag; the child calls `setsid`, opens the device, drops
//! privileges, serves the socket, writes the PID file and only then prints `READY` on the pipe
//! that is its stdout. The parent exits 0 at that moment (1 if the child died first), so
//! upsdrvctl's "wait for the driver's foreground process" keeps C's meaning: exit 0 = the
//! socket is up. The child then logs to syslog (`/dev/log`).
//!
//! ## Order of start-up (as C `main.c`)
//! command line and ups.conf -> `driver.*` variables -> open the device -> chroot (`-r`) ->
//! switch user (`-u`) -> `default.*`/`override.*` -> initial data -> first update ->
//! `device.*` mirrors -> refuse a state path writable by others -> socket (stale file
//! removed, refused if another instance answers) -> PID file -> serve. The socket is created
//! by the unprivileged user, so it can remove it at exit and upsd in the same group reads it.
//!
//! ## Differences from C NUT 2.8.0 (observed with Debian's build)
//! - Broadcast `SETINFO` values are escaped like dumps (C 2.8.0 sends them raw, so a quote or
//!   `#` in a changed value reaches readers cut short).
//! - A reader that disappears or does not keep up is dropped; C 2.8.0 dummy-ups aborts when
//!   it broadcasts to a closed reader.
//! - A malformed data-file line stops dummy-ups with
//!   `file:line: message`; C skips it. An empty value deletes the variable as documented
//!   (C 2.8.0 reuses the previous line's value from a stale buffer).
//! - A second instance refuses to start while the socket is served.
//! - `driver.flag.allow_killpower`, `driver.state`, the `driver.reload*`/`driver.killpower`
//!   commands, `GETPID` and `LOGOUT` follow later NUT releases (as the spec lists them).
//!
//! ## Threads
//! The socket side is a current-thread tokio runtime; the backend runs on one dedicated
//! thread because device I/O is blocking. Readers are served while the device is busy.

pub mod backend;

pub mod config;
pub mod control;
pub mod daemon;
mod device;
pub mod dstate;
pub mod dummy;
pub mod error;
pub mod foreground;
pub mod logging;
pub mod megatec;
pub mod number;
pub mod privs;
pub mod runtime;
pub mod server;
pub mod socket_reader;
pub mod upsdrvctl;
pub mod usbhid;

pub use backend::{BackendError, DeviceBackend, DriverContext, DriverOption, ReloadOutcome};
pub use config::{DriverArgs, DriverConfig};
pub use dstate::Dstate;
pub use error::DriverError;
pub use runtime::run;

/// The C NUT release whose behaviour the drivers reproduce (`driver.version`).
pub const NUT_VERSION: &str = "2.8.0";
