//! The generic HID path -> NUT variable table ([`VARS`]) and how each value is printed.

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
