//! The status flags a device reports, and the `ups.status`, `ups.alarm` and
//! `input.transfer.reason` derived from them.

use std::collections::HashMap;

use super::Model;

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
