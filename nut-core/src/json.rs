//! Minimal JSON output, shared by `upsc -j` and upsd's `/api/v1`: string escaping and a
//! value tree printed with two-space indentation, one member per line (the layout upstream's
//! `upsc -j` prints). Output only: nothing here parses JSON.

use std::fmt::Write as _;

/// A JSON value to print.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (non-finite values print as `null`).
    Number(f64),
    /// An unsigned integer.
    Int(u64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in the given order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// An object from members.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The text, indented.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, level: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) if n.is_finite() => {
                let _ = write!(out, "{n}");
            }
            Json::Number(_) => out.push_str("null"),
            Json::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Str(s) => out.push_str(&string(s)),
            Json::Array(items) => {
                write_list(out, level, '[', ']', items.iter().map(|v| (None, v)));
            }
            Json::Object(members) => {
                write_list(
                    out,
                    level,
                    '{',
                    '}',
                    members.iter().map(|(k, v)| (Some(k.as_str()), v)),
                );
            }
        }
    }
}

fn write_list<'a>(
    out: &mut String,
    level: usize,
    open: char,
    close: char,
    items: impl Iterator<Item = (Option<&'a str>, &'a Json)>,
) {
    out.push(open);
    let mut any = false;
    for (key, value) in items {
        out.push_str(if any { ",\n" } else { "\n" });
        any = true;
        push_indent(out, level + 1);
        if let Some(k) = key {
            out.push_str(&string(k));
            out.push_str(": ");
        }
        value.write(out, level + 1);
    }
    if any {
        out.push('\n');
        push_indent(out, level);
    }
    out.push(close);
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An array of strings, one element per line.
pub fn array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    Json::Array(items.into_iter().map(Json::str).collect()).render()
}

/// An object of string values, one member per line, in the given order.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    Json::object(members.into_iter().map(|(k, v)| (k, Json::str(v)))).render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_shapes() {
        assert_eq!(string("a\"b\\c\u{1}"), r#""a\"b\\c\u0001""#);
        assert_eq!(array(["x", "y"]), "[\n  \"x\",\n  \"y\"\n]");
        assert_eq!(array(Vec::<&str>::new()), "[]");
        assert_eq!(object([("k", "v")]), "{\n  \"k\": \"v\"\n}");
    }

    #[test]
    fn nested_values_indent_by_level() {
        let v = Json::object([
            ("a", Json::object([("b", Json::Int(1))])),
            ("c", Json::Array(vec![Json::Bool(true), Json::Null])),
            ("d", Json::Number(f64::NAN)),
            ("e", Json::Number(2.5)),
        ]);
        assert_eq!(
            v.render(),
            "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"c\": [\n    true,\n    null\n  ],\n  \"d\": null,\n  \"e\": 2.5\n}"
        );
    }
}
