//! The checks: one table, the single source of `--list-checks` and of docs/CONFORMANCE.md.
//! Sections name `shared/spec/net-protocol.md` (net §) and `shared/spec/tls.md` (tls §),
//! which follow NUT's net-protocol text and RFC 9271.

use std::fmt;

/// How much a failure matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The protocol requires it: clients break without it. A failure makes the exit status 1.
    Must,
    /// The protocol recommends it.
    Should,
    /// What C NUT's upsd does and clients have come to rely on.
    CNutCompat,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Must => "MUST",
            Severity::Should => "SHOULD",
            Severity::CNutCompat => "C-NUT-COMPAT",
        })
    }
}

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Always: it changes nothing on the server.
    ReadOnly,
    /// Only when named with `--enable ID`: it changes the UPS or the server's state.
    Changes,
    /// Only when named with `--enable ID`: it takes long (a minute or more).
    Slow,
}

/// One check.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Stable id (`list.var.framing`).
    pub id: &'static str,
    /// Where the rule comes from.
    pub section: &'static str,
    /// How much a failure matters.
    pub severity: Severity,
    /// When it runs.
    pub gate: Gate,
    /// What it checks.
    pub description: &'static str,
}

const fn def(
    id: &'static str,
    section: &'static str,
    severity: Severity,
    gate: Gate,
    description: &'static str,
) -> CheckDef {
    CheckDef {
        id,
        section,
        severity,
        gate,
        description,
    }
}

use Gate::{Changes, ReadOnly, Slow};
use Severity::{CNutCompat, Must, Should};

