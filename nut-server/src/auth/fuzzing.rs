//! Invariant checks for fuzzing the hosts.allow / hosts.deny parser (selector 4 of the
//! `config_files` fuzz target, and the stable `fuzz_smoke_server` example).
//!
//! The check returns a description of the first broken invariant; it never panics on its own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::hosts_access::{HostsAccess, HostsError};

/// Addresses every parsed rule set is asked about.
const PROBES: [IpAddr; 5] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5)),
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
];

/// hosts_access invariants: the bytes (hosts.allow, then after the first NUL hosts.deny)
/// parse to rules or to a syntax error naming one of the two files and a line of its text;
/// and a parsed rule set answers every probe address, giving an IPv4 address and its IPv4-mapped IPv6 form the same answer, and the
/// same answer twice.
pub fn check_hosts_access(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let (allow, deny) = text.split_once('\0').unwrap_or((&text, ""));
    let access = match HostsAccess::from_texts(allow, deny) {
        Ok(access) => access,
        Err(HostsError::Syntax {
            file,
            line,
            message,
        }) => {
            let lines = |t: &str| t.lines().count();
            let limit = match file.to_str() {
                Some("hosts.allow") => lines(allow),
                Some("hosts.deny") => lines(deny),
                _ => return Err(format!("syntax error names {}", file.display())),
            };
            if line == 0 || line > limit || message.is_empty() {
                return Err(format!(
                    "{}:{line}: {message:?} (text of {limit} lines)",
                    file.display()
                ));
            }
            return Ok(());
        }
        Err(e) => return Err(format!("reading texts failed: {e}")),
    };
    for addr in PROBES {
        for user in [None, Some("admin"), Some("ALL")] {
            let answer = access.permits(addr, user);
            if access.permits(addr, user) != answer {
                return Err(format!("{addr} {user:?}: two different answers"));
            }
            if let IpAddr::V4(v4) = addr {
                let mapped = IpAddr::V6(v4.to_ipv6_mapped());
                if access.permits(mapped, user) != answer {
                    return Err(format!("{addr} and {mapped} answered differently"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_passes_on_rule_shapes() {
        let samples: [&[u8]; 5] = [
            b"upsd : 127.0.0.1 [::1] 192.168.1.0/24 : allow\n\0upsd : ALL\n",
            b"ALL : LOCAL EXCEPT 10.0.0.1, admin@192.168. \\\n  [fe80::]/10\0",
            b"upsd : 10.0.0.0/255.0.0.0 : deny\nsshd : ALL\n# c\n",
            b"upsd : 300.1.1.1\n",
            b"\xff\0\0\\",
        ];
        for s in samples {
            assert_eq!(check_hosts_access(s), Ok(()), "{s:?}");
        }
    }
}
