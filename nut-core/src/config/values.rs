//! Directive values: booleans, strict integers, seconds (bounded by
//! [`MAX_CONFIG_SECONDS`]) and paths, each refused with an error naming the directive.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::errors::ConfigError;
use super::lines::{Line, expect_args};

/// NUT booleans: `true|on|yes|1` and `false|off|no|0`, case-insensitive.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// A boolean value or an error naming the directive.
pub(crate) fn bool_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<bool, ConfigError> {
    parse_bool(value).ok_or_else(|| {
        ConfigError::new(
            file,
            line,
            format!(
                "{directive}: invalid boolean {value:?} (expected true/false, yes/no, on/off, 1/0)"
            ),
        )
    })
}

/// A strict `0|1` flag (CERTVERIFY, FORCESSL, ALARMCRITICAL, CERTHOST columns).
pub(crate) fn zero_one(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<bool, ConfigError> {
    match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(ConfigError::new(
            file,
            line,
            format!("{directive}: expected 0 or 1, got {value:?}"),
        )),
    }
}

/// A decimal integer (optional leading `-` or `+`), the whole word. C NUT uses `atoi`, which
/// turns garbage into 0; rnut refuses it.
pub(crate) fn int_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<i64, ConfigError> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive} has non numeric value {value:?}"),
        ));
    }
    value.parse::<i64>().map_err(|_| {
        ConfigError::new(
            file,
            line,
            format!("{directive}: value {value:?} is out of range"),
        )
    })
}

/// A non-negative integer that fits `T`.
pub(crate) fn uint_value<T: TryFrom<i64>>(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<T, ConfigError> {
    let n = int_value(directive, value, file, line)?;
    if n < 0 {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive}: negative value {value} is not allowed"),
        ));
    }
    T::try_from(n).map_err(|_| {
        ConfigError::new(
            file,
            line,
            format!("{directive}: value {value} is too large"),
        )
    })
}

/// The longest time any config file may give (a year, in seconds): longer is a typo, and
/// added to a clock reading it could overflow it.
pub const MAX_CONFIG_SECONDS: u64 = 365 * 24 * 3600;

/// A number of seconds from 0 to [`MAX_CONFIG_SECONDS`].
pub(crate) fn seconds_value(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Duration, ConfigError> {
    let secs = uint_value::<u64>(directive, value, file, line)?;
    if secs > MAX_CONFIG_SECONDS {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive}: {secs} seconds is more than a year ({MAX_CONFIG_SECONDS})"),
        ));
    }
    Ok(Duration::from_secs(secs))
}

/// A number of seconds from 1 to [`MAX_CONFIG_SECONDS`], for the timers where 0 makes no
/// sense (POLLFREQ: a busy loop; MAXAGE: every UPS always stale; DEADTIME: every UPS on
/// battery dead between two polls; HOSTSYNC: no wait for the other systems at all).
pub(crate) fn positive_seconds(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Duration, ConfigError> {
    let d = seconds_value(directive, value, file, line)?;
    if d.is_zero() {
        return Err(ConfigError::new(
            file,
            line,
            format!("{directive} must be at least 1 second"),
        ));
    }
    Ok(d)
}

/// A signed number of seconds where a negative value means "never": `None`, else up to
/// [`MAX_CONFIG_SECONDS`] (OFFDURATION, OVERDURATION).
pub(crate) fn never_if_negative(
    directive: &str,
    value: &str,
    file: &Path,
    line: usize,
) -> Result<Option<Duration>, ConfigError> {
    if int_value(directive, value, file, line)? < 0 {
        return Ok(None);
    }
    seconds_value(directive, value, file, line).map(Some)
}

/// One argument that is a path.
pub(crate) fn path_arg(line: &Line, usage: &str, file: &Path) -> Result<PathBuf, ConfigError> {
    let args = expect_args(line, 1, usage, file)?;
    if args[0].is_empty() {
        return Err(ConfigError::new(
            file,
            line.number,
            format!("{}: empty path", line.words[0]),
        ));
    }
    Ok(PathBuf::from(&args[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/etc/nut/test.conf")
    }

    #[test]
    fn booleans() {
        for t in ["true", "ON", "Yes", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "OFF", "no", "0"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("2"), None);
        assert_eq!(parse_bool("yess"), None);
        assert!(
            bool_value("X", "maybe", p(), 4)
                .unwrap_err()
                .to_string()
                .contains(":4: X: invalid boolean")
        );
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(int_value("N", "-5", p(), 1), Ok(-5));
        assert_eq!(int_value("N", "+5", p(), 1), Ok(5));
        assert!(int_value("N", "5x", p(), 1).is_err());
        assert!(int_value("N", "", p(), 1).is_err());
        assert!(int_value("N", "-", p(), 1).is_err());
        assert!(int_value("N", "99999999999999999999999", p(), 1).is_err());
        assert_eq!(uint_value::<u16>("N", "65535", p(), 1), Ok(65535));
        assert!(uint_value::<u16>("N", "65536", p(), 1).is_err());
        assert!(
            uint_value::<u32>("N", "-1", p(), 2)
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert_eq!(
            seconds_value("N", "15", p(), 1),
            Ok(Duration::from_secs(15))
        );
    }
}
