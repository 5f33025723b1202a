//! Network access rules: the subset of hosts_access(5) (tcp-wrappers) that NUT's guide uses,
//! checked, as C upsd built with libwrap does, for the commands that need a logged-in user.
//!
//! Files: `hosts.allow` and `hosts.deny` (paths from upsd.conf `HOSTS_ALLOW` / `HOSTS_DENY`
//! or the command line). Rule lines: `daemon_list : client_list [: allow|deny]`, `#` comments,
//! backslash-newline continuation. Access is granted when a rule of hosts.allow matches,
//! otherwise denied when a rule of hosts.deny matches, otherwise granted; a missing file
//! matches nothing.
//!
//! Daemon patterns: `upsd`, `ALL`. Client patterns: `ALL`, `LOCAL` (loopback addresses, since
//! upsd resolves no names), an exact address (`127.0.0.1`, `::1`, `[::1]`), `addr/prefix`
//! (`192.168.1.0/24`, `[fe80::]/10`), `net/mask` (`192.168.1.0/255.255.255.0`), a leading
//! prefix ending in a dot (`192.168.`), and `user@pattern`, where the user is the name the
//! client gave with USERNAME (`ALL@...` and `user@ALL` work). Lists may use `EXCEPT`.
//! `localhost` matches the loopback addresses. Other host name patterns and
//! `KNOWN`/`UNKNOWN`/`PARANOID` never match (no DNS in upsd) and are named in a warning; a
//! malformed address pattern is an error. Rules for other daemons are skipped unread.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

/// The daemon name matched in rule lines.
pub const DAEMON: &str = "upsd";

/// One rule for upsd (rules for other daemons are dropped when read): its client list and
/// whether it grants or denies.
#[derive(Debug, Clone)]
struct Rule {
    clients: Vec<ClientItem>,
    /// `Some(true)` for an explicit `: allow` option, `Some(false)` for `: deny`.
    option: Option<bool>,
}

/// An error reading a rules file (not "file missing", which means no rules).
#[derive(Debug, thiserror::Error)]
pub enum HostsError {
    /// The file exists but cannot be read.
    #[error("{file}: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A rule line is malformed.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The parsed rule pair.
#[derive(Debug, Clone, Default)]
pub struct HostsAccess {
    allow: Vec<Rule>,
    deny: Vec<Rule>,
}

impl HostsAccess {
    /// No rules at all: everything is granted.
    pub fn permissive() -> Self {
        Self::default()
    }

    /// Load both files; a file that does not exist has no rules.
    pub fn load(allow: Option<&Path>, deny: Option<&Path>) -> Result<Self, HostsError> {
        Ok(HostsAccess {
            allow: match allow {
                Some(p) => read_rules(p, Kind::Allow)?,
                None => Vec::new(),
            },
            deny: match deny {
                Some(p) => read_rules(p, Kind::Deny)?,
                None => Vec::new(),
            },
        })
    }

    /// Parse rule texts directly (for tests and embedding).
    pub fn from_texts(allow: &str, deny: &str) -> Result<Self, HostsError> {
        Ok(HostsAccess {
            allow: parse_rules(allow, Path::new("hosts.allow"), Kind::Allow)?,
            deny: parse_rules(deny, Path::new("hosts.deny"), Kind::Deny)?,
        })
    }

    /// Whether `user` (the USERNAME given, if any) connecting from `addr` may use upsd's
    /// privileged commands.
    pub fn permits(&self, addr: IpAddr, user: Option<&str>) -> bool {
        let addr = canonical(addr);
        for rule in &self.allow {
            if rule_matches(rule, addr, user) {
                return rule.option != Some(false);
            }
        }
        for rule in &self.deny {
            if rule_matches(rule, addr, user) {
                return rule.option == Some(true);
            }
        }
        true
    }
}

fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    }
}

/// Which file a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allow,
    Deny,
}

fn read_rules(path: &Path, kind: Kind) -> Result<Vec<Rule>, HostsError> {
    match nut_core::config::read_config_text(path) {
        Ok(text) => parse_rules(&text, path, kind),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(HostsError::Read {
            file: path.to_path_buf(),
            source,
        }),
    }
}

fn parse_rules(text: &str, file: &Path, kind: Kind) -> Result<Vec<Rule>, HostsError> {
    let mut rules = Vec::new();
    let mut logical = String::new();
    let mut start_line = 0;
    for (idx, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start_line = idx + 1;
        }
        if let Some(stripped) = raw.strip_suffix('\\') {
            logical.push_str(stripped);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = std::mem::take(&mut logical);
        if let Some(rule) = parse_rule(&line, file, start_line, kind)? {
            rules.push(rule);
        }
    }
    if !logical.is_empty() {
        if let Some(rule) = parse_rule(&logical, file, start_line, kind)? {
            rules.push(rule);
        }
    }
    Ok(rules)
}

