//! `ups.conf`: global driver settings, then one `[upsname]` section per device (config.md
//! section 2; C NUT `common/upsconf.c`, `drivers/main.c`, `server/conf.c`).
//!
//! Keys are case-sensitive (`driver`, `LIBUSB_DEBUG`). Lines are `key = value` or a single flag
//! word. rnut refuses what C NUT silently ignores: `key value` without `=`, extra words after
//! a value (an unquoted `desc = Web server UPS`), unknown global keys, a key repeated in the same
//! place, a section without `driver` or `port`, a duplicate or reserved section name.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{
    ConfigError, ConfigWarning, Line, bool_value, directive_name, int_value, key_value,
    keyword_like, read_sections, seconds_value, uint_value,
};

/// `synchronous = yes|no|auto`: how a driver writes to its socket clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Always blocking writes.
    Yes,
    /// Never blocking writes.
    No,
    /// Non-blocking, switching to blocking when a client is slow (the default).
    #[default]
    Auto,
}

impl Synchronous {
    fn parse(value: &str) -> Option<Synchronous> {
        match value.to_ascii_lowercase().as_str() {
            "yes" | "on" | "true" | "1" => Some(Synchronous::Yes),
            "no" | "off" | "false" | "0" => Some(Synchronous::No),
            "auto" => Some(Synchronous::Auto),
            _ => None,
        }
    }
}

/// `reconnect_max_tries`: how many device reconnect attempts a driver makes before exiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryLimit {
    /// Negative value: never give up (the default, -1).
    #[default]
    Forever,
    /// At most this many attempts.
    Max(u64),
}

/// Settings before the first section (and their defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsGlobals {
    /// `chroot`: drivers chroot here.
    pub chroot: Option<PathBuf>,
    /// `driverpath`: where upsdrvctl finds driver binaries (None: built-in).
    pub driverpath: Option<PathBuf>,
    /// `statepath`: socket directory; upsd prefers it to its own STATEPATH (see
    /// [`super::paths::effective_state_dir`]).
    pub statepath: Option<PathBuf>,
    /// `maxstartdelay` (75 s): how long upsdrvctl waits for a driver to start.
    pub maxstartdelay: Duration,
    /// `maxretry` (1): start attempts.
    pub maxretry: u32,
    /// `retrydelay` (5 s): pause between attempts.
    pub retrydelay: Duration,
    /// `nowait` flag: upsdrvctl does not wait for drivers.
    pub nowait: bool,
    /// `pollinterval` (2 s): driver status refresh interval.
    pub pollinterval: Duration,
    /// `synchronous` (auto).
    pub synchronous: Synchronous,
    /// `user`: unprivileged account for drivers (None: build default).
    pub user: Option<String>,
    /// `group`: group for drivers (None: build default).
    pub group: Option<String>,
    /// `debug_min` (None = 0): minimum debug level for drivers and upsdrvctl.
    pub debug_min: Option<u32>,
    /// `LIBUSB_DEBUG`: libusb verbosity.
    pub libusb_debug: Option<u32>,
    /// `reconnect_max_tries` (-1: forever).
    pub reconnect_max_tries: RetryLimit,
    /// `reconnect_report_freq` (0): log every N reconnect attempts.
    pub reconnect_report_freq: u64,
}

impl Default for UpsGlobals {
    fn default() -> Self {
        UpsGlobals {
            chroot: None,
            driverpath: None,
            statepath: None,
            maxstartdelay: Duration::from_secs(75),
            maxretry: 1,
            retrydelay: Duration::from_secs(5),
            nowait: false,
            pollinterval: Duration::from_secs(2),
            synchronous: Synchronous::Auto,
            user: None,
            group: None,
            debug_min: None,
            libusb_debug: None,
            reconnect_max_tries: RetryLimit::Forever,
            reconnect_report_freq: 0,
        }
    }
}

