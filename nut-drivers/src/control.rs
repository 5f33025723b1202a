//! Reaching a running driver from another process (the driver's own `-c <command>` and
//! upsdrvctl's `-c` and `stop`): its PID file, and the signal each `-c` command sends.

use std::path::Path;

use nix::sys::signal::Signal;

use crate::error::DriverError;

/// Read a PID file (`<pid>\n`).
pub fn read_pid_file(path: &Path) -> Result<i32, DriverError> {
    let text = nut_core::config::read_config_text(path).map_err(|e| DriverError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| DriverError::Usage(format!("{}: not a PID file", path.display())))
}

/// The signal a `-c <command>` sends to a running driver (C `main.c`'s `cmd_signal` table);
/// for an unknown command, the message naming the known ones.
pub fn command_signal(cmd: &str) -> Result<Signal, String> {
    match cmd {
        "reload" | "reload-or-error" => Ok(Signal::SIGHUP),
        "reload-or-exit" => Ok(Signal::SIGUSR1),
        "exit" => Ok(Signal::SIGTERM),
        "dump" => Ok(Signal::SIGURG),
        other => Err(format!(
            "unknown -c command {other} (reload, reload-or-error, reload-or-exit, exit, dump)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_sends_its_signal_and_others_are_named() {
        assert_eq!(command_signal("reload"), Ok(Signal::SIGHUP));
        assert_eq!(command_signal("reload-or-error"), Ok(Signal::SIGHUP));
        assert_eq!(command_signal("reload-or-exit"), Ok(Signal::SIGUSR1));
        assert_eq!(command_signal("exit"), Ok(Signal::SIGTERM));
        assert_eq!(command_signal("dump"), Ok(Signal::SIGURG));
        let e = command_signal("halt").unwrap_err();
        assert!(e.starts_with("unknown -c command halt (reload,"), "{e}");
    }
}
