//! The device thread: owns the [`DeviceBackend`], runs its update cycle every poll interval
//! and executes the instant commands and settings routed from the socket readers. The
//! `driver.*` core commands and variables are handled here before the backend sees them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use nut_core::sock::{ResultCode, VarFlags};
use tokio::sync::oneshot;

use crate::backend::{BackendError, DeviceBackend, DriverContext, ReloadOutcome};
use crate::config::DriverConfig;
use crate::error::DriverError;

/// Requests from the socket side and the signal handler.
#[derive(Debug)]
pub(crate) enum DeviceRequest {
    InstCmd {
        cmd: String,
        param: Option<String>,
        reply: oneshot::Sender<ResultCode>,
    },
    SetVar {
        var: String,
        value: String,
        reply: oneshot::Sender<ResultCode>,
    },
    /// SIGHUP (`exit_if_restart` false) or SIGUSR1 / reload-or-exit (true).
    Reload {
        exit_if_restart: bool,
    },
    Stop,
}

/// Why the device thread ended.
#[derive(Debug)]
pub(crate) enum DeviceExit {
    Stopped,
    /// A reload needed a restart and the caller asked to exit then.
    ExitForReload(String),
}

/// Loads the configuration again (for reloads).
pub(crate) type ConfigLoader = Box<dyn Fn() -> Result<DriverConfig, DriverError> + Send>;

/// Publish `driver.parameter.*` / `driver.flag.*` for a configuration.
pub(crate) fn publish_parameters(ctx: &DriverContext) {
    let d = &ctx.dstate;
    let c = &ctx.config;
    d.setinfo("driver.parameter.port", &c.port);
    d.setinfo(
        "driver.parameter.pollinterval",
        &c.pollinterval.as_secs().to_string(),
    );
    d.setinfo("driver.parameter.synchronous", &c.synchronous);
    for (k, v) in &c.options {
        match v {
            Some(v) => d.setinfo(&format!("driver.parameter.{k}"), v),
            None => d.setinfo(&format!("driver.flag.{k}"), "enabled"),
        };
    }
    if c.ignorelb {
        d.setinfo("driver.flag.ignorelb", "enabled");
    }
}

pub(crate) struct DeviceLoop<B: DeviceBackend> {
    pub backend: B,
    pub ctx: DriverContext,
    pub loader: ConfigLoader,
    pub heartbeat: Arc<AtomicU64>,
    /// The poll interval in force, seconds (a reload may change it), for the watchdog.
    pub interval_secs: Arc<AtomicU64>,
    pub started: Instant,
}