fn parse_rule(
    line: &str,
    file: &Path,
    lineno: usize,
    kind: Kind,
) -> Result<Option<Rule>, HostsError> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let err = |message: &str| HostsError::Syntax {
        file: file.to_path_buf(),
        line: lineno,
        message: message.to_string(),
    };
    // IPv6 patterns are written in brackets, so a ':' inside [...] is not a field separator.
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in trimmed.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            ':' if depth == 0 => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    if fields.len() < 2 {
        return Err(err("expected `daemon_list : client_list`"));
    }
    let list = |s: &str| -> Vec<String> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    // Rules for other daemons (the files may be the system's own) are none of upsd's
    // business: never checked, never used.
    let daemons = list(&fields[0]);
    let is_except = |w: &String| w.eq_ignore_ascii_case("EXCEPT");
    if !list_matches(&daemons, &is_except, &|p: &String| daemon_matches(p)) {
        return Ok(None);
    }
    if fields.len() > 3 {
        // Usually an IPv6 address without brackets: its colons split the line.
        return Err(err(
            "too many `:` fields (write IPv6 addresses in brackets, e.g. [fe80::1])",
        ));
    }
    let clients = list(&fields[1]);
    if clients.is_empty() {
        return Err(err("empty daemon or client list"));
    }
    // A malformed address pattern (a bad prefix, an IPv6 address split by its colons) is an
    // error: in hosts.deny it would silently deny nothing. Name-based patterns (host names,
    // `.domain`, `KNOWN`, `PARANOID`, wildcards), which upsd cannot match without DNS, are
    // named in a warning: in hosts.allow they only grant less.
    let mut items = Vec::with_capacity(clients.len());
    for c in &clients {
        if c.eq_ignore_ascii_case("EXCEPT") {
            items.push(ClientItem::Except);
            continue;
        }
        let (user, host) = match c.split_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, c.as_str()),
        };
        let host = match parse_host(host) {
            Ok(h) => h,
            Err(Unusable::Malformed(why)) => {
                return Err(err(&format!("client pattern {c:?}: {why}")));
            }
            Err(Unusable::NeedsNames) => {
                tracing::warn!(
                    "{}:{lineno}: client pattern {c:?} needs host names, which upsd does not resolve: it never matches{}",
                    file.display(),
                    if kind == Kind::Deny {
                        " (so this rule denies nobody by that name)"
                    } else {
                        ""
                    }
                );
                Host::Never
            }
        };
        items.push(ClientItem::Pattern {
            user: user
                .filter(|u| !u.eq_ignore_ascii_case("ALL"))
                .map(str::to_string),
            host,
        });
    }
    let option = match fields.get(2).map(|f| f.trim().to_ascii_lowercase()) {
        None => None,
        Some(o) if o == "allow" => Some(true),
        Some(o) if o == "deny" => Some(false),
        Some(o) if o.is_empty() => None,
        Some(_) => {
            return Err(err(
                "only the `allow` and `deny` options are supported (upsd runs no shell commands)",
            ));
        }
    };
    Ok(Some(Rule {
        clients: items,
        option,
    }))
}

fn rule_matches(rule: &Rule, addr: IpAddr, user: Option<&str>) -> bool {
    list_matches(
        &rule.clients,
        &|i: &ClientItem| matches!(i, ClientItem::Except),
        &|i: &ClientItem| i.matches(addr, user),
    )
}

/// A list with optional `EXCEPT`: `a b EXCEPT c EXCEPT d` = match(a|b) and not (match(c) and not match(d)).
fn list_matches<T>(list: &[T], is_except: &dyn Fn(&T) -> bool, one: &dyn Fn(&T) -> bool) -> bool {
    match list.iter().position(is_except) {
        Some(i) => list[..i].iter().any(one) && !list_matches(&list[i + 1..], is_except, one),
        None => list.iter().any(one),
    }
}

fn daemon_matches(pattern: &str) -> bool {
    // `upsd@host` daemon patterns name the server address; upsd does not distinguish them.
    // Daemon names compare without case, as tcpd compares them.
    let name = pattern.split('@').next().unwrap_or(pattern);
    name.eq_ignore_ascii_case("ALL") || name.eq_ignore_ascii_case(DAEMON)
}

