//! The NUT config files as typed structs: `ups.conf`, `upsd.conf`, `upsd.users`,
//! `upsmon.conf`, and the directory rules (`NUT_CONFPATH`, `NUT_STATEPATH`, ...).
//!
//! ## Layout
//! - `errors`: [`ConfigError`], [`ConfigWarning`] (re-exported here, as is everything below).
//! - `lines`: the line walker and the section walker every format shares.
//! - `values`: booleans, numbers, seconds, paths.
//! - `tls_directives`: [`CertIdent`], [`CertRequest`] and the `CERTIDENT` rules.
//! - [`ups_conf`]: `ups.conf` (drivers, upsdrvctl, upsd).
//! - [`upsd_conf`]: the `upsd.conf` of upsd; [`upsd_http`]: its `HTTP_*` directives;
//!   [`unix_socket`]: its Unix-socket listener.
//! - [`upsd_users`]: `upsd.users` and the rights check of net-protocol.md section 3.
//! - [`upsmon_conf`]: `upsmon.conf`, notify events and flags, `MONITOR` and `CERTHOST` rows.
//! - [`notify`]: upsmon notify events, flags and message formats.
//! - [`nut_conf`]: `nut.conf` (`MODE`), and which daemons it lets start.
//! - [`paths`]: where the files and the state live, from the environment.
//! - [`file`](mod@file): the one bounded reader of config and data files (regular files, 4 MiB).
//!
//! Every parser takes the file text and the file path (for messages only): no I/O there; the
//! files are read by [`file::read_config`] alone.
//! All text goes through [`crate::words`], the tokenizer C NUT uses for its config files.
//!
//! ## Strictness (where rnut differs from C NUT)
//! C NUT logs a bad line and carries on; rnut refuses the whole file with a [`ConfigError`]
//! naming the file and the line: tokenizer errors (`#` inside quotes), unknown directives,
//! bad values, missing required fields, extra words. What C NUT itself only *warns* about
//! (obsolete `ACCEPT`/`REJECT`/`ACL`, `allowfrom`, a duplicate password or user, ...) is
//! accepted and reported in the `warnings` field of the parsed struct, for the binary to log.
//! In detail:
//! - numbers are whole decimal words (C `atoi` turns `15s` into 15 and `abc` into 0), and a
//!   negative value where none makes sense (MINSUPPLIES, POLLFREQ, MAXAGE, ...) is an error
//!   where C ignores the line; `POLLFREQ 0` is refused (a busy loop), and so are `MAXAGE 0`,
//!   `DEADTIME 0`, `HOSTSYNC 0`, `POLLFREQALERT 0`; no time is over a year
//!   ([`MAX_CONFIG_SECONDS`]); `MAXCONN` is 1 to [`upsd_conf::MAX_MAXCONN`].
//! - `CERTIDENT` without `CERTPATH` (or `CERTFILE`) is an error (C: TLS silently off).
//! - a double quote left open past the end of its line is an error (C: it swallows the next
//!   lines).
//! - ups.conf: a `driver` that is not a plain file name (`/`, `.`, `..`: upsdrvctl would run
//!   that path as root), `key value` without `=` and extra words after a value (C ignores both), an
//!   unknown global key, a key set twice in one place, `[default]`, a `/` in a section name,
//!   and a section name repeated (case-insensitively) are errors; a section without `driver`
//!   or `port` is an error (upsd only skips it).
//! - upsd.users: unknown fields (C: "Unrecognized user setting"), unknown `actions`, unknown
//!   `upsmon` roles, and a `password` of several words are errors.
//! - upsmon.conf: a MONITOR role other than primary/master/secondary/slave (C: secondary), a
//!   negative power value (C: line ignored), an unknown NOTIFYFLAG flag, a NOTIFYMSG format
//!   with a `%` conversion other than `%s` (at most two) and `%%`, an unparsable SHUTDOWNEXIT
//!   (C: yes) are errors. A duplicate MONITOR or CERTHOST is a warning; the first one wins.
//! - accepted in addition: `CERTIDENT 'single quoted' 'words'`, `CERTREQUEST NO|REQUEST|REQUIRE`,
//!   upsd.conf `HOSTS_ALLOW` / `HOSTS_DENY`.
//! - every line that lost bytes to the tokenizer's filter (control characters, non-ASCII)
//!   gets a warning: such a password would otherwise differ silently from what was typed.
//! - error messages name only the directive of a mistyped line, never its other words (they
//!   may hold a password).

pub use crate::secret::Secret;

pub mod certhost;
pub mod file;
#[doc(hidden)]
pub mod fuzzing;
pub mod monitor_failover;
pub mod notify;
pub mod nut_conf;
pub mod paths;
pub mod unix_socket;
pub mod ups_conf;
pub mod upsd_conf;
pub mod upsd_http;
pub mod upsd_users;
pub mod upsmon_conf;

#[cfg(test)]
mod tests;

pub use certhost::{CertHostRule, find_certhost, parse_certhost_target};
pub use notify::{NOTIFY_MAX_LEN, render_notify_message};
pub use paths::{StateDir, StateDirSource, effective_state_dir};
pub use unix_socket::UnixSocketConf;
pub use ups_conf::{RetryLimit, Synchronous, UpsConf, UpsGlobals, UpsSection};
pub use upsd_conf::{ListenAddr, UpsdConf};
pub use upsd_users::{UpsdUsers, UpsmonRole, UserEntry};
pub use upsmon_conf::{
    MonitorRole, MonitorSpec, MonitorTarget, NotifyEvent, NotifyFlags, PollFailLogThrottle,
    ShutdownExit, UpsmonConf,
};

/// The NUT network port (3493), the default wherever a port may be omitted.
pub use crate::net::DEFAULT_PORT;

mod errors;
mod flat_file;
mod lines;
mod tls_directives;
mod values;

pub use errors::{ConfigError, ConfigWarning};
pub(crate) use errors::{invalid_directive, keyword_like};
pub use lines::read_config_text;
pub(crate) use lines::{
    Line, directive_name, expect_args, key_value, read_lines, read_sections, rejoin_single_quoted,
};
/// Importable from here as before the split, for parsers of new sectioned files.
#[allow(unused_imports)]
pub(crate) use lines::{Section, SectionedFile, section_header};
pub use tls_directives::{CertIdent, CertRequest};
pub(crate) use tls_directives::{cert_expiry_warn, cert_ident};
pub use values::MAX_CONFIG_SECONDS;
pub(crate) use values::{
    bool_value, int_value, never_if_negative, parse_bool, path_arg, positive_seconds,
    seconds_value, uint_value, zero_one,
};