/// Every check, in the order they run and are reported.
pub const CHECKS: &[CheckDef] = &[
    def(
        "ver.reply",
        "net §4.2",
        Must,
        ReadOnly,
        "VER answers one line of text, not ERR",
    ),
    def(
        "ver.text",
        "net §4.2",
        CNutCompat,
        ReadOnly,
        "VER text starts with `Network UPS Tools upsd`",
    ),
    def(
        "ver.args",
        "net §4.2",
        CNutCompat,
        ReadOnly,
        "VER with an argument answers ERR INVALID-ARGUMENT",
    ),
    def(
        "netver.reply",
        "net §4.3",
        Must,
        ReadOnly,
        "NETVER answers a bare version `N.N`",
    ),
    def(
        "protver.reply",
        "net §4.3",
        Must,
        ReadOnly,
        "PROTVER (protocol 1.3) answers the same version as NETVER",
    ),
    def(
        "help.reply",
        "net §4.4",
        Should,
        ReadOnly,
        "HELP answers one line starting with `Commands:`",
    ),
    def(
        "cmd.unknown",
        "net §4, §5",
        Must,
        ReadOnly,
        "an unknown command answers ERR UNKNOWN-COMMAND",
    ),
    def(
        "cmd.empty-line",
        "net §1.1",
        CNutCompat,
        ReadOnly,
        "an empty line answers ERR UNKNOWN-COMMAND",
    ),
    def(
        "cmd.case",
        "net §1.4",
        Must,
        ReadOnly,
        "keywords are case-insensitive (`netver` and `list ups` work as `NETVER` and `LIST UPS`)",
    ),
    def(
        "line.crlf",
        "net §1.1",
        Must,
        ReadOnly,
        "a request ending in CR LF is answered like one ending in LF",
    ),
    def(
        "line.pipelined",
        "net §1.1",
        Must,
        ReadOnly,
        "requests sent in one write are answered in order, one reply each",
    ),
    def(
        "line.overlong",
        "net §1.1",
        Should,
        ReadOnly,
        "a 9,000-byte line gets an ERR reply (or a close), and the session goes on",
    ),
    def(
        "line.malformed",
        "net §1.2",
        Should,
        ReadOnly,
        "after a line with control bytes and an unescaped `#` in quotes, the server still answers",
    ),
    def(
        "list.ups.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST UPS: BEGIN LIST UPS, `UPS <name> \"<desc>\"` lines, END LIST UPS",
    ),
    def(
        "list.ups.target",
        "net §4.13",
        Must,
        ReadOnly,
        "the UPS under test is in LIST UPS",
    ),
    def(
        "anon.reads",
        "net §3",
        CNutCompat,
        ReadOnly,
        "reads (LIST VAR) are allowed without USERNAME/PASSWORD",
    ),
    def(
        "list.var.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST VAR: BEGIN/END LIST VAR <ups> echo the UPS, items are `VAR <ups> <var> \"<value>\"`",
    ),
    def(
        "list.var.quoting",
        "net §1.3",
        Must,
        ReadOnly,
        "every value is in double quotes with `\\`, `\"`, `#` escaped",
    ),
    def(
        "list.var.order",
        "net §4.13",
        CNutCompat,
        ReadOnly,
        "LIST VAR is sorted by name, case-insensitively",
    ),
    def(
        "list.var.status",
        "net §4.12",
        Should,
        ReadOnly,
        "the UPS publishes ups.status",
    ),
    def(
        "get.var",
        "net §4.12",
        Must,
        ReadOnly,
        "GET VAR <ups> ups.status answers `VAR <ups> ups.status \"<value>\"`, as LIST VAR",
    ),
    def(
        "get.var.unknown",
        "net §4.12, §5",
        Must,
        ReadOnly,
        "GET VAR of a missing variable answers ERR VAR-NOT-SUPPORTED",
    ),
    def(
        "get.ups.unknown",
        "net §4.1, §5",
        Must,
        ReadOnly,
        "GET VAR on an unknown UPS answers ERR UNKNOWN-UPS",
    ),
    def(
        "get.numlogins",
        "net §4.12",
        Must,
        ReadOnly,
        "GET NUMLOGINS answers `NUMLOGINS <ups> <n>`",
    ),
    def(
        "get.upsdesc",
        "net §4.12",
        Must,
        ReadOnly,
        "GET UPSDESC answers `UPSDESC <ups> \"<desc>\"`",
    ),
    def(
        "get.type",
        "net §4.12",
        Must,
        ReadOnly,
        "GET TYPE answers `TYPE <ups> <var>` and known type words",
    ),
    def(
        "get.desc",
        "net §4.12",
        Should,
        ReadOnly,
        "GET DESC answers `DESC <ups> <var> \"<text>\"`",
    ),
    def(
        "get.noargs",
        "net §4.12, §5",
        Must,
        ReadOnly,
        "GET alone answers ERR INVALID-ARGUMENT",
    ),
    def(
        "get.var.args",
        "net §4.12, §5",
        Must,
        ReadOnly,
        "GET VAR without a variable name answers ERR INVALID-ARGUMENT",
    ),
    def(
        "get.type.unknown",
        "net §4.12, §5",
        Must,
        ReadOnly,
        "GET TYPE of a missing variable answers ERR VAR-NOT-SUPPORTED",
    ),
    def(
        "get.upsdesc.unknown",
        "net §4.12, §5",
        Must,
        ReadOnly,
        "GET UPSDESC of an unknown UPS answers ERR UNKNOWN-UPS",
    ),
    def(
        "get.server-info",
        "net §4.12",
        CNutCompat,
        ReadOnly,
        "GET VAR <ups> server.info answers the VER text as a quoted value",
    ),
    def(
        "list.rw.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST RW: framed, items `RW <ups> <var> \"<value>\"`",
    ),
    def(
        "list.cmd.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST CMD: framed, items `CMD <ups> <cmd>`",
    ),
    def(
        "get.cmddesc",
        "net §4.12",
        Should,
        ReadOnly,
        "GET CMDDESC answers `CMDDESC <ups> <cmd> \"<text>\"`",
    ),
    def(
        "list.enum.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST ENUM of an ENUM variable: framed, items `ENUM <ups> <var> \"<value>\"`",
    ),
    def(
        "list.range.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST RANGE of a RANGE variable: framed, items `RANGE <ups> <var> \"<min>\" \"<max>\"`",
    ),
    def(
        "list.client.framing",
        "net §4.13",
        Must,
        ReadOnly,
        "LIST CLIENT: framed, items `CLIENT <ups> <address>`",
    ),
    def(
        "list.unknown-ups",
        "net §4.13, §5",
        Must,
        ReadOnly,
        "LIST VAR on an unknown UPS answers one ERR UNKNOWN-UPS instead of BEGIN LIST",
    ),
    def(
        "list.enum.unknown-var",
        "net §4.13, §5",
        Must,
        ReadOnly,
        "LIST ENUM of a missing variable answers ERR VAR-NOT-SUPPORTED",
    ),
    def(
        "list.client.unknown-ups",
        "net §4.13, §5",
        Must,
        ReadOnly,
        "LIST CLIENT of an unknown UPS answers ERR UNKNOWN-UPS",
    ),
    def(
        "list.noargs",
        "net §4.13, §5",
        Must,
        ReadOnly,
        "LIST alone answers ERR INVALID-ARGUMENT",
    ),
    def(
        "list.bad-subcommand",
        "net §4.13, §5",
        Must,
        ReadOnly,
        "LIST FROB answers ERR INVALID-ARGUMENT",
    ),
    def(
        "tracking.get",
        "net §4.12",
        Must,
        ReadOnly,
        "GET TRACKING answers OFF on a new session (protocol 1.3)",
    ),
    def(
        "tracking.id-while-off",
        "net §4.12",
        CNutCompat,
        ReadOnly,
        "GET TRACKING <id> with tracking off answers ERR FEATURE-NOT-CONFIGURED",
    ),
    def(
        "tracking.set-needs-username",
        "net §4.14",
        Must,
        ReadOnly,
        "SET TRACKING ON without credentials answers ERR USERNAME-REQUIRED",
    ),
    def(
        "tracking.set",
        "net §4.14",
        Must,
        ReadOnly,
        "after USERNAME and PASSWORD (any), SET TRACKING ON answers OK, GET TRACKING then ON, SET TRACKING MAYBE ERR INVALID-ARGUMENT",
    ),
    def(
        "auth.username-twice",
        "net §4.5",
        Must,
        ReadOnly,
        "a second USERNAME answers ERR ALREADY-SET-USERNAME",
    ),
    def(
        "auth.password-twice",
        "net §4.6",
        Must,
        ReadOnly,
        "a second PASSWORD answers ERR ALREADY-SET-PASSWORD",
    ),
    def(
        "auth.username-args",
        "net §4.5",
        Must,
        ReadOnly,
        "USERNAME without a name answers ERR INVALID-ARGUMENT",
    ),
    def(
        "auth.login-needs-username",
        "net §3, §4.7",
        Must,
        ReadOnly,
        "LOGIN without USERNAME answers ERR USERNAME-REQUIRED",
    ),
    def(
        "auth.login-needs-password",
        "net §3, §4.7",
        Must,
        ReadOnly,
        "LOGIN after USERNAME only answers ERR PASSWORD-REQUIRED",
    ),
    def(
        "auth.instcmd-needs-username",
        "net §3, §4.15",
        Must,
        ReadOnly,
        "INSTCMD without credentials answers ERR USERNAME-REQUIRED",
    ),
    def(
        "auth.set-needs-username",
        "net §3, §4.14",
        Must,
        ReadOnly,
        "SET VAR without credentials answers ERR USERNAME-REQUIRED",
    ),
    def(
        "auth.bad-password",
        "net §3",
        Must,
        ReadOnly,
        "LOGIN with an unknown user and password answers ERR ACCESS-DENIED",
    ),
    def(
        "auth.readonly-user",
        "net §3",
        Must,
        ReadOnly,
        "the read-only user given (--user) can send USERNAME and PASSWORD and read",
    ),
    def(
        "logout.reply",
        "net §4.8",
        Must,
        ReadOnly,
        "LOGOUT answers `OK Goodbye` (or an older `Goodbye`)",
    ),
    def(
        "logout.closes",
        "net §2, §4.8",
        Should,
        ReadOnly,
        "the server closes the connection after LOGOUT",
    ),
    def(
        "starttls.answer",
        "net §4.11, tls §1",
        Must,
        ReadOnly,
        "STARTTLS answers OK STARTTLS or ERR FEATURE-NOT-CONFIGURED / FEATURE-NOT-SUPPORTED",
    ),
    def(
        "starttls.offered",
        "tls §1",
        Should,
        ReadOnly,
        "the server offers TLS (OK STARTTLS)",
    ),
    def(
        "starttls.no-plaintext",
        "net §4.11, tls §1",
        Must,
        ReadOnly,
        "nothing follows OK STARTTLS in plaintext: the server waits for the client's handshake",
    ),
    def(
        "tls.handshake",
        "tls §1",
        Must,
        ReadOnly,
        "the TLS handshake after OK STARTTLS completes",
    ),
    def(
        "tls.version",
        "tls §6",
        Must,
        ReadOnly,
        "the negotiated TLS version is 1.2 or later",
    ),
    def(
        "tls.version13",
        "tls §6",
        Should,
        ReadOnly,
        "TLS 1.3 is negotiated when the client offers it",
    ),
    def(
        "tls.protver",
        "net §4.11",
        Must,
        ReadOnly,
        "PROTVER answers a known version inside TLS",
    ),
    def(
        "tls.name",
        "tls §3.2",
        Should,
        ReadOnly,
        "the server certificate carries the host name connected to (or --certname)",
    ),
    def(
        "tls.validity",
        "tls §3",
        Must,
        ReadOnly,
        "the server certificate is within its validity period",
    ),
    def(
        "tls.chain",
        "tls §3",
        Must,
        ReadOnly,
        "the server certificate verifies against the CAs given with --certpath",
    ),
    def(
        "tls.starttls-twice",
        "net §4.11",
        CNutCompat,
        ReadOnly,
        "STARTTLS inside TLS answers ERR ALREADY-SSL-MODE",
    ),
    def(
        "login.primary",
        "net §4.7, §4.9",
        Must,
        Changes,
        "with --monitor-user: LOGIN answers OK, NUMLOGINS counts it, LIST CLIENT lists us, PRIMARY and its old name MASTER answer OK, a second LOGIN answers ERR ALREADY-LOGGED-IN",
    ),
    def(
        "set.readonly",
        "net §4.14",
        Must,
        Changes,
        "with --admin-user: SET VAR of a variable LIST RW does not list answers ERR READONLY",
    ),
    def(
        "set.var",
        "net §4.14, §4.16",
        Must,
        Changes,
        "with --admin-user: SET VAR of a writable variable to its value answers OK, and with SET TRACKING ON `OK TRACKING <uuid>` that GET TRACKING follows",
    ),
    def(
        "instcmd.unknown",
        "net §4.15",
        Must,
        Changes,
        "with --admin-user: INSTCMD of a missing command answers ERR CMD-NOT-SUPPORTED",
    ),
    def(
        "instcmd.run",
        "net §4.15, §4.16",
        Must,
        Changes,
        "with --admin-user and --instcmd NAME: the command answers OK TRACKING <uuid> and GET TRACKING reaches SUCCESS",
    ),
    def(
        "fsd.set",
        "net §4.10",
        Must,
        Changes,
        "with --monitor-user (primary): FSD answers OK FSD-SET and ups.status then starts with FSD",
    ),
    def(
        "idle.timeout",
        "net §2",
        CNutCompat,
        Slow,
        "a silent client is disconnected after about 60 s (waits up to --idle-wait seconds)",
    ),
];

