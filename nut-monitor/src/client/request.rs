//! Building request lines: keywords as they are, arguments escaped and quoted whenever the
//! tokenizer would otherwise split or alter them.

use nut_core::words::encode_arg;

/// Join `words` into a request line: the first `keywords` words verbatim, the rest encoded.
pub(crate) fn line(words: &[&str], keywords: usize) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i < keywords {
            out.push_str(w);
        } else {
            out.push_str(&encode_arg(w));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_when_needed() {
        assert_eq!(line(&["PASSWORD", "pass word"], 1), r#"PASSWORD "pass word""#);
        assert_eq!(line(&["PASSWORD", "a\"b"], 1), r#"PASSWORD "a\"b""#);
        assert_eq!(line(&["PASSWORD", ""], 1), r#"PASSWORD """#);
        assert_eq!(line(&["GET", "VAR", "ups", "ups.status"], 2), "GET VAR ups ups.status");
        assert_eq!(line(&["PASSWORD", "x=y"], 1), r#"PASSWORD "x=y""#);
    }
}
