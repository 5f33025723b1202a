//! NSS trust flags (`CT,,`, `P,,`, `u,u,u`, ...): parsed, validated and printed exactly as
//! NSS `certutil` does, and what each flag means for TLS.
//!
//! A trust string has up to three comma-separated fields (SSL/TLS, S/MIME, object signing).
//! Printing follows NSS's `printflags`: `c` is hidden when `C` or `T` is present, `p` is hidden
//! when `P` is present, so `TC,,` prints as `CT,,`. The `u` (user) flag is never stored: it is
//! derived from the presence of a private key ([`TrustFlags::with_user`]).

use std::fmt;
use std::str::FromStr;

/// NSS `CERTDB_TERMINAL_RECORD` (valid peer; `p`).
pub const VALID_PEER: u16 = 1 << 0;
/// NSS `CERTDB_TRUSTED` (trusted peer; `P`).
pub const TRUSTED: u16 = 1 << 1;
/// NSS `CERTDB_SEND_WARN` (`w`).
pub const SEND_WARN: u16 = 1 << 2;
/// NSS `CERTDB_VALID_CA` (`c`).
pub const VALID_CA: u16 = 1 << 3;
/// NSS `CERTDB_TRUSTED_CA` (`C`).
pub const TRUSTED_CA: u16 = 1 << 4;
/// NSS `CERTDB_NS_TRUSTED_CA` (not settable from a trust string).
pub const NS_TRUSTED_CA: u16 = 1 << 5;
/// NSS `CERTDB_USER` (`u`).
pub const USER: u16 = 1 << 6;
/// NSS `CERTDB_TRUSTED_CLIENT_CA` (`T`).
pub const TRUSTED_CLIENT_CA: u16 = 1 << 7;
/// NSS `CERTDB_INVISIBLE_CA` (`I`).
pub const INVISIBLE_CA: u16 = 1 << 8;
/// NSS `CERTDB_GOVT_APPROVED_CA` (`G`).
pub const GOVT_APPROVED_CA: u16 = 1 << 9;

/// A trust string that NSS would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A letter NSS does not know.
    #[error("invalid trust flag '{letter}' in \"{text}\" (allowed: p P c C T u w g i)")]
    BadLetter {
        /// The offending letter.
        letter: char,
        /// The whole trust string.
        text: String,
    },
    /// More than three fields.
    #[error(
        "invalid trust string \"{0}\": at most three comma-separated fields (SSL,S/MIME,JAR/XPI)"
    )]
    TooManyFields(String),
}

/// The flags of one field (one usage: SSL, S/MIME or object signing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FieldFlags(pub u16);

impl FieldFlags {
    /// Parse one field's letters (NSS `CERT_DecodeTrustString`).
    fn parse(field: &str, whole: &str) -> Result<FieldFlags, TrustError> {
        let mut bits = 0u16;
        for ch in field.chars() {
            bits |= match ch {
                'p' => VALID_PEER,
                'P' => TRUSTED | VALID_PEER,
                'w' => SEND_WARN,
                'c' => VALID_CA,
                'T' => TRUSTED_CLIENT_CA | VALID_CA,
                'C' => TRUSTED_CA | VALID_CA,
                'u' => USER,
                // NSS reads these in lower case and prints them in upper case: both are
                // accepted, so a stored string always reads back.
                'i' | 'I' => INVISIBLE_CA,
                'g' | 'G' => GOVT_APPROVED_CA,
                ' ' => 0,
                other => {
                    return Err(TrustError::BadLetter {
                        letter: other,
                        text: whole.to_string(),
                    });
                }
            };
        }
        Ok(FieldFlags(bits))
    }

    /// Whether a bit is set.
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// `C`: trusted to issue server certificates.
    pub fn trusted_server_ca(self) -> bool {
        self.has(TRUSTED_CA)
    }

    /// `T`: trusted to issue client certificates.
    pub fn trusted_client_ca(self) -> bool {
        self.has(TRUSTED_CLIENT_CA)
    }

    /// `P`: a trusted peer, accepted as is.
    pub fn trusted_peer(self) -> bool {
        self.has(TRUSTED)
    }

    /// `p` without `P`: explicitly distrusted.
    pub fn distrusted(self) -> bool {
        self.has(VALID_PEER) && !self.has(TRUSTED)
    }
}

impl fmt::Display for FieldFlags {
    /// NSS `printflags` order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = *self;
        if b.has(VALID_CA) && !b.has(TRUSTED_CA) && !b.has(TRUSTED_CLIENT_CA) {
            f.write_str("c")?;
        }
        if b.has(VALID_PEER) && !b.has(TRUSTED) {
            f.write_str("p")?;
        }
        if b.has(TRUSTED_CA) {
            f.write_str("C")?;
        }
        if b.has(TRUSTED_CLIENT_CA) {
            f.write_str("T")?;
        }
        if b.has(TRUSTED) {
            f.write_str("P")?;
        }
        if b.has(USER) {
            f.write_str("u")?;
        }
        if b.has(SEND_WARN) {
            f.write_str("w")?;
        }
        if b.has(INVISIBLE_CA) {
            f.write_str("I")?;
        }
        if b.has(GOVT_APPROVED_CA) {
            f.write_str("G")?;
        }
        Ok(())
    }
}

