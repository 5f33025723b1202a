//! `upsmon.conf` (config.md section 5, tls.md section 3, upsmon.md sections 2 and 7; C NUT
//! `clients/upsmon.c`), with the notify events and flags it configures.
//!
//! Directives are upper case and case-sensitive, except `DEBUG_MIN`. C NUT reads numbers with
//! `atoi` and ignores negative values where they make no sense; rnut refuses both. Call
//! [`UpsmonConf::validate`] before monitoring: it checks what upsmon needs as a whole (at least
//! one MONITOR, enough power values for MINSUPPLIES).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::certhost::{CertHostRule, find_certhost, parse_certhost_target};
use super::monitor_failover;
use super::notify::check_notify_format;
pub use super::notify::{NOTIFY_MAX_LEN, NotifyEvent, NotifyFlags, render_notify_message};
use super::{
    CertIdent, ConfigError, ConfigWarning, Line, cert_expiry_warn, cert_ident, certident_line,
    certident_needs_store, expect_args, int_value, invalid_directive, never_if_negative, path_arg,
    positive_seconds, read_lines, rejoin_single_quoted, seconds_value, uint_value, zero_one,
};
use crate::net::SystemName;
use crate::secret::Secret;
use crate::words::split_line;

/// `SHUTDOWNEXIT`: what the root parent does after running SHUTDOWNCMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShutdownExit {
    /// `yes`/`on`/`true`/`0` (the default): exit at once.
    #[default]
    Yes,
    /// `no`/`off`/`false` or a negative number: never exit.
    No,
    /// A positive number: linger this long, then exit.
    After(Duration),
}

/// `POLLFAIL_LOG_THROTTLE_MAX`: how often a failing poll is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PollFailLogThrottle {
    /// Negative (the default, -1): every loop.
    #[default]
    EveryLoop,
    /// 0: only when the error changes.
    OnChange,
    /// n: every n loops.
    Every(u64),
}

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

/// A parsed upsmon.conf with the C upsmon defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsmonConf {
    /// The file the text came from (for messages).
    pub file: PathBuf,
    /// MONITOR lines, in file order, duplicates (same system string) dropped.
    pub monitors: Vec<MonitorSpec>,
    /// `MINSUPPLIES` (1).
    pub minsupplies: u32,
    /// Line of MINSUPPLIES, if given (for [`UpsmonConf::validate`] messages).
    pub minsupplies_line: usize,
    /// `SHUTDOWNCMD` as a shell command line: one word as is; several words joined with the
    /// second and later ones single-quoted, as C upsmon does.
    pub shutdowncmd: Option<String>,
    /// `SHUTDOWNEXIT` (yes).
    pub shutdownexit: ShutdownExit,
    /// `NOTIFYCMD` as argv (the message is appended as last argument).
    pub notifycmd: Option<Vec<String>>,
    /// `NOTIFYMSG` overrides.
    pub notifymsg: BTreeMap<NotifyEvent, String>,
    /// `NOTIFYFLAG` settings (events not listed use [`NotifyFlags::DEFAULT`]).
    pub notifyflags: BTreeMap<NotifyEvent, NotifyFlags>,
    /// `POLLFREQ` (5 s).
    pub pollfreq: Duration,
    /// `POLLFREQALERT` (5 s).
    pub pollfreqalert: Duration,
    /// `POLLFAIL_LOG_THROTTLE_MAX` (-1: every loop).
    pub pollfail_log_throttle_max: PollFailLogThrottle,
    /// `DEADTIME` (15 s).
    pub deadtime: Duration,
    /// `HOSTSYNC` (15 s).
    pub hostsync: Duration,
    /// `FINALDELAY` (5 s).
    pub finaldelay: Duration,
    /// `RBWARNTIME` (43200 s).
    pub rbwarntime: Duration,
    /// `NOCOMMWARNTIME` (300 s).
    pub nocommwarntime: Duration,
    /// `POWERDOWNFLAG`: killpower flag file.
    pub powerdownflag: Option<PathBuf>,
    /// `OFFDURATION` (30 s); None: never (negative value).
    pub offduration: Option<Duration>,
    /// `OVERDURATION` (None: never, -1).
    pub overduration: Option<Duration>,
    /// `OBLBDURATION` (0; values below 1 mean 0).
    pub oblbduration: Duration,
    /// `ALARMCRITICAL` (true).
    pub alarmcritical: bool,
    /// `RUN_AS_USER`.
    pub run_as_user: Option<String>,
    /// `CERTPATH`.
    pub certpath: Option<PathBuf>,
    /// `CERTFILE`.
    pub certfile: Option<PathBuf>,
    /// `CERTIDENT`.
    pub certident: Option<CertIdent>,
    /// `CERTHOST` rules (first one of a host[:port] wins; see [`UpsmonConf::certhost`]).
    pub certhosts: Vec<CertHostRule>,
    /// The line of each rule of `certhosts`, in the same order.
    pub certhost_lines: Vec<usize>,
    /// `CERTVERIFY`; `None` when the file does not set it (then a certificate store's policy
    /// may decide it, else it is off: directives in the file win over the store).
    pub certverify: Option<bool>,
    /// `FORCESSL`; `None` when the file does not set it.
    pub forcessl: Option<bool>,
    /// rnut: `CERTEXPIRYWARN <days>` (None: 30): warn (and notify CERTEXPIRY) while a
    /// certificate upsmon verified or presents expires within this many days (0: never).
    pub certexpirywarn: Option<u32>,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// Accepted oddities for the binary to log.
    pub warnings: Vec<ConfigWarning>,
}

