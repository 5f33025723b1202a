//! UPS system names as the clients take them: `upsname[@hostname[:port]]`, IPv6 literals in
//! brackets (`ups@[::1]:3493`), default host `localhost` and port 3493 (C
//! `upscli_splitname` / `upscli_splitaddr`).
//!
//! rnut extension (docs/PROTOCOL-EXTENSIONS.md): a host that starts with `/` is the path of
//! upsd's Unix socket, `ups@/run/nut/upsd.sock`; everything after the `@` is the path (no
//! port; the port field keeps 3493 and is not used).
//!
//! Stricter than C NUT, which silently ignores trailing garbage after a port or a closing
//! bracket: here such names are errors.

use std::fmt;
use std::str::FromStr;

use super::DEFAULT_PORT;

/// Host used when a system name has none.
pub const DEFAULT_HOST: &str = "localhost";

/// A UPS on a server: `ups@host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SystemName {
    /// UPS name (as ups.conf spells it on the server; matched case-insensitively there).
    pub ups: String,
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why a system name or host address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SystemNameError {
    /// Nothing given.
    #[error("empty UPS name")]
    Empty,
    /// `@host` without a UPS name.
    #[error("missing UPS name before '@' in {0:?}")]
    MissingUps(String),
    /// `ups@`, `ups@:3493` or `[]`.
    #[error("missing host name in {0:?}")]
    MissingHost(String),
    /// `[::1` without `]`.
    #[error("missing closing bracket in [domain literal] {0:?}")]
    MissingBracket(String),
    /// A port that is not a number from 1 to 65535.
    #[error("invalid port in {0:?}")]
    BadPort(String),
    /// Something after the closing bracket other than `:port`.
    #[error("unexpected text after ']' in {0:?}")]
    TrailingText(String),
}

impl SystemName {
    /// Parse `ups`, `ups@host`, `ups@host:port`, `ups@[v6addr]`, `ups@[v6addr]:port`.
    pub fn parse(text: &str) -> Result<SystemName, SystemNameError> {
        if text.is_empty() {
            return Err(SystemNameError::Empty);
        }
        let (ups, addr) = match text.split_once('@') {
            Some((ups, addr)) => (ups, Some(addr)),
            None => (text, None),
        };
        if ups.is_empty() {
            return Err(SystemNameError::MissingUps(text.to_string()));
        }
        let (host, port) = match addr {
            Some(addr) => parse_host_port(addr)?,
            None => (DEFAULT_HOST.to_string(), DEFAULT_PORT),
        };
        Ok(SystemName {
            ups: ups.to_string(),
            host,
            port,
        })
    }

    /// A system name on the default port.
    pub fn new(ups: impl Into<String>, host: impl Into<String>) -> SystemName {
        SystemName {
            ups: ups.into(),
            host: host.into(),
            port: DEFAULT_PORT,
        }
    }

    /// True when the host is the path of a Unix socket (rnut extension).
    pub fn is_unix_socket(&self) -> bool {
        is_unix_socket_host(&self.host)
    }

    /// `host:port` (IPv6 in brackets), as used in log messages and for connecting.
    pub fn host_port(&self) -> HostPort<'_> {
        HostPort {
            host: &self.host,
            port: self.port,
        }
    }
}

impl FromStr for SystemName {
    type Err = SystemNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SystemName::parse(s)
    }
}

impl fmt::Display for SystemName {
    /// `ups@host:port`, IPv6 hosts in brackets; parses back to the same name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.ups, self.host_port())
    }
}

/// True when `host` names a Unix socket: an absolute path (rnut extension).
pub fn is_unix_socket_host(host: &str) -> bool {
    host.starts_with('/')
}

/// Display adapter: `host:port`, `[v6addr]:port`, or a Unix socket's path alone.
#[derive(Debug, Clone, Copy)]
pub struct HostPort<'a> {
    host: &'a str,
    port: u16,
}

