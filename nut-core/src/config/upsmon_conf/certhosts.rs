//! `CERTHOST <host[:port]> <certname> <certverify> <forcessl>` rules of upsmon.conf: parsed,
//! looked up per server, and checked against the MONITOR lines.

use std::path::Path;

use super::{MonitorSpec, UpsmonConf};
use crate::config::certhost::{CertHostRule, find_certhost, parse_certhost_target};
use crate::config::{ConfigError, ConfigWarning, Line, rejoin_single_quoted, zero_one};

impl UpsmonConf {
    /// The CERTHOST rule for a server: `host:port`'s, else `host`'s without a port (compared
    /// exactly: no DNS, case-sensitive).
    pub fn certhost(&self, host: &str, port: u16) -> Option<&CertHostRule> {
        find_certhost(&self.certhosts, host, port)
    }

    /// A CERTHOST that no MONITOR line reaches protects nothing: most often the port or the
    /// host is written differently. Warn, naming the rule and the MONITOR lines (a file with
    /// no MONITOR, such as a `upsc -C` settings file, is not checked).
    pub(super) fn warn_unmatched_certhosts(&mut self) {
        if self.monitors.is_empty() {
            return;
        }
        let monitors: Vec<&str> = self
            .monitors
            .iter()
            .map(|m| m.system_text.as_str())
            .collect();
        for (rule, line) in self.certhosts.iter().zip(&self.certhost_lines) {
            let reached = self
                .monitors
                .iter()
                .flat_map(MonitorSpec::servers)
                .any(|s| {
                    find_certhost(&self.certhosts, &s.host, s.port)
                        .is_some_and(|r| r.same_target(rule))
                });
            if !reached {
                self.warnings.push(ConfigWarning::new(
                    &self.file,
                    *line,
                    format!(
                        "CERTHOST {} matches no MONITOR line ({}): it protects nothing",
                        rule.target(),
                        monitors.join(", ")
                    ),
                ));
            }
        }
    }

    pub(super) fn certhost_rule(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let n = line.number;
        let usage = "<host[:port]> <certname> <certverify 0|1> <forcessl 0|1>";
        // Single-quoted words (`'My nut server'`) as in CERTIDENT.
        let args = rejoin_single_quoted(&line.words[1..], line.quoted >> 1)
            .map_err(|e| ConfigError::new(file, n, format!("CERTHOST: {e}")))?;
        let [target, cert_name, certverify, forcessl] =
            <[String; 4]>::try_from(args).map_err(|args| {
                ConfigError::new(
                    file,
                    n,
                    format!(
                        "CERTHOST: expected 4 arguments ({usage}), got {}",
                        args.len()
                    ),
                )
            })?;
        let hostport = target.rsplit_once('@').map_or(target.as_str(), |(_, h)| h);
        let (host, port) = parse_certhost_target(hostport).map_err(|_| {
            ConfigError::new(
                file,
                n,
                format!("CERTHOST: invalid host {target:?} (expected host[:port])"),
            )
        })?;
        let rule = CertHostRule {
            host,
            port,
            cert_name,
            certverify: zero_one("CERTHOST certverify", &certverify, file, n)?,
            forcessl: zero_one("CERTHOST forcessl", &forcessl, file, n)?,
        };
        if self.certhosts.iter().any(|r| r.same_target(&rule)) {
            self.warnings.push(ConfigWarning::new(
                file,
                n,
                format!(
                    "duplicate CERTHOST for {} ignored (the first one wins)",
                    rule.target()
                ),
            ));
            return Ok(());
        }
        self.certhost_lines.push(n);
        self.certhosts.push(rule);
        Ok(())
    }
}
