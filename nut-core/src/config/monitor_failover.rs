//! The failover form of upsmon.conf's MONITOR line (rnut extension, docs/DIFFERENCES.md and
//! docs/PROTOCOL-EXTENSIONS.md "Failover"): one UPS reached through several upsd servers,
//!
//! ```text
//! MONITOR <ups@hostA[:port]>,<ups@hostB[:port]>[,...] <powervalue> <user>:<password> <role>
//! ```
//!
//! The line has five words on purpose: C upsmon refuses every five-word MONITOR line as the
//! old form without a user name and exits ("Fatal error: unusable configuration"), so a C
//! upsmon given this file stops loudly instead of monitoring one server, or nothing, without
//! a word. For the same reason a server list in the usual six-word form is refused here: C
//! upsmon would read it as the first server alone.

use crate::net::SystemName;

/// Most servers in one failover list.
pub const MAX_SERVERS: usize = 8;

/// The servers and credentials of a failover MONITOR line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverLine {
    /// The servers in the order they are tried.
    pub servers: Vec<SystemName>,
    /// The user name (before the first `:`).
    pub user: String,
    /// The password (after the first `:`; it may hold `:` itself).
    pub password: String,
}

/// Whether a MONITOR system word is a server list.
pub fn is_server_list(system: &str) -> bool {
    system.contains(',')
}

/// Parse the server list and the `user:password` word; the error is the message for the
/// config error.
pub fn parse(system: &str, credentials: &str) -> Result<FailoverLine, String> {
    let mut servers: Vec<SystemName> = Vec::new();
    for part in system.split(',') {
        let s = SystemName::parse(part).map_err(|e| {
            format!("MONITOR: invalid server {part:?} in the failover list (expected ups[@host[:port]]): {e}")
        })?;
        if servers
            .iter()
            .any(|o| o.host.eq_ignore_ascii_case(&s.host) && o.port == s.port && o.ups == s.ups)
        {
            return Err(format!(
                "MONITOR: server {part:?} appears twice in the failover list"
            ));
        }
        servers.push(s);
    }
    if servers.len() < 2 {
        return Err("MONITOR: a failover list names at least two servers".into());
    }
    if servers.len() > MAX_SERVERS {
        return Err(format!(
            "MONITOR: at most {MAX_SERVERS} servers in a failover list"
        ));
    }
    let Some((user, password)) = credentials.split_once(':') else {
        return Err(
            "MONITOR: the failover form takes <user>:<password> as one word (MONITOR <ups@hostA>,<ups@hostB> <powervalue> <user>:<password> <role>)"
                .into(),
        );
    };
    if user.is_empty() {
        return Err("MONITOR: empty user name".into());
    }
    Ok(FailoverLine {
        servers,
        user: user.to_string(),
        password: password.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_in_order_and_credentials_split_at_the_first_colon() {
        let f = parse("ups@a:3493,ups@[::1]:4000,ups", "mon:p:w d").expect("valid");
        let hosts: Vec<_> = f
            .servers
            .iter()
            .map(|s| (s.host.as_str(), s.port))
            .collect();
        assert_eq!(hosts, [("a", 3493), ("::1", 4000), ("localhost", 3493)]);
        assert_eq!((f.user.as_str(), f.password.as_str()), ("mon", "p:w d"));
    }

    #[test]
    fn bad_lists_are_refused() {
        for (system, creds, why) in [
            ("ups@a,", "u:p", "invalid server"),
            ("ups@a,ups@a", "u:p", "twice"),
            ("ups@a,ups@b", "up", "<user>:<password>"),
            ("ups@a,ups@b", ":p", "empty user"),
            ("a,b,c,d,e,f,g,h,i", "u:p", "at most"),
        ] {
            let e = parse(system, creds).expect_err(system);
            assert!(e.contains(why), "{system}: {e}");
        }
    }
}
