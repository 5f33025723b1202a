//! From HID reports to NUT variables (spec drivers.md 3.4): the latest bytes of every
//! report, the fields that read from them, the generic HID path -> variable table, the status
//! flags and the `ups.status` derived from them.

use std::collections::HashMap;

use super::descriptor::{Field, ReportKind};
use super::usages::path_name;
use crate::number::fixed;

/// How a variable's value is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `%.0f`.
    Whole,
    /// `%.1f`.
    OneDecimal,
    /// A HID date (`(year - 1980) * 512 + month * 32 + day`) as `YYYY/MM/DD`.
    Date,
    /// `UPS.*.Test` results.
    TestResult,
    /// `AudibleAlarmControl`: 1 disabled, 2 enabled, 3 muted.
    Beeper,
}

/// One variable of the generic table: its first present path wins.
#[derive(Debug, Clone, Copy)]
pub struct VarSpec {
    pub var: &'static str,
    pub paths: &'static [&'static str],
    pub format: Format,
    /// Settable with `SET` (written back to the device).
    pub writable: bool,
}

const fn v(
    var: &'static str,
    paths: &'static [&'static str],
    format: Format,
    writable: bool,
) -> VarSpec {
    VarSpec {
        var,
        paths,
        format,
        writable,
    }
}

/// The generic mapping (what most subdrivers share).
pub const VARS: &[VarSpec] = &[
    v(
        "battery.charge",
        &[
            "UPS.PowerSummary.RemainingCapacity",
            "UPS.Battery.RemainingCapacity",
        ],
        Format::Whole,
        false,
    ),
    v(
        "battery.charge.low",
        &[
            "UPS.PowerSummary.RemainingCapacityLimit",
            "UPS.Battery.RemainingCapacityLimit",
        ],
        Format::Whole,
        true,
    ),
    v(
        "battery.charge.warning",
        &[
            "UPS.PowerSummary.WarningCapacityLimit",
            "UPS.Battery.WarningCapacityLimit",
        ],
        Format::Whole,
        false,
    ),
    v(
        "battery.runtime",
        &[
            "UPS.PowerSummary.RunTimeToEmpty",
            "UPS.Battery.RunTimeToEmpty",
        ],
        Format::Whole,
        false,
    ),
    v(
        "battery.runtime.low",
        &[
            "UPS.PowerSummary.RemainingTimeLimit",
            "UPS.Battery.RemainingTimeLimit",
        ],
        Format::Whole,
        true,
    ),
    v(
        "battery.voltage",
        &["UPS.PowerSummary.Voltage", "UPS.Battery.Voltage"],
        Format::OneDecimal,
        false,
    ),
    v(
        "battery.voltage.nominal",
        &[
            "UPS.PowerSummary.ConfigVoltage",
            "UPS.Battery.ConfigVoltage",
        ],
        Format::OneDecimal,
        false,
    ),
    v(
        "battery.mfr.date",
        &[
            "UPS.Battery.ManufacturerDate",
            "UPS.PowerSummary.ManufacturerDate",
        ],
        Format::Date,
        false,
    ),
    v(
        "ups.mfr.date",
        &["UPS.ManufacturerDate", "UPS.PowerSummary.ManufacturerDate"],
        Format::Date,
        false,
    ),
    v(
        "input.voltage",
        &["UPS.Input.Voltage"],
        Format::OneDecimal,
        false,
    ),
    v(
        "input.voltage.nominal",
        &["UPS.Input.ConfigVoltage"],
        Format::Whole,
        false,
    ),
    v(
        "input.frequency",
        &["UPS.Input.Frequency"],
        Format::OneDecimal,
        false,
    ),
    v(
        "input.transfer.low",
        &["UPS.Input.LowVoltageTransfer"],
        Format::Whole,
        true,
    ),
    v(
        "input.transfer.high",
        &["UPS.Input.HighVoltageTransfer"],
        Format::Whole,
        true,
    ),
    v(
        "output.voltage",
        &["UPS.Output.Voltage"],
        Format::OneDecimal,
        false,
    ),
    v(
        "output.frequency",
        &["UPS.Output.Frequency"],
        Format::OneDecimal,
        false,
    ),
    v(
        "ups.load",
        &[
            "UPS.Output.PercentLoad",
            "UPS.PowerConverter.PercentLoad",
            "UPS.PowerSummary.PercentLoad",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.realpower.nominal",
        &[
            "UPS.PowerConverter.ConfigActivePower",
            "UPS.Output.ConfigActivePower",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.power.nominal",
        &[
            "UPS.Output.ConfigApparentPower",
            "UPS.PowerConverter.ConfigApparentPower",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.timer.shutdown",
        &[
            "UPS.PowerSummary.DelayBeforeShutdown",
            "UPS.Output.DelayBeforeShutdown",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.timer.start",
        &[
            "UPS.PowerSummary.DelayBeforeStartup",
            "UPS.Output.DelayBeforeStartup",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.timer.reboot",
        &[
            "UPS.PowerSummary.DelayBeforeReboot",
            "UPS.Output.DelayBeforeReboot",
        ],
        Format::Whole,
        false,
    ),
    v(
        "ups.test.result",
        &[
            "UPS.Battery.Test",
            "UPS.Output.Test",
            "UPS.PowerSummary.Test",
        ],
        Format::TestResult,
        false,
    ),
    v(
        "ups.beeper.status",
        &[
            "UPS.PowerSummary.AudibleAlarmControl",
            "UPS.AudibleAlarmControl",
        ],
        Format::Beeper,
        false,
    ),
];

/// Format a physical value.
pub fn format_value(format: Format, x: f64) -> Option<String> {
    Some(match format {
        Format::Whole => fixed(x, 0),
        Format::OneDecimal => fixed(x, 1),
        Format::Date => {
            let d = x as i64;
            if d <= 0 {
                return None;
            }
            format!("{:04}/{:02}/{:02}", 1980 + d / 512, (d / 32) % 16, d % 32)
        }
        Format::TestResult => match x as i64 {
            1 => "Done and passed",
            2 => "Done and warning",
            3 => "Done and error",
            4 => "Aborted",
            5 => "In progress",
            6 => "No test initiated",
            7 => "Test scheduled",
            _ => return None,
        }
        .to_string(),
        Format::Beeper => match x as i64 {
            1 => "disabled",
            2 => "enabled",
            3 => "muted",
            _ => return None,
        }
        .to_string(),
    })
}

/// The device as last read: report bytes by (kind, id), each with the order it arrived in,
/// and the fields by path name.
#[derive(Debug, Default)]
pub struct Model {
    fields: Vec<(String, Field)>,
    reports: HashMap<(ReportKind, u8), (u64, Vec<u8>)>,
    /// Arrival counter of the reports stored.
    arrivals: u64,
}

/// The status flags the derivation reads, by the last usage of their path.
const FLAGS: &[&str] = &[
    "ACPresent",
    "Discharging",
    "Charging",
    "BelowRemainingCapacityLimit",
    "RemainingTimeLimitExpired",
    "ShutdownImminent",
    "NeedReplacement",
    "Overload",
    "Boost",
    "Buck",
    "FullyCharged",
    "FullyDischarged",
    "BatteryPresent",
    "VoltageOutOfRange",
    "FrequencyOutOfRange",
    "CommunicationLost",
    "OverTemperature",
    "InternalFailure",
    "AwaitingPower",
];

impl Model {
    /// A model over a descriptor's fields.
    pub fn new(fields: Vec<Field>) -> Model {
        Model {
            fields: fields
                .into_iter()
                .map(|f| (path_name(&f.path), f))
                .collect(),
            reports: HashMap::new(),
            arrivals: 0,
        }
    }

    /// Every field with its path name.
    pub fn fields(&self) -> &[(String, Field)] {
        &self.fields
    }

    /// Whether the descriptor numbers its reports (otherwise reports carry no ID byte).
    pub fn uses_report_ids(&self) -> bool {
        self.fields.iter().any(|(_, f)| f.report_id != 0)
    }

    /// Report IDs of one kind, each once, in descriptor order.
    pub fn report_ids(&self, kind: ReportKind) -> Vec<u8> {
        let mut out = Vec::new();
        for (_, f) in &self.fields {
            if f.kind == kind && !out.contains(&f.report_id) {
                out.push(f.report_id);
            }
        }
        out
    }

    /// Size in bytes of a report (with its ID byte).
    pub fn report_len(&self, kind: ReportKind, id: u8) -> usize {
        let bits = self
            .fields
            .iter()
            .filter(|(_, f)| f.kind == kind && f.report_id == id)
            .map(|(_, f)| f.offset + f.size)
            .max()
            .unwrap_or(0);
        1 + (bits as usize).div_ceil(8)
    }

    /// Remember a report's bytes (first byte: its ID), by kind: an interrupt (input) report
    /// and a feature report of the same ID are kept apart, as their fields are.
    pub fn store(&mut self, kind: ReportKind, report: &[u8]) {
        if let Some(&id) = report.first() {
            self.arrivals += 1;
            self.reports
                .insert((kind, id), (self.arrivals, report.to_vec()));
        }
    }

    /// Forget every report read so far (the device went away: what comes after a reconnect
    /// must not be mixed with what it said before).
    pub fn forget_reports(&mut self) {
        self.reports.clear();
    }

    /// The field for a path (Feature preferred, then Input: the order NUT reads them).
    pub fn field(&self, path: &str) -> Option<&Field> {
        let mut found = None;
        for (p, f) in &self.fields {
            if p == path {
                match f.kind {
                    ReportKind::Feature => return Some(f),
                    ReportKind::Input => found = found.or(Some(f)),
                    ReportKind::Output => {}
                }
            }
        }
        found
    }

    /// The logical value of a field and the field it came from, from the newest report that
    /// holds it: a value both an input and a feature report carry comes from whichever
    /// arrived last (an interrupt after the poll is the device's latest word, and so is a
    /// poll after an old interrupt).
    pub fn raw_of(&self, path: &str) -> Option<(&Field, i64)> {
        let mut best: Option<(u64, &Field, i64)> = None;
        for kind in [ReportKind::Feature, ReportKind::Input] {
            // The first field of that path (a report may repeat a usage: NUT names the
            // first).
            let Some((_, f)) = self
                .fields
                .iter()
                .find(|(p, f)| p == path && f.kind == kind)
            else {
                continue;
            };
            let Some((arrived, report)) = self.reports.get(&(kind, f.report_id)) else {
                continue;
            };
            if let Some(raw) = f.value(report) {
                if best.is_none_or(|(b, _, _)| *arrived > b) {
                    best = Some((*arrived, f, raw));
                }
            }
        }
        best.map(|(_, f, raw)| (f, raw))
    }

    /// The physical value of a field (see [`Model::raw_of`]).
    pub fn value_of(&self, path: &str) -> Option<f64> {
        self.raw_of(path).map(|(f, raw)| f.physical(raw))
    }

    /// The physical value behind a variable of the generic table (its first present path).
    pub fn var_value(&self, spec: &VarSpec) -> Option<f64> {
        spec.paths.iter().find_map(|p| self.value_of(p))
    }

    /// The variables of the generic table that the device provides, formatted.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for spec in VARS {
            if let Some(x) = self.var_value(spec) {
                if let Some(text) = format_value(spec.format, x) {
                    out.push((spec.var, text));
                }
            }
        }
        out
    }

    /// The status flags the device reports: name -> set. PowerSummary's flags win over the
    /// same flags elsewhere (they are the ones NUT's subdrivers map).
    pub fn flags(&self) -> HashMap<&'static str, bool> {
        let mut out: HashMap<&'static str, bool> = HashMap::new();
        let mut from_summary: HashMap<&'static str, bool> = HashMap::new();
        for (p, _) in &self.fields {
            let Some(last) = p.rsplit('.').next() else {
                continue;
            };
            let Some(flag) = FLAGS.iter().find(|f| **f == last) else {
                continue;
            };
            if let Some(x) = self.value_of(p) {
                let set = x != 0.0;
                if p.starts_with("UPS.PowerSummary.") {
                    from_summary.insert(flag, set);
                } else {
                    out.entry(flag).or_insert(set);
                }
            }
        }
        out.extend(from_summary);
        out
    }
}

/// What the flags say: `ups.status` tokens and `ups.alarm` texts (spec 3.4, `ups_status_set`).
pub fn status(
    flags: &HashMap<&'static str, bool>,
    charge: Option<f64>,
) -> (Vec<&'static str>, Vec<&'static str>) {
    let on = |f: &str| flags.get(f).copied().unwrap_or(false);
    let known = |f: &str| flags.contains_key(f);
    let mut tokens = Vec::new();
    let mut alarms = Vec::new();
    let online = on("ACPresent");
    let discharging = on("Discharging");
    if online {
        tokens.push("OL");
    } else if known("ACPresent") || discharging {
        tokens.push("OB");
    }
    if discharging && !on("FullyDischarged") {
        tokens.push("DISCHRG");
    }
    if on("Charging") {
        let not_full = known("FullyCharged") && !on("FullyCharged");
        let by_charge = !known("FullyCharged") && charge.is_some_and(|c| c > 0.0 && c < 100.0);
        if not_full || by_charge {
            tokens.push("CHRG");
        }
    }
    if on("BelowRemainingCapacityLimit")
        || on("RemainingTimeLimitExpired")
        || on("ShutdownImminent")
    {
        tokens.push("LB");
    }
    if on("Overload") {
        tokens.push("OVER");
    }
    if on("NeedReplacement") {
        tokens.push("RB");
    }
    if on("Buck") {
        tokens.push("TRIM");
    }
    if on("Boost") {
        tokens.push("BOOST");
    }
    // C usbhid-ups's alarms, in its order: both InternalFailure and CommunicationLost are its
    // "commfault" (one alarm), and a missing battery is an alarm, not RB.
    let alarm_flags: [(bool, &'static str); 6] = [
        (on("NeedReplacement"), "Replace battery!"),
        (on("ShutdownImminent"), "Shutdown imminent!"),
        (
            known("BatteryPresent") && !on("BatteryPresent"),
            "No battery installed!",
        ),
        (on("OverTemperature"), "Temperature too high!"),
        (
            on("InternalFailure") || on("CommunicationLost"),
            "Internal UPS fault!",
        ),
        (on("AwaitingPower"), "Awaiting power!"),
    ];
    alarms.extend(
        alarm_flags
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, text)| *text),
    );
    (tokens, alarms)
}

/// `input.transfer.reason` from the flags, if any.
pub fn transfer_reason(flags: &HashMap<&'static str, bool>) -> Option<&'static str> {
    let on = |f: &str| flags.get(f).copied().unwrap_or(false);
    if on("VoltageOutOfRange") {
        Some("input voltage out of range")
    } else if on("FrequencyOutOfRange") {
        Some("input frequency out of range")
    } else {
        None
    }
}

/// Put a logical value into a field's bits of a report buffer (for SET_REPORT).
pub fn put(field: &Field, report: &mut [u8], value: i64) -> bool {
    let start = field.offset as usize + 8;
    let end = start + field.size as usize;
    if field.size == 0 || field.size > 32 || end > report.len() * 8 {
        return false;
    }
    let v = value as u64;
    for (k, bit) in (start..end).enumerate() {
        let byte = &mut report[bit / 8];
        let mask = 1u8 << (bit % 8);
        if v >> k & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_results_and_numbers_format_like_nut() {
        assert_eq!(
            format_value(Format::Date, 12515.0).as_deref(),
            Some("2004/07/03")
        );
        assert_eq!(
            format_value(Format::Date, 10785.0).as_deref(),
            Some("2001/01/01")
        );
        assert_eq!(
            format_value(Format::Date, 20648.0).as_deref(),
            Some("2020/05/08")
        );
        assert_eq!(
            format_value(Format::TestResult, 1.0).as_deref(),
            Some("Done and passed")
        );
        assert_eq!(
            format_value(Format::Beeper, 1.0).as_deref(),
            Some("disabled")
        );
        assert_eq!(
            format_value(Format::OneDecimal, 13.58).as_deref(),
            Some("13.6")
        );
        assert_eq!(format_value(Format::Whole, -1.0).as_deref(), Some("-1"));
        assert_eq!(format_value(Format::Whole, -0.2).as_deref(), Some("0"));
    }

    #[test]
    fn status_follows_the_flags() {
        let f = |pairs: &[(&'static str, bool)]| pairs.iter().copied().collect::<HashMap<_, _>>();
        assert_eq!(status(&f(&[("ACPresent", true)]), None).0, ["OL"]);
        assert_eq!(
            status(&f(&[("ACPresent", true), ("Discharging", true)]), None).0,
            ["OL", "DISCHRG"]
        );
        assert_eq!(
            status(
                &f(&[
                    ("ACPresent", false),
                    ("Discharging", true),
                    ("BelowRemainingCapacityLimit", true)
                ]),
                None
            )
            .0,
            ["OB", "DISCHRG", "LB"]
        );
        assert_eq!(
            status(&f(&[("ACPresent", true), ("Charging", true)]), Some(50.0)).0,
            ["OL", "CHRG"]
        );
        assert_eq!(
            status(&f(&[("ACPresent", true), ("Charging", true)]), Some(100.0)).0,
            ["OL"]
        );
        let (t, a) = status(&f(&[("ACPresent", true), ("NeedReplacement", true)]), None);
        assert_eq!(t, ["OL", "RB"]);
        assert_eq!(a, ["Replace battery!"]);
        // C's texts and order; a missing battery is an alarm only.
        let (t, a) = status(
            &f(&[
                ("ACPresent", true),
                ("BatteryPresent", false),
                ("ShutdownImminent", true),
                ("CommunicationLost", true),
                ("InternalFailure", true),
            ]),
            None,
        );
        assert_eq!(t, ["OL", "LB"]);
        assert_eq!(
            a,
            [
                "Shutdown imminent!",
                "No battery installed!",
                "Internal UPS fault!"
            ]
        );
    }
}
