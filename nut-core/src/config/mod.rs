//! The NUT config files as typed structs: `ups.conf`, `upsd.conf`, `upsd.users`,
//! `upsmon.conf`, and the directory rules (`NUT_CONFPATH`, `NUT_STATEPATH`, ...).
//!
//! ## Layout
//! - this file: [`ConfigError`], [`ConfigWarning`], [`CertIdent`], [`CertRequest`] and the
//!   helpers every format shares (line walker, section walker, booleans, numbers).
//! - [`ups_conf`]: `ups.conf` (drivers, upsdrvctl, upsd).
//! - [`upsd_conf`]: the `upsd.conf` of upsd; [`upsd_http`]: its `HTTP_*` directives.
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

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::words::{Event, Tokenizer, alteration};

pub use crate::secret::Secret;

pub mod certhost;
pub mod file;
#[doc(hidden)]
pub mod fuzzing;
pub mod notify;
pub mod nut_conf;
pub mod paths;
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
pub use ups_conf::{RetryLimit, Synchronous, UpsConf, UpsGlobals, UpsSection};
pub use upsd_conf::{ListenAddr, UpsdConf};
pub use upsd_users::{UpsdUsers, UpsmonRole, UserEntry};
pub use upsmon_conf::{
    MonitorRole, MonitorSpec, MonitorTarget, NotifyEvent, NotifyFlags, PollFailLogThrottle,
    ShutdownExit, UpsmonConf,
};

/// The NUT network port (3493), the default wherever a port may be omitted.
pub use crate::net::DEFAULT_PORT;

/// A config file that rnut refuses: the file, the line (1-based; 0 when the problem concerns
/// the whole file, such as a missing `MONITOR`), and what is wrong.
///
/// Displayed as `<file>:<line>: <message>` (or `<file>: <message>` for line 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", located(file, *line, message))]
pub struct ConfigError {
    /// The file as given to the parser.
    pub file: PathBuf,
    /// Physical line where the offending logical line starts; 0 for the whole file.
    pub line: usize,
    /// What is wrong, for a human.
    pub message: String,
}

impl ConfigError {
    /// An error at `line` of `file`.
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// Whether a config word has the shape of a keyword (ASCII letters, digits, `_`, `-`, `.`;
/// at most 32 bytes), so that a message may name it: a word of any other shape may be a
/// mistyped line run together, password included.
pub(crate) fn keyword_like(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 32
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// The error for a line whose first word is no directive of `file_kind` (`upsd.conf`,
/// `upsmon.conf`): it names only the keyword, never the rest of the line, which may hold a
/// password, and names no keyword at all when the first word does not look like one (a quoted
/// word with spaces, control or non-ASCII bytes), since such a word may be a mistyped
/// `password = ...` line run together. A known directive written in the wrong case gets a hint.
pub(crate) fn invalid_directive(
    file: &Path,
    line: usize,
    word: &str,
    file_kind: &str,
    directives: &[&str],
) -> ConfigError {
    if !keyword_like(word) {
        return ConfigError::new(
            file,
            line,
            "invalid directive (the line does not start with a keyword)",
        );
    }
    let upper = word.to_ascii_uppercase();
    let hint = if directives.contains(&upper.as_str()) {
        format!(" ({file_kind} directives are upper case: {upper})")
    } else {
        String::new()
    };
    ConfigError::new(file, line, format!("invalid directive {word}{hint}"))
}

/// Something C NUT accepts with a warning and rnut accepts too: the binary logs it.
/// Displayed like [`ConfigError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The file as given to the parser.
    pub file: PathBuf,
    /// Physical line (1-based; 0 for the whole file).
    pub line: usize,
    /// What was noticed.
    pub message: String,
}

impl ConfigWarning {
    /// A warning at `line` of `file`.
    pub fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        ConfigWarning {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&located(&self.file, self.line, &self.message))
    }
}

fn located(file: &Path, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{}: {}", file.display(), message)
    } else {
        format!("{}:{}: {}", file.display(), line, message)
    }
}

