//! The PID file (`<ALTPIDPATH>/upsmon.pid`) and signalling a running instance (`-c`).

use std::io;
use std::path::{Path, PathBuf};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The PID file path.
pub fn path(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    nut_core::config::paths::pid_dir(env).join("upsmon.pid")
}

/// Read a PID file.
pub fn read(path: &Path) -> io::Result<i32> {
    let text = nut_core::config::read_config_text(path)?;
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad PID file"))
}

/// Write our PID.
pub fn write(path: &Path, pid: u32) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, format!("{pid}\n"))
}

/// Whether the process of this PID file is alive (signal 0).
pub fn running(path: &Path) -> bool {
    read(path).is_ok_and(|pid| kill(Pid::from_raw(pid), None).is_ok())
}

/// Send `signal` to `pid`.
pub fn signal(pid: i32, signal: Signal) -> nix::Result<()> {
    kill(Pid::from_raw(pid), signal)
}

/// `-c` command words (prefixes allowed, as C NUT matches them) to signals.
pub fn command_signal(cmd: &str) -> Option<Signal> {
    if cmd.is_empty() {
        return None;
    }
    if "fsd".starts_with(cmd) {
        Some(Signal::SIGUSR1)
    } else if "stop".starts_with(cmd) {
        Some(Signal::SIGTERM)
    } else if "reload".starts_with(cmd) {
        Some(Signal::SIGHUP)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_match_prefixes() {
        assert_eq!(command_signal("fsd"), Some(Signal::SIGUSR1));
        assert_eq!(command_signal("f"), Some(Signal::SIGUSR1));
        assert_eq!(command_signal("stop"), Some(Signal::SIGTERM));
        assert_eq!(command_signal("rel"), Some(Signal::SIGHUP));
        assert_eq!(command_signal("bogus"), None);
        assert_eq!(command_signal(""), None);
    }

    #[test]
    fn pid_file_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("run/upsmon.pid");
        write(&p, std::process::id()).unwrap();
        assert_eq!(read(&p).unwrap(), std::process::id() as i32);
        assert!(running(&p));
        std::fs::write(&p, "garbage").unwrap();
        assert!(read(&p).is_err());
        assert!(!running(&p));
    }
}
