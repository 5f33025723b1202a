//! UPS status: the space-separated tokens of `ups.status` (OL, OB, LB, ...) as a parsed set.
//! Order is kept as the driver wrote it; tokens compare case-insensitively, as upsmon does.

use std::fmt;

/// One `ups.status` token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusToken {
    /// On line (mains power).
    OnLine,
    /// On battery.
    OnBattery,
    /// Low battery.
    LowBattery,
    /// High battery.
    HighBattery,
    /// Replace battery.
    ReplaceBattery,
    /// Charging.
    Charging,
    /// Discharging.
    Discharging,
    /// On bypass: powered but not protected.
    Bypass,
    /// Calibration (runtime test) in progress.
    Calibration,
    /// Administratively off or asleep.
    Off,
    /// Overloaded.
    Overload,
    /// Trimming (bucking) the input voltage.
    Trim,
    /// Boosting the input voltage.
    Boost,
    /// Forced shutdown.
    ForcedShutdown,
    /// At least one alarm is active (text in `ups.alarm`).
    Alarm,
    /// ECO / high-efficiency mode (legacy token).
    Eco,
    /// Set by upsd while it waits for a driver's first dump.
    Wait,
    /// Any other token, kept as written.
    Other(String),
}

impl StatusToken {
    /// Parse one token (case-insensitive).
    pub fn parse(word: &str) -> StatusToken {
        use StatusToken::*;
        match word.to_ascii_uppercase().as_str() {
            "OL" => OnLine,
            "OB" => OnBattery,
            "LB" => LowBattery,
            "HB" => HighBattery,
            "RB" => ReplaceBattery,
            "CHRG" => Charging,
            "DISCHRG" => Discharging,
            "BYPASS" => Bypass,
            "CAL" => Calibration,
            "OFF" => Off,
            "OVER" => Overload,
            "TRIM" => Trim,
            "BOOST" => Boost,
            "FSD" => ForcedShutdown,
            "ALARM" => Alarm,
            "ECO" => Eco,
            "WAIT" => Wait,
            _ => Other(word.to_string()),
        }
    }

    /// The token as it is written in `ups.status`.
    pub fn as_str(&self) -> &str {
        use StatusToken::*;
        match self {
            OnLine => "OL",
            OnBattery => "OB",
            LowBattery => "LB",
            HighBattery => "HB",
            ReplaceBattery => "RB",
            Charging => "CHRG",
            Discharging => "DISCHRG",
            Bypass => "BYPASS",
            Calibration => "CAL",
            Off => "OFF",
            Overload => "OVER",
            Trim => "TRIM",
            Boost => "BOOST",
            ForcedShutdown => "FSD",
            Alarm => "ALARM",
            Eco => "ECO",
            Wait => "WAIT",
            Other(s) => s,
        }
    }
}

impl fmt::Display for StatusToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `ups.status` value: tokens in the order written, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsStatus {
    tokens: Vec<StatusToken>,
}

impl UpsStatus {
    /// Parse a status string; extra spaces are ignored, duplicates kept once.
    pub fn parse(value: &str) -> UpsStatus {
        let mut status = UpsStatus::default();
        for word in value.split_ascii_whitespace() {
            status.insert(StatusToken::parse(word));
        }
        status
    }

    /// Add a token at the end unless it is already present.
    pub fn insert(&mut self, token: StatusToken) {
        if !self.contains(&token) {
            self.tokens.push(token);
        }
    }

    /// Remove a token if present.
    pub fn remove(&mut self, token: &StatusToken) {
        self.tokens.retain(|t| !same(t, token));
    }

    /// Whether the token is present (unknown tokens compare case-insensitively).
    pub fn contains(&self, token: &StatusToken) -> bool {
        self.tokens.iter().any(|t| same(t, token))
    }

    /// The tokens in order.
    pub fn tokens(&self) -> &[StatusToken] {
        &self.tokens
    }

    /// The tokens that are not part of the standard vocabulary.
    pub fn unknown(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            StatusToken::Other(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// True when no token is present.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// On battery and low battery at once: the critical combination.
    pub fn is_on_battery_low(&self) -> bool {
        self.contains(&StatusToken::OnBattery) && self.contains(&StatusToken::LowBattery)
    }
}

fn same(a: &StatusToken, b: &StatusToken) -> bool {
    match (a, b) {
        (StatusToken::Other(x), StatusToken::Other(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

impl fmt::Display for UpsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.tokens.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(t.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_in_order() {
        let s = UpsStatus::parse("  ol  CHRG ob LB  xyz OL");
        assert_eq!(s.to_string(), "OL CHRG OB LB xyz");
        assert!(s.is_on_battery_low());
        assert_eq!(s.unknown().collect::<Vec<_>>(), ["xyz"]);
        assert!(s.contains(&StatusToken::Other("XYZ".into())));
    }

    #[test]
    fn insert_and_remove() {
        let mut s = UpsStatus::parse("OL");
        s.insert(StatusToken::ForcedShutdown);
        s.insert(StatusToken::OnLine);
        assert_eq!(s.to_string(), "OL FSD");
        s.remove(&StatusToken::OnLine);
        assert_eq!(s.to_string(), "FSD");
        assert!(!UpsStatus::parse("").contains(&StatusToken::OnLine));
        assert!(UpsStatus::parse(" ").is_empty());
    }
}
