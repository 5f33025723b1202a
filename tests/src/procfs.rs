//! Readings of a process from `/proc`, for upsd-bench and the bounds tests: CPU time (run
//! time of every thread) and resident memory (VmRSS), plus the load average printed next to
//! the figures.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

/// Clock ticks per second of the times in `/proc/<pid>/stat` (`USER_HZ`, fixed at 100 in the
/// kernel's user ABI whatever CONFIG_HZ is).
const USER_HZ: f64 = 100.0;

/// CPU seconds (user + system) the process has used so far, all threads included: the
/// scheduler's exact run time of every live thread (`/proc/<pid>/task/*/schedstat`, in ns),
/// or, without schedstat, the tick-sampled utime + stime of `/proc/<pid>/stat` (at 100 ticks
/// a second, a 1.5 s row at 40 % CPU is only 60 samples: several per cent of noise).
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    match schedstat_seconds(pid) {
        Some(s) => Ok(s),
        None => stat_seconds(pid),
    }
}

/// CPU seconds (user + system) the bench process itself has used so far, threads that have
/// ended included (`getrusage`; the per-thread schedstat sum would lose the load threads each
/// GET VAR measurement starts and ends). The total is the scheduler's exact run time.
pub fn own_cpu_seconds() -> Result<f64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_SELF).context("getrusage")?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(u.user_time()) + secs(u.system_time()))
}

fn schedstat_seconds(pid: u32) -> Option<f64> {
    let mut ns: u64 = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = entry.ok()?.path().join("schedstat");
        // A thread may end between listing and reading: it just no longer counts.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        ns += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 / 1e9)
}

fn stat_seconds(pid: u32) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    parse_stat_cpu(&text).map(|ticks| ticks as f64 / USER_HZ)
}

/// utime + stime in ticks from the text of `/proc/<pid>/stat`. The command name (field 2) is
/// in parentheses and may hold spaces, so fields are counted after the last `)`.
fn parse_stat_cpu(text: &str) -> Result<u64> {
    let close = text
        .rfind(')')
        .ok_or_else(|| anyhow!("no ')' in /proc stat line"))?;
    // Field 3 (state) is the first word after ')'; utime is field 14, stime field 15.
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let get = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .ok_or_else(|| anyhow!("short /proc stat line"))?
            .parse::<u64>()
            .context("bad number in /proc stat line")
    };
    Ok(get(11)? + get(12)?)
}

/// Resident set size in bytes (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    parse_vmrss(&text).ok_or_else(|| anyhow!("no VmRSS line in {path}"))
}

fn parse_vmrss(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(n * 1024),
        Some(_) => None,
    }
}

/// Whether any thread of the process is running or waiting for a CPU (state `R` in
/// `/proc/<pid>/task/*/stat`): a process starved of CPU on a busy machine is not idle.
pub fn any_thread_runnable(pid: u32) -> Result<bool> {
    let dir = format!("/proc/{pid}/task");
    for entry in std::fs::read_dir(&dir).with_context(|| format!("read {dir}"))? {
        let path = entry.context("list threads")?.path().join("stat");
        // A thread that ended meanwhile is not runnable.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let state = text
            .rfind(')')
            .and_then(|close| text[close + 1..].split_whitespace().next());
        if state == Some("R") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Wait (at most `limit`) until the process has stopped working: no thread runnable and its
/// CPU time standing still over three readings 20 ms apart in a row, while `poke` (which may
/// hand it more input, and says whether it did) reports no progress. False at the limit.
pub fn wait_idle(pid: u32, limit: Duration, mut poke: impl FnMut() -> bool) -> Result<bool> {
    let deadline = Instant::now() + limit;
    let mut last = cpu_seconds(pid)?;
    let mut calm = 0;
    while calm < 3 {
        if Instant::now() > deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
        let progressed = poke();
        let now = cpu_seconds(pid)?;
        // Under a millisecond per reading: idle bookkeeping (timers), not serving.
        let still = now - last < 0.001 && !any_thread_runnable(pid)?;
        calm = if still && !progressed { calm + 1 } else { 0 };
        last = now;
    }
    Ok(true)
}

/// The 1-, 5- and 15-minute load averages as `/proc/loadavg` prints them.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Number of CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_in_name() {
        let line = "1234 (up sd) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 3 0 \
                    100 2000000 500 18446744073709551615";
        assert_eq!(parse_stat_cpu(line).unwrap(), 380);
    }

    #[test]
    fn vmrss_in_kb() {
        let text = "Name:\tupsd\nVmPeak:\t  9000 kB\nVmRSS:\t    4200 kB\nThreads:\t1\n";
        assert_eq!(parse_vmrss(text), Some(4200 * 1024));
        assert_eq!(parse_vmrss("Name:\tx\n"), None);
    }

    #[test]
    fn own_process_readings() {
        let pid = std::process::id();
        assert!(rss_bytes(pid).unwrap() > 0);
        assert!(cpu_seconds(pid).unwrap() >= 0.0);
    }
}