impl Default for UpsmonConf {
    fn default() -> Self {
        UpsmonConf {
            file: PathBuf::new(),
            monitors: Vec::new(),
            minsupplies: 1,
            minsupplies_line: 0,
            shutdowncmd: None,
            shutdownexit: ShutdownExit::Yes,
            notifycmd: None,
            notifymsg: BTreeMap::new(),
            notifyflags: BTreeMap::new(),
            pollfreq: Duration::from_secs(5),
            pollfreqalert: Duration::from_secs(5),
            pollfail_log_throttle_max: PollFailLogThrottle::EveryLoop,
            deadtime: Duration::from_secs(15),
            hostsync: Duration::from_secs(15),
            finaldelay: Duration::from_secs(5),
            rbwarntime: Duration::from_secs(43200),
            nocommwarntime: Duration::from_secs(300),
            powerdownflag: None,
            offduration: Some(Duration::from_secs(30)),
            overduration: None,
            oblbduration: Duration::ZERO,
            alarmcritical: true,
            run_as_user: None,
            certpath: None,
            certfile: None,
            certident: None,
            certhosts: Vec::new(),
            certhost_lines: Vec::new(),
            certverify: None,
            forcessl: None,
            certexpirywarn: None,
            debug_min: None,
            warnings: Vec::new(),
        }
    }
}

const DIRECTIVES: &[&str] = &[
    "MONITOR",
    "MINSUPPLIES",
    "SHUTDOWNCMD",
    "SHUTDOWNEXIT",
    "NOTIFYCMD",
    "NOTIFYMSG",
    "NOTIFYFLAG",
    "POLLFREQ",
    "POLLFREQALERT",
    "POLLFAIL_LOG_THROTTLE_MAX",
    "DEADTIME",
    "HOSTSYNC",
    "FINALDELAY",
    "RBWARNTIME",
    "NOCOMMWARNTIME",
    "POWERDOWNFLAG",
    "OFFDURATION",
    "OVERDURATION",
    "OBLBDURATION",
    "ALARMCRITICAL",
    "RUN_AS_USER",
    "CERTPATH",
    "CERTFILE",
    "CERTIDENT",
    "CERTHOST",
    "CERTVERIFY",
    "FORCESSL",
    "CERTEXPIRYWARN",
    "DEBUG_MIN",
];

impl UpsmonConf {
    /// Parse the text of an upsmon.conf; `file` is only used in messages. Call
    /// [`UpsmonConf::validate`] afterwards when upsmon is about to monitor.
    pub fn parse(text: &str, file: &Path) -> Result<UpsmonConf, ConfigError> {
        let mut conf = UpsmonConf {
            file: file.to_path_buf(),
            ..UpsmonConf::default()
        };
        let lines = read_lines(text, file, &mut conf.warnings)?;
        for line in &lines {
            conf.apply(line, file)?;
        }
        let has_store = conf.certpath.is_some() || conf.certfile.is_some();
        certident_needs_store(certident_line(&lines), has_store, file)?;
        conf.warn_unmatched_certhosts();
        conf.warnings.sort_by_key(|w| w.line);
        Ok(conf)
    }

