//! `nut.conf`: which parts of NUT this host runs (`MODE`), and the variables the packaging
//! passes to the daemons. The file is written for POSIX shells and systemd's
//! `EnvironmentFile=` (`NAME=value`, no spaces around `=`), so it is parsed as such an
//! assignment list, not with the NUT tokenizer.
//!
//! C NUT's binaries do not read this file: Debian's wrappers (`/sbin/upsd`, `/sbin/upsmon`)
//! and init scripts source it and refuse to start a daemon the `MODE` does not call for.
//! rnut has no wrappers, so the daemons check it themselves ([`NutConf::refusal`]).

use std::path::{Path, PathBuf};

use super::{ConfigError, ConfigWarning};

/// `MODE=`: which parts of NUT the host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// NUT is not configured (or started by something else): nothing runs.
    None,
    /// Driver, upsd and upsmon for a local UPS.
    Standalone,
    /// As standalone, with upsd serving the network.
    Netserver,
    /// upsmon only, watching a remote upsd.
    Netclient,
}

impl Mode {
    /// The value as written in nut.conf.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Standalone => "standalone",
            Mode::Netserver => "netserver",
            Mode::Netclient => "netclient",
        }
    }

    fn parse(value: &str) -> Option<Mode> {
        match value {
            "none" => Some(Mode::None),
            "standalone" => Some(Mode::Standalone),
            "netserver" => Some(Mode::Netserver),
            "netclient" => Some(Mode::Netclient),
            _ => None,
        }
    }
}

/// The programs whose start nut.conf's `MODE` governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// `upsd`: standalone or netserver.
    Upsd,
    /// `upsdrvctl` (and so the drivers): standalone or netserver.
    Upsdrvctl,
    /// `upsmon`: any mode but none.
    Upsmon,
}

impl Daemon {
    /// The program name.
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Upsd => "upsd",
            Daemon::Upsdrvctl => "upsdrvctl",
            Daemon::Upsmon => "upsmon",
        }
    }

    /// Whether `mode` calls for this program (Debian's wrappers' rule).
    pub fn runs_in(self, mode: Mode) -> bool {
        match self {
            Daemon::Upsd | Daemon::Upsdrvctl => {
                matches!(mode, Mode::Standalone | Mode::Netserver)
            }
            Daemon::Upsmon => mode != Mode::None,
        }
    }
}

/// Why nut.conf forbids a program to start. Displayed as one line naming the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModeRefusal {
    /// `MODE` is set to a mode that does not run the program.
    #[error(
        "{daemon} is disabled by MODE={mode} in {file}: set MODE to {wanted} there to run it",
        daemon = daemon.name(),
        mode = mode.as_str(),
        file = file.display(),
        wanted = wanted(*daemon)
    )]
    Disabled {
        /// The file.
        file: PathBuf,
        /// Its `MODE`.
        mode: Mode,
        /// The program refused.
        daemon: Daemon,
    },
    /// The file exists but sets no `MODE` (Debian: not configured, nothing starts).
    #[error(
        "{file} sets no MODE, so NUT is not configured on this host: add MODE={wanted} to it to \
         run {daemon}",
        file = file.display(),
        wanted = wanted(*daemon),
        daemon = daemon.name()
    )]
    NoMode {
        /// The file.
        file: PathBuf,
        /// The program refused.
        daemon: Daemon,
    },
}

fn wanted(daemon: Daemon) -> &'static str {
    match daemon {
        Daemon::Upsd | Daemon::Upsdrvctl => "standalone or netserver",
        Daemon::Upsmon => "standalone, netserver or netclient",
    }
}

/// The variables nut.conf may hold (upstream's `nut.conf.sample` and the environment its
/// programs read); any other name gets a warning, since a typo (`MOED=`) would otherwise go
/// unnoticed.
pub const KNOWN_VARIABLES: &[&str] = &[
    "MODE",
    "UPSD_OPTIONS",
    "UPSMON_OPTIONS",
    "POWEROFF_WAIT",
    "POWEROFF_QUIET",
    "ALLOW_NO_DEVICE",
    "ALLOW_NOT_ALL_LISTENERS",
    "NUT_DEBUG_LEVEL",
    "NUT_DEBUG_MIN",
    "NUT_DEBUG_PID",
    "NUT_DEBUG_SYSLOG",
    "NUT_IGNORE_CHECKPROCNAME",
    "NUT_QUIET_INIT_UPSNOTIFY",
    "NUT_QUIET_INIT_SSL",
    "NUT_QUIET_INIT_BANNER",
    "NUT_CONFPATH",
    "NUT_STATEPATH",
    "NUT_ALTPIDPATH",
    "NUT_PIDPATH",
];

