//! Going to the background without `fork()` (which needs `unsafe`): the driver re-executes
//! itself with a hidden flag; the child starts a new session, does all the work, and writes
//! `READY` on its stdout (a pipe to the parent) once the socket is up and the PID file is
//! written. The parent exits 0 only then, or 1 when the child dies first, which is what
//! upsdrvctl waits for (C `background()` with the same contract).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

use crate::error::DriverError;

/// The hidden flag that marks the background child.
pub const CHILD_FLAG: &str = "--rnut-daemon-child";

/// Parent side: start the child and wait for its readiness line.
pub fn spawn_and_wait(program: &str) -> Result<ExitCode, DriverError> {
    let exe = std::env::current_exe().map_err(|e| DriverError::Io {
        path: program.into(),
        source: e,
    })?;
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    args.push(CHILD_FLAG.into());
    let mut child = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| DriverError::Io {
            path: exe.clone(),
            source: e,
        })?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    if line.trim_end() == "READY" {
        return Ok(ExitCode::SUCCESS);
    }
    let status = child.wait().map_err(|e| DriverError::Io {
        path: exe,
        source: e,
    })?;
    Err(DriverError::Usage(format!(
        "{program} failed to start in the background ({status})"
    )))
}

/// Child side, first thing: leave the parent's session and terminal.
pub fn detach() {
    if let Err(e) = nix::unistd::setsid() {
        tracing::debug!("setsid: {e}");
    }
}

/// Child side, once serving: tell the parent, then let go of its pipe and terminal.
pub fn notify_ready() {
    let mut out = std::io::stdout();
    let _ = out.write_all(b"READY\n");
    let _ = out.flush();
    crate::logging::switch_to_syslog();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}