    /// What upsmon needs as a whole: at least one MONITOR, and power values adding up to
    /// MINSUPPLIES ("insufficient power configured").
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.monitors.is_empty() {
            return Err(ConfigError::new(
                &self.file,
                0,
                "no MONITOR line: upsmon has nothing to monitor",
            ));
        }
        let total: u64 = self.monitors.iter().map(|m| u64::from(m.power_value)).sum();
        if total < u64::from(self.minsupplies) {
            return Err(ConfigError::new(
                &self.file,
                self.minsupplies_line,
                format!(
                    "insufficient power configured: MONITOR power values add up to {total}, MINSUPPLIES is {}",
                    self.minsupplies
                ),
            ));
        }
        Ok(())
    }

    /// The flags for `event` (NOTIFYFLAG, else `SYSLOG+WALL`).
    pub fn notify_flags(&self, event: NotifyEvent) -> NotifyFlags {
        self.notifyflags
            .get(&event)
            .copied()
            .unwrap_or(event.default_flags())
    }

    /// The message format for `event` (NOTIFYMSG, else the stock message).
    pub fn notify_format(&self, event: NotifyEvent) -> &str {
        self.notifymsg
            .get(&event)
            .map(String::as_str)
            .unwrap_or(event.stock_message())
    }

    /// The CERTHOST rule for a server: `host:port`'s, else `host`'s without a port (compared
    /// exactly: no DNS, case-sensitive).
    pub fn certhost(&self, host: &str, port: u16) -> Option<&CertHostRule> {
        find_certhost(&self.certhosts, host, port)
    }

    /// A CERTHOST that no MONITOR line reaches protects nothing: most often the port or the
    /// host is written differently. Warn, naming the rule and the MONITOR lines (a file with
    /// no MONITOR, such as a `upsc -C` settings file, is not checked).
    fn warn_unmatched_certhosts(&mut self) {
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

    fn apply(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let n = line.number;
        let word = line.words[0].as_str();
        let key = if word.eq_ignore_ascii_case("DEBUG_MIN") {
            "DEBUG_MIN"
        } else {
            word
        };
        let one = |usage: &str| expect_args(line, 1, usage, file).map(|a| a[0].as_str());
        match key {
            "MONITOR" => self.monitor(line, file)?,
            "MINSUPPLIES" => {
                self.minsupplies = uint_value(key, one("number of power supplies")?, file, n)?;
                self.minsupplies_line = n;
            }
            "SHUTDOWNCMD" => self.shutdowncmd = Some(shutdown_command(line, file)?),
            "SHUTDOWNEXIT" => self.shutdownexit = shutdown_exit(one("yes|no|seconds")?, file, n)?,
            "NOTIFYCMD" => self.notifycmd = Some(notify_command(line, file)?),
            "NOTIFYMSG" => {
                let args = expect_args(line, 2, "event and quoted message", file)?;
                let event = notify_event(&args[0], file, n)?;
                check_notify_format(&args[1]).map_err(|e| {
                    ConfigError::new(file, n, format!("NOTIFYMSG {}: {e}", args[0]))
                })?;
                self.notifymsg.insert(event, args[1].clone());
            }
            "NOTIFYFLAG" => {
                let args = expect_args(line, 2, "event and FLAG[+FLAG...]", file)?;
                let event = notify_event(&args[0], file, n)?;
                let flags = NotifyFlags::parse(&args[1]).ok_or_else(|| {
                    ConfigError::new(
                        file,
                        n,
                        format!("NOTIFYFLAG {}: invalid flags {:?} (SYSLOG, WALL, EXEC, IGNORE joined with +)", args[0], args[1]),
                    )
                })?;
                self.notifyflags.insert(event, flags);
            }
            "POLLFREQ" => self.pollfreq = positive_seconds(key, one("seconds")?, file, n)?,
            "POLLFREQALERT" => {
                self.pollfreqalert = positive_seconds(key, one("seconds")?, file, n)?
            }
            "POLLFAIL_LOG_THROTTLE_MAX" => {
                let v = int_value(key, one("count")?, file, n)?;
                self.pollfail_log_throttle_max = match u64::try_from(v) {
                    Ok(0) => PollFailLogThrottle::OnChange,
                    Ok(k) => PollFailLogThrottle::Every(k),
                    Err(_) => PollFailLogThrottle::EveryLoop,
                };
            }
            "DEADTIME" => self.deadtime = positive_seconds(key, one("seconds")?, file, n)?,
            "HOSTSYNC" => self.hostsync = positive_seconds(key, one("seconds")?, file, n)?,
            "FINALDELAY" => self.finaldelay = seconds_value(key, one("seconds")?, file, n)?,
            "RBWARNTIME" => self.rbwarntime = seconds_value(key, one("seconds")?, file, n)?,
            "NOCOMMWARNTIME" => self.nocommwarntime = seconds_value(key, one("seconds")?, file, n)?,
            "POWERDOWNFLAG" => self.powerdownflag = Some(path_arg(line, "file", file)?),
            "OFFDURATION" => self.offduration = never_if_negative(key, one("seconds")?, file, n)?,
            "OVERDURATION" => self.overduration = never_if_negative(key, one("seconds")?, file, n)?,
            "OBLBDURATION" => {
                self.oblbduration =
                    never_if_negative(key, one("seconds")?, file, n)?.unwrap_or_default();
            }
            "ALARMCRITICAL" => self.alarmcritical = zero_one(key, one("0|1")?, file, n)?,
            "RUN_AS_USER" => {
                let user = one("user name")?;
                if user.is_empty() {
                    return Err(ConfigError::new(file, n, "RUN_AS_USER: empty user name"));
                }
                self.run_as_user = Some(user.to_string());
            }
            "CERTPATH" => self.certpath = Some(path_arg(line, "directory or file", file)?),
            "CERTFILE" => self.certfile = Some(path_arg(line, "PEM file", file)?),
            "CERTIDENT" => self.certident = Some(cert_ident(line, file)?),
            "CERTHOST" => self.certhost_rule(line, file)?,
            "CERTVERIFY" => self.certverify = Some(zero_one(key, one("0|1")?, file, n)?),
            "FORCESSL" => self.forcessl = Some(zero_one(key, one("0|1")?, file, n)?),
            "CERTEXPIRYWARN" => {
                self.certexpirywarn = Some(cert_expiry_warn(key, one("days")?, file, n)?)
            }
            "DEBUG_MIN" => self.debug_min = Some(uint_value(key, one("level")?, file, n)?),
            _ => return Err(invalid_directive(file, n, word, "upsmon.conf", DIRECTIVES)),
        }
        Ok(())
    }

    fn monitor(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
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

    fn certhost_rule(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
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

fn notify_event(name: &str, file: &Path, n: usize) -> Result<NotifyEvent, ConfigError> {
    NotifyEvent::from_name(name)
        .ok_or_else(|| ConfigError::new(file, n, format!("unknown notify type {name:?}")))
}

fn shutdown_exit(value: &str, file: &Path, n: usize) -> Result<ShutdownExit, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "on" | "true" => return Ok(ShutdownExit::Yes),
        "no" | "off" | "false" => return Ok(ShutdownExit::No),
        _ => {}
    }
    let secs = int_value("SHUTDOWNEXIT", value, file, n).map_err(|_| {
        ConfigError::new(
            file,
            n,
            format!("SHUTDOWNEXIT: invalid value {value:?} (expected yes, no or seconds)"),
        )
    })?;
    Ok(match u64::try_from(secs) {
        Ok(0) => ShutdownExit::Yes,
        Ok(s) => ShutdownExit::After(Duration::from_secs(s)),
        Err(_) => ShutdownExit::No,
    })
}

/// SHUTDOWNCMD: one word is a whole command line; more words are joined with the second
/// and later ones single-quoted (a `'` inside is written `'\''`).
fn shutdown_command(line: &Line, file: &Path) -> Result<String, ConfigError> {
    let args = &line.words[1..];
    match args {
        [] => Err(ConfigError::new(
            file,
            line.number,
            "SHUTDOWNCMD: missing command",
        )),
        [cmd] if cmd.trim().is_empty() => Err(ConfigError::new(
            file,
            line.number,
            "SHUTDOWNCMD: empty command",
        )),
        [cmd] => Ok(cmd.clone()),
        [first, rest @ ..] => {
            let mut out = first.clone();
            for a in rest {
                out.push_str(" '");
                out.push_str(&a.replace('\'', r"'\''"));
                out.push('\'');
            }
            Ok(out)
        }
    }
}

/// NOTIFYCMD as argv. A single word containing spaces (`NOTIFYCMD "/bin/notify -x"`, which
/// older C upsmon ran through a shell) is split again with the NUT tokenizer.
fn notify_command(line: &Line, file: &Path) -> Result<Vec<String>, ConfigError> {
    let args = &line.words[1..];
    let argv = match args {
        [] => {
            return Err(ConfigError::new(
                file,
                line.number,
                "NOTIFYCMD: missing command",
            ));
        }
        [one] if one.contains(' ') => split_line(one)
            .map_err(|e| ConfigError::new(file, line.number, format!("NOTIFYCMD: {e}")))?,
        _ => args.to_vec(),
    };
    if argv.first().is_none_or(|a| a.is_empty()) {
        return Err(ConfigError::new(
            file,
            line.number,
            "NOTIFYCMD: empty command",
        ));
    }
    Ok(argv)
}
