//! The driver's configuration: the common command line (`nutupsdrv(8)`), the ups.conf section
//! and `-x` options merged into one [`DriverConfig`], validated like C `drivers/main.c`
//! (an unknown option is fatal).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{ArgAction, Parser};
use nut_core::config::file::{Writers, read_config};
use nut_core::config::{UpsConf, UpsSection, paths};

use crate::error::DriverError;

/// The common driver command line.
#[derive(Debug, Clone, Parser, Default)]
#[command(disable_version_flag = true, about = "NUT driver (rnut)")]
pub struct DriverArgs {
    /// Use this ups.conf section.
    #[arg(short = 'a', value_name = "id")]
    pub upsname: Option<String>,
    /// Standalone: do not read ups.conf, use this name; configure with -x.
    #[arg(short = 's', value_name = "id")]
    pub standalone: Option<String>,
    /// Set a driver option (`var=value`, or a flag name); overrides ups.conf.
    #[arg(short = 'x', value_name = "var=value")]
    pub extra: Vec<String>,
    /// Raise the debug level (repeatable); stays in the foreground unless -B.
    #[arg(short = 'D', action = ArgAction::Count)]
    pub debug: u8,
    /// Dump the data tree (upsc format) after this many update cycles and exit; no socket.
    #[arg(short = 'd', value_name = "n")]
    pub dump: Option<u32>,
    /// Lower the log level.
    #[arg(short = 'q', action = ArgAction::Count)]
    pub quiet: u8,
    /// Stay in the foreground (-FF: and still write the PID file).
    #[arg(short = 'F', action = ArgAction::Count)]
    pub foreground: u8,
    /// Go to the background even with -D.
    #[arg(short = 'B')]
    pub background: bool,
    /// Poll interval in seconds.
    #[arg(short = 'i', value_name = "sec")]
    pub interval: Option<u64>,
    /// Kill power: run the device shutdown sequence and exit.
    #[arg(short = 'k')]
    pub killpower: bool,
    /// chroot to this directory after opening the device.
    #[arg(short = 'r', value_name = "dir")]
    pub chroot: Option<PathBuf>,
    /// Switch to this user after opening the device.
    #[arg(short = 'u', value_name = "user")]
    pub user: Option<String>,
    /// Group owning the socket file.
    #[arg(short = 'g', value_name = "group")]
    pub group: Option<String>,
    /// Signal a running instance: reload, reload-or-error, reload-or-exit, exit, dump.
    #[arg(short = 'c', value_name = "command")]
    pub command: Option<String>,
    /// PID of the instance for -c (default: from the PID file).
    #[arg(short = 'P', value_name = "pid")]
    pub pid: Option<i32>,
    /// Print the version and exit.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// Internal: this process is the background child of `-B` (readiness on stdout).
    #[arg(long = "rnut-daemon-child", hide = true)]
    pub daemon_child: bool,
}

impl DriverArgs {
    /// Whether the driver should go to the background (C: unless debug without -B, or -F).
    pub fn backgrounds(&self) -> bool {
        if self.foreground > 0 || self.dump.is_some() {
            return false;
        }
        self.background || self.debug == 0
    }
}

/// Core settings the framework handles itself (never passed to the backend).
const CORE_KEYS: &[&str] = &[
    "port",
    "pollinterval",
    "allow_killpower",
    "ignorelb",
    "synchronous",
    "user",
    "group",
    "nolock",
];

/// The merged configuration of one driver instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverConfig {
    /// Driver program name (`dummy-ups`).
    pub driver: String,
    /// Section name (socket `<driver>-<upsname>`).
    pub upsname: String,
    /// `port`.
    pub port: String,
    /// `pollinterval`.
    pub pollinterval: Duration,
    /// `synchronous` as written (`auto` by default).
    pub synchronous: String,
    /// Driver-specific options and flags in order (validated against the backend's list).
    pub options: Vec<(String, Option<String>)>,
    /// `default.<var>` values.
    pub defaults: Vec<(String, String)>,
    /// `override.<var>` values.
    pub overrides: Vec<(String, String)>,
    /// `allow_killpower`.
    pub allow_killpower: bool,
    /// `ignorelb`.
    pub ignorelb: bool,
    /// Unprivileged user (`-u`, else ups.conf `user`).
    pub user: Option<String>,
    /// Socket group (`-g`, else ups.conf `group`).
    pub group: Option<String>,
    /// chroot directory (`-r`, else ups.conf `chroot`).
    pub chroot: Option<PathBuf>,
    /// Directory of the socket.
    pub statepath: PathBuf,
    /// Directory of the PID file.
    pub pidpath: PathBuf,
    /// NUT configuration directory (relative dummy-ups files are looked up here).
    pub confdir: PathBuf,
    /// The ups.conf that was read, if any.
    pub upsconf: Option<PathBuf>,
}

