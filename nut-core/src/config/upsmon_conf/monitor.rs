//! `MONITOR <system> <powervalue> <user> <password> <role>` lines, and their failover form
//! (`MONITOR <ups@hostA>,<ups@hostB> <powervalue> <user>:<password> <role>`).

use std::fmt;
use std::path::Path;

use super::UpsmonConf;
use crate::config::{ConfigError, ConfigWarning, Line, expect_args, monitor_failover, uint_value};
use crate::net::SystemName;
use crate::secret::Secret;

/// The system name of a MONITOR line: [`SystemName`] (`ups@host:port`, host `localhost` and
/// port 3493 by default, IPv6 in brackets). Kept as an alias for code written against the
/// first version of this module.
pub type MonitorTarget = SystemName;

/// The role of a MONITOR line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonitorRole {
    /// `primary` / `master`: this host shuts the UPS down last.
    Primary,
    /// `secondary` / `slave`.
    Secondary,
}

/// One `MONITOR <system> <powervalue> <user> <password> <role>` line. `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct MonitorSpec {
    /// The system string exactly as written (used in messages and `UPSNAME`).
    pub system_text: String,
    /// The parsed system name.
    pub system: MonitorTarget,
    /// Number of power supplies this UPS feeds (0 = monitor only).
    pub power_value: u32,
    /// upsd.users user name.
    pub user: String,
    /// Its password (zeroed on drop, never shown).
    pub password: Secret,
    /// Primary or secondary.
    pub role: MonitorRole,
    /// Line of the MONITOR directive.
    pub line: usize,
    /// The other servers of a failover line (`MONITOR a@h1,a@h2 ...`), tried in order after
    /// [`MonitorSpec::system`]; empty for the usual one-server line.
    pub alternates: Vec<MonitorTarget>,
}

impl MonitorSpec {
    /// Every server of the line, in the order they are tried.
    pub fn servers(&self) -> impl Iterator<Item = &MonitorTarget> {
        std::iter::once(&self.system).chain(&self.alternates)
    }
}

impl fmt::Debug for MonitorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonitorSpec")
            .field("system_text", &self.system_text)
            .field("system", &self.system)
            .field("power_value", &self.power_value)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("line", &self.line)
            .field("alternates", &self.alternates)
            .finish()
    }
}

impl UpsmonConf {
    pub(super) fn monitor(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let n = line.number;
        let args = &line.words[1..];
        let failover = args.len() == 4 && monitor_failover::is_server_list(&args[0]);
        if args.len() == 4 && !failover {
            return Err(ConfigError::new(
                file,
                n,
                "MONITOR: old-style line without a user name; use MONITOR <system> <powervalue> <user> <password> <primary|secondary>",
            ));
        }
        // The failover form, normalised to the usual five arguments plus the other servers.
        let (args, mut servers) = if failover {
            let f = monitor_failover::parse(&args[0], &args[2])
                .map_err(|e| ConfigError::new(file, n, e))?;
            let args = vec![
                args[0].clone(),
                args[1].clone(),
                f.user,
                f.password,
                args[3].clone(),
            ];
            (args, f.servers)
        } else {
            let args = expect_args(
                line,
                5,
                "<system> <powervalue> <user> <password> <primary|secondary>",
                file,
            )?;
            if monitor_failover::is_server_list(&args[0]) {
                return Err(ConfigError::new(
                    file,
                    n,
                    "MONITOR: a list of servers takes the failover form MONITOR <ups@hostA>,<ups@hostB> <powervalue> <user>:<password> <role> (C upsmon refuses it; it would monitor the first server alone in this form)",
                ));
            }
            let system = SystemName::parse(&args[0]).map_err(|e| {
                ConfigError::new(
                    file,
                    n,
                    format!("MONITOR: invalid system name (expected ups[@host[:port]]): {e}"),
                )
            })?;
            (args.to_vec(), vec![system])
        };
        let system = servers.remove(0);
        let alternates = servers;
        let power_value = uint_value("MONITOR power value", &args[1], file, n)?;
        let role = match args[4].to_ascii_lowercase().as_str() {
            "primary" | "master" => MonitorRole::Primary,
            "secondary" | "slave" => MonitorRole::Secondary,
            _ => {
                return Err(ConfigError::new(
                    file,
                    n,
                    format!(
                        "MONITOR: invalid role {:?} (expected primary, master, secondary or slave)",
                        args[4]
                    ),
                ));
            }
        };
        if args[2].is_empty() {
            return Err(ConfigError::new(file, n, "MONITOR: empty user name"));
        }
        if let Some(prev) = self.monitors.iter().find(|m| m.system_text == args[0]) {
            self.warnings.push(ConfigWarning::new(
                file,
                n,
                format!(
                    "duplicate MONITOR {} ignored (first defined on line {})",
                    args[0], prev.line
                ),
            ));
            return Ok(());
        }
        self.monitors.push(MonitorSpec {
            system_text: args[0].clone(),
            system,
            power_value,
            user: args[2].clone(),
            password: Secret::from(args[3].as_str()),
            role,
            line: n,
            alternates,
        });
        Ok(())
    }
}
