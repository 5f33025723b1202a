//! dummy-ups: a simulated UPS driven by a `.dev`/`.seq` data file, or a repeater of a UPS on
//! another upsd (C `drivers/dummy-ups.c`, spec drivers.md section 1).

pub mod devfile;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod known;
pub mod remote;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use nut_core::net::SystemName;
use nut_core::sock::ResultCode;
use nut_monitor::client::ConnectOptions;
use nut_monitor::upsmon::settings::tls_settings_or_defaults;

use crate::backend::{BackendError, DeviceBackend, DriverContext, DriverOption, ReloadOutcome};
use crate::config::{DriverConfig, resolve_conf_relative};
use crate::dstate::Dstate;
use devfile::{DevFile, Directive};
pub use error::DummyError;
use remote::RemoteUps;

/// The dummy-ups program name.
pub const DRIVER_NAME: &str = "dummy-ups";

/// How dummy-ups runs (spec 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Parse the file once, then again only when it changes.
    Once,
    /// Parse the file over and over.
    Loop,
    /// Mirror a UPS of another upsd.
    Repeater,
}

impl Mode {
    /// Mode selection from `mode` and `port`.
    pub fn select(mode: Option<&str>, port: &str) -> Result<Mode, BackendError> {
        match mode {
            Some("repeater") => Ok(Mode::Repeater),
            Some("dummy-once") => Ok(Mode::Once),
            Some("dummy-loop") | Some("dummy") => Ok(Mode::Loop),
            Some(other) => Err(BackendError::fatal(DummyError::UnsupportedMode(
                other.to_string(),
            ))),
            None if port.contains('@') => Ok(Mode::Repeater),
            None if port.ends_with(".seq") => Ok(Mode::Loop),
            None if port.ends_with(".dev") => Ok(Mode::Once),
            None => Ok(Mode::Loop),
        }
    }

    /// The name published as `driver.parameter.mode`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Once => "dummy-once",
            Mode::Loop => "dummy-loop",
            Mode::Repeater => "repeater",
        }
    }
}

/// Where a dummy data file is in its sequence.
#[derive(Debug)]
struct Sequence {
    file: DevFile,
    mtime: Option<SystemTime>,
    pos: usize,
    paused_until: Option<Instant>,
    /// dummy-once: the file was read to its end.
    finished: bool,
    alarms: Vec<String>,
}

/// The dummy-ups backend.
#[derive(Debug, Default)]
pub struct DummyUps {
    mode: Option<Mode>,
    path: Option<PathBuf>,
    seq: Option<Sequence>,
    repeater: Option<RemoteUps>,
}

const OPTIONS: &[DriverOption] = &[
    DriverOption {
        name: "mode",
        takes_value: true,
        help: "dummy-once, dummy-loop (or dummy), repeater",
    },
    DriverOption {
        name: "repeater_disable_strict_start",
        takes_value: false,
        help: "repeater: do not exit when the remote upsd is unreachable at start",
    },
    DriverOption {
        name: "tlsconfig",
        takes_value: true,
        help: "repeater: CERTPATH, CERTIDENT, CERTFILE, CERTHOST, CERTVERIFY and FORCESSL from this upsmon.conf-style file",
    },
    DriverOption {
        name: "nostarttls",
        takes_value: false,
        help: "repeater: do not try STARTTLS (unless FORCESSL)",
    },
];

/// Longest `TIMER` pause taken (a year).
const MAX_TIMER_SECS: u64 = 365 * 24 * 3600;

/// Timeout of the repeater's connect, handshake and every request.
const NET_TIMEOUT: Duration = Duration::from_secs(5);

/// How the repeater connects: STARTTLS tried (C's `UPSCLI_CONN_TRYSSL`) unless `nostarttls`,
/// with the TLS settings of `tlsconfig` when given; without it, STARTTLS encrypts without
/// verifying the server, as C dummy-ups does.
fn repeater_options(cfg: &DriverConfig) -> Result<ConnectOptions, BackendError> {
    let file = cfg
        .option("tlsconfig")
        .map(|f| resolve_conf_relative(&cfg.confdir, f));
    let tls = tls_settings_or_defaults(file.as_deref())
        .map_err(|e| BackendError::fatal(DummyError::TlsFile(e)))?;
    Ok(ConnectOptions {
        timeout: NET_TIMEOUT,
        tls: Some(tls),
        tryssl: !cfg.has_flag("nostarttls"),
        ..ConnectOptions::default()
    })
}

