//! `upsmon.conf` (config.md section 5, tls.md section 3, upsmon.md sections 2 and 7; C NUT
//! `clients/upsmon.c`), with the notify events and flags it configures.
//!
//! Directives are upper case and case-sensitive, except `DEBUG_MIN`. C NUT reads numbers with
//! `atoi` and ignores negative values where they make no sense; rnut refuses both. Call
//! [`UpsmonConf::validate`] before monitoring: it checks what upsmon needs as a whole (at least
//! one MONITOR, enough power values for MINSUPPLIES).
//!
//! ## Layout
//! - this file: [`UpsmonConf`], its defaults and the directive dispatch;
//! - `monitor`: `MONITOR` lines ([`MonitorSpec`], the failover form);
//! - `certhosts`: `CERTHOST` rules and the check that each one reaches a MONITOR line;
//! - `values`: the values of the other upsmon-only directives ([`ShutdownExit`],
//!   [`PollFailLogThrottle`], `SHUTDOWNCMD`, `NOTIFYCMD`, notify event names).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::certhost::CertHostRule;
use super::flat_file::{FlatFile, directive_key, one_arg, read_flat};
use super::notify::check_notify_format;
pub use super::notify::{NOTIFY_MAX_LEN, NotifyEvent, NotifyFlags, render_notify_message};
use super::{
    CertIdent, ConfigError, ConfigWarning, Line, cert_expiry_warn, cert_ident, expect_args,
    int_value, invalid_directive, never_if_negative, path_arg, positive_seconds, seconds_value,
    uint_value, zero_one,
};

mod certhosts;
mod monitor;
mod values;

pub use monitor::{MonitorRole, MonitorSpec, MonitorTarget};
pub use values::{PollFailLogThrottle, ShutdownExit};
use values::{notify_command, notify_event, shutdown_command, shutdown_exit};

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
    /// `CERTHOST` rules (first one of a `host[:port]` wins; see [`UpsmonConf::certhost`]).
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

/// How [`read_flat`] reads this file.
const FLAT: FlatFile<UpsmonConf> = FlatFile {
    warnings: |c| &mut c.warnings,
    apply: UpsmonConf::apply,
    has_cert_store: UpsmonConf::has_cert_store,
};

impl UpsmonConf {
    /// Parse the text of an upsmon.conf; `file` is only used in messages. Call
    /// [`UpsmonConf::validate`] afterwards when upsmon is about to monitor.
    pub fn parse(text: &str, file: &Path) -> Result<UpsmonConf, ConfigError> {
        let mut conf = UpsmonConf {
            file: file.to_path_buf(),
            ..UpsmonConf::default()
        };
        read_flat(&mut conf, text, file, &FLAT)?;
        conf.warn_unmatched_certhosts();
        conf.warnings.sort_by_key(|w| w.line);
        Ok(conf)
    }

    /// Whether a certificate store is named (CERTPATH or CERTFILE), as CERTIDENT needs.
    fn has_cert_store(&self) -> bool {
        self.certpath.is_some() || self.certfile.is_some()
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

    fn apply(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let (n, word, key) = (line.number, line.words[0].as_str(), directive_key(line));
        let one = |usage: &str| one_arg(line, usage, file);
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
}
