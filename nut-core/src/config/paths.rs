//! Where NUT keeps its files, from the environment as C NUT reads it (`common/common.c`:
//! `confpath()`, `dflt_statepath()`, `altpidpath()`, `rootpidpath()`).
//!
//! Every function takes the environment as a lookup closure, so tests never touch the process
//! environment; binaries pass [`process_env`]. An empty variable counts as unset.

use std::path::{Path, PathBuf};

/// Built-in configuration directory (Debian's).
pub const DEFAULT_CONFPATH: &str = "/etc/nut";
/// Built-in state directory (driver sockets).
pub const DEFAULT_STATEPATH: &str = "/run/nut";
/// Built-in PID file directory.
pub const DEFAULT_PIDPATH: &str = "/run/nut";
/// The build's unprivileged user (Debian's `RUN_AS_USER`): what daemons and drivers started
/// as root become when no user is configured.
pub const DEFAULT_USER: &str = "nut";

/// The process environment, for binaries: `std::env::var(name).ok()`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn lookup(env: &impl Fn(&str) -> Option<String>, name: &str) -> Option<PathBuf> {
    env(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The configuration directory: `NUT_CONFPATH`, else `/etc/nut`.
pub fn conf_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup(&env, "NUT_CONFPATH").unwrap_or_else(|| PathBuf::from(DEFAULT_CONFPATH))
}

/// A file of the configuration directory, e.g. `conf_file(env, "upsd.conf")`.
pub fn conf_file(env: impl Fn(&str) -> Option<String>, name: &str) -> PathBuf {
    conf_dir(env).join(name)
}

/// The state directory when no config file names one: `NUT_STATEPATH`, else
/// `/run/nut` (Debian's build; upstream's configure default is `/var/state/ups`).
pub fn state_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup(&env, "NUT_STATEPATH").unwrap_or_else(|| PathBuf::from(DEFAULT_STATEPATH))
}

/// The directory of PID files written by daemons (C `altpidpath()`): `NUT_ALTPIDPATH`, else
/// `NUT_STATEPATH`, else `/run/nut`.
pub fn pid_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup(&env, "NUT_ALTPIDPATH")
        .or_else(|| lookup(&env, "NUT_STATEPATH"))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PIDPATH))
}

/// The directory of PID files of processes that stay root (C `rootpidpath()`):
/// `NUT_PIDPATH`, else `/run/nut`.
pub fn root_pid_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup(&env, "NUT_PIDPATH").unwrap_or_else(|| PathBuf::from(DEFAULT_PIDPATH))
}

/// Which setting chose the state directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateDirSource {
    /// The `NUT_STATEPATH` environment variable.
    Env,
    /// `statepath` in ups.conf.
    UpsConf,
    /// `STATEPATH` in upsd.conf.
    UpsdConf,
    /// The built-in default.
    Default,
}

/// The effective state directory and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    /// The directory holding the driver sockets.
    pub path: PathBuf,
    /// Which setting won.
    pub source: StateDirSource,
    /// True when ups.conf and upsd.conf both name a state directory and they differ (upsd
    /// warns about it).
    pub conflict: bool,
}

/// The driver socket directory as upsd and the drivers agree on it: `NUT_STATEPATH` beats
/// ups.conf `statepath`, which beats upsd.conf `STATEPATH`, which beats the default.
pub fn effective_state_dir(
    env: impl Fn(&str) -> Option<String>,
    ups_conf_statepath: Option<&Path>,
    upsd_conf_statepath: Option<&Path>,
) -> StateDir {
    let conflict =
        matches!((ups_conf_statepath, upsd_conf_statepath), (Some(a), Some(b)) if a != b);
    let (path, source) = if let Some(p) = lookup(&env, "NUT_STATEPATH") {
        (p, StateDirSource::Env)
    } else if let Some(p) = ups_conf_statepath {
        (p.to_path_buf(), StateDirSource::UpsConf)
    } else if let Some(p) = upsd_conf_statepath {
        (p.to_path_buf(), StateDirSource::UpsdConf)
    } else {
        (PathBuf::from(DEFAULT_STATEPATH), StateDirSource::Default)
    };
    StateDir {
        path,
        source,
        conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_without_environment() {
        let env = env_of(&[]);
        assert_eq!(conf_dir(&env), PathBuf::from("/etc/nut"));
        assert_eq!(
            conf_file(&env, "ups.conf"),
            PathBuf::from("/etc/nut/ups.conf")
        );
        assert_eq!(state_dir(&env), PathBuf::from("/run/nut"));
        assert_eq!(pid_dir(&env), PathBuf::from("/run/nut"));
        assert_eq!(root_pid_dir(&env), PathBuf::from("/run/nut"));
    }

    #[test]
    fn environment_overrides() {
        let env = env_of(&[("NUT_CONFPATH", "/t/etc"), ("NUT_STATEPATH", "/t/run")]);
        assert_eq!(
            conf_file(&env, "upsd.users"),
            PathBuf::from("/t/etc/upsd.users")
        );
        assert_eq!(state_dir(&env), PathBuf::from("/t/run"));
        // No NUT_ALTPIDPATH: the state path is used for PID files.
        assert_eq!(pid_dir(&env), PathBuf::from("/t/run"));
        let env = env_of(&[
            ("NUT_ALTPIDPATH", "/t/pid"),
            ("NUT_STATEPATH", "/t/run"),
            ("NUT_PIDPATH", "/t/rp"),
        ]);
        assert_eq!(pid_dir(&env), PathBuf::from("/t/pid"));
        assert_eq!(root_pid_dir(&env), PathBuf::from("/t/rp"));
        // Empty means unset.
        let env = env_of(&[("NUT_CONFPATH", "")]);
        assert_eq!(conf_dir(&env), PathBuf::from("/etc/nut"));
    }

    #[test]
    fn state_dir_precedence() {
        let none = env_of(&[]);
        let ups = Path::new("/from/ups.conf");
        let upsd = Path::new("/from/upsd.conf");
        let s = effective_state_dir(&none, Some(ups), Some(upsd));
        assert_eq!(
            (s.path.as_path(), s.source, s.conflict),
            (ups, StateDirSource::UpsConf, true)
        );
        let s = effective_state_dir(&none, None, Some(upsd));
        assert_eq!(
            (s.path.as_path(), s.source, s.conflict),
            (upsd, StateDirSource::UpsdConf, false)
        );
        let s = effective_state_dir(&none, Some(ups), Some(ups));
        assert!(!s.conflict);
        let s = effective_state_dir(&none, None, None);
        assert_eq!(
            (s.path, s.source),
            (PathBuf::from("/run/nut"), StateDirSource::Default)
        );
        let env = env_of(&[("NUT_STATEPATH", "/env/state")]);
        let s = effective_state_dir(&env, Some(ups), Some(upsd));
        assert_eq!(
            (s.path, s.source),
            (PathBuf::from("/env/state"), StateDirSource::Env)
        );
    }
}
