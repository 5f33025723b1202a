//! Names of the HID usages UPSes use (USB "HID Usage Tables for Power Devices" 1.0, pages
//! 0x84 Power Device and 0x85 Battery System), and NUT-style dotted paths: a known usage by
//! its name, any other as 8 hex digits.

/// (usage page << 16 | id, name).
const NAMES: &[(u32, &str)] = &[
    // Page 0x84, Power Device.
    (0x0084_0001, "iName"),
    (0x0084_0002, "PresentStatus"),
    (0x0084_0003, "ChangedStatus"),
    (0x0084_0004, "UPS"),
    (0x0084_0005, "PowerSupply"),
    (0x0084_0010, "BatterySystem"),
    (0x0084_0011, "BatterySystemID"),
    (0x0084_0012, "Battery"),
    (0x0084_0013, "BatteryID"),
    (0x0084_0014, "Charger"),
    (0x0084_0015, "ChargerID"),
    (0x0084_0016, "PowerConverter"),
    (0x0084_0017, "PowerConverterID"),
    (0x0084_0018, "OutletSystem"),
    (0x0084_0019, "OutletSystemID"),
    (0x0084_001a, "Input"),
    (0x0084_001b, "InputID"),
    (0x0084_001c, "Output"),
    (0x0084_001d, "OutputID"),
    (0x0084_001e, "Flow"),
    (0x0084_001f, "FlowID"),
    (0x0084_0020, "Outlet"),
    (0x0084_0021, "OutletID"),
    (0x0084_0022, "Gang"),
    (0x0084_0023, "GangID"),
    (0x0084_0024, "PowerSummary"),
    (0x0084_0025, "PowerSummaryID"),
    (0x0084_0030, "Voltage"),
    (0x0084_0031, "Current"),
    (0x0084_0032, "Frequency"),
    (0x0084_0033, "ApparentPower"),
    (0x0084_0034, "ActivePower"),
    (0x0084_0035, "PercentLoad"),
    (0x0084_0036, "Temperature"),
    (0x0084_0037, "Humidity"),
    (0x0084_0038, "BadCount"),
    (0x0084_0040, "ConfigVoltage"),
    (0x0084_0041, "ConfigCurrent"),
    (0x0084_0042, "ConfigFrequency"),
    (0x0084_0043, "ConfigApparentPower"),
    (0x0084_0044, "ConfigActivePower"),
    (0x0084_0045, "ConfigPercentLoad"),
    (0x0084_0046, "ConfigTemperature"),
    (0x0084_0047, "ConfigHumidity"),
    (0x0084_0050, "SwitchOnControl"),
    (0x0084_0051, "SwitchOffControl"),
    (0x0084_0052, "ToggleControl"),
    (0x0084_0053, "LowVoltageTransfer"),
    (0x0084_0054, "HighVoltageTransfer"),
    (0x0084_0055, "DelayBeforeReboot"),
    (0x0084_0056, "DelayBeforeStartup"),
    (0x0084_0057, "DelayBeforeShutdown"),
    (0x0084_0058, "Test"),
    (0x0084_0059, "ModuleReset"),
    (0x0084_005a, "AudibleAlarmControl"),
    (0x0084_0060, "Present"),
    (0x0084_0061, "Good"),
    (0x0084_0062, "InternalFailure"),
    (0x0084_0063, "VoltageOutOfRange"),
    (0x0084_0064, "FrequencyOutOfRange"),
    (0x0084_0065, "Overload"),
    (0x0084_0066, "OverCharged"),
    (0x0084_0067, "OverTemperature"),
    (0x0084_0068, "ShutdownRequested"),
    (0x0084_0069, "ShutdownImminent"),
    (0x0084_006b, "SwitchOn/Off"),
    (0x0084_006c, "Switchable"),
    (0x0084_006d, "Used"),
    (0x0084_006e, "Boost"),
    (0x0084_006f, "Buck"),
    (0x0084_0070, "Initialized"),
    (0x0084_0071, "Tested"),
    (0x0084_0072, "AwaitingPower"),
    (0x0084_0073, "CommunicationLost"),
    (0x0084_00fd, "iManufacturer"),
    (0x0084_00fe, "iProduct"),
    (0x0084_00ff, "iSerialNumber"),
    // Page 0x85, Battery System.
    (0x0085_0001, "SMBBatteryMode"),
    (0x0085_0002, "SMBBatteryStatus"),
    (0x0085_0003, "SMBAlarmWarning"),
    (0x0085_0004, "SMBChargerMode"),
    (0x0085_0005, "SMBChargerStatus"),
    (0x0085_0006, "SMBChargerSpecInfo"),
    (0x0085_0007, "SMBSelectorState"),
    (0x0085_0008, "SMBSelectorPresets"),
    (0x0085_0009, "SMBSelectorInfo"),
    (0x0085_0029, "RemainingCapacityLimit"),
    (0x0085_002a, "RemainingTimeLimit"),
    (0x0085_002b, "AtRate"),
    (0x0085_002c, "CapacityMode"),
    (0x0085_002d, "BroadcastToCharger"),
    (0x0085_002e, "PrimaryBattery"),
    (0x0085_002f, "ChargeController"),
    (0x0085_0040, "TerminateCharge"),
    (0x0085_0041, "TerminateDischarge"),
    (0x0085_0042, "BelowRemainingCapacityLimit"),
    (0x0085_0043, "RemainingTimeLimitExpired"),
    (0x0085_0044, "Charging"),
    (0x0085_0045, "Discharging"),
    (0x0085_0046, "FullyCharged"),
    (0x0085_0047, "FullyDischarged"),
    (0x0085_0048, "ConditioningFlag"),
    (0x0085_0049, "AtRateOK"),
    (0x0085_004a, "SMBErrorCode"),
    (0x0085_004b, "NeedReplacement"),
    (0x0085_0060, "AtRateTimeToFull"),
    (0x0085_0061, "AtRateTimeToEmpty"),
    (0x0085_0062, "AverageCurrent"),
    (0x0085_0063, "MaxError"),
    (0x0085_0064, "RelativeStateOfCharge"),
    (0x0085_0065, "AbsoluteStateOfCharge"),
    (0x0085_0066, "RemainingCapacity"),
    (0x0085_0067, "FullChargeCapacity"),
    (0x0085_0068, "RunTimeToEmpty"),
    (0x0085_0069, "AverageTimeToEmpty"),
    (0x0085_006a, "AverageTimeToFull"),
    (0x0085_006b, "CycleCount"),
    (0x0085_0080, "BattPackModelLevel"),
    (0x0085_0081, "InternalChargeController"),
    (0x0085_0082, "PrimaryBatterySupport"),
    (0x0085_0083, "DesignCapacity"),
    (0x0085_0084, "SpecificationInfo"),
    (0x0085_0085, "ManufacturerDate"),
    (0x0085_0086, "SerialNumber"),
    (0x0085_0087, "iManufacturerName"),
    (0x0085_0088, "iDevicename"),
    (0x0085_0089, "iDeviceChemistry"),
    (0x0085_008a, "ManufacturerData"),
    (0x0085_008b, "Rechargeable"),
    (0x0085_008c, "WarningCapacityLimit"),
    (0x0085_008d, "CapacityGranularity1"),
    (0x0085_008e, "CapacityGranularity2"),
    (0x0085_008f, "iOEMInformation"),
    (0x0085_00c0, "InhibitCharge"),
    (0x0085_00c1, "EnablePolling"),
    (0x0085_00c2, "ResetToZero"),
    (0x0085_00d0, "ACPresent"),
    (0x0085_00d1, "BatteryPresent"),
    (0x0085_00d2, "PowerFail"),
    (0x0085_00d3, "AlarmInhibited"),
    (0x0085_00d4, "ThermistorUnderRange"),
    (0x0085_00d5, "ThermistorHot"),
    (0x0085_00d6, "ThermistorCold"),
    (0x0085_00d7, "ThermistorOverRange"),
    (0x0085_00d8, "VoltageOutOfRange"),
    (0x0085_00d9, "CurrentOutOfRange"),
    (0x0085_00da, "CurrentNotRegulated"),
    (0x0085_00db, "VoltageNotRegulated"),
    (0x0085_00dc, "MasterMode"),
    (0x0085_00f0, "ChargerSelectorSupport"),
    (0x0085_00f1, "ChargerSpec"),
    (0x0085_00f2, "Level2"),
    (0x0085_00f3, "Level3"),
];

/// The name of a usage, if it is a known one.
pub fn name(usage: u32) -> Option<&'static str> {
    NAMES.iter().find(|(u, _)| *u == usage).map(|(_, n)| *n)
}

/// A usage path as NUT prints it: `UPS.PowerSummary.RemainingCapacity`, unknown usages as
/// `ff860060`.
pub fn path_name(path: &[u32]) -> String {
    let mut out = String::new();
    for (i, u) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match name(*u) {
            Some(n) => out.push_str(n),
            None => out.push_str(&format!("{u:08x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_paths_print_like_nut() {
        let mut seen = std::collections::HashSet::new();
        for (u, _) in NAMES {
            assert!(seen.insert(*u), "{u:08x} twice");
        }
        assert_eq!(
            path_name(&[0x0084_0004, 0x0084_0024, 0x0085_0066]),
            "UPS.PowerSummary.RemainingCapacity"
        );
        assert_eq!(
            path_name(&[0x0084_0004, 0xff86_0005, 0xff86_007c]),
            "UPS.ff860005.ff86007c"
        );
    }
}
