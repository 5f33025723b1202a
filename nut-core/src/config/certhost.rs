//! `CERTHOST <host[:port]> <certname> <certverify> <forcessl>` (upsmon.conf, and rows of a
//! certificate store's policy): which rule applies to a server.
//!
//! C NUT 2.8.0 matches CERTHOST on the host alone. rnut keeps that for a rule written without
//! a port (it protects the host on every port) and lets a `host:port` rule win for its port.

use std::fmt;

use crate::net::{SystemNameError, parse_host_port};

/// One CERTHOST rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertHostRule {
    /// Host, compared exactly with the host part of a MONITOR system name (no DNS).
    pub host: String,
    /// The port the rule is for; `None` (no port written) applies to every port of `host`.
    pub port: Option<u16>,
    /// Name the server certificate must match (SAN/CN/subject).
    pub cert_name: String,
    /// Verify the server certificate.
    pub certverify: bool,
    /// Refuse plaintext.
    pub forcessl: bool,
}

impl CertHostRule {
    /// `host` or `host:port` (IPv6 in brackets) as written in a CERTHOST line.
    pub fn target(&self) -> CertHostTarget<'_> {
        CertHostTarget {
            host: &self.host,
            port: self.port,
        }
    }

    /// Whether this rule is the one written for exactly `host` and `port` (same host, same
    /// port or both without one).
    pub fn same_target(&self, other: &CertHostRule) -> bool {
        self.host == other.host && self.port == other.port
    }
}

/// Display adapter for a rule's `host[:port]`.
#[derive(Debug, Clone, Copy)]
pub struct CertHostTarget<'a> {
    host: &'a str,
    port: Option<u16>,
}

impl fmt::Display for CertHostTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.host.contains(':'), self.port) {
            (true, Some(p)) => write!(f, "[{}]:{p}", self.host),
            (true, None) => write!(f, "[{}]", self.host),
            (false, Some(p)) => write!(f, "{}:{p}", self.host),
            (false, None) => f.write_str(self.host),
        }
    }
}

/// Parse `host`, `host:port`, `[v6]` or `[v6]:port`: the port is `None` when none is written.
pub fn parse_certhost_target(text: &str) -> Result<(String, Option<u16>), SystemNameError> {
    let (host, port) = parse_host_port(text)?;
    let port_written = match text.strip_prefix('[') {
        Some(rest) => rest.contains("]:"),
        None => text.contains(':'),
    };
    Ok((host, port_written.then_some(port)))
}

/// The rule of `rules` for a server: the first one written for `host:port`, else the first one
/// written for `host` without a port. Hosts compare exactly (case-sensitive, no DNS).
pub fn find_certhost<'a>(
    rules: &'a [CertHostRule],
    host: &str,
    port: u16,
) -> Option<&'a CertHostRule> {
    rules
        .iter()
        .find(|r| r.host == host && r.port == Some(port))
        .or_else(|| rules.iter().find(|r| r.host == host && r.port.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(host: &str, port: Option<u16>, name: &str) -> CertHostRule {
        CertHostRule {
            host: host.into(),
            port,
            cert_name: name.into(),
            certverify: true,
            forcessl: true,
        }
    }

    #[test]
    fn a_rule_without_port_covers_every_port_and_a_port_rule_wins_for_its_port() {
        let rules = [rule("h", None, "any"), rule("h", Some(3500), "exact")];
        assert_eq!(
            find_certhost(&rules, "h", 3500).map(|r| r.cert_name.as_str()),
            Some("exact")
        );
        assert_eq!(
            find_certhost(&rules, "h", 3493).map(|r| r.cert_name.as_str()),
            Some("any")
        );
        assert_eq!(
            find_certhost(&rules, "h", 1).map(|r| r.cert_name.as_str()),
            Some("any")
        );
        assert!(find_certhost(&rules, "H", 3500).is_none());
        assert!(find_certhost(&rules[1..], "h", 3493).is_none());
    }

    #[test]
    fn targets_parse_and_print_back() {
        for (text, host, port) in [
            ("h", "h", None),
            ("h:3500", "h", Some(3500)),
            ("[::1]", "::1", None),
            ("[::1]:99", "::1", Some(99)),
        ] {
            let (h, p) = parse_certhost_target(text).expect(text);
            assert_eq!((h.as_str(), p), (host, port));
            assert_eq!(rule(&h, p, "").target().to_string(), text);
        }
        assert!(parse_certhost_target("h:x").is_err());
    }
}
