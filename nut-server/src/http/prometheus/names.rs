//! How NUT's variables become Prometheus families: which values are numbers, the family
//! name of a variable (with NUT's unit) and the sanitised label names.

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

pub fn sanitize(name: &str) -> String {
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
}