/// `CERTIDENT <name> <password>` (upsd.conf and upsmon.conf). The password is never shown by
/// `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct CertIdent {
    /// Certificate nickname in the store (or name the certificate must match).
    pub name: String,
    /// Store / private key password (zeroed on drop, never shown).
    pub password: Secret,
}

impl fmt::Debug for CertIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertIdent")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// upsd.conf `CERTREQUEST`: what upsd asks of a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CertRequest {
    /// 0 / `NO`: no client certificate is requested.
    #[default]
    No,
    /// 1 / `REQUEST`: a certificate is requested and verified if sent.
    Request,
    /// 2 / `REQUIRE`: a valid client certificate is required.
    Require,
}

impl CertRequest {
    /// `0`, `1`, `2` or the words `NO`, `REQUEST`, `REQUIRE` (upper case, as upstream).
    pub fn parse(value: &str) -> Option<CertRequest> {
        match value {
            "0" | "NO" => Some(CertRequest::No),
            "1" | "REQUEST" => Some(CertRequest::Request),
            "2" | "REQUIRE" => Some(CertRequest::Require),
            _ => None,
        }
    }

    /// The upstream numeric value (0, 1, 2).
    pub fn as_number(self) -> u8 {
        match self {
            CertRequest::No => 0,
            CertRequest::Request => 1,
            CertRequest::Require => 2,
        }
    }
}

impl fmt::Display for CertRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertRequest::No => "NO",
            CertRequest::Request => "REQUEST",
            CertRequest::Require => "REQUIRE",
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (crate-private): the line walker, the section walker, value parsers.

/// One logical line of a config file: where it starts and its words (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) number: usize,
    pub(crate) words: Vec<String>,
    /// Bit `i` set: `words[i]` was written in double quotes.
    pub(crate) quoted: u32,
}

/// The text of a configuration or data file, read by [`file::read_config`] (a regular file
/// of at most [`file::MAX_CONFIG_FILE_BYTES`], no permission check). Bytes that are not UTF-8
/// (a Latin-1 `é` in a comment) do not make the whole file unreadable: they become U+FFFD,
/// which the tokenizer drops as non-ASCII with a warning naming the line, as C NUT's parser
/// discards them.
pub fn read_config_text(path: &std::path::Path) -> std::io::Result<String> {
    file::read_config(path, file::Writers::Anyone).map(file::FileContents::into_text)
}

/// Tokenize a whole file; empty and comment-only lines are dropped. The first tokenizer
/// error (an unescaped `#` inside quotes) is refused with its line, and so is a double quote
/// left open until a later line. Bytes the tokenizer drops
/// (control characters such as a TAB inside quotes, non-ASCII) change a value silently, so
/// each line that lost some gets a warning, as C NUT prints one.
pub(crate) fn read_lines(
    text: &str,
    file: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<Line>, ConfigError> {
    let mut tok = Tokenizer::new();
    let mut lines = Vec::new();
    let mut handle = |event: Event, tok: &Tokenizer| -> Result<(), ConfigError> {
        let number = tok.line_number();
        match event {
            Event::Line(words) => {
                let dropped = tok.dropped_bytes();
                // An unclosed quote took the lines after it into one value: refused, since
                // those lines (a MONITOR, a user's rights) would vanish without a word.
                if tok.newlines_in_quotes() > 0 {
                    let why = alteration(dropped, tok.newlines_in_quotes()).unwrap_or_default();
                    return Err(ConfigError::new(file, number, why));
                }
                if let Some(why) = alteration(dropped, 0) {
                    warnings.push(ConfigWarning::new(file, number, why));
                }
                // A line made only of dropped bytes (a byte-order mark, a non-breaking space
                // before `#`, a DOS end-of-file mark) is blank, as in C.
                let only_dropped = dropped > 0 && words.iter().all(|w| w.is_empty());
                if !words.is_empty() && !only_dropped {
                    let quoted = (0..words.len())
                        .filter(|&i| tok.word_was_quoted(i))
                        .fold(0u32, |bits, i| bits | 1 << i);
                    lines.push(Line {
                        number,
                        words,
                        quoted,
                    });
                }
                Ok(())
            }
            Event::Error(e) => Err(ConfigError::new(
                file,
                number,
                match alteration(0, tok.newlines_in_quotes()) {
                    Some(why) => format!("parse error: {e}; {why}"),
                    None => format!("parse error: {e}"),
                },
            )),
        }
    };
    for &b in text.as_bytes() {
        if let Some(event) = tok.feed(b) {
            handle(event, &tok)?;
        }
    }
    if let Some(event) = tok.finish() {
        handle(event, &tok)?;
    }
    Ok(lines)
}

/// A `[name]` section of ups.conf or upsd.users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) body: Vec<Line>,
}

