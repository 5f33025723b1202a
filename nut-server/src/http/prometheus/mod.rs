//! `/metrics`: the Prometheus text exposition format 0.0.4, or OpenMetrics 1.0.0 when the
//! scraper's `Accept` asks for it. Every family and its meaning is in docs/METRICS.md.
//!
//! Per UPS: every numeric variable as its own family (`nut_` + the variable name with `.`
//! as `_`, plus the unit where NUT defines one: `nut_input_voltage_volts`), with the value
//! exactly as `upsc` prints it; `ups.status` as a state set (every known flag 0 or 1); the
//! other identity variables as labels of `nut_ups_info`; driver link, staleness, the age of
//! the last word from the driver, logged-in clients. Then upsd's own counters and the
//! seconds left on its certificates.
//!
//! The lines that depend only on a UPS's variables are kept between scrapes
//! ([`ups_lines::LineCache`]): a scrape formats only what changed.

pub mod names;
pub mod ups_lines;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use nut_core::net::ErrCode;

use super::certs::CertExpiry;
use super::view::ServerView;
use crate::counters::{COMMANDS, FORWARDED, TRACKING_RESULTS, TRANSPORTS};
use crate::descriptions::Descriptions;
pub use names::{is_number, metric_name};
use ups_lines::{LineCache, UpsLines};

/// Every `ups.status` flag NUT defines, each reported 0 or 1 (others the driver writes are
/// added, as 1, while present).
pub const KNOWN_FLAGS: [&str; 17] = [
    "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER", "TRIM",
    "BOOST", "FSD", "ALARM", "ECO", "WAIT",
];

/// Which exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`.
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    /// OpenMetrics when the Accept header names it, else the classic text format.
    pub fn from_accept(accept: &str) -> Format {
        if accept
            .split(',')
            .any(|t| t.trim().starts_with("application/openmetrics-text"))
        {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
    Info,
}

/// Family names upsd writes itself: a driver variable mapping to one of them is left out
/// (it is still in the JSON API).
pub(crate) const RESERVED: [&str; 6] = [
    "nut_ups_info",
    "nut_ups_status",
    "nut_ups_driver_connected",
    "nut_ups_data_stale",
    "nut_ups_last_update_age_seconds",
    "nut_ups_clients",
];

struct Writer {
    out: String,
    format: Format,
}

impl Writer {
    /// `# HELP` and `# TYPE` for a family (its base name, without `_total` / `_info`).
    fn family(&mut self, base: &str, kind: Kind, help: &str) {
        let (type_name, kind_text) = match (self.format, kind) {
            (Format::OpenMetrics, Kind::Counter) => (base.to_string(), "counter"),
            (Format::OpenMetrics, Kind::Info) => (base.to_string(), "info"),
            (Format::Prometheus, Kind::Counter) => (format!("{base}_total"), "counter"),
            (Format::Prometheus, Kind::Info) => (format!("{base}_info"), "gauge"),
            (_, Kind::Gauge) => (base.to_string(), "gauge"),
        };
        let _ = writeln!(self.out, "# HELP {type_name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {type_name} {kind_text}");
    }

    /// One sample: `name{labels} value`.
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: &str) {
        write_sample(&mut self.out, name, labels, value);
    }

    fn counter(&mut self, base: &str, help: &str, label: &str, names: &[&str], values: &[u64]) {
        self.family(base, Kind::Counter, help);
        let name = format!("{base}_total");
        for (n, v) in names.iter().zip(values) {
            self.sample(&name, &[(label, n)], &v.to_string());
        }
    }
}

/// One sample line, `name{labels} value` and a newline, appended to `out`.
pub(crate) fn write_sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// Render the whole exposition; the lines of UPSes whose variables did not change are taken
/// from `cache` (and the cache left holding this view's).
pub fn render(
    view: &ServerView,
    descriptions: &Descriptions,
    certs: &[CertExpiry],
    format: Format,
    cache: &LineCache,
) -> String {
    let lines = cache.lines(&view.upses);
    // The previous scrape's length is a good guess for this one's.
    let guess: usize = lines
        .iter()
        .map(|l| l.info.len() + l.status.len() + l.text_len())
        .sum();
    let mut w = Writer {
        out: String::with_capacity(guess + 64 * 1024),
        format,
    };
    ups_meta(&mut w, view, &lines);
    variables(&mut w, &lines, descriptions);
    upsd_figures(&mut w, view);
    cert_expiry(&mut w, certs, view.taken);
    if format == Format::OpenMetrics {
        w.out.push_str("# EOF\n");
    }
    w.out
}

