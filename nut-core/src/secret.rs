//! [`Secret`]: a password or key text that is wiped from memory when dropped and never shown
//! by `Debug` or `Display`. Used from the config parsers to the last use of each secret
//! (CERTIDENT passwords, MONITOR passwords, upsd.users passwords).

use std::fmt;

use zeroize::Zeroizing;

/// A secret string: zeroed on drop, redacted in `Debug`. Read it with [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a string (taken, not copied).
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    /// The secret text, for its one use (a login, a key derivation).
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// True for the empty string (an NSS-style store without a password).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Secret {
        Secret::new(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Secret {
        Secret::new(text.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }
}