impl DriverConfig {
    /// A driver option's value.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a value-less driver flag is set.
    pub fn has_flag(&self, key: &str) -> bool {
        self.options.iter().any(|(k, v)| k == key && v.is_none())
    }

    /// Socket path: `STATEPATH/<driver>-<upsname>`.
    pub fn socket_path(&self) -> PathBuf {
        self.statepath
            .join(format!("{}-{}", self.driver, self.upsname))
    }

    /// PID file path: `ALTPIDPATH/<driver>-<upsname>.pid`.
    pub fn pid_file(&self) -> PathBuf {
        self.pidpath
            .join(format!("{}-{}.pid", self.driver, self.upsname))
    }

    /// Build the configuration from the command line, the environment and ups.conf.
    pub fn load(
        driver: &str,
        args: &DriverArgs,
        env: impl Fn(&str) -> Option<String>,
        backend_options: &[DriverOption],
    ) -> Result<DriverConfig, DriverError> {
        let confdir = paths::conf_dir(&env);
        let mut cfg = DriverConfig {
            driver: driver.to_string(),
            upsname: String::new(),
            port: String::new(),
            pollinterval: Duration::from_secs(2),
            synchronous: "auto".to_string(),
            options: Vec::new(),
            defaults: Vec::new(),
            overrides: Vec::new(),
            allow_killpower: false,
            ignorelb: false,
            user: None,
            group: None,
            chroot: None,
            statepath: paths::state_dir(&env),
            pidpath: paths::pid_dir(&env),
            confdir: confdir.clone(),
            upsconf: None,
        };
        let env_statepath = env("NUT_STATEPATH").filter(|v| !v.is_empty()).is_some();
        match (&args.upsname, &args.standalone) {
            (Some(_), Some(_)) => {
                return Err(DriverError::Usage(
                    "-a and -s cannot be used together".into(),
                ));
            }
            (None, None) => {
                return Err(DriverError::Usage(
                    "a UPS name is required: -a <id> (or -s <id> with -x port=...)".into(),
                ));
            }
            (None, Some(name)) => cfg.upsname = name.clone(),
            (Some(name), None) => {
                let file = confdir.join("ups.conf");
                let text = read_config(&file, Writers::NotOthers)
                    .map_err(|e| DriverError::Io {
                        path: file.clone(),
                        source: e,
                    })?
                    .into_text();
                let conf = UpsConf::parse(&text, &file).map_err(DriverError::Config)?;
                let Some(section) = conf.sections.iter().find(|s| s.name == *name) else {
                    return Err(DriverError::Usage(format!(
                        "no section [{name}] in {}",
                        file.display()
                    )));
                };
                if section.driver != driver {
                    return Err(DriverError::Usage(format!(
                        "section [{name}] in {} is for driver {}, not {driver}",
                        file.display(),
                        section.driver
                    )));
                }
                cfg.upsname = section.name.clone();
                if !env_statepath {
                    if let Some(p) = &conf.globals.statepath {
                        cfg.statepath = p.clone();
                    }
                }
                cfg.chroot = conf.globals.chroot.clone();
                apply_section(&mut cfg, &conf, section);
                cfg.upsconf = Some(file);
            }
        }
        for x in &args.extra {
            let (key, value) = match x.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), Some(v.to_string())),
                None => (x.trim().to_string(), None),
            };
            apply_option(&mut cfg, &key, value)?;
        }
        if let Some(i) = args.interval {
            cfg.pollinterval = Duration::from_secs(i.max(1));
        }
        if args.user.is_some() {
            cfg.user = args.user.clone();
        }
        if args.group.is_some() {
            cfg.group = args.group.clone();
        }
        if args.chroot.is_some() {
            cfg.chroot = args.chroot.clone();
        }
        if cfg.pollinterval > MAX_POLLINTERVAL {
            tracing::warn!(
                "pollinterval {} s is longer than a day: using {} s",
                cfg.pollinterval.as_secs(),
                MAX_POLLINTERVAL.as_secs()
            );
            cfg.pollinterval = MAX_POLLINTERVAL;
        }
        validate_options(&cfg, backend_options)?;
        if cfg.port.is_empty() && !args.killpower {
            return Err(DriverError::Usage(format!(
                "no port for UPS [{}]: set port in ups.conf or -x port=...",
                cfg.upsname
            )));
        }
        Ok(cfg)
    }
}

