//! dummy-ups's table of known variables (C `drivers/dummy-ups.h`): flags and string length
//! applied when a data file or `SET` touches them. Unknown names get `RW STRING` of 32.

use nut_core::sock::VarFlags;

/// One known variable.
#[derive(Debug, Clone, Copy)]
pub struct KnownVar {
    /// Name.
    pub name: &'static str,
    /// True for `STRING | RW`, false for `RW` alone.
    pub string: bool,
    /// Maximum length of a string.
    pub len: i64,
    /// Value published at start (`DU_FLAG_INIT`).
    pub init: Option<&'static str>,
}

const fn s(name: &'static str, len: i64) -> KnownVar {
    KnownVar {
        name,
        string: true,
        len,
        init: None,
    }
}
const fn n(name: &'static str) -> KnownVar {
    KnownVar {
        name,
        string: false,
        len: 1,
        init: None,
    }
}

/// The table, in C order (the first entry of a name wins, as C's lookup does).
pub const KNOWN: &[KnownVar] = &[
    KnownVar {
        name: "ups.mfr",
        string: true,
        len: 32,
        init: Some("Dummy Manufacturer"),
    },
    KnownVar {
        name: "ups.model",
        string: true,
        len: 32,
        init: Some("Dummy UPS"),
    },
    KnownVar {
        name: "ups.status",
        string: true,
        len: 32,
        init: Some("OL"),
    },
    s("ups.serial", 32),
    n("ups.load"),
    s("ups.alarm", 32),
    s("ups.time", 16),
    s("ups.date", 16),
    s("ups.mfr.date", 16),
    s("ups.firmware", 16),
    s("ups.firmware.aux", 16),
    n("ups.temperature"),
    s("ups.id", 16),
    n("ups.delay.start"),
    n("ups.delay.reboot"),
    n("ups.delay.shutdown"),
    n("ups.test.interval"),
    s("ups.test.result", 16),
    n("input.voltage"),
    n("input.voltage.maximum"),
    n("input.voltage.minimum"),
    n("input.voltage.nominal"),
    s("input.transfer.reason", 1),
    n("input.transfer.low"),
    n("input.transfer.high"),
    s("input.sensitivity", 1),
    s("input.quality", 6),
    n("input.frequency"),
    n("input.transfer.boost.low"),
    n("input.transfer.boost.high"),
    n("input.transfer.trim.low"),
    n("input.transfer.trim.high"),
    n("output.voltage"),
    n("output.frequency"),
    n("output.current"),
    n("battery.charge"),
    n("battery.charge.low"),
    n("battery.voltage"),
    n("battery.current"),
    n("battery.runtime"),
    n("battery.runtime.low"),
    n("battery.charge.restart"),
    n("battery.temperature"),
    n("battery.voltage.nominal"),
    n("ambient.temperature"),
    n("ambient.temperature.alarm"),
    n("ambient.temperature.high"),
    n("ambient.temperature.low"),
    n("ambient.humidity"),
    n("ambient.humidity.alarm"),
    n("ambient.humidity.high"),
    n("ambient.humidity.low"),
];

/// The table entry for a name (case-insensitive, as C's `find_info`).
pub fn find(name: &str) -> Option<&'static KnownVar> {
    KNOWN.iter().find(|k| k.name.eq_ignore_ascii_case(name))
}

/// Flags and aux (0 = none) for a variable.
pub fn flags_for(name: &str) -> (VarFlags, i64) {
    match find(name) {
        Some(k) if k.string => (VarFlags::RW | VarFlags::STRING, k.len),
        Some(_) => (VarFlags::RW, 0),
        None => (VarFlags::RW | VarFlags::STRING, 32),
    }
}