impl fmt::Display for HostPort<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_unix_socket_host(self.host) {
            f.write_str(self.host)
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parse `host`, `host:port`, `[v6addr]` or `[v6addr]:port` (what `upsc -l` takes), default
/// port 3493; or `/path/to/upsd.sock` (a Unix socket, the whole text is the path).
pub fn parse_host_port(text: &str) -> Result<(String, u16), SystemNameError> {
    let err_text = || text.to_string();
    if is_unix_socket_host(text) {
        return Ok((text.to_string(), DEFAULT_PORT));
    }
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(SystemNameError::MissingBracket(err_text()));
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err(SystemNameError::TrailingText(err_text())),
            },
        };
        (host, port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() || host.contains('@') {
        return Err(SystemNameError::MissingHost(err_text()));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => parse_port(port).ok_or_else(|| SystemNameError::BadPort(err_text()))?,
    };
    Ok((host.to_string(), port))
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|&p| p != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(ups: &str, host: &str, port: u16) -> SystemName {
        SystemName {
            ups: ups.into(),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn defaults_and_explicit_parts() {
        assert_eq!(
            SystemName::parse("myups"),
            Ok(sn("myups", "localhost", 3493))
        );
        assert_eq!(SystemName::parse("myups@nas"), Ok(sn("myups", "nas", 3493)));
        assert_eq!(
            SystemName::parse("myups@nas:3305"),
            Ok(sn("myups", "nas", 3305))
        );
        assert_eq!(
            SystemName::parse("ups@192.168.1.2:65535"),
            Ok(sn("ups", "192.168.1.2", 65535))
        );
        assert_eq!("u@h".parse::<SystemName>(), Ok(SystemName::new("u", "h")));
    }

    #[test]
    fn ipv6_literals_in_brackets() {
        assert_eq!(
            SystemName::parse("ups@[::1]:3493"),
            Ok(sn("ups", "::1", 3493))
        );
        assert_eq!(SystemName::parse("ups@[::1]"), Ok(sn("ups", "::1", 3493)));
        assert_eq!(
            SystemName::parse("ups@[fe80::1%eth0]:1234"),
            Ok(sn("ups", "fe80::1%eth0", 1234))
        );
        assert_eq!(parse_host_port("[::1]:4000"), Ok(("::1".to_string(), 4000)));
        assert_eq!(parse_host_port("nas"), Ok(("nas".to_string(), 3493)));
    }

    #[test]
    fn unix_socket_paths_are_hosts_without_a_port() {
        let name = SystemName::parse("ups@/run/nut/upsd.sock").unwrap();
        assert_eq!(name, sn("ups", "/run/nut/upsd.sock", 3493));
        assert!(name.is_unix_socket());
        assert_eq!(name.to_string(), "ups@/run/nut/upsd.sock");
        assert_eq!(SystemName::parse(&name.to_string()), Ok(name));
        // Colons and brackets belong to the path.
        let odd = SystemName::parse("u@/tmp/a:1/[x]").unwrap();
        assert_eq!((odd.host.as_str(), odd.port), ("/tmp/a:1/[x]", 3493));
        assert!(!SystemName::parse("ups@nas").unwrap().is_unix_socket());
    }

    #[test]
    fn display_parses_back() {
        for text in ["ups@localhost:3493", "ups@[::1]:3493", "a@b:1"] {
            let name = SystemName::parse(text).unwrap();
            assert_eq!(name.to_string(), text);
            assert_eq!(SystemName::parse(&name.to_string()), Ok(name));
        }
        assert_eq!(
            SystemName::parse("ups").unwrap().to_string(),
            "ups@localhost:3493"
        );
        assert_eq!(sn("u", "::1", 1).host_port().to_string(), "[::1]:1");
    }

    #[test]
    fn malformed_names_are_errors() {
        use SystemNameError as E;
        type Kind = fn(String) -> SystemNameError;
        let cases: &[(&str, Kind)] = &[
            ("@host", E::MissingUps),
            ("ups@", E::MissingHost),
            ("ups@:3493", E::MissingHost),
            ("ups@[]:1", E::MissingHost),
            ("u@a@b", E::MissingHost),
            ("ups@::1", E::MissingHost),
            ("ups@[::1:3493", E::MissingBracket),
            ("ups@[::1]x", E::TrailingText),
            ("ups@h:", E::BadPort),
            ("ups@h:0", E::BadPort),
            ("ups@h:65536", E::BadPort),
            ("ups@h:+1", E::BadPort),
            ("ups@h:12a", E::BadPort),
        ];
        assert_eq!(SystemName::parse(""), Err(E::Empty));
        for (bad, kind) in cases {
            let got = SystemName::parse(bad).expect_err(bad);
            let want = kind(String::new());
            assert_eq!(
                std::mem::discriminant(&got),
                std::mem::discriminant(&want),
                "{bad}: {got:?}"
            );
        }
    }
}
