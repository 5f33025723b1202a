//! Control characters never reach a log raw.
//!
//! Log lines carry text a peer chose: certificate subjects and issuers, user names, UPS and
//! variable names, command words, whatever a driver socket sent. A newline in such a string
//! forges a second log line (`User admin@... logged into UPS`), an ANSI escape rewrites what
//! a terminal shows. Instead of asking every call site to wrap what it logs (one forgotten
//! `{name}` is enough), the sink escapes every record as it leaves the process: whatever a
//! record holds, it is written as one line of printable text. This also covers the logs of
//! the libraries (the certificate verifier logs subjects) and `tracing` fields.
//!
//! Escaped: the C0 controls, DEL, the C1 controls (`char::is_control`), the Unicode line and
//! paragraph separators and the bidirectional overrides and isolates (they reorder what a
//! reader sees). `\n`, `\r` and `\t` are written as such, the others as `\x1b` or `\u{202e}`.
//! A backslash is left as it is: escaped text can look like a literal backslash sequence,
//! but it can never produce a control character or a new line.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not be written raw to a log line.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every control character escaped (borrowed when there is none).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(must_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if must_escape(c) && u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if must_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One formatted record as one log line: the record's own final newline is kept (and added
/// when missing), every other control character is escaped.
pub fn as_log_line(record: &str) -> String {
    let body = record.strip_suffix('\n').unwrap_or(record);
    let mut line = escape_controls(body).into_owned();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newline_and_an_ansi_escape_cannot_forge_a_line() {
        let forged = "CN=x\n INFO User admin@127.0.0.1 logged into UPS [ups]\x1b[31m";
        let line = as_log_line(&format!("WARN client certificate rejected {forged}\n"));
        assert_eq!(line.matches('\n').count(), 1, "{line:?}");
        assert!(line.ends_with('\n'));
        assert!(!line.contains('\x1b'));
        assert!(line.contains("CN=x\\n INFO User admin@"), "{line:?}");
        assert!(line.contains("\\x1b[31m"), "{line:?}");
    }

    #[test]
    fn c1_controls_separators_and_bidi_overrides_are_escaped() {
        assert_eq!(escape_controls("a\u{9b}b"), "a\\x9bb");
        assert_eq!(
            escape_controls("a\u{2028}b\u{202e}c"),
            "a\\u{2028}b\\u{202e}c"
        );
        assert_eq!(escape_controls("tab\there\r\x7f"), "tab\\there\\r\\x7f");
        assert_eq!(escape_controls("\0"), "\\x00");
    }

    #[test]
    fn printable_text_is_untouched() {
        assert!(matches!(
            escape_controls("User mon@::1 [ups] é ✓ \\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(as_log_line("no newline"), "no newline\n");
        assert_eq!(as_log_line("one\n"), "one\n");
        assert_eq!(as_log_line("two\n\n"), "two\\n\n");
    }
}