fn mtime_of(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `setvar` as dummy-ups applies it (files, `SET`, repeater): status through the helpers,
/// empty deletes, known flags or `RW STRING:32`.
pub fn apply_var(d: &Dstate, var: &str, value: &str) {
    if var.eq_ignore_ascii_case("ups.status") {
        d.status_init();
        d.status_set(value);
        d.status_commit();
        return;
    }
    if value.is_empty() {
        d.delinfo(var);
        return;
    }
    d.setinfo(var, value);
    let (flags, aux) = known::flags_for(var);
    d.setflags(var, flags);
    if aux != 0 {
        d.setaux(var, aux);
    }
}

impl DummyUps {
    /// The selected mode (after `open`).
    pub fn mode(&self) -> Option<Mode> {
        self.mode
    }

    fn load_file(&self) -> Result<Sequence, BackendError> {
        let path = self
            .path
            .as_ref()
            .ok_or_else(|| BackendError::fatal(DummyError::NoDataFile))?;
        let file = DevFile::load(path).map_err(|e| BackendError::fatal(DummyError::from(e)))?;
        for e in &file.skipped {
            tracing::warn!("{e}: line skipped");
        }
        for e in &file.altered {
            tracing::warn!("{e}");
        }
        Ok(Sequence {
            file,
            mtime: mtime_of(path),
            pos: 0,
            paused_until: None,
            finished: false,
            alarms: Vec::new(),
        })
    }

    /// Run directives from the current position until a TIMER or the end of the file.
    fn step(seq: &mut Sequence, d: &Dstate, mode: Mode) {
        if let Some(until) = seq.paused_until {
            if Instant::now() < until {
                return;
            }
            seq.paused_until = None;
        }
        let mut alarms_touched = false;
        while let Some(l) = seq.file.lines.get(seq.pos) {
            seq.pos += 1;
            match &l.directive {
                Directive::Timer(secs) => {
                    tracing::debug!("{}:{}: pausing {secs} s", seq.file.path.display(), l.line);
                    // Capped at a year: a huge TIMER must not overflow the clock.
                    let pause = Duration::from_secs((*secs).min(MAX_TIMER_SECS));
                    seq.paused_until = Instant::now().checked_add(pause);
                    break;
                }
                Directive::Alarm(text) => {
                    alarms_touched = true;
                    match text {
                        // A looping file sets the same alarm on every pass: once is enough.
                        Some(t) if !seq.alarms.contains(t) => seq.alarms.push(t.clone()),
                        Some(_) => {}
                        None => seq.alarms.clear(),
                    }
                }
                Directive::Status(tokens) => {
                    d.status_init();
                    for t in tokens {
                        d.status_set(t);
                    }
                    d.status_commit();
                }
                Directive::Set { var, value } => apply_var(d, var, value),
            }
        }
        if alarms_touched {
            d.alarm_init();
            for a in &seq.alarms {
                d.alarm_set(a);
            }
            d.alarm_commit();
            // Re-commit the status so the ALARM prefix follows.
            if let Some(status) = d.getinfo("ups.status") {
                d.status_init();
                d.status_set(status.strip_prefix("ALARM").unwrap_or(&status));
                d.status_commit();
            }
        }
        if seq.pos >= seq.file.lines.len() && seq.paused_until.is_none() {
            match mode {
                Mode::Loop => seq.pos = 0,
                _ => seq.finished = true,
            }
        }
    }

    fn update_repeater(rep: &RemoteUps, d: &Dstate) -> Result<(), BackendError> {
        let vars = rep.list_var().map_err(|reason| {
            BackendError::not_answering(DummyError::Upstream {
                ups: rep.name(),
                reason,
            })
        })?;
        for (var, value) in vars {
            if var
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("driver."))
            {
                continue;
            }
            apply_var(d, &var, &value);
        }
        Ok(())
    }
}