/// Longest `pollinterval` taken (a day): longer values are capped, so that no deadline
/// computed from it can overflow.
pub const MAX_POLLINTERVAL: Duration = Duration::from_secs(86_400);

fn apply_section(cfg: &mut DriverConfig, conf: &UpsConf, s: &UpsSection) {
    let g = &conf.globals;
    cfg.port = s.port.clone();
    cfg.pollinterval = s.effective_pollinterval(g);
    cfg.synchronous = format!("{:?}", s.effective_synchronous(g)).to_ascii_lowercase();
    cfg.user = s.effective_user(g).map(str::to_string);
    cfg.group = s.effective_group(g).map(str::to_string);
    cfg.allow_killpower = s.allow_killpower;
    cfg.ignorelb = s.ignorelb;
    cfg.defaults = s.defaults.clone();
    cfg.overrides = s.overrides.clone();
    cfg.options = s.options.clone();
}

fn apply_option(
    cfg: &mut DriverConfig,
    key: &str,
    value: Option<String>,
) -> Result<(), DriverError> {
    let need = |v: Option<String>| {
        v.ok_or_else(|| DriverError::Usage(format!("-x {key} needs a value: -x {key}=<value>")))
    };
    if let Some(var) = key.strip_prefix("default.") {
        cfg.defaults.push((var.to_string(), need(value)?));
    } else if let Some(var) = key.strip_prefix("override.") {
        cfg.overrides.push((var.to_string(), need(value)?));
    } else {
        match key {
            "port" => cfg.port = need(value)?,
            "pollinterval" => {
                let v = need(value)?;
                let secs: u64 = v.trim().parse().map_err(|_| {
                    DriverError::Usage(format!("-x pollinterval={v}: not a number of seconds"))
                })?;
                cfg.pollinterval = Duration::from_secs(secs.max(1));
            }
            "synchronous" => cfg.synchronous = need(value)?,
            "allow_killpower" => cfg.allow_killpower = value.as_deref().is_none_or(truthy),
            "ignorelb" => cfg.ignorelb = true,
            "user" => cfg.user = Some(need(value)?),
            "group" => cfg.group = Some(need(value)?),
            "nolock" => {}
            _ => {
                cfg.options.retain(|(k, _)| k != key);
                cfg.options.push((key.to_string(), value));
            }
        }
    }
    Ok(())
}

fn truthy(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "1" | "yes" | "on" | "true" | "enabled"
    )
}

fn validate_options(cfg: &DriverConfig, known: &[DriverOption]) -> Result<(), DriverError> {
    for (key, value) in &cfg.options {
        if CORE_KEYS.contains(&key.as_str()) {
            continue;
        }
        match known.iter().find(|o| o.name == key) {
            Some(opt) if opt.takes_value == value.is_some() => {}
            Some(opt) if opt.takes_value => {
                return Err(DriverError::Usage(format!(
                    "option '{key}' of {} needs a value ({key} = ...)",
                    cfg.driver
                )));
            }
            Some(_) => {
                return Err(DriverError::Usage(format!(
                    "'{key}' is a flag of {} and takes no value",
                    cfg.driver
                )));
            }
            None => {
                let kind = if value.is_some() {
                    "variable name"
                } else {
                    "flag"
                };
                return Err(DriverError::Usage(format!(
                    "'{key}' is not a valid {kind} for {}{}",
                    cfg.driver,
                    known_list(known)
                )));
            }
        }
    }
    Ok(())
}