/// Trust of one certificate for the three NSS usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct TrustFlags {
    /// SSL/TLS: what rnut uses.
    pub ssl: FieldFlags,
    /// S/MIME (kept, printed, not used by rnut).
    pub email: FieldFlags,
    /// Object signing (kept, printed, not used by rnut).
    pub objsign: FieldFlags,
}

impl TrustFlags {
    /// No trust at all (`,,`).
    pub const NONE: TrustFlags = TrustFlags {
        ssl: FieldFlags(0),
        email: FieldFlags(0),
        objsign: FieldFlags(0),
    };

    /// The same flags with `u` added to the three fields (the store holds the key) or removed.
    pub fn with_user(self, has_key: bool) -> TrustFlags {
        let f = |x: FieldFlags| {
            if has_key {
                FieldFlags(x.0 | USER)
            } else {
                FieldFlags(x.0 & !USER)
            }
        };
        TrustFlags {
            ssl: f(self.ssl),
            email: f(self.email),
            objsign: f(self.objsign),
        }
    }

    /// The flags as stored: `u` stripped (it is derived from key presence).
    pub fn without_user(self) -> TrustFlags {
        self.with_user(false)
    }

    /// Only the explicit distrust (`p` without `P`) of each field: what is kept of trust that
    /// cannot be verified, since distrust can only deny.
    pub fn distrust_only(self) -> TrustFlags {
        let keep = |f: FieldFlags| {
            if f.distrusted() {
                FieldFlags(VALID_PEER)
            } else {
                FieldFlags(0)
            }
        };
        TrustFlags {
            ssl: keep(self.ssl),
            email: keep(self.email),
            objsign: keep(self.objsign),
        }
    }

    /// Bits as NSS persists them, SSL field first (for comparisons and tests).
    pub fn bits(self) -> [u16; 3] {
        [self.ssl.0, self.email.0, self.objsign.0]
    }
}

impl FromStr for TrustFlags {
    type Err = TrustError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = s.split(',').collect();
        if fields.len() > 3 {
            return Err(TrustError::TooManyFields(s.to_string()));
        }
        let get = |i: usize| fields.get(i).copied().unwrap_or("");
        Ok(TrustFlags {
            ssl: FieldFlags::parse(get(0), s)?,
            email: FieldFlags::parse(get(1), s)?,
            objsign: FieldFlags::parse(get(2), s)?,
        })
    }
}

impl fmt::Display for TrustFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.ssl, self.email, self.objsign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(s: &str) -> String {
        s.parse::<TrustFlags>().expect("valid").to_string()
    }

    #[test]
    fn prints_like_nss() {
        assert_eq!(rt("CT,,"), "CT,,");
        assert_eq!(rt("TC,,"), "CT,,");
        assert_eq!(rt("C,,"), "C,,");
        assert_eq!(rt("P,,"), "P,,");
        assert_eq!(rt("p,p,p"), "p,p,p");
        assert_eq!(rt("u,u,u"), "u,u,u");
        assert_eq!(rt(",,"), ",,");
        assert_eq!(rt("c,,"), "c,,");
        assert_eq!(rt("cC,,"), "C,,");
        assert_eq!(rt("pP,,"), "P,,");
        assert_eq!(rt("CT,C,C"), "CT,C,C");
        assert_eq!(rt("C"), "C,,");
        assert_eq!(rt(""), ",,");
        // Printed in upper case, read back in either case.
        let printed = rt("Ci,g,");
        assert_eq!(rt(&printed), printed);
    }

    #[test]
    fn rejects_bad_strings() {
        assert!(matches!(
            "CX,,".parse::<TrustFlags>(),
            Err(TrustError::BadLetter { letter: 'X', .. })
        ));
        assert!(matches!(
            "C,,,".parse::<TrustFlags>(),
            Err(TrustError::TooManyFields(_))
        ));
    }

    #[test]
    fn user_is_derived() {
        let t: TrustFlags = "CT,,".parse().expect("valid");
        assert_eq!(t.with_user(true).to_string(), "CTu,u,u");
        assert_eq!(t.with_user(true).without_user(), t);
        let none: TrustFlags = ",,".parse().expect("valid");
        assert_eq!(none.with_user(true).to_string(), "u,u,u");
    }

    #[test]
    fn tls_meaning() {
        let t: TrustFlags = "CT,,".parse().expect("valid");
        assert!(t.ssl.trusted_server_ca() && t.ssl.trusted_client_ca() && !t.ssl.distrusted());
        let p: TrustFlags = "P,,".parse().expect("valid");
        assert!(p.ssl.trusted_peer() && !p.ssl.distrusted());
        let d: TrustFlags = "p,p,p".parse().expect("valid");
        assert!(d.ssl.distrusted() && !d.ssl.trusted_peer());
        assert_eq!(
            "CT,,".parse::<TrustFlags>().expect("v").bits()[0],
            VALID_CA | TRUSTED_CA | TRUSTED_CLIENT_CA
        );
    }
}