/// A parsed nut.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NutConf {
    /// The file as given to the parser.
    pub file: PathBuf,
    /// `MODE`, if set.
    pub mode: Option<Mode>,
    /// Every assignment in file order (name, value with its quotes removed); a name set
    /// twice keeps both, the last one wins in [`NutConf::get`] as in a shell.
    pub variables: Vec<(String, String)>,
    /// Unknown names, `export` of a name never set, and the like.
    pub warnings: Vec<ConfigWarning>,
}

impl NutConf {
    /// Parse the text of nut.conf. `file` is for messages only.
    pub fn parse(text: &str, file: &Path) -> Result<NutConf, ConfigError> {
        let mut variables = Vec::new();
        let mut warnings = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let assignment = match line.strip_prefix("export") {
                Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
                _ => line,
            };
            let Some((name, value)) = assignment.split_once('=') else {
                // `export NAME`: marks a variable for export, sets nothing.
                if assignment != line && is_name(assignment) {
                    continue;
                }
                return Err(ConfigError::new(
                    file,
                    number,
                    "expected NAME=value (no spaces around =, as a shell reads it)",
                ));
            };
            if !is_name(name) {
                return Err(ConfigError::new(
                    file,
                    number,
                    "expected NAME=value: the name must be letters, digits and _ (no spaces \
                     around =, as a shell reads it)",
                ));
            }
            let value = shell_value(value)
                .map_err(|why| ConfigError::new(file, number, format!("{name}: {why}")))?;
            if !KNOWN_VARIABLES.contains(&name) {
                warnings.push(ConfigWarning::new(
                    file,
                    number,
                    format!("unknown variable {name} (ignored)"),
                ));
            }
            variables.push((name.to_string(), value));
        }
        let mode = match variables.iter().rev().find(|(n, _)| n == "MODE") {
            None => None,
            Some((_, v)) if v.is_empty() => None,
            Some((_, v)) => Some(Mode::parse(v).ok_or_else(|| {
                let number = line_of(text, "MODE");
                ConfigError::new(
                    file,
                    number,
                    format!(
                        "MODE: unknown mode {v:?} (expected none, standalone, netserver or \
                         netclient)"
                    ),
                )
            })?),
        };
        Ok(NutConf {
            file: file.to_path_buf(),
            mode,
            variables,
            warnings,
        })
    }

    /// The value of a variable (the last assignment wins).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Why `daemon` must not start under this file, if it must not.
    pub fn refusal(&self, daemon: Daemon) -> Option<ModeRefusal> {
        match self.mode {
            None => Some(ModeRefusal::NoMode {
                file: self.file.clone(),
                daemon,
            }),
            Some(mode) if !daemon.runs_in(mode) => Some(ModeRefusal::Disabled {
                file: self.file.clone(),
                mode,
                daemon,
            }),
            Some(_) => None,
        }
    }
}

