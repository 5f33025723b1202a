//! The TLS directives upsd.conf and upsmon.conf share: `CERTIDENT` (with either quote style)
//! and its rule that a store must be named, and upsd's `CERTREQUEST`.

use std::fmt;
use std::path::Path;

use super::errors::ConfigError;
use super::lines::{Line, rejoin_single_quoted};
use crate::secret::Secret;

/// `CERTIDENT <name> <password>` (upsd.conf and upsmon.conf). The password is never shown by
/// `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct CertIdent {
    /// Certificate nickname in the store (or name the certificate must match).
    pub name: String,
    /// Store / private key password (zeroed on drop, never shown).
    pub password: Secret,
}

impl fmt::Debug for CertIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertIdent")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// upsd.conf `CERTREQUEST`: what upsd asks of a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CertRequest {
    /// 0 / `NO`: no client certificate is requested.
    #[default]
    No,
    /// 1 / `REQUEST`: a certificate is requested and verified if sent.
    Request,
    /// 2 / `REQUIRE`: a valid client certificate is required.
    Require,
}

impl CertRequest {
    /// `0`, `1`, `2` or the words `NO`, `REQUEST`, `REQUIRE` (upper case, as upstream).
    pub fn parse(value: &str) -> Option<CertRequest> {
        match value {
            "0" | "NO" => Some(CertRequest::No),
            "1" | "REQUEST" => Some(CertRequest::Request),
            "2" | "REQUIRE" => Some(CertRequest::Require),
            _ => None,
        }
    }

    /// The upstream numeric value (0, 1, 2).
    pub fn as_number(self) -> u8 {
        match self {
            CertRequest::No => 0,
            CertRequest::Request => 1,
            CertRequest::Require => 2,
        }
    }
}

impl fmt::Display for CertRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertRequest::No => "NO",
            CertRequest::Request => "REQUEST",
            CertRequest::Require => "REQUIRE",
        })
    }
}

/// `CERTIDENT <name> <password>` with either quote style.
pub(crate) fn cert_ident(line: &Line, file: &Path) -> Result<CertIdent, ConfigError> {
    // The arguments start at word 1.
    let args = rejoin_single_quoted(&line.words[1..], line.quoted >> 1)
        .map_err(|e| ConfigError::new(file, line.number, format!("CERTIDENT: {e}")))?;
    match <[String; 2]>::try_from(args) {
        Ok([name, password]) => Ok(CertIdent {
            name,
            password: Secret::new(password),
        }),
        Err(args) => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "CERTIDENT: expected 2 arguments (certificate name and password; quote a name containing spaces), got {}",
                args.len()
            ),
        )),
    }
}

/// `CERTIDENT` names a certificate of the store that `CERTPATH` opens (or the password of a
/// `CERTFILE` key). Without either it is refused at its line: C NUT then silently runs
/// without TLS (upsd) or without the client certificate (upsmon), and a misconfigured TLS
/// must never fall back to plaintext unnoticed.
pub(crate) fn certident_needs_store(
    certident_line: Option<usize>,
    has_store: bool,
    file: &Path,
) -> Result<(), ConfigError> {
    match certident_line {
        Some(line) if !has_store => Err(ConfigError::new(
            file,
            line,
            "CERTIDENT without CERTPATH (or CERTFILE): the certificate it names cannot be \
             found, and TLS would silently be off; add `CERTPATH <store directory>`",
        )),
        _ => Ok(()),
    }
}

/// The line of the last `CERTIDENT` directive, if any.
pub(crate) fn certident_line(lines: &[Line]) -> Option<usize> {
    lines
        .iter()
        .rev()
        .find(|l| l.words[0] == "CERTIDENT")
        .map(|l| l.number)
}

/// `CERTEXPIRYWARN <days>` (upsd.conf and upsmon.conf): the expiry warning window, 0..=3650
/// days (0 turns the warnings off).
pub(crate) fn cert_expiry_warn(
    key: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<u32, ConfigError> {
    let days: u32 = super::values::uint_value(key, value, file, line)?;
    if days > 3650 {
        return Err(ConfigError::new(
            file,
            line,
            "CERTEXPIRYWARN must be between 0 and 3650 days",
        ));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_request_values() {
        assert_eq!(CertRequest::parse("0"), Some(CertRequest::No));
        assert_eq!(CertRequest::parse("REQUEST"), Some(CertRequest::Request));
        assert_eq!(CertRequest::parse("2"), Some(CertRequest::Require));
        assert_eq!(CertRequest::parse("3"), None);
        assert_eq!(CertRequest::parse("require"), None);
        assert_eq!(CertRequest::default(), CertRequest::No);
        assert_eq!(CertRequest::Require.as_number(), 2);
    }

    #[test]
    fn cert_ident_debug_hides_password() {
        let c = CertIdent {
            name: "n".into(),
            password: "secret".into(),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }
}
