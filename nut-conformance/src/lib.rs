//! # nut-conformance: does a NUT server speak the network protocol correctly?
//!
//! Runs a documented list of checks against a server (`HOST[:PORT]` or `UPS@HOST[:PORT]`)
//! and reports pass / fail / skip for each, with what was sent, expected and received for
//! every failure. Read-only by default; checks that change state (SET, INSTCMD, LOGIN /
//! PRIMARY, FSD) or take a minute (the idle timeout) run only when named.
//!
//! ## Layout
//! - [`catalog`]: the checks (id, section, severity, gate, description): the one table
//!   `--list-checks` prints and docs/CONFORMANCE.md holds.
//! - [`target`]: what to test, as the NUT clients name servers.
//! - [`probe`]: one session over nut-monitor's client library: raw lines out, reply lines
//!   back tokenized by nut-core, every wait bounded.
//! - [`outcome`]: pass / fail (sent, expected, got) / skip.
//! - [`run`]: settings, the run's context, the report and the exit status.
//! - `checks`: the checks by family (basics, lists, get, auth, lines, tls, effects, idle).
//! - [`report`]: the table, JSON and Markdown renderings.
#![forbid(unsafe_code)]

pub mod catalog;
mod checks;
pub mod outcome;
pub mod probe;
pub mod report;
pub mod run;
pub mod target;

pub use catalog::{CHECKS, CheckDef, Gate, Severity};
pub use outcome::{Failure, Outcome};
pub use run::{Credentials, Report, RunError, Settings, run};
pub use target::Target;