impl DeviceBackend for DummyUps {
    fn description(&self) -> &'static str {
        "Device simulation and repeater driver"
    }

    fn version(&self) -> &'static str {
        "0.15"
    }

    fn options(&self) -> &'static [DriverOption] {
        OPTIONS
    }

    fn open(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let cfg = &ctx.config;
        let mode = Mode::select(cfg.option("mode"), &cfg.port)?;
        self.mode = Some(mode);
        ctx.dstate.setinfo("driver.parameter.mode", mode.name());
        match mode {
            Mode::Repeater => {
                let target = SystemName::parse(&cfg.port).map_err(|source| {
                    BackendError::fatal(DummyError::UpsDefinition {
                        port: cfg.port.clone(),
                        source,
                    })
                })?;
                // The TLS files are read now, before privileges are dropped; reconnects reuse
                // what was read.
                let opts = repeater_options(cfg)?
                    .prebuild(&target.host, target.port)
                    .map_err(|e| BackendError::fatal(DummyError::TlsBuild(e)))?;
                let rep = RemoteUps::start(target, opts)
                    .map_err(|e| BackendError::fatal(DummyError::RepeaterStart(e)))?;
                if let Err(e) = Self::update_repeater(&rep, &ctx.dstate) {
                    if cfg.has_flag("repeater_disable_strict_start") {
                        tracing::warn!("{e}; will retry");
                    } else {
                        return Err(BackendError::fatal(DummyError::StrictStart(Box::new(e))));
                    }
                }
                self.repeater = Some(rep);
            }
            Mode::Once | Mode::Loop => {
                self.path = Some(resolve_conf_relative(&cfg.confdir, &cfg.port));
                self.seq = Some(self.load_file()?);
            }
        }
        Ok(())
    }

    fn init_info(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let d = &ctx.dstate;
        if let Some(seq) = self.seq.as_mut() {
            for k in known::KNOWN {
                if let Some(v) = k.init {
                    d.setinfo(k.name, v);
                    let (flags, aux) = known::flags_for(k.name);
                    d.setflags(k.name, flags);
                    d.setaux(k.name, aux);
                }
            }
            let mode = self.mode.unwrap_or(Mode::Loop);
            d.update(|d| Self::step(seq, d, mode));
        }
        d.addcmd("load.off");
        d.dataok();
        Ok(())
    }

    fn update(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let d = &ctx.dstate;
        let mode = self.mode.unwrap_or(Mode::Loop);
        if let Some(rep) = self.repeater.as_ref() {
            return Self::update_repeater(rep, d);
        }
        // dummy-once re-reads a changed file once it is done with it; dummy-loop at the start
        // of each pass, as C re-opens it.
        let reread = match self.seq.as_ref() {
            Some(seq)
                if (mode == Mode::Once && seq.finished)
                    || (mode == Mode::Loop && seq.pos == 0 && seq.paused_until.is_none()) =>
            {
                let now = self.path.as_deref().and_then(mtime_of);
                now.is_some() && now != seq.mtime
            }
            _ => false,
        };
        if reread {
            match self.load_file() {
                Ok(fresh) => {
                    tracing::info!("{}: changed, reading it again", fresh.file.path.display());
                    self.seq = Some(fresh);
                }
                Err(e) => {
                    tracing::error!("{e}; keeping the previous data");
                    if let (Some(seq), Some(p)) = (self.seq.as_mut(), self.path.as_deref()) {
                        seq.mtime = mtime_of(p);
                    }
                }
            }
        }
        if let Some(seq) = self.seq.as_mut() {
            if !(mode == Mode::Once && seq.finished) {
                d.update(|d| Self::step(seq, d, mode));
            }
        }
        Ok(())
    }

    fn poll_interval(&self, configured: Duration) -> Duration {
        match self.mode {
            Some(Mode::Repeater) => configured,
            // C sleeps 1 s in every update; rnut ticks every second so TIMERs are precise.
            _ => configured.min(Duration::from_secs(1)),
        }
    }

    fn instcmd(&mut self, _ctx: &DriverContext, cmd: &str, param: Option<&str>) -> ResultCode {
        tracing::info!(
            "instcmd: unknown command [{cmd}] [{}]",
            param.unwrap_or("(null)")
        );
        ResultCode::Unknown
    }

    fn setvar(&mut self, ctx: &DriverContext, var: &str, value: &str) -> ResultCode {
        if self.mode == Some(Mode::Repeater) {
            return ResultCode::Unknown;
        }
        apply_var(&ctx.dstate, var, value);
        ResultCode::Handled
    }

    fn shutdown(&mut self, _ctx: &DriverContext) -> Result<(), BackendError> {
        Err(BackendError::Unsupported("shutdown"))
    }

    fn reload(&mut self, ctx: &DriverContext, old: &DriverConfig) -> ReloadOutcome {
        // Ours, not from ups.conf: the framework withdrew it with the other parameters.
        if let Some(mode) = self.mode {
            ctx.dstate.setinfo("driver.parameter.mode", mode.name());
        }
        let changed = |k: &str| ctx.config.option(k) != old.option(k);
        if ctx.config.port != old.port || changed("mode") {
            return ReloadOutcome::NeedsRestart("port or mode changed".into());
        }
        if self.mode == Some(Mode::Repeater)
            && (changed("tlsconfig")
                || ctx.config.has_flag("nostarttls") != old.has_flag("nostarttls"))
        {
            return ReloadOutcome::NeedsRestart("the repeater's TLS settings changed".into());
        }
        ReloadOutcome::Applied
    }

    fn cleanup(&mut self, _ctx: &DriverContext) {
        // Ends the session thread, which logs out of the remote upsd.
        self.repeater = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_selection_follows_spec() {
        assert_eq!(Mode::select(None, "ups@host").expect("ok"), Mode::Repeater);
        assert_eq!(Mode::select(None, "a.seq").expect("ok"), Mode::Loop);
        assert_eq!(Mode::select(None, "a.dev").expect("ok"), Mode::Once);
        assert_eq!(Mode::select(None, "a.txt").expect("ok"), Mode::Loop);
        assert_eq!(
            Mode::select(Some("dummy"), "a.dev").expect("ok"),
            Mode::Loop
        );
        assert_eq!(
            Mode::select(Some("dummy-once"), "a.seq").expect("ok"),
            Mode::Once
        );
        assert_eq!(
            Mode::select(Some("repeater"), "a.dev").expect("ok"),
            Mode::Repeater
        );
        assert!(Mode::select(Some("meta"), "a.dev").is_err());
    }

    #[test]
    fn sequence_steps_and_timers() {
        let d = Dstate::new();
        let file = DevFile::parse(
            b"ups.status: OL\nbattery.charge: 90\nTIMER 0\nups.status: OB\nALARM [hot]\nTIMER 0\nALARM\nfoo.bar: x\n",
            std::path::Path::new("t.seq"),
        )
        .expect("parses");
        let mut seq = Sequence {
            file,
            mtime: None,
            pos: 0,
            paused_until: None,
            finished: false,
            alarms: Vec::new(),
        };
        DummyUps::step(&mut seq, &d, Mode::Once);
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OL"));
        assert_eq!(
            d.flags("battery.charge"),
            Some(nut_core::sock::VarFlags::RW)
        );
        DummyUps::step(&mut seq, &d, Mode::Once);
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("ALARM OB"));
        assert_eq!(d.getinfo("ups.alarm").as_deref(), Some("[hot]"));
        DummyUps::step(&mut seq, &d, Mode::Once);
        assert_eq!(d.getinfo("ups.status").as_deref(), Some("OB"));
        assert_eq!(d.getinfo("ups.alarm"), None);
        assert_eq!(d.getinfo("foo.bar").as_deref(), Some("x"));
        assert_eq!(d.snapshot().get("foo.bar").map(|n| n.aux), Some(32));
        assert!(seq.finished);
    }
}
