//! The values of upsmon-only directives: `SHUTDOWNEXIT`, `POLLFAIL_LOG_THROTTLE_MAX`,
//! `SHUTDOWNCMD`, `NOTIFYCMD` and the notify event names of `NOTIFYMSG` / `NOTIFYFLAG`.

use std::path::Path;
use std::time::Duration;

use super::NotifyEvent;
use crate::config::{ConfigError, Line, int_value};
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

pub(super) fn notify_event(name: &str, file: &Path, n: usize) -> Result<NotifyEvent, ConfigError> {
    NotifyEvent::from_name(name)
        .ok_or_else(|| ConfigError::new(file, n, format!("unknown notify type {name:?}")))
}

pub(super) fn shutdown_exit(
    value: &str,
    file: &Path,
    n: usize,
) -> Result<ShutdownExit, ConfigError> {
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
pub(super) fn shutdown_command(line: &Line, file: &Path) -> Result<String, ConfigError> {
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
pub(super) fn notify_command(line: &Line, file: &Path) -> Result<Vec<String>, ConfigError> {
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