/// A section-style file: the lines before the first section, then the sections in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SectionedFile {
    pub(crate) globals: Vec<Line>,
    pub(crate) sections: Vec<Section>,
}

/// `[name]` -> `name`: a first word that begins with `[` and ends with `]` (C NUT's rule).
pub(crate) fn section_header(word: &str) -> Option<&str> {
    if word.len() >= 2 && word.starts_with('[') && word.ends_with(']') {
        Some(&word[1..word.len() - 1])
    } else {
        None
    }
}

/// Split a section-style file into its globals and sections. A header must stand alone on
/// its line and name something; `[my ups]` (a space in the name) is refused with a hint.
pub(crate) fn read_sections(
    text: &str,
    file: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<SectionedFile, ConfigError> {
    let mut out = SectionedFile::default();
    for line in read_lines(text, file, warnings)? {
        let first = &line.words[0];
        if let Some(name) = section_header(first) {
            if name.is_empty() {
                return Err(ConfigError::new(file, line.number, "empty section name []"));
            }
            if line.words.len() > 1 {
                return Err(ConfigError::new(
                    file,
                    line.number,
                    format!("unexpected words after section header {first}"),
                ));
            }
            out.sections.push(Section {
                name: name.to_string(),
                line: line.number,
                body: Vec::new(),
            });
        } else if first.starts_with('[') {
            return Err(ConfigError::new(
                file,
                line.number,
                format!(
                    "malformed section header starting with {first} (a section name cannot contain spaces)"
                ),
            ));
        } else if let Some(section) = out.sections.last_mut() {
            section.body.push(line);
        } else {
            out.globals.push(line);
        }
    }
    Ok(out)
}

/// The directive of a line's first word, as messages name it: the word up to its first
/// character that cannot be part of a directive name (`password:hunter2`, a quoted
/// `"password hunter2"`: `password`), so that a mistyped line never echoes the value it
/// holds.
pub(crate) fn directive_name(word: &str) -> &str {
    let end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(word.len());
    if end == 0 {
        "(unreadable)"
    } else {
        &word[..end]
    }
}

/// A `key = value` line (exactly three words, word two `=`): `Some(value)`.
/// A one-word line: `None` (a flag). Anything else: an error naming the key.
pub(crate) fn key_value<'a>(line: &'a Line, file: &Path) -> Result<Option<&'a str>, ConfigError> {
    let w = &line.words;
    match w.len() {
        1 => Ok(None),
        3 if w[1] == "=" => Ok(Some(w[2].as_str())),
        2 if w[1] == "=" => Err(ConfigError::new(
            file,
            line.number,
            format!("{}: missing value after =", directive_name(&w[0])),
        )),
        n if n > 3 && w[1] == "=" => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: extra words after the value (quote a value containing spaces)",
                directive_name(&w[0])
            ),
        )),
        _ => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: expected `{} = <value>` or a single flag word",
                directive_name(&w[0]),
                directive_name(&w[0])
            ),
        )),
    }
}

