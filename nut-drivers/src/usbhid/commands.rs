//! usbhid-ups's instant commands: which HID field each one writes, and with what value
//! (C NUT's generic `hid_ups` command table). A command exists when the device has one of
//! its fields; the first field the device has is the one written.

use super::model::Model;

/// Where a command's value comes from.
#[derive(Debug, Clone, Copy)]
enum Value {
    /// Always this value.
    Fixed(i64),
    /// The `offdelay` option (seconds).
    OffDelay,
    /// The `ondelay` option (seconds).
    OnDelay,
}

/// Commands that write the same field: the candidate paths, in order of preference.
struct Group {
    paths: &'static [&'static str],
    commands: &'static [(&'static str, Value)],
}

const TABLE: &[Group] = &[
    Group {
        paths: &[
            "UPS.PowerSummary.AudibleAlarmControl",
            "UPS.AudibleAlarmControl",
        ],
        commands: &[
            ("beeper.disable", Value::Fixed(1)),
            ("beeper.enable", Value::Fixed(2)),
            ("beeper.mute", Value::Fixed(3)),
        ],
    },
    Group {
        paths: &[
            "UPS.Battery.Test",
            "UPS.Output.Test",
            "UPS.PowerSummary.Test",
        ],
        commands: &[
            ("test.battery.start.quick", Value::Fixed(1)),
            ("test.battery.start.deep", Value::Fixed(2)),
            ("test.battery.stop", Value::Fixed(3)),
        ],
    },
    Group {
        paths: &[
            "UPS.PowerSummary.DelayBeforeShutdown",
            "UPS.Output.DelayBeforeShutdown",
        ],
        commands: &[
            ("load.off.delay", Value::OffDelay),
            ("shutdown.stop", Value::Fixed(-1)),
        ],
    },
    Group {
        paths: &[
            "UPS.PowerSummary.DelayBeforeStartup",
            "UPS.Output.DelayBeforeStartup",
        ],
        commands: &[("load.on.delay", Value::OnDelay)],
    },
    Group {
        paths: &[
            "UPS.PowerSummary.DelayBeforeReboot",
            "UPS.Output.DelayBeforeReboot",
        ],
        // Off after offdelay, then back on by itself (the UPS's own restart).
        commands: &[("shutdown.reboot", Value::OffDelay)],
    },
];

/// One instant command the device supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Command {
    /// The NUT command name.
    pub name: &'static str,
    /// The HID field written.
    pub path: &'static str,
    /// The value written (physical units: seconds for the delays; -1 cancels a delay).
    pub value: i64,
}

/// The first of `paths` the device has.
pub(super) fn first_path(model: &Model, paths: &[&'static str]) -> Option<&'static str> {
    paths.iter().copied().find(|p| model.field(p).is_some())
}

/// The commands this device supports, given the `offdelay` and `ondelay` options.
pub(super) fn supported(model: &Model, offdelay: i64, ondelay: i64) -> Vec<Command> {
    let mut out = Vec::new();
    for group in TABLE {
        let Some(path) = first_path(model, group.paths) else {
            continue;
        };
        for &(name, value) in group.commands {
            let value = match value {
                Value::Fixed(v) => v,
                Value::OffDelay => offdelay,
                Value::OnDelay => ondelay,
            };
            out.push(Command { name, path, value });
        }
    }
    out
}