/// One `[upsname]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsSection {
    /// The name between the brackets, spelled as in the file (upsd matches it
    /// case-insensitively; the socket name uses this spelling).
    pub name: String,
    /// Line of the `[name]` header.
    pub line: usize,
    /// `driver` (required): driver program name.
    pub driver: String,
    /// `port` (required): device path, `auto`, a dummy-ups file, `ups@host` ...
    pub port: String,
    /// `desc`: served by `LIST UPS` / `GET UPSDESC`.
    pub desc: Option<String>,
    /// `sdorder` (0): shutdown order for `upsdrvctl shutdown`; -1 = never.
    pub sdorder: i32,
    /// `sdcommands`: comma-separated instant commands for shutdown, split.
    pub sdcommands: Vec<String>,
    /// `allow_killpower` (flag, or a boolean value).
    pub allow_killpower: bool,
    /// `nolock` flag.
    pub nolock: bool,
    /// `ignorelb` flag.
    pub ignorelb: bool,
    /// Per-UPS `maxstartdelay`.
    pub maxstartdelay: Option<Duration>,
    /// Per-UPS `maxretry`.
    pub maxretry: Option<u32>,
    /// Per-UPS `retrydelay`.
    pub retrydelay: Option<Duration>,
    /// Per-UPS `pollinterval`.
    pub pollinterval: Option<Duration>,
    /// Per-UPS `synchronous`.
    pub synchronous: Option<Synchronous>,
    /// Per-UPS `user`.
    pub user: Option<String>,
    /// Per-UPS `group`.
    pub group: Option<String>,
    /// Per-UPS `debug_min`.
    pub debug_min: Option<u32>,
    /// Per-UPS `LIBUSB_DEBUG`.
    pub libusb_debug: Option<u32>,
    /// Per-UPS `reconnect_max_tries`.
    pub reconnect_max_tries: Option<RetryLimit>,
    /// Per-UPS `reconnect_report_freq`.
    pub reconnect_report_freq: Option<u64>,
    /// `default.<var> = v`: (`<var>`, `v`) in file order.
    pub defaults: Vec<(String, String)>,
    /// `override.<var> = v`: (`<var>`, `v`) in file order.
    pub overrides: Vec<(String, String)>,
    /// Every other key, for the driver (`-x`-like, `driver.parameter.<key>` / `driver.flag.<key>`):
    /// (key, Some(value)) or (flag, None), in file order.
    pub options: Vec<(String, Option<String>)>,
}

impl UpsSection {
    fn new(name: &str, line: usize) -> Self {
        UpsSection {
            name: name.to_string(),
            line,
            driver: String::new(),
            port: String::new(),
            desc: None,
            sdorder: 0,
            sdcommands: Vec::new(),
            allow_killpower: false,
            nolock: false,
            ignorelb: false,
            maxstartdelay: None,
            maxretry: None,
            retrydelay: None,
            pollinterval: None,
            synchronous: None,
            user: None,
            group: None,
            debug_min: None,
            libusb_debug: None,
            reconnect_max_tries: None,
            reconnect_report_freq: None,
            defaults: Vec::new(),
            overrides: Vec::new(),
            options: Vec::new(),
        }
    }

    /// The value of a driver option (`options`), if present with a value.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a value-less driver flag (`options` entry without value) is set.
    pub fn has_flag(&self, key: &str) -> bool {
        self.options.iter().any(|(k, v)| k == key && v.is_none())
    }

    /// `maxstartdelay` of this section, else the global one.
    pub fn effective_maxstartdelay(&self, g: &UpsGlobals) -> Duration {
        self.maxstartdelay.unwrap_or(g.maxstartdelay)
    }

    /// `maxretry` of this section, else the global one.
    pub fn effective_maxretry(&self, g: &UpsGlobals) -> u32 {
        self.maxretry.unwrap_or(g.maxretry)
    }

    /// `retrydelay` of this section, else the global one.
    pub fn effective_retrydelay(&self, g: &UpsGlobals) -> Duration {
        self.retrydelay.unwrap_or(g.retrydelay)
    }