/// NUT booleans: `true|on|yes|1` and `false|off|no|0`, case-insensitive.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// A boolean value or an error naming the directive.
pub(crate) fn bool_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<bool, ConfigError> {
    parse_bool(value).ok_or_else(|| {
        ConfigError::new(
            file,
            line,
            format!(
                "{directive}: invalid boolean {value:?} (expected true/false, yes/no, on/off, 1/0)"
            ),
        )
    })
}

/// A strict `0|1` flag (CERTVERIFY, FORCESSL, ALARMCRITICAL, CERTHOST columns).
pub(crate) fn zero_one(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<bool, ConfigError> {
    match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(ConfigError::new(
            file,
            line,
            format!("{directive}: expected 0 or 1, got {value:?}"),
        )),
    }
}

/// A decimal integer (optional leading `-` or `+`), the whole word. C NUT uses `atoi`, which
/// turns garbage into 0; rnut refuses it.
pub(crate) fn int_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<i64, ConfigError> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive} has non numeric value {value:?}"),
        ));
    }
    value.parse::<i64>().map_err(|_| {
        ConfigError::new(
            file,
            line,
            format!("{directive}: value {value:?} is out of range"),
        )
    })
}

/// A non-negative integer that fits `T`.
pub(crate) fn uint_value<T: TryFrom<i64>>(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<T, ConfigError> {
    let n = int_value(directive, value, file, line)?;
    if n < 0 {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive}: negative value {value} is not allowed"),
        ));
    }
    T::try_from(n).map_err(|_| {
        ConfigError::new(
            file,
            line,
            format!("{directive}: value {value} is too large"),
        )
    })
}

/// The longest time any config file may give (a year, in seconds): longer is a typo, and
/// added to a clock reading it could overflow it.
pub const MAX_CONFIG_SECONDS: u64 = 365 * 24 * 3600;

/// A number of seconds from 0 to [`MAX_CONFIG_SECONDS`].
pub(crate) fn seconds_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Duration, ConfigError> {
    let secs = uint_value::<u64>(directive, value, file, line)?;
    if secs > MAX_CONFIG_SECONDS {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive}: {secs} seconds is more than a year ({MAX_CONFIG_SECONDS})"),
        ));
    }
    Ok(Duration::from_secs(secs))
}

/// A number of seconds from 1 to [`MAX_CONFIG_SECONDS`], for the timers where 0 makes no
/// sense (POLLFREQ: a busy loop; MAXAGE: every UPS always stale; DEADTIME: every UPS on
/// battery dead between two polls; HOSTSYNC: no wait for the other systems at all).
pub(crate) fn positive_seconds(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Duration, ConfigError> {
    let d = seconds_value(directive, value, file, line)?;
    if d.is_zero() {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive} must be at least 1 second"),
        ));
    }
    Ok(d)
}

/// A signed number of seconds where a negative value means "never": `None`, else up to
/// [`MAX_CONFIG_SECONDS`] (OFFDURATION, OVERDURATION).
pub(crate) fn never_if_negative(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Option<Duration>, ConfigError> {
    if int_value(directive, value, file, line)? < 0 {
        return Ok(None);
    }
    seconds_value(directive, value, file, line).map(Some)
}

/// Exactly `n` words after the directive, or an error saying how many are expected.
pub(crate) fn expect_args<'a>(
    line: &'a Line,
    n: usize,
    usage: &str,
    file: &Path,
) -> Result<&'a [String], ConfigError> {
    let args = &line.words[1..];
    if args.len() == n {
        Ok(args)
    } else {
        Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: expected {n} argument{} ({usage}), got {}{}",
                line.words[0],
                if n == 1 { "" } else { "s" },
                args.len(),
                if args.iter().any(String::is_empty) {
                    " (one is empty: a backslash-newline followed by spaces makes an empty word)"
                } else if args.len() > n && args.iter().any(|a| a == "=") {
                    " (an unquoted '=' is a word of its own: put a value holding '=' in \
                     double quotes, e.g. a password)"
                } else {
                    ""
                }
            ),
        ))
    }
}

