//! # nut-server: `upsd`, the NUT data server
//!
//! Serves the state of the UPSes that drivers report to NUT clients over TCP (port 3493),
//! speaking NUT's text protocol byte for byte (`../shared/spec/net-protocol.md`), with
//! STARTTLS through rustls, users and rights from `upsd.users`, and hosts.allow/hosts.deny.
//!
//! ## Layout
//! - [`cli`]: the command line (C upsd's flags).
//! - [`pidfile`]: the PID file and `upsd -c reload|stop`.
//! - [`privileges`]: `-r` chroot, `-u` privilege drop, refusing unsafe file permissions.
//! - [`io`]: listeners, the plain/TLS transport of one connection, the bounded line reader.
//! - [`shutdown`]: the graceful-shutdown signal shared by every task.
//! - [`auth`]: password verification (plain, argon2, sha512-crypt), the failure delay,
//!   hosts.allow / hosts.deny.
//! - [`registry`]: the UPS table, the per-UPS state fed by driver links, tracking ids.
//! - [`descriptions`]: `cmdvartab` for `GET DESC` / `GET CMDDESC`.
//! - [`counters`]: upsd's own figures for `/metrics` (atomics bumped by the NUT paths).
//! - [`context`]: what all sessions share; [`session`]: one connection's state.
//! - [`cmd`]: one module per command family (`get`, `list`, `set`, `instcmd`, `login`,
//!   `primary`, `credentials`, `info`, `starttls`) and the dispatcher with C upsd's check order.
//! - [`push`]: the push extension's per-session watches (`WATCH` / `NOTIFY`).
//! - [`connection`]: the per-connection loop (idle kick, batching, STARTTLS upgrade).
//! - [`server`]: accept loops, MAXCONN, signals, reload; [`startup`]: the startup sequence.
//! - [`http`]: the optional HTTP listener: `/metrics`, `/api/v1`, the status page.
//! - [`settings`]: reading the config files; [`tls`]: the STARTTLS acceptor.
#![forbid(unsafe_code)]

pub mod auth;
mod bounded_table;
pub mod cert_expiry;
pub mod cli;
pub mod cmd;
pub mod connection;
pub mod context;
pub mod counters;
pub mod descriptions;
pub mod http;
pub mod io;
pub mod pidfile;
pub mod privileges;
pub mod push;
pub mod registry;
pub mod reload_status;
pub mod server;
pub mod session;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod tls;
pub mod warnings;
pub mod workers;

pub use startup::main_entry;
