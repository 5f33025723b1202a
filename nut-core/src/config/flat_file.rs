//! The files of directives without sections, upsd.conf and upsmon.conf: both are read the
//! same way ([`read_flat`]: every line applied in file order, then `CERTIDENT` checked against
//! the certificate store), and both name their directives the same way ([`directive_key`]).

use std::path::Path;

use super::errors::{ConfigError, ConfigWarning};
use super::lines::{Line, expect_args, read_lines};
use super::tls_directives::{certident_line, certident_needs_store};

/// How [`read_flat`] reaches into one kind of flat file (a `const` beside its parser).
pub(crate) struct FlatFile<C> {
    /// Where the accepted oddities of the file go.
    pub(crate) warnings: fn(&mut C) -> &mut Vec<ConfigWarning>,
    /// Apply one directive line.
    pub(crate) apply: fn(&mut C, &Line, &Path) -> Result<(), ConfigError>,
    /// Whether the file names a certificate store (`CERTPATH` or `CERTFILE`), which
    /// `CERTIDENT` needs.
    pub(crate) has_cert_store: fn(&C) -> bool,
}

/// Read the text of a flat file into `conf` (at its defaults): every line through
/// [`FlatFile::apply`] in file order, then `CERTIDENT` refused without a store.
pub(crate) fn read_flat<C>(
    conf: &mut C,
    text: &str,
    file: &Path,
    how: &FlatFile<C>,
) -> Result<(), ConfigError> {
    let lines = read_lines(text, file, (how.warnings)(conf))?;
    for line in &lines {
        (how.apply)(conf, line, file)?;
    }
    certident_needs_store(certident_line(&lines), (how.has_cert_store)(conf), file)
}

/// The directive a line starts with, as matched: case-sensitive as in C, except `DEBUG_MIN`,
/// which C reads in any case.
pub(crate) fn directive_key(line: &Line) -> &str {
    let word = line.words[0].as_str();
    if word.eq_ignore_ascii_case("DEBUG_MIN") {
        "DEBUG_MIN"
    } else {
        word
    }
}

/// The one argument of a directive, or an error showing `usage`.
pub(crate) fn one_arg<'a>(
    line: &'a Line,
    usage: &str,
    file: &Path,
) -> Result<&'a str, ConfigError> {
    expect_args(line, 1, usage, file).map(|a| a[0].as_str())
}