fn known_list(known: &[DriverOption]) -> String {
    if known.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = known.iter().map(|o| o.name).collect();
    format!(" (valid: {})", names.join(", "))
}

/// The data file or path named relative to NUT's configuration directory, as C dummy-ups
/// resolves `port`: absolute stays, `./x` or `../x` is relative to the working directory,
/// anything else is relative to the configuration directory.
pub fn resolve_conf_relative(confdir: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() || name.starts_with('.') {
        p.to_path_buf()
    } else {
        confdir.join(p)
    }
}

/// A driver-specific option accepted in ups.conf or with `-x` (C `addvar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriverOption {
    /// Option name.
    pub name: &'static str,
    /// True for `name = value`, false for a value-less flag.
    pub takes_value: bool,
    /// One line of help.
    pub help: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_for(dir: &Path) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| match k {
            "NUT_CONFPATH" => Some(dir.display().to_string()),
            "NUT_STATEPATH" => Some(dir.join("state").display().to_string()),
            _ => None,
        }
    }

    const OPTS: &[DriverOption] = &[DriverOption {
        name: "mode",
        takes_value: true,
        help: "",
    }];

    #[test]
    fn section_and_x_options_merge() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("ups.conf"),
            "[myups]\n driver = dummy-ups\n port = a.dev\n default.ups.id = X\n override.ups.mfr = M\n mode = dummy-once\n",
        )
        .expect("write");
        let args = DriverArgs {
            upsname: Some("myups".into()),
            extra: vec!["port=b.seq".into(), "override.ups.model=Z".into()],
            ..Default::default()
        };
        let cfg = DriverConfig::load("dummy-ups", &args, env_for(dir.path()), OPTS).expect("loads");
        assert_eq!(cfg.port, "b.seq");
        assert_eq!(cfg.option("mode"), Some("dummy-once"));
        assert_eq!(cfg.defaults, [("ups.id".to_string(), "X".to_string())]);
        assert_eq!(cfg.overrides.len(), 2);
        assert_eq!(cfg.socket_path(), dir.path().join("state/dummy-ups-myups"));
        assert_eq!(cfg.pid_file(), dir.path().join("state/dummy-ups-myups.pid"));

        let bad = DriverArgs {
            upsname: Some("myups".into()),
            extra: vec!["bogus=1".into()],
            ..Default::default()
        };
        let err = DriverConfig::load("dummy-ups", &bad, env_for(dir.path()), OPTS)
            .expect_err("unknown option");
        assert!(
            err.to_string()
                .contains("'bogus' is not a valid variable name"),
            "{err}"
        );
        let wrong = DriverArgs {
            upsname: Some("myups".into()),
            ..Default::default()
        };
        assert!(DriverConfig::load("usbhid-ups", &wrong, env_for(dir.path()), OPTS).is_err());
    }

    #[test]
    fn standalone_needs_port() {
        let dir = tempfile::tempdir().expect("tempdir");
        let args = DriverArgs {
            standalone: Some("t".into()),
            ..Default::default()
        };
        assert!(DriverConfig::load("dummy-ups", &args, env_for(dir.path()), OPTS).is_err());
        let args = DriverArgs {
            standalone: Some("t".into()),
            extra: vec!["port=x.dev".into()],
            ..Default::default()
        };
        assert_eq!(
            DriverConfig::load("dummy-ups", &args, env_for(dir.path()), OPTS)
                .expect("ok")
                .port,
            "x.dev"
        );
    }

    #[test]
    fn relative_paths() {
        let c = Path::new("/etc/nut");
        assert_eq!(resolve_conf_relative(c, "/x.dev"), PathBuf::from("/x.dev"));
        assert_eq!(
            resolve_conf_relative(c, "./x.dev"),
            PathBuf::from("./x.dev")
        );
        assert_eq!(
            resolve_conf_relative(c, "x.dev"),
            PathBuf::from("/etc/nut/x.dev")
        );
    }
}