/// One word of a client list, read once when the file is loaded.
#[derive(Debug, Clone)]
enum ClientItem {
    /// `EXCEPT`.
    Except,
    /// `[user@]host`; `user` is `None` without `@` or for `ALL@`.
    Pattern { user: Option<String>, host: Host },
}

impl ClientItem {
    fn matches(&self, addr: IpAddr, user: Option<&str>) -> bool {
        match self {
            ClientItem::Except => false,
            ClientItem::Pattern { user: want, host } => {
                want.as_deref().is_none_or(|w| user == Some(w)) && host.matches(addr)
            }
        }
    }
}

/// The host part of a client pattern.
#[derive(Debug, Clone)]
enum Host {
    /// `ALL`.
    All,
    /// `LOCAL`, `localhost`: the loopback addresses.
    Loopback,
    /// `net/prefix` (on the canonical address).
    Net(IpNet),
    /// `net/mask` (IPv4).
    Mask { net: Ipv4Addr, mask: Ipv4Addr },
    /// `a.b.c.`: IPv4 addresses starting so.
    Prefix(String),
    /// One address (canonical).
    Exact(IpAddr),
    /// A name pattern: upsd resolves no names, so it never matches.
    Never,
}

impl Host {
    /// `addr` is canonical (an IPv4-mapped address as IPv4).
    fn matches(&self, addr: IpAddr) -> bool {
        match self {
            Host::All => true,
            Host::Loopback => addr.is_loopback(),
            Host::Net(n) => n.contains(&addr),
            Host::Mask { net, mask } => match addr {
                IpAddr::V4(a) => {
                    u32::from(a) & u32::from(*mask) == u32::from(*net) & u32::from(*mask)
                }
                IpAddr::V6(_) => false,
            },
            Host::Prefix(p) => matches!(addr, IpAddr::V4(_)) && addr.to_string().starts_with(p),
            Host::Exact(a) => *a == addr,
            Host::Never => false,
        }
    }
}

/// Why upsd cannot use a client pattern.
#[derive(Debug)]
enum Unusable {
    /// An address pattern that is wrong (what is wrong with it).
    Malformed(String),
    /// A pattern that needs name resolution.
    NeedsNames,
}

/// The host part of a client pattern: `ALL`, `LOCAL`, `localhost`, an address (IPv6 in
/// brackets), `net/prefix`, `net/mask`, a `a.b.c.` prefix.
fn parse_host(host: &str) -> Result<Host, Unusable> {
    let bad = |why: &str| Unusable::Malformed(why.to_string());
    if host.is_empty() {
        return Err(bad("no host after `@`"));
    }
    if host.eq_ignore_ascii_case("ALL") {
        return Ok(Host::All);
    }
    if host.eq_ignore_ascii_case("LOCAL") || host.eq_ignore_ascii_case("localhost") {
        return Ok(Host::Loopback);
    }
    let unbracket = |s: &str| s.trim_start_matches('[').trim_end_matches(']').to_string();
    if let Some((net, bits)) = host.split_once('/') {
        let net = unbracket(net)
            .parse::<IpAddr>()
            .map_err(|_| bad("the network before `/` is not an address"))?;
        if let Ok(prefix) = bits.parse::<u8>() {
            return network(net, prefix)
                .map(Host::Net)
                .ok_or_else(|| bad(&format!("/{prefix} is too long for {net}")));
        }
        return match (canonical(net), bits.parse::<IpAddr>()) {
            (IpAddr::V4(net), Ok(IpAddr::V4(mask))) => Ok(Host::Mask { net, mask }),
            _ => Err(bad("expected /prefix or an IPv4 /mask")),
        };
    }
    if host.ends_with('.') && host.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(Host::Prefix(host.to_string()));
    }
    if let Ok(a) = unbracket(host).parse::<IpAddr>() {
        return Ok(Host::Exact(canonical(a)));
    }
    // Address-like text that does not parse (`10.0.0.300`, `[fe80::zz]`) is a mistake;
    // anything else is a name.
    let addressy = host.starts_with('[')
        || host
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b':');
    if addressy {
        Err(bad("not a valid address"))
    } else {
        Err(Unusable::NeedsNames)
    }
}

