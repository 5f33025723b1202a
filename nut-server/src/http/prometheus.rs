//! `/metrics`: the Prometheus text exposition format 0.0.4, or OpenMetrics 1.0.0 when the
//! scraper's `Accept` asks for it. Every family and its meaning is in docs/METRICS.md.
//!
//! Per UPS: every numeric variable as its own family (`nut_` + the variable name with `.`
//! as `_`, plus the unit where NUT defines one: `nut_input_voltage_volts`), with the value
//! exactly as `upsc` prints it; `ups.status` as a state set (every known flag 0 or 1); the
//! other identity variables as labels of `nut_ups_info`; driver link, staleness, the age of
//! the last word from the driver, logged-in clients. Then upsd's own counters and the
//! seconds left on its certificates.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::SystemTime;

use nut_core::net::ErrCode;

use super::certs::CertExpiry;
use super::view::{ServerView, UpsView};
use crate::counters::{COMMANDS, FORWARDED, TRACKING_RESULTS, TRANSPORTS};
use crate::descriptions::Descriptions;

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
const RESERVED: [&str; 6] = [
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
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label(&mut self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(value);
        self.out.push('\n');
    }

    fn counter(&mut self, base: &str, help: &str, label: &str, names: &[&str], values: &[u64]) {
        self.family(base, Kind::Counter, help);
        let name = format!("{base}_total");
        for (n, v) in names.iter().zip(values) {
            self.sample(&name, &[(label, n)], &v.to_string());
        }
    }
}

