//! upsmon: the monitoring daemon. The decision logic is pure ([`machine`], [`tracker`],
//! [`events`], [`timing`]); the rest is I/O around it.
//!
//! - [`daemon`]: command line, process setup, privilege split.
//! - [`runner`]: the poll loop; [`shutdown`]: FSD, HOSTSYNC, SHUTDOWNCMD; [`reload`]: SIGHUP.
//! - [`notify`]: SYSLOG, WALL, EXEC delivery; [`signals`]: signal handling.
//! - [`privsep`]: the root parent and the unprivileged child; [`powerdown`]: POWERDOWNFLAG;
//!   [`pidfile`]: the PID file and `-c`.
//! - [`failover`]: one MONITOR line served by several upsd (first that answers).
//! - [`push`]: watching UPSes on servers that push changes (poll at once on a change).
//! - [`settings`]: upsmon.conf to the state machine's settings.

pub mod cert_expiry;
mod conf_file;
pub mod daemon;
pub mod events;
mod failover;
pub mod machine;
pub mod notify;
pub mod pidfile;
pub mod powerdown;
pub mod privsep;
mod push;
mod reload;
pub mod runner;
pub mod settings;
mod shutdown;
pub mod signals;
pub mod timing;
pub mod tracker;

#[cfg(test)]
mod machine_tests;
