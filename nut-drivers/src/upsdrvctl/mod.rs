//! upsdrvctl: start, stop, shut down and inspect the drivers of ups.conf (C
//! `drivers/upsdrvctl.c`, spec sock-protocol.md section 7).
//!
//! Drivers are found in ups.conf `driverpath`, else beside the upsdrvctl executable (rnut
//! installs its binaries together). rnut drivers background themselves by default and their
//! foreground process exits 0 only once the socket is up, so `start` waits for that exit
//! exactly as C upsdrvctl does.
//!
//! The command line is in `cli`, the `status` table in `status`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use nut_core::config::file::{Writers, read_config};
use nut_core::config::nut_conf::{Daemon, check_start_at};
use nut_core::config::{UpsConf, UpsSection, paths};

use crate::control::{command_signal, read_pid_file};
use crate::foreground;
mod cli;
mod status;

pub use cli::{Action, Args, Env};

struct Ctl<'a> {
    args: &'a Args,
    env: &'a Env,
    conf: UpsConf,
    out: &'a mut dyn Write,
}

/// Run upsdrvctl; messages go to `out` (stdout) and the log (stderr).
pub fn run(args: &Args, env: &Env, out: &mut dyn Write) -> ExitCode {
    // ups.conf names the programs run as root: refused when others may write it.
    let text = match read_config(&env.upsconf, Writers::NotOthers) {
        Ok(contents) => contents.into_text(),
        Err(e) => {
            tracing::error!("cannot read {}: {e}", env.upsconf.display());
            return ExitCode::FAILURE;
        }
    };
    let conf = match UpsConf::parse(&text, &env.upsconf) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let (action, ups) = match args.action_and_ups() {
        Ok(x) => x,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let action = if args.list {
        Some(Action::List)
    } else {
        action
    };
    // nut.conf (next to ups.conf) must call for drivers before any is started or told to
    // power the UPS off; stop, status and list stay available.
    if matches!(
        (&args.command, action),
        (None, Some(Action::Start | Action::Shutdown))
    ) {
        match check_start_at(&env.upsconf.with_file_name("nut.conf"), Daemon::Upsdrvctl) {
            Ok(warnings) => warnings.iter().for_each(|w| tracing::warn!("{w}")),
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut ctl = Ctl {
        args,
        env,
        conf,
        out,
    };
    let selected: Vec<UpsSection> = match &ups {
        None => ctl.conf.sections.clone(),
        Some(name) => match ctl
            .conf
            .sections
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| ctl.conf.get(name))
        {
            Some(s) => vec![s.clone()],
            None => {
                tracing::error!("UPS {name} not found in {}", env.upsconf.display());
                return ExitCode::FAILURE;
            }
        },
    };
    if selected.is_empty() {
        tracing::error!("no UPS defined in {}", env.upsconf.display());
        return ExitCode::FAILURE;
    }
    let ok = match (&args.command, action) {
        (Some(cmd), _) => ctl.signal_all(&selected, cmd),
        (None, Some(Action::Start)) => ctl.start_all(&selected),
        (None, Some(Action::Stop)) => ctl.stop_all(&selected),
        (None, Some(Action::Shutdown)) => ctl.shutdown_all(&selected, ups.is_some()),
        (None, Some(Action::Status)) => ctl.status_all(&selected),
        (None, Some(Action::List)) => {
            for s in &selected {
                let _ = writeln!(ctl.out, "{}", s.name);
            }
            true
        }
        (None, None) => {
            tracing::error!("no action given: start, stop, shutdown, status or list");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn show(argv: &[String]) -> String {
    argv.iter()
        .map(|a| nut_core::words::encode_arg(a))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Ctl<'_> {
    fn driver_path(&self, s: &UpsSection) -> PathBuf {
        self.conf
            .globals
            .driverpath
            .clone()
            .unwrap_or_else(|| self.env.default_driverpath.clone())
            .join(&s.driver)
    }

    fn pid_file(&self, s: &UpsSection) -> PathBuf {
        self.env
            .pidpath
            .join(format!("{}-{}.pid", s.driver, s.name))
    }

    fn socket(&self, s: &UpsSection) -> PathBuf {
        let dir = self
            .env
            .statepath_env
            .clone()
            .or_else(|| self.conf.globals.statepath.clone())
            .unwrap_or_else(|| PathBuf::from(paths::DEFAULT_STATEPATH));
        dir.join(format!("{}-{}", s.driver, s.name))
    }

    fn common_tail(&self, argv: &mut Vec<String>) {
        if let Some(dir) = self
            .args
            .chroot
            .clone()
            .or_else(|| self.conf.globals.chroot.clone())
        {
            argv.push("-r".into());
            argv.push(dir.display().to_string());
        }
        if let Some(user) = self
            .args
            .user
            .clone()
            .or_else(|| self.conf.globals.user.clone())
        {
            argv.push("-u".into());
            argv.push(user);
        }
    }

    fn start_all(&mut self, ups: &[UpsSection]) -> bool {
        let mut ok = true;
        let mut foreground = Vec::new();
        for s in ups {
            let path = self.driver_path(s);
            let mut argv = vec![path.display().to_string()];
            if self.args.pass_debug && self.args.debug > 0 {
                argv.push(format!("-{}", "D".repeat(self.args.debug as usize)));
            }
            if self.args.background {
                argv.push("-B".into());
            } else if self.args.foreground > 0 {
                argv.push(format!(
                    "-{}",
                    "F".repeat(self.args.foreground.min(2) as usize)
                ));
            }
            argv.push("-a".into());
            argv.push(s.name.clone());
            self.common_tail(&mut argv);
            if self.args.test {
                let _ = writeln!(self.out, "exec: {}", show(&argv));
                continue;
            }
            if !path.is_file() {
                tracing::error!("can't start {}: no such driver program", path.display());
                ok = false;
                continue;
            }
            if self.args.foreground > 0 {
                foreground.push(foreground::Driver {
                    ups: s.name.clone(),
                    argv,
                });
                continue;
            }
            if self.conf.globals.nowait && !self.env.ignore_nowait {
                if let Err(e) = Command::new(&argv[0])
                    .args(&argv[1..])
                    .stdin(Stdio::null())
                    .spawn()
                {
                    tracing::error!("can't start {}: {e}", path.display());
                    ok = false;
                }
                continue;
            }
            ok &= self.start_with_retries(s, &argv);
        }
        match foreground.as_slice() {
            [] => ok,
            // One driver runs in our place: our PID, our signals, nothing left behind.
            [one] if ok => {
                let _ = self.out.flush();
                let e = foreground::exec(one);
                tracing::error!("can't start {}: {e}", one.argv[0]);
                false
            }
            several => {
                let grace = ups
                    .iter()
                    .map(|s| s.effective_maxstartdelay(&self.conf.globals))
                    .max()
                    .unwrap_or(Duration::from_secs(45));
                foreground::supervise(several, grace) && ok
            }
        }
    }

    fn start_with_retries(&mut self, s: &UpsSection, argv: &[String]) -> bool {
        let g = &self.conf.globals;
        let attempts = s.effective_maxretry(g).max(1);
        let budget = s.effective_maxstartdelay(g);
        let pause = s.effective_retrydelay(g);
        for attempt in 1..=attempts {
            tracing::debug!(
                "starting UPS [{}] (attempt {attempt}/{attempts}): {}",
                s.name,
                show(argv)
            );
            match run_with_timeout(argv, budget) {
                Ok(()) => return true,
                Err(why) => {
                    tracing::error!("driver for UPS [{}] failed to start: {why}", s.name);
                    if attempt < attempts {
                        std::thread::sleep(pause);
                    }
                }
            }
        }
        let _ = writeln!(
            self.out,
            "Driver failed to start for UPS [{}] ({} attempts)",
            s.name, attempts
        );
        false
    }

    fn stop_all(&mut self, ups: &[UpsSection]) -> bool {
        let mut ok = true;
        for s in ups {
            let pid_file = self.pid_file(s);
            let pid = match read_pid_file(&pid_file) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!("stopping UPS [{}]: {e}", s.name);
                    ok = false;
                    continue;
                }
            };
            if self.args.test {
                let _ = writeln!(self.out, "kill -TERM {pid} (from {})", pid_file.display());
                continue;
            }
            let target = Pid::from_raw(pid);
            if nix::sys::signal::kill(target, None).is_err() {
                tracing::warn!(
                    "UPS [{}]: process {pid} is not running; removing stale PID file",
                    s.name
                );
                let _ = std::fs::remove_file(&pid_file);
                continue;
            }
            let _ = nix::sys::signal::kill(target, Signal::SIGTERM);
            let deadline = Instant::now() + s.effective_maxstartdelay(&self.conf.globals);
            let mut gone = false;
            while Instant::now() < deadline {
                if nix::sys::signal::kill(target, None).is_err() {
                    gone = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !gone {
                tracing::warn!(
                    "UPS [{}]: process {pid} ignored SIGTERM; sending SIGKILL",
                    s.name
                );
                let _ = nix::sys::signal::kill(target, Signal::SIGKILL);
                let _ = std::fs::remove_file(&pid_file);
            }
            tracing::info!("stopped the driver of UPS [{}]", s.name);
        }
        ok
    }

    /// `-k` for each UPS in `sdorder`; a negative `sdorder` keeps a UPS out of the bulk
    /// shutdown only: a UPS named on the command line is always shut down, as in C.
    fn shutdown_all(&mut self, ups: &[UpsSection], named: bool) -> bool {
        let mut order: Vec<&UpsSection> = ups.iter().filter(|s| named || s.sdorder >= 0).collect();
        order.sort_by_key(|s| s.sdorder);
        let mut ok = true;
        for s in order {
            let path = self.driver_path(s);
            let mut argv = vec![
                path.display().to_string(),
                "-a".into(),
                s.name.clone(),
                "-k".into(),
            ];
            self.common_tail(&mut argv);
            if self.args.test {
                let _ = writeln!(self.out, "exec: {}", show(&argv));
                continue;
            }
            if !path.is_file() {
                tracing::error!("can't run {}: no such driver program", path.display());
                ok = false;
                continue;
            }
            if let Err(why) = run_with_timeout(&argv, s.effective_maxstartdelay(&self.conf.globals))
            {
                tracing::error!("shutdown of UPS [{}] failed: {why}", s.name);
                ok = false;
            }
        }
        ok
    }

    fn signal_all(&mut self, ups: &[UpsSection], cmd: &str) -> bool {
        let sig = match command_signal(cmd) {
            Ok(sig) => sig,
            Err(e) => {
                tracing::error!("{e}");
                return false;
            }
        };
        let mut ok = true;
        for s in ups {
            match read_pid_file(&self.pid_file(s)) {
                Ok(pid) if self.args.test => {
                    let _ = writeln!(
                        self.out,
                        "kill -{} {pid}",
                        sig.as_str().trim_start_matches("SIG")
                    );
                }
                Ok(pid) => {
                    if let Err(e) = nix::sys::signal::kill(Pid::from_raw(pid), sig) {
                        tracing::error!("UPS [{}]: cannot signal {pid}: {e}", s.name);
                        ok = false;
                    }
                }
                Err(e) => {
                    tracing::error!("UPS [{}]: {e}", s.name);
                    ok = false;
                }
            }
        }
        ok
    }
}

/// Run a driver's foreground process and wait for it to exit successfully within `limit`.
fn run_with_timeout(argv: &[String], limit: Duration) -> Result<(), String> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(st)) if st.success() => return Ok(()),
            Ok(Some(st)) => return Err(format!("exited with {st}")),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "did not finish starting within {} s (maxstartdelay)",
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(argv: &[&str]) -> Result<(Option<Action>, Option<String>), String> {
        let args = Args::try_parse_from(std::iter::once("upsdrvctl").chain(argv.iter().copied()))
            .map_err(|e| e.to_string())?;
        args.action_and_ups()
    }

    #[test]
    fn command_lines_as_c_accepts_them() {
        assert_eq!(parse(&["start"]), Ok((Some(Action::Start), None)));
        assert_eq!(
            parse(&["-u", "nut", "stop", "ups1"]),
            Ok((Some(Action::Stop), Some("ups1".into())))
        );
        assert_eq!(
            parse(&["-c", "reload", "ups1"]),
            Ok((None, Some("ups1".into())))
        );
        assert_eq!(parse(&["-c", "exit"]), Ok((None, None)));
        assert!(parse(&["begin"]).is_err());
        assert!(parse(&["start", "a", "b"]).is_err());
        assert_eq!(
            show(&["/x/dummy-ups".into(), "-a".into(), "my ups".into()]),
            "/x/dummy-ups -a \"my ups\""
        );
    }
}
