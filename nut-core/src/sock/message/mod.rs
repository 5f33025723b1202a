//! The two message directions of the driver socket, one file each: [`DriverMessage`]
//! (`from_driver`: driver -> upsd or any reader) and [`ServerMessage`] (`to_driver`: upsd or
//! any reader -> driver); [`ResultCode`] (`result_code`) for `TRACKING`; here, what both
//! parsers share.
//!
//! Parsing takes the words of one line as produced by [`crate::words::Tokenizer`]; keywords
//! are case-insensitive and extra trailing words are tolerated where C NUT tolerates them.
//! `Display` writes one line without its newline; free-form values are quoted and escaped
//! with [`crate::words::quoted`].

mod from_driver;
mod result_code;
mod to_driver;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support;

pub use from_driver::DriverMessage;
pub use result_code::{ResultCode, TRACKING_PENDING};
pub use to_driver::ServerMessage;

/// Why a line is not a message of the expected direction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SockParseError {
    /// The line has no words.
    #[error("empty line")]
    Empty,
    /// The first word is not a known keyword.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A known keyword with fewer words than it needs.
    #[error("{command} needs at least {needed} words, got {got}")]
    MissingArguments {
        /// The keyword, upper-case.
        command: &'static str,
        /// Minimum number of words including the keyword.
        needed: usize,
        /// Words received.
        got: usize,
    },
    /// A known keyword with a word layout C NUT rejects (e.g. `INSTCMD a b c` without
    /// `TRACKING`).
    #[error("malformed {command} line")]
    Malformed {
        /// The keyword, upper-case.
        command: &'static str,
    },
}

/// C `atoi`: optional leading whitespace and sign, then digits; anything else stops the
/// number; no digits gives 0. Out-of-range values saturate instead of being undefined.
pub fn atoi(word: &str) -> i32 {
    let v = strtol(word);
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// C `strtol(.., 10)` with saturation at the `i64` limits.
pub fn strtol(word: &str) -> i64 {
    let s = word.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(b - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    v
}

fn need<S>(words: &[S], command: &'static str, needed: usize) -> Result<(), SockParseError> {
    if words.len() < needed {
        Err(SockParseError::MissingArguments {
            command,
            needed,
            got: words.len(),
        })
    } else {
        Ok(())
    }
}
