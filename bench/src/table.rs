//! The result table: one row per measurement, a cell per implementation, the rnut/C ratio and
//! whether rnut meets the target. Reasons for `n/a` cells become numbered notes.

use std::fmt::Write;

/// One measured figure.
#[derive(Debug, Clone)]
pub enum Cell {
    /// A figure (used for the ratio and the target) with its display text.
    Value(f64, String),
    /// Measured, but not comparable as a single number (e.g. only part of the sessions came
    /// up); the target counts as missed.
    Partial(String),
    /// Not measured, with the reason.
    Na(String),
}

impl Cell {
    fn value(&self) -> Option<f64> {
        match self {
            Cell::Value(v, _) => Some(*v),
            _ => None,
        }
    }
}

/// What rnut must reach on a row.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    None,
    /// At least C upsd's figure.
    AtLeastC,
    /// At most C upsd's figure.
    AtMostC,
    /// Strictly below a bound.
    Below(f64),
    /// At least a bound.
    AtLeast(f64),
}

/// One row.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub rnut: Cell,
    pub c: Cell,
    pub goal: Goal,
    pub goal_text: String,
    /// rnut/C of each repetition, measured back to back (empty for a single run).
    pub pair_ratios: Vec<f64>,
}

impl Row {
    pub fn new(label: impl Into<String>, goal: Goal, goal_text: &str) -> Row {
        Row {
            label: label.into(),
            rnut: Cell::Na("not run".into()),
            c: Cell::Na("not run".into()),
            goal,
            goal_text: goal_text.to_string(),
            pair_ratios: Vec::new(),
        }
    }

    fn ratio(&self) -> String {
        let base = match (self.rnut.value(), self.c.value()) {
            (Some(r), Some(c)) if c > 0.0 => ratio_text(r / c),
            (Some(0.0), Some(_)) => "1.00x".into(),
            _ => return "-".into(),
        };
        match self.pair_range() {
            Some((lo, hi)) => format!("{base} ({lo:.2}-{hi:.2})"),
            None => base,
        }
    }

    /// The lowest and highest rnut/C of the repetitions (two or more).
    fn pair_range(&self) -> Option<(f64, f64)> {
        if self.pair_ratios.len() < 2 {
            return None;
        }
        let lo = self
            .pair_ratios
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .pair_ratios
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        Some((lo, hi))
    }

    /// With repetitions, a "C or better" target whose back-to-back ratios fall on both sides
    /// of 1 is a tie: the difference is inside the run-to-run spread, and the medians' order
    /// is chance.
    fn within_spread(&self) -> bool {
        matches!(self.goal, Goal::AtLeastC | Goal::AtMostC)
            && self
                .pair_range()
                .is_some_and(|(lo, hi)| lo < 1.0 && hi > 1.0)
    }

    fn verdict(&self) -> &'static str {
        let r = match &self.rnut {
            Cell::Value(v, _) => *v,
            Cell::Partial(_) => return "MISS",
            Cell::Na(_) => {
                return if matches!(self.goal, Goal::None) {
                    ""
                } else {
                    "n/a"
                };
            }
        };
        let met = match self.goal {
            Goal::None => return "",
            Goal::AtLeastC => match self.c.value() {
                Some(c) => r >= c,
                None => return "?",
            },
            Goal::AtMostC => match self.c.value() {
                Some(c) => r <= c,
                None => return "?",
            },
            Goal::Below(b) => r < b,
            Goal::AtLeast(b) => r >= b,
        };
        if self.within_spread() {
            return if met { "ok (tie)" } else { "MISS (tie)" };
        }
        if met { "ok" } else { "MISS" }
    }
}

