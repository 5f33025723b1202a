//! The report for people (a table, then each failure with what was sent, expected and got)
//! and for machines (`--json`).

use nut_monitor::tools::json::string as js;

use crate::catalog::Severity;
use crate::outcome::Outcome;
use crate::run::Report;

/// The table: one row per check, then the details of each failure.
pub fn table(r: &Report) -> String {
    let mut out = format!(
        "nut-conformance: {}:{} UPS {}\n\n",
        r.target.host,
        r.target.port,
        r.ups.as_deref().unwrap_or("(none)")
    );
    let width = r.results.iter().map(|(d, _)| d.id.len()).max().unwrap_or(2);
    out.push_str(&format!(
        "{:<width$}  {:<12}  {:<6}  note\n",
        "id", "severity", "result"
    ));
    for (d, o) in &r.results {
        let note = match o {
            Outcome::Pass(n) | Outcome::Skip(n) => n.clone(),
            Outcome::Fail(f) => format!("got {}", f.got),
        };
        let note: String = note.chars().take(100).collect();
        out.push_str(&format!(
            "{:<width$}  {:<12}  {:<6}  {note}\n",
            d.id,
            d.severity.to_string(),
            o.word()
        ));
    }
    let failures: Vec<_> = r.results.iter().filter(|(_, o)| o.is_fail()).collect();
    if !failures.is_empty() {
        out.push_str("\nFailures:\n");
        for (d, o) in failures {
            if let Outcome::Fail(f) = o {
                out.push_str(&format!(
                    "- {} ({}, {}): {}\n    sent:     {}\n    expected: {}\n    got:      {}\n",
                    d.id, d.severity, d.section, d.description, f.sent, f.expected, f.got
                ));
            }
        }
    }
    out.push_str(&format!("\n{}\n", summary(r)));
    out
}

/// `N passed, N failed (N MUST), N skipped`.
pub fn summary(r: &Report) -> String {
    let count = |w: &str| r.results.iter().filter(|(_, o)| o.word() == w).count();
    let must = r
        .results
        .iter()
        .filter(|(d, o)| o.is_fail() && d.severity == Severity::Must)
        .count();
    format!(
        "{} passed, {} failed ({} MUST), {} skipped",
        count("pass"),
        count("fail"),
        must,
        count("skip")
    )
}

/// The JSON document: target, then one object per check.
pub fn json(r: &Report) -> String {
    let mut items = Vec::new();
    for (d, o) in &r.results {
        let mut fields = vec![
            format!("\"id\": {}", js(d.id)),
            format!("\"section\": {}", js(d.section)),
            format!("\"severity\": {}", js(&d.severity.to_string())),
            format!("\"result\": {}", js(o.word())),
        ];
        match o {
            Outcome::Pass(n) | Outcome::Skip(n) => fields.push(format!("\"note\": {}", js(n))),
            Outcome::Fail(f) => {
                fields.push(format!("\"sent\": {}", js(&f.sent)));
                fields.push(format!("\"expected\": {}", js(&f.expected)));
                fields.push(format!("\"got\": {}", js(&f.got)));
            }
        }
        items.push(format!("    {{{}}}", fields.join(", ")));
    }
    format!(
        "{{\n  \"host\": {},\n  \"port\": {},\n  \"ups\": {},\n  \"exit\": {},\n  \"checks\": [\n{}\n  ]\n}}\n",
        js(&r.target.host),
        r.target.port,
        r.ups.as_deref().map_or_else(|| "null".to_string(), js),
        r.exit_code(),
        items.join(",\n")
    )
}

/// The rows of docs/CONFORMANCE.md's result tables: `| id | severity | result | note |`.
pub fn markdown(r: &Report) -> String {
    let mut out = String::from("| id | severity | result | note |\n|---|---|---|---|\n");
    for (d, o) in &r.results {
        let note = match o {
            Outcome::Pass(n) | Outcome::Skip(n) => n.clone(),
            Outcome::Fail(f) => format!(
                "sent `{}`, expected `{}`, got `{}`",
                f.sent, f.expected, f.got
            ),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            d.id,
            d.severity,
            o.word(),
            note.replace('|', "\\|")
        ));
    }
    out
}
