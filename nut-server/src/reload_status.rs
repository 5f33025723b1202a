//! The outcome of the last reload, for `upsd -c reload`: a signal carries no answer, so upsd
//! writes `upsd.reload` next to its PID file after each SIGHUP (`<pid> <count> ok` or
//! `<pid> <count> failed: <reason>`, atomically), and `upsd -c reload` waits for the count
//! of that process to move, then exits 0 or 1 with the reason. C upsd only sends the signal
//! and exits 0 whatever happens. A chrooted upsd (`-r`) writes the file inside its jail:
//! `upsd -c reload` reads it there, through the process's own root ([`dir_seen_by`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::bail;

/// How long `upsd -c reload` waits for the answer (a reload decrypts a key: seconds at most).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The status file's path in the PID directory.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("upsd.reload")
}

/// `dir` as the process `pid` resolves it: an absolute path under its root directory
/// (`/proc/<pid>/root`, its jail when chrooted), a relative one under its working directory.
/// Where /proc does not let us look (another user's process), `dir` as this process sees it.
pub fn dir_seen_by(pid: i32, dir: &Path) -> PathBuf {
    let (base, rest) = match dir.strip_prefix("/") {
        Ok(rest) => ("root", rest),
        Err(_) => ("cwd", dir),
    };
    let base = PathBuf::from(format!("/proc/{pid}/{base}"));
    match std::fs::read_link(&base) {
        Ok(_) => base.join(rest),
        Err(_) => dir.to_path_buf(),
    }
}

/// One status line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Status {
    pid: u32,
    count: u64,
    /// `None`: reloaded; `Some(reason)`: refused.
    refusal: Option<String>,
}

fn read(path: &Path) -> Option<Status> {
    let text = nut_core::config::read_config_text(path).ok()?;
    let line = text.lines().next()?;
    let mut words = line.splitn(3, ' ');
    let pid = words.next()?.parse().ok()?;
    let count = words.next()?.parse().ok()?;
    let refusal = match words.next()? {
        "ok" => None,
        rest => Some(rest.strip_prefix("failed: ")?.to_string()),
    };
    Some(Status {
        pid,
        count,
        refusal,
    })
}

/// Record the outcome of a reload by this process (best effort: a PID directory the server
/// may not write is logged, and `upsd -c reload` then says it got no answer).
pub fn record(dir: &Path, outcome: Result<(), &str>) {
    let path = path_in(dir);
    let pid = std::process::id();
    let count = read(&path)
        .filter(|s| s.pid == pid)
        .map_or(1, |s| s.count + 1);
    let verdict = match outcome {
        Ok(()) => "ok".to_string(),
        // One line, whatever the error held.
        Err(reason) => format!("failed: {}", reason.replace(['\n', '\r'], " ")),
    };
    let tmp = path.with_extension("reload.tmp");
    let written = std::fs::write(&tmp, format!("{pid} {count} {verdict}\n"))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        tracing::warn!(
            "cannot write the reload status {} (upsd -c reload will get no answer): {e}",
            path.display()
        );
    }
}

/// The count of reloads `pid` has recorded so far (0 for none).
pub fn count_before(dir: &Path, pid: i32) -> u64 {
    read(&path_in(dir))
        .filter(|s| i64::from(s.pid) == i64::from(pid))
        .map_or(0, |s| s.count)
}

/// Wait until `pid` records a reload after `before`; its outcome.
pub fn wait_answer(dir: &Path, pid: i32, before: u64, timeout: Duration) -> anyhow::Result<()> {
    let path = path_in(dir);
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(s) = read(&path).filter(|s| i64::from(s.pid) == i64::from(pid)) {
            if s.count > before {
                return match s.refusal {
                    None => Ok(()),
                    Some(reason) => {
                        bail!("the reload was refused, the previous configuration stays: {reason}")
                    }
                };
            }
        }
        if Instant::now() >= deadline {
            bail!(
                "upsd (pid {pid}) gave no answer to the reload within {} s in {}: see its log",
                timeout.as_secs(),
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_recorded_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let pid = std::process::id() as i32;
        assert_eq!(count_before(dir.path(), pid), 0);
        record(dir.path(), Ok(()));
        assert_eq!(count_before(dir.path(), pid), 1);
        assert!(wait_answer(dir.path(), pid, 0, Duration::ZERO).is_ok());
        record(dir.path(), Err("upsd.conf:3: bad\nline"));
        let e = wait_answer(dir.path(), pid, 1, Duration::ZERO).unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
        assert!(e.to_string().contains("upsd.conf:3: bad line"), "{e}");
        assert!(wait_answer(dir.path(), pid, 2, Duration::ZERO).is_err());
        assert!(wait_answer(dir.path(), pid + 1, 0, Duration::ZERO).is_err());
    }

    #[test]
    fn a_process_directory_is_reached_through_its_root_and_cwd() {
        let pid = std::process::id() as i32;
        let seen = dir_seen_by(pid, Path::new("/run/nut"));
        assert_eq!(seen, PathBuf::from(format!("/proc/{pid}/root/run/nut")));
        assert!(dir_seen_by(pid, Path::new("run")).starts_with(format!("/proc/{pid}/cwd")));
        // No such process: the path as given.
        assert_eq!(
            dir_seen_by(i32::MAX, Path::new("/run/nut")),
            PathBuf::from("/run/nut")
        );
    }
}