/// Re-join words that a single-quoted value was split into: C NUT's tokenizer knows only
/// double quotes, so `'My nut server'` arrives as `'My`, `nut`, `server'`. Words outside single
/// quotes are kept as they are, and so is a word written in double quotes (bit `i` of
/// `quoted` for `words[i]`), so
/// `"'secret"` stays a password starting with a quote. Runs of spaces inside single quotes
/// become one space (the tokenizer has already lost them); use double quotes to keep them
/// exactly.
pub(crate) fn rejoin_single_quoted(words: &[String], quoted: u32) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for (i, w) in words.iter().enumerate() {
        let literal = i < 32 && quoted >> i & 1 == 1;
        match open.as_mut() {
            None if literal => out.push(w.clone()),
            None => {
                if let Some(rest) = w.strip_prefix('\'') {
                    if let Some(inner) = rest.strip_suffix('\'') {
                        out.push(inner.to_string());
                    } else {
                        open = Some(vec![rest]);
                    }
                } else {
                    out.push(w.clone());
                }
            }
            Some(parts) => match w.strip_suffix('\'') {
                Some(last) if !literal => {
                    parts.push(last);
                    out.push(parts.join(" "));
                    open = None;
                }
                _ => parts.push(w),
            },
        }
    }
    if open.is_some() {
        return Err("unterminated single quote".to_string());
    }
    Ok(out)
}

/// `CERTIDENT <name> <password>` with either quote style.
pub(crate) fn cert_ident(line: &Line, file: &Path) -> Result<CertIdent, ConfigError> {
    // The arguments start at word 1.
    let args = rejoin_single_quoted(&line.words[1..], line.quoted >> 1)
        .map_err(|e| ConfigError::new(file, line.number, format!("CERTIDENT: {e}")))?;
    match <[String; 2]>::try_from(args) {
        Ok([name, password]) => Ok(CertIdent {
            name,
            password: Secret::new(password),
        }),
        Err(args) => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "CERTIDENT: expected 2 arguments (certificate name and password; quote a name containing spaces), got {}",
                args.len()
            ),
        )),
    }
}

/// `CERTIDENT` names a certificate of the store that `CERTPATH` opens (or the password of a
/// `CERTFILE` key). Without either it is refused at its line: C NUT then silently runs
/// without TLS (upsd) or without the client certificate (upsmon), and a misconfigured TLS
/// must never fall back to plaintext unnoticed.
pub(crate) fn certident_needs_store(
    certident_line: Option<usize>,
    has_store: bool,
    file: &Path,
) -> Result<(), ConfigError> {
    match certident_line {
        Some(line) if !has_store => Err(ConfigError::new(
            file,
            line,
            "CERTIDENT without CERTPATH (or CERTFILE): the certificate it names cannot be \
             found, and TLS would silently be off; add `CERTPATH <store directory>`",
        )),
        _ => Ok(()),
    }
}

/// The line of the last `CERTIDENT` directive, if any.
pub(crate) fn certident_line(lines: &[Line]) -> Option<usize> {
    lines
        .iter()
        .rev()
        .find(|l| l.words[0] == "CERTIDENT")
        .map(|l| l.number)
}