/// Render the whole exposition.
pub fn render(
    view: &ServerView,
    descriptions: &Descriptions,
    certs: &[CertExpiry],
    format: Format,
) -> String {
    let mut w = Writer {
        out: String::with_capacity(64 * 1024),
        format,
    };
    ups_meta(&mut w, view);
    variables(&mut w, view, descriptions);
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

fn ups_meta(w: &mut Writer, view: &ServerView) {
    w.family(
        "nut_ups",
        Kind::Info,
        "The UPS: ups.conf description and the driver's non-numeric identity variables.",
    );
    for u in &view.upses {
        let labels = info_labels(u);
        let mut refs: Vec<(&str, &str)> = vec![("ups", &u.name), ("description", &u.desc)];
        refs.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        w.sample("nut_ups_info", &refs, "1");
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
    for u in view.upses.iter().filter(|u| u.available()) {
        let status = u.value("ups.status").unwrap_or("");
        let present: Vec<&str> = status.split_whitespace().collect();
        for flag in KNOWN_FLAGS {
            let on = present.iter().any(|p| p.eq_ignore_ascii_case(flag));
            w.sample(
                "nut_ups_status",
                &[("ups", &u.name), ("flag", flag)],
                flag01(on),
            );
        }
        for other in present
            .iter()
            .filter(|p| !KNOWN_FLAGS.iter().any(|k| k.eq_ignore_ascii_case(p)))
        {
            w.sample("nut_ups_status", &[("ups", &u.name), ("flag", other)], "1");
        }
    }
}

/// The labels of `nut_ups_info`: non-numeric variables but the ones that change with the
/// UPS's state (status, alarms, test results), which would make a new series at each change.
fn info_labels(u: &UpsView) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in &u.vars {
        let lower = v.name.to_ascii_lowercase();
        let volatile = lower == "ups.status"
            || lower == "ups.alarm"
            || [".status", ".result", ".reason"]
                .iter()
                .any(|s| lower.ends_with(s));
        if volatile || is_number(&v.value) {
            continue;
        }
        let mut label = sanitize(&lower);
        if label.starts_with(|c: char| c.is_ascii_digit()) {
            label.insert_str(0, "v_");
        }
        if label == "ups" || label == "description" || out.iter().any(|(k, _)| *k == label) {
            continue;
        }
        out.push((label, v.value.clone()));
    }
    out
}

/// One variable's family: the variable's name and its `(ups, value)` samples.
type VariableFamily<'a> = (String, Vec<(&'a str, &'a str)>);

/// One family per numeric variable, UPSes in ups.conf order within each.
fn variables(w: &mut Writer, view: &ServerView, descriptions: &Descriptions) {
    let mut families: BTreeMap<String, VariableFamily> = BTreeMap::new();
    // Most UPSes share their variable names: each name is mapped once.
    let mut names: HashMap<&str, String> = HashMap::new();
    for u in view.upses.iter().filter(|u| u.available()) {
        for v in u.vars.iter().filter(|v| is_number(&v.value)) {
            let name = names
                .entry(v.name.as_str())
                .or_insert_with(|| metric_name(&v.name));
            if RESERVED.contains(&name.as_str()) {
                continue;
            }
            let entry = match families.get_mut(name.as_str()) {
                Some(e) => e,
                None => families
                    .entry(name.clone())
                    .or_insert_with(|| (v.name.clone(), Vec::new())),
            };
            // Two variables of one UPS mapping to one name (`a.b` and `a_b`): the first wins.
            if !entry.1.iter().any(|(ups, _)| *ups == u.name) {
                entry.1.push((&u.name, &v.value));
            }
        }
    }
    for (name, (var, samples)) in &families {
        let help = format!("{var}: {}", descriptions.var(var));
        w.family(name, Kind::Gauge, &help);
        for (ups, value) in samples {
            w.sample(name, &[("ups", ups)], value.trim_start_matches('+'));
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

/// A NUT value Prometheus can take as it is: a decimal number (what `upsc` prints).
pub fn is_number(value: &str) -> bool {
    let v = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (mantissa, exponent) = match v.find(['e', 'E']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// The family name of a variable: `nut_`, the name with every other character as `_`, and
/// the unit NUT documents for it (docs/METRICS.md).
pub fn metric_name(var: &str) -> String {
    let base = sanitize(&var.to_ascii_lowercase());
    let unit = unit_of(&var.to_ascii_lowercase());
    match unit {
        Some(u) if !base.ends_with(u) => format!("nut_{base}_{u}"),
        _ => format!("nut_{base}"),
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// NUT's units (docs/developers' variable list): by the words of the name.
fn unit_of(var: &str) -> Option<&'static str> {
    let words: Vec<&str> = var.split('.').collect();
    let has = |w: &str| words.contains(&w);
    if has("runtime") || has("delay") || has("timer") || var.ends_with(".interval") {
        Some("seconds")
    } else if has("charge") || has("load") || has("humidity") || has("efficiency") {
        Some("percent")
    } else if has("voltage") || var.starts_with("input.transfer.") {
        Some("volts")
    } else if has("current") {
        Some("amperes")
    } else if has("frequency") {
        Some("hertz")
    } else if has("temperature") {
        Some("celsius")
    } else if has("realpower") {
        Some("watts")
    } else if has("power") {
        Some("voltamperes")
    } else {
        None
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
    fn numbers_are_what_prometheus_parses() {
        for n in ["0", "100", "230.5", "-3", "+4", ".5", "5.", "1e3", "2.5E-2"] {
            assert!(is_number(n), "{n}");
        }
        for n in [
            "", "OL", "0x10", "1.2.3", "inf", "NaN", "1e", "12 V", "-", ".",
        ] {
            assert!(!is_number(n), "{n}");
        }
    }

    #[test]
    fn names_carry_nut_units() {
        assert_eq!(metric_name("battery.charge"), "nut_battery_charge_percent");
        assert_eq!(
            metric_name("battery.runtime"),
            "nut_battery_runtime_seconds"
        );
        assert_eq!(metric_name("input.voltage"), "nut_input_voltage_volts");
        assert_eq!(
            metric_name("input.voltage.nominal"),
            "nut_input_voltage_nominal_volts"
        );
        assert_eq!(
            metric_name("input.transfer.low"),
            "nut_input_transfer_low_volts"
        );
        assert_eq!(metric_name("ups.load"), "nut_ups_load_percent");
        assert_eq!(metric_name("ups.realpower"), "nut_ups_realpower_watts");
        assert_eq!(
            metric_name("ups.power.nominal"),
            "nut_ups_power_nominal_voltamperes"
        );
        assert_eq!(
            metric_name("ups.delay.shutdown"),
            "nut_ups_delay_shutdown_seconds"
        );
        assert_eq!(
            metric_name("ambient.1.temperature"),
            "nut_ambient_1_temperature_celsius"
        );
        assert_eq!(metric_name("output.current"), "nut_output_current_amperes");
        assert_eq!(metric_name("input.frequency"), "nut_input_frequency_hertz");
        assert_eq!(metric_name("battery.packs"), "nut_battery_packs");
        assert_eq!(metric_name("x-y.Z"), "nut_x_y_z");
    }

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