    /// `pollinterval` of this section, else the global one.
    pub fn effective_pollinterval(&self, g: &UpsGlobals) -> Duration {
        self.pollinterval.unwrap_or(g.pollinterval)
    }

    /// `synchronous` of this section, else the global one.
    pub fn effective_synchronous(&self, g: &UpsGlobals) -> Synchronous {
        self.synchronous.unwrap_or(g.synchronous)
    }

    /// `user` of this section, else the global one.
    pub fn effective_user<'a>(&'a self, g: &'a UpsGlobals) -> Option<&'a str> {
        self.user.as_deref().or(g.user.as_deref())
    }

    /// `group` of this section, else the global one.
    pub fn effective_group<'a>(&'a self, g: &'a UpsGlobals) -> Option<&'a str> {
        self.group.as_deref().or(g.group.as_deref())
    }

    /// `debug_min` of this section, else the global one, else 0.
    pub fn effective_debug_min(&self, g: &UpsGlobals) -> u32 {
        self.debug_min.or(g.debug_min).unwrap_or(0)
    }
}

/// A parsed ups.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsConf {
    /// The file the text came from (for messages).
    pub file: PathBuf,
    /// Global settings.
    pub globals: UpsGlobals,
    /// Sections in file order.
    pub sections: Vec<UpsSection>,
    /// Accepted oddities for the binary to log.
    pub warnings: Vec<ConfigWarning>,
}

impl UpsConf {
    /// Parse the text of a ups.conf; `file` is only used in messages.
    pub fn parse(text: &str, file: &Path) -> Result<UpsConf, ConfigError> {
        let mut warnings = Vec::new();
        let raw = read_sections(text, file, &mut warnings)?;
        let mut globals = UpsGlobals::default();
        let mut seen = HashSet::new();
        for line in &raw.globals {
            check_unique(&mut seen, line, file)?;
            parse_global(&mut globals, line, file)?;
        }
        let mut sections: Vec<UpsSection> = Vec::new();
        for s in &raw.sections {
            if s.name.eq_ignore_ascii_case("default") {
                return Err(ConfigError::new(
                    file,
                    s.line,
                    "the section name [default] is reserved",
                ));
            }
            if s.name.contains('/') {
                return Err(ConfigError::new(
                    file,
                    s.line,
                    format!("invalid section name [{}]: no '/' allowed", s.name),
                ));
            }
            if let Some(prev) = sections
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&s.name))
            {
                return Err(ConfigError::new(
                    file,
                    s.line,
                    format!(
                        "duplicate section [{}] (first defined as [{}] on line {})",
                        s.name, prev.name, prev.line
                    ),
                ));
            }
            let mut section = UpsSection::new(&s.name, s.line);
            let mut seen = HashSet::new();
            for line in &s.body {
                check_unique(&mut seen, line, file)?;
                parse_section_line(&mut section, line, file)?;
            }
            for (field, value) in [("driver", &section.driver), ("port", &section.port)] {
                if value.is_empty() {
                    return Err(ConfigError::new(
                        file,
                        s.line,
                        format!(
                            "section [{}] has no {field} (driver and port are required)",
                            s.name
                        ),
                    ));
                }
            }
            sections.push(section);
        }
        warnings.sort_by_key(|w| w.line);
        Ok(UpsConf {
            file: file.to_path_buf(),
            globals,
            sections,
            warnings,
        })
    }

    /// The section for `name`, matched case-insensitively as upsd does.
    pub fn get(&self, name: &str) -> Option<&UpsSection> {
        self.sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The section names in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.name.as_str())
    }
}

fn check_unique(seen: &mut HashSet<String>, line: &Line, file: &Path) -> Result<(), ConfigError> {
    if seen.insert(line.words[0].clone()) {
        Ok(())
    } else {
        Err(ConfigError::new(
            file,
            line.number,
            format!("{} is set more than once", directive_name(&line.words[0])),
        ))
    }
}