/// The check with this id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The `--list-checks` text: a Markdown table, the one in docs/CONFORMANCE.md.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| id | section | severity | runs | what it checks |\n|---|---|---|---|---|\n",
    );
    for c in CHECKS {
        let runs = match c.gate {
            ReadOnly => "always",
            Changes => "`--enable` (changes state)",
            Slow => "`--enable` (slow)",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            c.id, c.section, c.severity, runs, c.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lists_every_check() {
        let doc = include_str!("../../docs/CONFORMANCE.md");
        let listed = doc
            .split_once("<!-- checks:begin -->\n")
            .and_then(|(_, rest)| rest.split_once("<!-- checks:end -->"))
            .map(|(table, _)| table)
            .expect("docs/CONFORMANCE.md has the checks markers");
        assert_eq!(
            listed,
            markdown_table(),
            "docs/CONFORMANCE.md is stale: paste `nut-conformance --list-checks` between the markers"
        );
    }

    #[test]
    fn ids_are_unique_and_findable() {
        for (i, c) in CHECKS.iter().enumerate() {
            assert!(
                CHECKS[..i].iter().all(|o| o.id != c.id),
                "duplicate {}",
                c.id
            );
            assert_eq!(find(c.id).map(|f| f.id), Some(c.id));
        }
    }
}