fn flag01(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn ups_meta(w: &mut Writer, view: &ServerView, lines: &[Arc<UpsLines>]) {
    w.family(
        "nut_ups",
        Kind::Info,
        "The UPS: ups.conf description and the driver's non-numeric identity variables.",
    );
    for l in lines {
        w.out.push_str(&l.info);
    }
    w.family(
        "nut_ups_driver_connected",
        Kind::Gauge,
        "1 while upsd is connected to the UPS's driver socket.",
    );
    for u in &view.upses {
        w.sample(
            "nut_ups_driver_connected",
            &[("ups", &u.name)],
            flag01(u.connected),
        );
    }
    w.family(
        "nut_ups_data_stale",
        Kind::Gauge,
        "1 when upsc cannot read the UPS: no driver, or data older than MAXAGE or marked stale by the driver.",
    );
    for u in &view.upses {
        w.sample(
            "nut_ups_data_stale",
            &[("ups", &u.name)],
            flag01(!u.available()),
        );
    }
    w.family(
        "nut_ups_last_update_age_seconds",
        Kind::Gauge,
        "Seconds since the driver last sent anything (only while connected).",
    );
    for u in &view.upses {
        if let Some(age) = u.age {
            w.sample(
                "nut_ups_last_update_age_seconds",
                &[("ups", &u.name)],
                &format!("{:.3}", age.as_secs_f64()),
            );
        }
    }
    w.family(
        "nut_ups_clients",
        Kind::Gauge,
        "Clients logged into the UPS (LOGIN), as NUMLOGINS.",
    );
    for u in &view.upses {
        w.sample(
            "nut_ups_clients",
            &[("ups", &u.name)],
            &u.clients.len().to_string(),
        );
    }
    w.family(
        "nut_ups_status",
        Kind::Gauge,
        "ups.status as a state set: 1 for each flag present, 0 for each known flag absent (only while the data is fresh).",
    );
    for l in lines {
        w.out.push_str(&l.status);
    }
}

/// One family per numeric variable (sorted by name), UPSes in ups.conf order within each.
fn variables(w: &mut Writer, lines: &[Arc<UpsLines>], descriptions: &Descriptions) {
    // Samples of one family share its `Arc<str>`: grouped by that pointer, sorted by name
    // once per family rather than compared once per sample.
    let mut index: HashMap<*const u8, usize> = HashMap::new();
    let mut families: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for l in lines {
        for (s, line) in l.samples() {
            let slot = *index.entry(s.family.as_ptr()).or_insert_with(|| {
                families.push((&s.family, &s.var, Vec::with_capacity(lines.len())));
                families.len() - 1
            });
            families[slot].2.push(line);
        }
    }
    families.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut previous = "";
    for (name, var, samples) in &families {
        // One header per name, whatever happened to the name table.
        if *name != previous {
            let help = format!("{var}: {}", descriptions.var(var));
            w.family(name, Kind::Gauge, &help);
            previous = name;
        }
        for line in samples {
            w.out.push_str(line);
        }
    }
}

fn upsd_figures(w: &mut Writer, view: &ServerView) {
    let c = &view.counters;
    w.family("nut_upsd", Kind::Info, "upsd's version.");
    w.sample("nut_upsd_info", &[("version", view.version)], "1");
    w.family(
        "nut_upsd_maxage_seconds",
        Kind::Gauge,
        "MAXAGE: data older than this is stale.",
    );
    w.sample(
        "nut_upsd_maxage_seconds",
        &[],
        &view.maxage.as_secs().to_string(),
    );
    w.family(
        "nut_upsd_connections",
        Kind::Gauge,
        "Open NUT connections by transport (tls: after STARTTLS).",
    );
    for (t, v) in TRANSPORTS.iter().zip(c.open) {
        w.sample("nut_upsd_connections", &[("transport", t)], &v.to_string());
    }
    w.family(
        "nut_upsd_connections_accepted",
        Kind::Counter,
        "NUT connections accepted.",
    );
    w.sample(
        "nut_upsd_connections_accepted_total",
        &[],
        &c.accepted.to_string(),
    );
    w.family(
        "nut_upsd_connections_refused",
        Kind::Counter,
        "NUT connections refused because MAXCONN connections were open.",
    );
    w.sample(
        "nut_upsd_connections_refused_total",
        &[],
        &c.maxconn_refused.to_string(),
    );
    let ok_failed = ["ok", "failed"];
    w.counter(
        "nut_upsd_starttls_handshakes",
        "STARTTLS handshakes by result.",
        "result",
        &ok_failed,
        &c.starttls,
    );
    w.counter(
        "nut_upsd_logins",
        "USERNAME/PASSWORD checks by result (failed: unknown user or wrong password).",
        "result",
        &ok_failed,
        &c.logins,
    );
    w.counter(
        "nut_upsd_commands",
        "Protocol commands served, by command.",
        "command",
        &COMMANDS,
        &c.commands,
    );
    let codes: Vec<&str> = ErrCode::KNOWN.iter().map(ErrCode::as_str).collect();
    w.counter(
        "nut_upsd_errors",
        "ERR replies sent, by code.",
        "code",
        &codes,
        &c.errors,
    );
    w.counter(
        "nut_upsd_forwarded",
        "SET VAR and INSTCMD requests written to a driver.",
        "kind",
        &FORWARDED,
        &c.forwarded,
    );
    w.counter(
        "nut_upsd_tracking_results",
        "Results drivers reported for tracked SET / INSTCMD requests.",
        "result",
        &TRACKING_RESULTS,
        &c.tracking,
    );
}

fn cert_expiry(w: &mut Writer, certs: &[CertExpiry], now: SystemTime) {
    if certs.is_empty() {
        return;
    }
    w.family(
        "nut_upsd_certificate_expiry_seconds",
        Kind::Gauge,
        "Seconds until the certificate expires (negative once expired): upsd's own (role identity) and each trusted CA (role ca).",
    );
    for c in certs {
        w.sample(
            "nut_upsd_certificate_expiry_seconds",
            &[("role", c.role), ("subject", &c.subject)],
            &c.seconds_left(now).to_string(),
        );
    }
}

fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_accept() {
        assert_eq!(
            Format::from_accept("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
            Format::OpenMetrics
        );
        assert_eq!(Format::from_accept("text/plain"), Format::Prometheus);
        assert_eq!(Format::from_accept(""), Format::Prometheus);
    }

    #[test]
    fn labels_are_escaped() {
        let mut s = String::new();
        escape_label(&mut s, "a\"b\\c\nd");
        assert_eq!(s, "a\\\"b\\\\c\\nd");
    }
}
