//! Minimal JSON output for `upsc -j` (strings, arrays and flat objects of strings).

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
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An array of strings, one element per line.
pub fn array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|s| format!("  {}", string(s)))
        .collect();
    if items.is_empty() {
        return "[]".into();
    }
    format!("[\n{}\n]", items.join(",\n"))
}

/// An object of string values, one member per line, in the given order.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let items: Vec<String> = members
        .into_iter()
        .map(|(k, v)| format!("  {}: {}", string(k), string(v)))
        .collect();
    if items.is_empty() {
        return "{}".into();
    }
    format!("{{\n{}\n}}", items.join(",\n"))
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
}
