//! What to test: `HOST[:PORT]` or `UPS@HOST[:PORT]` (IPv6 literals in brackets), as the NUT
//! clients name servers.

use nut_core::net::{SystemName, SystemNameError, parse_host_port};

/// The server (and optionally the UPS) under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address, without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The UPS to test; `None`: the first one LIST UPS names.
    pub ups: Option<String>,
}

impl Target {
    /// Parse the command-line form.
    pub fn parse(text: &str) -> Result<Target, SystemNameError> {
        if text.contains('@') {
            let n = SystemName::parse(text)?;
            return Ok(Target {
                host: n.host,
                port: n.port,
                ups: Some(n.ups),
            });
        }
        let (host, port) = parse_host_port(text)?;
        Ok(Target {
            host,
            port,
            ups: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = Target::parse("ups1@[::1]:3500").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.ups.as_deref()),
            ("::1", 3500, Some("ups1"))
        );
        let t = Target::parse("127.0.0.1:3494").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.ups), ("127.0.0.1", 3494, None));
        assert_eq!(Target::parse("nas").unwrap().port, 3493);
        assert!(Target::parse("ups@host:99999").is_err());
        assert!(Target::parse("@host").is_err());
    }
}
