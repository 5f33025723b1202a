//! The error and the warning every config parser returns, both naming the file and the
//! line, and the one message for a line that starts with no known directive.

use std::fmt;
use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
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
}
