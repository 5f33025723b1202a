//! The one way the tests run processes: a daemon whose standard error is kept line by line
//! ([`Logged`], which also reads the address a daemon bound from its `listening on` line), and
//! a tool run to completion with its output ([`output`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{ChildGuard, wait_until};

/// A process's log: its standard-error lines so far.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Collect a pipe's lines in the background, each echoed to the test's standard error as
/// `[name] line` (libtest shows it for a failing test).
pub fn capture(name: &str, pipe: impl Read + Send + 'static) -> Log {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let name = name.to_string();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            eprintln!("[{name}] {line}");
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
    log
}

/// A copy of a log's lines (never holding the lock while the caller uses them).
pub fn lines_of(log: &Log) -> Vec<String> {
    log.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A running process with its standard error collected line by line (standard output is
/// discarded). Stopped when dropped.
#[derive(Debug)]
pub struct Logged {
    pub child: ChildGuard,
    pub log: Log,
}

impl Logged {
    /// Spawn `cmd` (stdin closed) and start collecting its standard error.
    pub fn spawn(name: &str, cmd: &mut Command) -> Logged {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = ChildGuard::spawn(name, cmd);
        let log = capture(name, child.child_mut().stderr.take().expect("stderr"));
        Logged { child, log }
    }

    pub fn lines(&self) -> Vec<String> {
        lines_of(&self.log)
    }

    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// Wait until a line contains `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.lines().iter().any(|l| l.contains(needle)))
    }

    /// Wait until `n` lines contain `needle`.
    pub fn wait_log_count(&self, needle: &str, n: usize, timeout: Duration) -> bool {
        wait_until(timeout, || {
            self.lines().iter().filter(|l| l.contains(needle)).count() >= n
        })
    }

    /// The TCP address the daemon bound, from its first `listening on ADDR` line (upsd logs
    /// one per listener, with the real port when the configuration said port 0). Waits up to
    /// `timeout`, or until the process exits; `None` if no such line came.
    pub fn listening_addr(&mut self, timeout: Duration) -> Option<SocketAddr> {
        let mut found = None;
        wait_until(timeout, || {
            found = self.lines().iter().find_map(|l| listening_addr_in(l));
            found.is_some() || self.child.try_wait().is_some()
        });
        found
    }
}

/// The address in a `listening on ADDR` log line, if it is a TCP one (not `unix:PATH`).
pub fn listening_addr_in(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Run `cmd` to completion, feeding it `stdin` (stdin closed when empty), and return what it
/// printed. Panics only when the program cannot be started.
pub fn output(cmd: &mut Command, stdin: &str) -> Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let input = if stdin.is_empty() {
        Stdio::null()
    } else {
        Stdio::piped()
    };
    let mut child = cmd
        .stdin(input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    if let Some(mut pipe) = child.stdin.take() {
        // A program that exits without reading all of it is not an error here.
        let _ = pipe.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for {program}: {e}"))
}

/// A workspace tool (`upsc`, `upsmon`, ...) run to completion with `args` and `env` added,
/// stdin closed.
pub fn run_tool_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(crate::bin(name));
    cmd.args(args).envs(env.iter().copied());
    output(&mut cmd, "")
}

/// [`run_tool_env`] without extra environment.
pub fn run_tool(name: &str, args: &[&str]) -> Output {
    run_tool_env(name, args, &[])
}

/// What a process printed on standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a process printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}
