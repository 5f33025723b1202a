//! The checks: one table, the single source of `--list-checks` and of docs/CONFORMANCE.md.
//! Sections name `shared/spec/net-protocol.md` (net §) and `shared/spec/tls.md` (tls §),
//! which follow NUT's net-protocol text and RFC 9271.

use std::fmt;

mod checks;

pub use checks::CHECKS;

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
            Gate::ReadOnly => "always",
            Gate::Changes => "`--enable` (changes state)",
            Gate::Slow => "`--enable` (slow)",
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
        let doc = include_str!("../../../docs/CONFORMANCE.md");
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