fn needs_value<'a>(
    key: &str,
    value: Option<&'a str>,
    line: &Line,
    file: &Path,
) -> Result<&'a str, ConfigError> {
    value.ok_or_else(|| {
        ConfigError::new(
            file,
            line.number,
            format!("{key} needs a value: {key} = <value>"),
        )
    })
}

fn non_empty(key: &str, value: &str, line: &Line, file: &Path) -> Result<String, ConfigError> {
    if value.is_empty() {
        Err(ConfigError::new(
            file,
            line.number,
            format!("{key}: empty value"),
        ))
    } else {
        Ok(value.to_string())
    }
}

/// `driver`: a file name in the driver directory, which upsdrvctl runs as root. A path
/// (`../../tmp/x`, `/bin/sh`) would run any program, as C NUT does: refused here.
fn driver_name(value: &str, line: &Line, file: &Path) -> Result<String, ConfigError> {
    let name = non_empty("driver", value, line, file)?;
    if name.contains('/') || name == "." || name == ".." {
        return Err(ConfigError::new(
            file,
            line.number,
            format!(
                "driver: {name:?} is not a driver name (a file name in the driver directory, \
                 without '/' and not '.' or '..')"
            ),
        ));
    }
    Ok(name)
}

fn retry_limit(
    key: &str,
    value: &str,
    line: &Line,
    file: &Path,
) -> Result<RetryLimit, ConfigError> {
    let n = int_value(key, value, file, line.number)?;
    Ok(u64::try_from(n)
        .map(RetryLimit::Max)
        .unwrap_or(RetryLimit::Forever))
}

fn synchronous(
    key: &str,
    value: &str,
    line: &Line,
    file: &Path,
) -> Result<Synchronous, ConfigError> {
    Synchronous::parse(value).ok_or_else(|| {
        ConfigError::new(
            file,
            line.number,
            format!("{key}: invalid value {value:?} (expected yes, no or auto)"),
        )
    })
}

fn parse_global(g: &mut UpsGlobals, line: &Line, file: &Path) -> Result<(), ConfigError> {
    let key = line.words[0].as_str();
    let value = key_value(line, file)?;
    let n = line.number;
    if key == "nowait" {
        g.nowait = match value {
            None => true,
            Some(v) => bool_value(key, v, file, n)?,
        };
        return Ok(());
    }
    let known = [
        "chroot",
        "driverpath",
        "statepath",
        "maxstartdelay",
        "maxretry",
        "retrydelay",
        "pollinterval",
        "synchronous",
        "user",
        "group",
        "debug_min",
        "LIBUSB_DEBUG",
        "reconnect_max_tries",
        "reconnect_report_freq",
    ];
    if !known.contains(&key) {
        let what = if keyword_like(key) {
            format!("unknown global setting {key}")
        } else {
            // Only a keyword-shaped name is repeated: this may be a password line run together.
            "unknown global setting (the line does not start with a setting name)".to_string()
        };
        return Err(ConfigError::new(
            file,
            n,
            format!("{what} (settings for one UPS belong inside its [section])"),
        ));
    }
    let v = needs_value(key, value, line, file)?;
    match key {
        "chroot" => g.chroot = Some(PathBuf::from(non_empty(key, v, line, file)?)),
        "driverpath" => g.driverpath = Some(PathBuf::from(non_empty(key, v, line, file)?)),
        "statepath" => g.statepath = Some(PathBuf::from(non_empty(key, v, line, file)?)),
        "maxstartdelay" => g.maxstartdelay = seconds_value(key, v, file, n)?,
        "maxretry" => g.maxretry = uint_value(key, v, file, n)?,
        "retrydelay" => g.retrydelay = seconds_value(key, v, file, n)?,
        "pollinterval" => g.pollinterval = seconds_value(key, v, file, n)?,
        "synchronous" => g.synchronous = synchronous(key, v, line, file)?,
        "user" => g.user = Some(non_empty(key, v, line, file)?),
        "group" => g.group = Some(non_empty(key, v, line, file)?),
        "debug_min" => g.debug_min = Some(uint_value(key, v, file, n)?),
        "LIBUSB_DEBUG" => g.libusb_debug = Some(uint_value(key, v, file, n)?),
        "reconnect_max_tries" => g.reconnect_max_tries = retry_limit(key, v, line, file)?,
        _ => g.reconnect_report_freq = uint_value(key, v, file, n)?,
    }
    Ok(())
}