impl<B: DeviceBackend> DeviceLoop<B> {
    pub(crate) fn run(mut self, rx: Receiver<DeviceRequest>) -> DeviceExit {
        let mut next = Instant::now() + self.interval();
        let mut failing = false;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(DeviceRequest::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(DeviceRequest::InstCmd { cmd, param, reply }) => {
                    let code = self.instcmd(&cmd, param.as_deref());
                    if code != ResultCode::Handled {
                        tracing::info!("instant command {cmd}: {}", code.instcmd_name());
                    }
                    let _ = reply.send(code);
                }
                Ok(DeviceRequest::SetVar { var, value, reply }) => {
                    let code = self.setvar(&var, &value);
                    let _ = reply.send(code);
                }
                Ok(DeviceRequest::Reload { exit_if_restart }) => {
                    if let Some(why) = self.reload() {
                        if exit_if_restart {
                            self.backend.cleanup(&self.ctx);
                            return DeviceExit::ExitForReload(why);
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.cycle(&mut failing);
                    next = Instant::now() + self.interval();
                }
            }
        }
        self.ctx.dstate.setinfo("driver.state", "cleanup.upsdrv");
        self.backend.cleanup(&self.ctx);
        DeviceExit::Stopped
    }

    pub(crate) fn interval(&self) -> Duration {
        self.backend
            .poll_interval(self.ctx.config.pollinterval)
            .max(Duration::from_millis(100))
    }

    /// One update cycle: DATAOK when the device answered, DATASTALE when it did not.
    pub(crate) fn cycle(&mut self, failing: &mut bool) {
        match self.backend.update(&self.ctx) {
            Ok(()) => {
                if *failing {
                    tracing::info!("device answers again");
                }
                *failing = false;
                self.ctx.dstate.dataok();
            }
            Err(e) => {
                if !*failing {
                    tracing::warn!("data is stale: {e}");
                }
                *failing = true;
                self.ctx.dstate.datastale();
            }
        }
        self.heartbeat
            .store(self.started.elapsed().as_secs(), Ordering::Relaxed);
        self.interval_secs
            .store(self.interval().as_secs().max(1), Ordering::Relaxed);
    }

    fn killpower_allowed(&self) -> bool {
        self.ctx.config.allow_killpower
            || self
                .ctx
                .dstate
                .getinfo("driver.flag.allow_killpower")
                .as_deref()
                == Some("1")
    }

    fn instcmd(&mut self, cmd: &str, param: Option<&str>) -> ResultCode {
        match cmd {
            "driver.killpower" => {
                if !self.killpower_allowed() {
                    tracing::warn!("driver.killpower refused: allow_killpower is not set");
                    return ResultCode::Invalid;
                }
                match self.backend.shutdown(&self.ctx) {
                    Ok(()) => ResultCode::Handled,
                    Err(BackendError::Unsupported(_)) => ResultCode::Invalid,
                    Err(e) => {
                        tracing::error!("driver.killpower failed: {e}");
                        ResultCode::Failed
                    }
                }
            }
            "driver.reload" | "driver.reload-or-error" => match self.reload() {
                None => ResultCode::Handled,
                Some(_) if cmd == "driver.reload" => ResultCode::Handled,
                Some(_) => ResultCode::Failed,
            },
            "driver.reload-or-exit" => match self.reload() {
                None => ResultCode::Handled,
                Some(why) => {
                    tracing::warn!("reload-or-exit: {why}; exiting");
                    // Ask the main loop to stop; the answer still goes out.
                    let _ = nix::sys::signal::kill(
                        nix::unistd::getpid(),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                    ResultCode::Handled
                }
            },
            _ => self.backend.instcmd(&self.ctx, cmd, param),
        }
    }

    fn setvar(&mut self, var: &str, value: &str) -> ResultCode {
        if var.eq_ignore_ascii_case("driver.flag.allow_killpower") {
            return match value.trim() {
                "0" | "1" => {
                    self.ctx
                        .dstate
                        .setinfo("driver.flag.allow_killpower", value.trim());
                    ResultCode::Handled
                }
                _ => ResultCode::Invalid,
            };
        }
        if var
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("driver."))
        {
            return ResultCode::Unknown;
        }
        self.backend.setvar(&self.ctx, var, value)
    }

    /// Reload the configuration; returns why a restart is needed, if it is.
    fn reload(&mut self) -> Option<String> {
        let new = match (self.loader)() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("reload failed, keeping the running configuration: {e}");
                return None;
            }
        };
        self.ctx.dstate.setinfo("driver.state", "reloading");
        let old = std::mem::replace(&mut self.ctx.config, new);
        let mut restart = None;
        for (what, changed) in [
            ("user", old.user != self.ctx.config.user),
            ("chroot", old.chroot != self.ctx.config.chroot),
            ("statepath", old.statepath != self.ctx.config.statepath),
        ] {
            if changed {
                restart = Some(format!("{what} changed"));
            }
        }
        // Parameters that disappeared are withdrawn, the rest republished.
        let snapshot = self.ctx.dstate.snapshot();
        for v in snapshot.vars() {
            let n = &v.name;
            if let Some(k) = n.strip_prefix("driver.parameter.") {
                let still = matches!(k, "port" | "pollinterval" | "synchronous")
                    || self.ctx.config.option(k).is_some();
                if !still {
                    self.ctx.dstate.delinfo(n);
                }
            } else if let Some(k) = n.strip_prefix("driver.flag.") {
                let still = k == "allow_killpower"
                    || self.ctx.config.has_flag(k)
                    || (k == "ignorelb" && self.ctx.config.ignorelb);
                if !still {
                    self.ctx.dstate.delinfo(n);
                }
            }
        }
        publish_parameters(&self.ctx);
        for (var, value) in &self.ctx.config.defaults {
            if self.ctx.dstate.getinfo(var).is_none() {
                self.ctx.dstate.setinfo(var, value);
            }
        }
        if let ReloadOutcome::NeedsRestart(why) = self.backend.reload(&self.ctx, &old) {
            restart = Some(why);
        }
        self.ctx.dstate.setinfo("driver.state", "quiet");
        match &restart {
            Some(why) => tracing::warn!("reloaded; a restart is needed to apply everything: {why}"),
            None => tracing::info!("configuration reloaded"),
        }
        restart
    }
}

/// Publish the core `driver.*` variables and commands.
pub(crate) fn publish_core(ctx: &DriverContext, version_internal: &str) {
    let d = &ctx.dstate;
    d.setinfo("driver.name", &ctx.config.driver);
    d.setinfo("driver.version", crate::NUT_VERSION);
    d.setinfo("driver.version.internal", version_internal);
    publish_parameters(ctx);
    d.setinfo(
        "driver.flag.allow_killpower",
        if ctx.config.allow_killpower { "1" } else { "0" },
    );
    d.setflags(
        "driver.flag.allow_killpower",
        VarFlags::RW | VarFlags::NUMBER,
    );
    for cmd in [
        "driver.killpower",
        "driver.reload",
        "driver.reload-or-error",
        "driver.reload-or-exit",
    ] {
        d.addcmd(cmd);
    }
}

/// Copy `ups.mfr`, `ups.model` and `ups.serial` to their `device.*` names once the device
/// data is in (C does this once after the first update; later changes are not mirrored).
pub(crate) fn publish_device_mirrors(ctx: &DriverContext) {
    for (from, to) in [
        ("ups.mfr", "device.mfr"),
        ("ups.model", "device.model"),
        ("ups.serial", "device.serial"),
    ] {
        if let Some(v) = ctx.dstate.getinfo(from) {
            ctx.dstate.setinfo(to, &v);
        }
    }
}

/// Publish `default.*` and `override.*` values (before the device's own data, like C).
pub(crate) fn publish_defaults_overrides(ctx: &DriverContext) {
    for (var, value) in &ctx.config.defaults {
        ctx.dstate.setinfo(var, value);
    }
    for (var, value) in &ctx.config.overrides {
        ctx.dstate.setinfo(var, value);
        ctx.dstate.set_immutable(var);
    }
}

/// Spawn the device thread.
pub(crate) fn spawn<B: DeviceBackend>(
    dl: DeviceLoop<B>,
    done: oneshot::Sender<DeviceExit>,
) -> std::io::Result<(Sender<DeviceRequest>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("device".into())
        .spawn(move || {
            let exit = dl.run(rx);
            let _ = done.send(exit);
        })?;
    Ok((tx, handle))
}