/// One argument that is a path.
pub(crate) fn path_arg(line: &Line, usage: &str, file: &Path) -> Result<PathBuf, ConfigError> {
    let args = expect_args(line, 1, usage, file)?;
    if args[0].is_empty() {
        return Err(ConfigError::new(
            file,
            line.number,
            format!("{}: empty path", line.words[0]),
        ));
    }
    Ok(PathBuf::from(&args[0]))
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/etc/nut/test.conf")
    }

    #[test]
    fn error_display_names_file_and_line() {
        let e = ConfigError::new(p(), 3, "MAXAGE has non numeric value \"x\"");
        assert_eq!(
            e.to_string(),
            "/etc/nut/test.conf:3: MAXAGE has non numeric value \"x\""
        );
        let e = ConfigError::new(p(), 0, "no MONITOR");
        assert_eq!(e.to_string(), "/etc/nut/test.conf: no MONITOR");
        let w = ConfigWarning::new(p(), 7, "obsolete");
        assert_eq!(w.to_string(), "/etc/nut/test.conf:7: obsolete");
    }

    #[test]
    fn booleans() {
        for t in ["true", "ON", "Yes", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "OFF", "no", "0"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("2"), None);
        assert_eq!(parse_bool("yess"), None);
        assert!(
            bool_value("X", "maybe", p(), 4)
                .unwrap_err()
                .to_string()
                .contains(":4: X: invalid boolean")
        );
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(int_value("N", "-5", p(), 1), Ok(-5));
        assert_eq!(int_value("N", "+5", p(), 1), Ok(5));
        assert!(int_value("N", "5x", p(), 1).is_err());
        assert!(int_value("N", "", p(), 1).is_err());
        assert!(int_value("N", "-", p(), 1).is_err());
        assert!(int_value("N", "99999999999999999999999", p(), 1).is_err());
        assert_eq!(uint_value::<u16>("N", "65535", p(), 1), Ok(65535));
        assert!(uint_value::<u16>("N", "65536", p(), 1).is_err());
        assert!(
            uint_value::<u32>("N", "-1", p(), 2)
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert_eq!(
            seconds_value("N", "15", p(), 1),
            Ok(Duration::from_secs(15))
        );
    }

    #[test]
    fn single_quotes_rejoin() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let plain = |s: &[&str]| rejoin_single_quoted(&w(s), 0);
        assert_eq!(
            plain(&["'My", "nut", "server'", "'pw'"]),
            Ok(w(&["My nut server", "pw"]))
        );
        assert_eq!(plain(&["plain", "'a'"]), Ok(w(&["plain", "a"])));
        assert_eq!(plain(&["'", "x'"]), Ok(w(&[" x"])));
        assert_eq!(plain(&["''"]), Ok(w(&[""])));
        assert!(plain(&["'open", "x"]).is_err());
        // Words written in double quotes are taken literally, single quotes and all.
        assert_eq!(
            rejoin_single_quoted(&w(&["name", "'secret"]), 0b11),
            Ok(w(&["name", "'secret"]))
        );
        assert_eq!(
            rejoin_single_quoted(&w(&["'a", "b'", "'pw'"]), 0b100),
            Ok(w(&["a b", "'pw'"]))
        );
    }

    #[test]
    fn sections_and_headers() {
        let f =
            read_sections("a = 1\n[one]\n x = 2\n\n# c\n[two]\n", p(), &mut Vec::new()).unwrap();
        assert_eq!(f.globals.len(), 1);
        assert_eq!(f.sections.len(), 2);
        assert_eq!(f.sections[0].name, "one");
        assert_eq!(f.sections[0].line, 2);
        assert_eq!(f.sections[0].body[0].number, 3);
        assert_eq!(f.sections[1].line, 6);
        let e = read_sections("[my ups]\n", p(), &mut Vec::new()).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("malformed section header"));
        assert_eq!(
            read_sections("\n[]\n", p(), &mut Vec::new())
                .unwrap_err()
                .line,
            2
        );
    }

    #[test]
    fn cert_request_values() {
        assert_eq!(CertRequest::parse("0"), Some(CertRequest::No));
        assert_eq!(CertRequest::parse("REQUEST"), Some(CertRequest::Request));
        assert_eq!(CertRequest::parse("2"), Some(CertRequest::Require));
        assert_eq!(CertRequest::parse("3"), None);
        assert_eq!(CertRequest::parse("require"), None);
        assert_eq!(CertRequest::default(), CertRequest::No);
        assert_eq!(CertRequest::Require.as_number(), 2);
    }

    #[test]
    fn cert_ident_debug_hides_password() {
        let c = CertIdent {
            name: "n".into(),
            password: "secret".into(),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }
}
