//! The one version every rnut program reports: the C NUT release whose protocol and
//! behaviour rnut reproduces, tagged with rnut's own version (`2.8.0-rnut0.1.0`). upsd
//! serves it as `server.version` and `VER`; every binary prints [`version_line`] for `-V` /
//! `--version`, in C NUT's shape (`Network UPS Tools upsc 2.8.0`), so scripts that parse the
//! C line keep working.

/// `<NUT release>-rnut<rnut version>`.
pub const VERSION: &str = concat!("2.8.0-rnut", env!("CARGO_PKG_VERSION"));

/// `Network UPS Tools <program> <VERSION>`.
pub fn version_line(program: &str) -> String {
    format!("Network UPS Tools {program} {VERSION}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_shape() {
        assert_eq!(
            super::version_line("upsc"),
            format!(
                "Network UPS Tools upsc 2.8.0-rnut{}",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
