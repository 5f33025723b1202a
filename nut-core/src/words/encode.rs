//! Values back into words: escaping, quoting and a client's argument encoding.

use std::fmt;

use super::tokenizer::is_space;

/// Escape a value for the wire (`pconf_encode`): a backslash before every `\`, `"` and `#`.
/// Nothing else is changed.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Append `escape(value)` to a byte buffer, without an intermediate `String`.
pub fn push_escaped(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'\\' | b'"' | b'#') {
            out.extend_from_slice(&bytes[from..i]);
            out.push(b'\\');
            from = i;
        }
    }
    out.extend_from_slice(&bytes[from..]);
}

/// A value as a quoted, escaped word: `"` + escape(value) + `"`. This is how servers and
/// drivers send free-form values.
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// Display adapter for [`quoted`]: writes without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        write_escaped(f, self.0)?;
        f.write_str("\"")
    }
}

fn write_escaped(f: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let mut rest = value;
    while let Some(pos) = rest.find(['\\', '"', '#']) {
        f.write_str(&rest[..pos])?;
        f.write_char('\\')?;
        f.write_str(&rest[pos..pos + 1])?;
        rest = &rest[pos + 1..];
    }
    f.write_str(rest)
}

/// An argument as a client should send it: escaped, and quoted whenever the tokenizer would
/// otherwise split or lose it (whitespace, `=`, or empty). C NUT's client quotes only on a
/// space; quoting more is always read back the same by any NUT server.
pub fn encode_arg(arg: &str) -> String {
    let needs_quotes = arg.is_empty()
        || arg.bytes().any(|b| {
            is_space(b) || b == b'=' || b == b'\n' || b == b'"' || b == b'#' || b == b'\\'
        });
    if needs_quotes {
        quoted(arg).to_string()
    } else {
        arg.to_string()
    }
}

/// Whether a value survives the tokenizer unchanged: only printable ASCII (and 0x7F) does.
pub fn is_wire_safe(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7f).contains(&b))
}