/// Render the table with its notes.
pub fn render(rows: &[Row]) -> String {
    let mut notes: Vec<String> = Vec::new();
    let mut text_of = |cell: &Cell| -> String {
        match cell {
            Cell::Value(_, t) | Cell::Partial(t) => t.clone(),
            Cell::Na(reason) => {
                let n = match notes.iter().position(|r| r == reason) {
                    Some(i) => i + 1,
                    None => {
                        notes.push(reason.clone());
                        notes.len()
                    }
                };
                format!("n/a [{n}]")
            }
        }
    };
    let header = [
        "measurement",
        "rnut",
        "C upsd 2.8.0",
        "rnut/C",
        "target (rnut)",
        "",
    ];
    let mut body: Vec<[String; 6]> = Vec::new();
    for r in rows {
        body.push([
            r.label.clone(),
            text_of(&r.rnut),
            text_of(&r.c),
            r.ratio(),
            r.goal_text.clone(),
            r.verdict().to_string(),
        ]);
    }
    let mut width = header.map(str::len);
    for line in &body {
        for (w, cell) in width.iter_mut().zip(line.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let fmt_line = |out: &mut String, cells: &[String]| {
        let mut line = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            if i == 0 || i == 4 || i == 5 {
                let _ = write!(line, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(line, " {}{c} |", " ".repeat(pad));
            }
        }
        out.push_str(&line);
        out.push('\n');
    };
    fmt_line(&mut out, &header.map(String::from));
    let sep: Vec<String> = width
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 || i == 4 || i == 5 {
                "-".repeat(*w)
            } else {
                format!("{}:", "-".repeat(w.saturating_sub(1)))
            }
        })
        .collect();
    fmt_line(&mut out, &sep);
    for line in &body {
        fmt_line(&mut out, line);
    }
    if rows.iter().any(Row::within_spread) {
        out.push_str(
            "\n(lo-hi): the rnut/C ratio of each repetition, measured back to back; (tie): those \
             ratios fall on both sides of 1, so the medians' order is inside the run-to-run \
             spread.\n",
        );
    }
    if !notes.is_empty() {
        out.push('\n');
        for (i, n) in notes.iter().enumerate() {
            let one_line = n.replace('\n', " | ");
            let _ = writeln!(out, "[{}] {one_line}", i + 1);
        }
    }
    out
}

/// A ratio readable at any scale: `1.23x`, `360x`, or `1/440x` for small ones.
pub fn ratio_text(q: f64) -> String {
    if q >= 100.0 {
        format!("{q:.0}x")
    } else if q >= 0.1 {
        format!("{q:.2}x")
    } else if q > 0.0 {
        format!("1/{:.0}x", 1.0 / q)
    } else {
        "0x".into()
    }
}

/// `12345` -> `12,345`.
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Seconds as milliseconds with sensible precision.
pub fn ms(secs: f64) -> String {
    let m = secs * 1000.0;
    if m >= 100.0 {
        format!("{m:.0} ms")
    } else if m >= 10.0 {
        format!("{m:.1} ms")
    } else {
        format!("{m:.2} ms")
    }
}

/// Bytes as MB (10^6) with one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(166_432.4), "166,432");
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio_text(1.234), "1.23x");
        assert_eq!(ratio_text(360.02), "360x");
        assert_eq!(ratio_text(0.0025), "1/400x");
    }

    #[test]
    fn verdicts() {
        let mut r = Row::new("x", Goal::AtLeastC, ">= C");
        r.rnut = Cell::Value(2.0, "2".into());
        r.c = Cell::Value(1.0, "1".into());
        assert_eq!(r.verdict(), "ok");
        assert_eq!(r.ratio(), "2.00x");
        r.rnut = Cell::Value(0.5, "0.5".into());
        assert_eq!(r.verdict(), "MISS");
        let mut b = Row::new("y", Goal::Below(1e-3), "< 1 ms");
        b.rnut = Cell::Partial("3/5".into());
        assert_eq!(b.verdict(), "MISS");
        b.rnut = Cell::Na("no server".into());
        b.c = Cell::Na("no server".into());
        let out = render(&[b]);
        assert!(out.contains("n/a [1]"));
        assert!(out.contains("[1] no server"));
        assert_eq!(out.matches("[1] no server").count(), 1);
    }
}