/// Why the start check of [`check_start`] stopped a program.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NutConfError {
    /// The file exists but cannot be read (permissions, not a regular file, too large).
    #[error("cannot read {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file does not parse.
    #[error(transparent)]
    Parse(#[from] ConfigError),
    /// The file's MODE does not run the program.
    #[error(transparent)]
    Refused(#[from] ModeRefusal),
}

/// Read `nut.conf` of the configuration directory (`NUT_CONFPATH`, else `/etc/nut`) through
/// the bounded reader and decide whether `daemon` may start. A missing file lets it start:
/// the C binaries never read nut.conf (only Debian's wrappers do, at `/etc/nut/nut.conf`),
/// and an installation without packaging has none. A present file must name a mode that
/// runs the program, as Debian's wrappers require. Returns the parse warnings to log.
pub fn check_start(
    env: impl Fn(&str) -> Option<String>,
    daemon: Daemon,
) -> Result<Vec<ConfigWarning>, NutConfError> {
    check_start_at(&super::paths::conf_file(env, "nut.conf"), daemon)
}

/// [`check_start`] for the nut.conf at `file` (a program that already knows its
/// configuration directory, e.g. from the path of its ups.conf).
pub fn check_start_at(file: &Path, daemon: Daemon) -> Result<Vec<ConfigWarning>, NutConfError> {
    let file = file.to_path_buf();
    let text = match super::file::read_config(&file, super::file::Writers::NotOthers) {
        Ok(contents) => contents.into_text(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(NutConfError::Read { file, source }),
    };
    let conf = NutConf::parse(&text, &file)?;
    match conf.refusal(daemon) {
        Some(refusal) => Err(refusal.into()),
        None => Ok(conf.warnings),
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The last line (1-based) that assigns `name`, for a message about its value.
fn line_of(text: &str, name: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            let l = l.strip_prefix("export ").map_or(l, str::trim_start);
            l.strip_prefix(name).is_some_and(|r| r.starts_with('='))
        })
        .map(|(i, _)| i + 1)
        .last()
        .unwrap_or(0)
}

/// A shell word after `=`: single quotes literal, double quotes with `\"`, `\\`, `\$` and
/// `` \` `` escapes, bare characters; a `#` after blanks starts a comment. Blanks outside
/// quotes end the value; anything after them but a comment is refused (a shell would run it
/// as a command). `$` expansions and back quotes are refused: nothing here runs a shell.
fn shell_value(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated single quote".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                        out.extend(chars.next());
                    }
                    Some('$' | '`') => return Err(expansion()),
                    Some(c) => out.push(c),
                    None => return Err("unterminated double quote".into()),
                }
            },
            '\\' => out.extend(chars.next()),
            '$' | '`' => return Err(expansion()),
            ' ' | '\t' => {
                let rest: String = chars.collect();
                let rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with('#') {
                    break;
                }
                return Err("unquoted blank in the value (quote the whole value)".into());
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn expansion() -> String {
    "shell expansions ($, `) are not supported; write the value itself".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NutConf, ConfigError> {
        NutConf::parse(text, Path::new("/etc/nut/nut.conf"))
    }

    #[test]
    fn debian_default_file_is_mode_none() {
        let c = parse("# comment\n\nMODE=none\n#ALLOW_NO_DEVICE=true\n#export ALLOW_NO_DEVICE\n")
            .unwrap();
        assert_eq!(c.mode, Some(Mode::None));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn values_quotes_exports_and_comments() {
        let c = parse(
            "MODE=\"netserver\"\nUPSD_OPTIONS='-D -u nut'\nexport ALLOW_NO_DEVICE=true # why\n\
             export ALLOW_NO_DEVICE\nPOWEROFF_WAIT=\"1\\\"5\"\nNUT_DEBUG_LEVEL=\n",
        )
        .unwrap();
        assert_eq!(c.mode, Some(Mode::Netserver));
        assert_eq!(c.get("UPSD_OPTIONS"), Some("-D -u nut"));
        assert_eq!(c.get("ALLOW_NO_DEVICE"), Some("true"));
        assert_eq!(c.get("POWEROFF_WAIT"), Some("1\"5"));
        assert_eq!(c.get("NUT_DEBUG_LEVEL"), Some(""));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn unknown_variables_warn_and_bad_lines_are_refused() {
        let c = parse("MOED=standalone\nMODE=standalone\n").unwrap();
        assert_eq!(c.warnings.len(), 1);
        assert_eq!(c.warnings[0].line, 1);
        assert!(c.warnings[0].message.contains("MOED"));
        for (text, line) in [
            ("MODE = none\n", 1),
            ("\nMODE=bogus\n", 2),
            ("MODE='none\n", 1),
            ("MODE=$X\n", 1),
            ("MODE=none rm -rf\n", 1),
            ("just words\n", 1),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().starts_with("/etc/nut/nut.conf:"), "{e}");
        }
    }

    #[test]
    fn modes_decide_who_runs() {
        let with = |m: &str| parse(&format!("MODE={m}\n")).unwrap();
        for d in [Daemon::Upsd, Daemon::Upsdrvctl, Daemon::Upsmon] {
            assert!(with("none").refusal(d).is_some());
            assert!(with("standalone").refusal(d).is_none());
            assert!(with("netserver").refusal(d).is_none());
            assert!(parse("X_Y=1\n").unwrap().refusal(d).is_some());
        }
        assert!(with("netclient").refusal(Daemon::Upsmon).is_none());
        let e = with("netclient").refusal(Daemon::Upsd).unwrap().to_string();
        assert_eq!(
            e,
            "upsd is disabled by MODE=netclient in /etc/nut/nut.conf: set MODE to standalone \
             or netserver there to run it"
        );
        let e = parse("")
            .unwrap()
            .refusal(Daemon::Upsmon)
            .unwrap()
            .to_string();
        assert!(e.contains("/etc/nut/nut.conf sets no MODE"), "{e}");
    }
}
