//! What a check found: pass, fail (with what was sent, what was expected, what came back) or
//! skip (with why).

/// A failure, told so that the server's author can reproduce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The request line(s) sent (control bytes shown escaped).
    pub sent: String,
    /// What the protocol asks for.
    pub expected: String,
    /// What came back.
    pub got: String,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server did what the check asks; the note says what was seen, if worth saying.
    Pass(String),
    /// It did not.
    Fail(Failure),
    /// The check could not run here (nothing to test it on, not enabled, no credentials).
    Skip(String),
}

impl Outcome {
    /// A pass without a note.
    pub fn pass() -> Outcome {
        Outcome::Pass(String::new())
    }

    /// A failure.
    pub fn fail(
        sent: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Outcome {
        Outcome::Fail(Failure {
            sent: sent.into(),
            expected: expected.into(),
            got: got.into(),
        })
    }

    /// A skip.
    pub fn skip(why: impl Into<String>) -> Outcome {
        Outcome::Skip(why.into())
    }

    /// `pass` or `fail` or `skip`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass(_) => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip(_) => "skip",
        }
    }

    /// Whether this is a failure.
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
}

/// Bytes as one printable line: control bytes, quotes kept, `\n` and `\r` escaped, anything
/// else outside printable ASCII as `\xNN`; long runs are shortened.
pub fn printable(bytes: &[u8]) -> String {
    const KEEP: usize = 160;
    let mut out = String::new();
    for &b in bytes.iter().take(KEEP) {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > KEEP {
        out.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_and_shortens() {
        assert_eq!(printable(b"VER\r\n"), "VER\\r\\n");
        assert_eq!(printable(b"a\x01\xff"), "a\\x01\\xff");
        let long = vec![b'A'; 200];
        assert!(printable(&long).ends_with("... (200 bytes)"));
    }
}