/// `net/prefix` on the canonical address: an IPv4-mapped IPv6 network becomes the IPv4
/// network with 96 bits less.
fn network(net: IpAddr, prefix: u8) -> Option<IpNet> {
    match (net, canonical(net)) {
        (IpAddr::V6(_), v4 @ IpAddr::V4(_)) => IpNet::new(v4, prefix.checked_sub(96)?).ok(),
        (_, c) => IpNet::new(c, prefix).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn allow_then_deny_then_grant() {
        let h = HostsAccess::from_texts(
            "upsd : 127.0.0.1 [::1] 10.0.0.0/8\nupsd: admin@192.168.1.0/255.255.255.0\n",
            "ALL : ALL\n",
        )
        .expect("parse");
        assert!(h.permits(ip("127.0.0.1"), None));
        assert!(h.permits(ip("::1"), Some("x")));
        assert!(h.permits(ip("10.1.2.3"), None));
        assert!(h.permits(ip("192.168.1.9"), Some("admin")));
        assert!(!h.permits(ip("192.168.1.9"), Some("other")));
        assert!(!h.permits(ip("192.168.2.9"), Some("admin")));
        assert!(!h.permits(ip("8.8.8.8"), None));
        assert!(HostsAccess::permissive().permits(ip("8.8.8.8"), None));
    }

    #[test]
    fn except_and_other_daemons() {
        let h = HostsAccess::from_texts("sshd : ALL\n", "upsd : ALL EXCEPT LOCAL, 192.168.\n")
            .expect("parse");
        assert!(h.permits(ip("127.0.0.1"), None));
        assert!(h.permits(ip("::ffff:127.0.0.1"), None));
        assert!(h.permits(ip("192.168.7.7"), None));
        assert!(!h.permits(ip("172.16.0.1"), None));
        let u = HostsAccess::from_texts("", "upsd : monuser@ALL\n").expect("parse");
        assert!(!u.permits(ip("127.0.0.1"), Some("monuser")));
        assert!(u.permits(ip("127.0.0.1"), Some("admin")));
    }

    #[test]
    fn options_and_errors() {
        let h = HostsAccess::from_texts("upsd : 127.0.0.1 : deny\nALL : ALL : allow\n", "")
            .expect("parse");
        assert!(!h.permits(ip("127.0.0.1"), None));
        assert!(h.permits(ip("127.0.0.2"), None));
        let e = HostsAccess::from_texts("upsd 127.0.0.1\n", "").expect_err("syntax");
        assert!(e.to_string().starts_with("hosts.allow:1:"), "{e}");
        assert!(HostsAccess::from_texts("upsd : ALL : spawn /bin/x\n", "").is_err());
    }

    /// Rules that would silently allow more (or deny less) than written are refused at
    /// load time.
    #[test]
    fn patterns_upsd_cannot_match_are_refused() {
        for bad in [
            // Unbracketed IPv6: the colons make extra fields.
            "upsd : ALL EXCEPT fe80::1\n",
            "upsd : 10.1.1.1 ::1\n",
            "upsd : 10.0.0.0/33\n",
            "upsd : [::ffff:10.0.0.0]/95\n",
            "ALL : 10.0.0.300\n",
            "upsd : admin@\n",
            "upsd : 10.0.0.0/[::1]\n",
        ] {
            let e = HostsAccess::from_texts("", bad).expect_err(bad);
            assert!(e.to_string().starts_with("hosts.deny:1:"), "{bad}: {e}");
        }
        // Good forms: IPv6 in brackets, an IPv4-mapped network, any case of the daemon.
        let h = HostsAccess::from_texts(
            "",
            "UPSD : [fe80::1] [::ffff:10.0.0.0]/104 192.168.1.0/255.255.255.0\n",
        )
        .expect("parse");
        assert!(!h.permits(ip("fe80::1"), None));
        assert!(!h.permits(ip("10.9.9.9"), None));
        assert!(!h.permits(ip("::ffff:10.9.9.9"), None));
        assert!(!h.permits(ip("192.168.1.4"), None));
        assert!(h.permits(ip("11.0.0.1"), None));
        // System files: other daemons' rules, name patterns and PARANOID do not stop upsd;
        // `localhost` is the loopback.
        let sys = HostsAccess::from_texts(
            "sshd : .lan fe80::1\nupsd : localhost ups.example.com\n",
            "ALL : PARANOID\nsendmail : 10.0.0.0/99\nupsd : ALL\n",
        )
        .expect("system-style files load");
        assert!(sys.permits(ip("127.0.0.1"), None));
        assert!(sys.permits(ip("::1"), None));
        assert!(!sys.permits(ip("192.0.2.1"), None));
    }

    #[test]
    fn continuation_and_missing_files() {
        let h =
            HostsAccess::from_texts("upsd : 10.0.0.1, \\\n 10.0.0.2\n", "ALL:ALL").expect("parse");
        assert!(h.permits(ip("10.0.0.2"), None));
        let none = HostsAccess::load(
            Some(Path::new("/nonexistent/a")),
            Some(Path::new("/nonexistent/b")),
        )
        .expect("missing ok");
        assert!(none.permits(ip("1.2.3.4"), None));
    }
}