fn parse_section_line(s: &mut UpsSection, line: &Line, file: &Path) -> Result<(), ConfigError> {
    let key = line.words[0].as_str();
    let value = key_value(line, file)?;
    let n = line.number;
    match key {
        "nolock" | "ignorelb" | "allow_killpower" => {
            let on = match value {
                None => true,
                Some(v) => bool_value(key, v, file, n)?,
            };
            match key {
                "nolock" => s.nolock = on,
                "ignorelb" => s.ignorelb = on,
                _ => s.allow_killpower = on,
            }
            return Ok(());
        }
        "driver"
        | "port"
        | "desc"
        | "sdorder"
        | "sdcommands"
        | "maxstartdelay"
        | "maxretry"
        | "retrydelay"
        | "pollinterval"
        | "synchronous"
        | "user"
        | "group"
        | "debug_min"
        | "LIBUSB_DEBUG"
        | "reconnect_max_tries"
        | "reconnect_report_freq" => {}
        _ => {
            if let Some(var) = key
                .strip_prefix("default.")
                .or_else(|| key.strip_prefix("override."))
            {
                let v = needs_value(key, value, line, file)?;
                if var.is_empty() {
                    return Err(ConfigError::new(
                        file,
                        n,
                        format!("{key}: missing variable name"),
                    ));
                }
                let list = if key.starts_with("default.") {
                    &mut s.defaults
                } else {
                    &mut s.overrides
                };
                list.push((var.to_string(), v.to_string()));
            } else {
                s.options.push((key.to_string(), value.map(str::to_string)));
            }
            return Ok(());
        }
    }
    let v = needs_value(key, value, line, file)?;
    match key {
        "driver" => s.driver = driver_name(v, line, file)?,
        "port" => s.port = non_empty(key, v, line, file)?,
        "desc" => s.desc = Some(v.to_string()),
        "sdorder" => {
            let order = int_value(key, v, file, n)?;
            s.sdorder = i32::try_from(order)
                .ok()
                .filter(|o| *o >= -1)
                .ok_or_else(|| {
                    ConfigError::new(
                        file,
                        n,
                        format!("sdorder: {v} is out of range (-1 = never, 0 and up)"),
                    )
                })?;
        }
        "sdcommands" => {
            s.sdcommands = v
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            if s.sdcommands.is_empty() {
                return Err(ConfigError::new(file, n, "sdcommands: empty command list"));
            }
        }
        "maxstartdelay" => s.maxstartdelay = Some(seconds_value(key, v, file, n)?),
        "maxretry" => s.maxretry = Some(uint_value(key, v, file, n)?),
        "retrydelay" => s.retrydelay = Some(seconds_value(key, v, file, n)?),
        "pollinterval" => s.pollinterval = Some(seconds_value(key, v, file, n)?),
        "synchronous" => s.synchronous = Some(synchronous(key, v, line, file)?),
        "user" => s.user = Some(non_empty(key, v, line, file)?),
        "group" => s.group = Some(non_empty(key, v, line, file)?),
        "debug_min" => s.debug_min = Some(uint_value(key, v, file, n)?),
        "LIBUSB_DEBUG" => s.libusb_debug = Some(uint_value(key, v, file, n)?),
        "reconnect_max_tries" => s.reconnect_max_tries = Some(retry_limit(key, v, line, file)?),
        _ => s.reconnect_report_freq = Some(uint_value(key, v, file, n)?),
    }
    Ok(())
}
