//! The I/O side of upsmon: one session per MONITOR line, the poll loop of upsmon.md section 4,
//! and carrying the state machine's effects out (notifications, logs).

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nut_core::config::{MonitorRole, MonitorSpec, PollFailLogThrottle, UpsmonConf};

use super::machine::{Monitor, PollOutcome};
use super::notify::{Notifier, NotifyConfig};
use super::settings;
use super::signals::{Request, Signals};
use super::tracker::{Effect, LogLevel};
use crate::client::{Client, ClientError, ConnectOptions};
use nut_certutil::tls::ClientTlsSettings;

/// How the shutdown command gets run.
#[derive(Debug)]
pub enum ShutdownHook {
    /// Split mode: write 0x01 to the privileged parent through this pipe end.
    Parent(File),
    /// Mono mode (`-p`): write POWERDOWNFLAG and run SHUTDOWNCMD in this process.
    Direct,
}

/// Poll-failure log throttling state of one UPS.
#[derive(Debug, Default, Clone)]
struct PollFailLog {
    count: u64,
    last: Option<String>,
}

/// A running upsmon (the unprivileged main loop in split mode).
#[derive(Debug)]
pub struct Runner {
    pub(super) conf: UpsmonConf,
    pub(super) conf_path: PathBuf,
    pub(super) monitor: Monitor,
    pub(super) conns: Vec<Option<Client>>,
    pub(super) notifier: Notifier,
    pub(super) net: ConnectOptions,
    pub(super) hook: ShutdownHook,
    pub(super) powerdown_enabled: bool,
    pub(super) start: Instant,
    pub(super) signals: Signals,
    pub(super) exit_requested: Option<i32>,
    pub(super) fsd_requested: bool,
    pub(super) reload_requested: bool,
    pub(super) last_noparent: Option<Instant>,
    pollfail: Vec<PollFailLog>,
    pub(super) cert_watch: super::cert_expiry::CertExpiryWatch,
}

impl Runner {
    /// Set up (needs a tokio runtime). `net` carries the timeout and address family; its TLS
    /// settings are replaced by the config's.
    pub fn new(
        conf: UpsmonConf,
        conf_path: PathBuf,
        mut net: ConnectOptions,
        hook: ShutdownHook,
        powerdown_enabled: bool,
    ) -> std::io::Result<Runner> {
        net.tls = Some(ClientTlsSettings::from(&conf));
        load_tls(&mut net);
        net.tryssl = true;
        let mut monitor = Monitor::new(settings::timing(&conf), settings::trackers(&conf));
        monitor.set_timing(settings::timing(&conf));
        let n = conf.monitors.len();
        for m in &conf.monitors {
            if m.power_value > 0 {
                let role = if m.role == MonitorRole::Primary {
                    "primary"
                } else {
                    "secondary"
                };
                tracing::info!(
                    "UPS: {} ({role}) (power value {})",
                    m.system_text,
                    m.power_value
                );
            } else {
                tracing::info!("UPS: {} (monitoring only)", m.system_text);
            }
        }
        Ok(Runner {
            notifier: Notifier::start(NotifyConfig::from_conf(&conf)),
            conf,
            conf_path,
            monitor,
            conns: (0..n).map(|_| None).collect(),
            net,
            hook,
            powerdown_enabled,
            start: Instant::now(),
            signals: Signals::register()?,
            exit_requested: None,
            fsd_requested: false,
            reload_requested: false,
            last_noparent: None,
            pollfail: vec![PollFailLog::default(); n],
            cert_watch: super::cert_expiry::CertExpiryWatch::new(n),
        })
    }

    pub(super) fn reset_pollfail(&mut self) {
        self.pollfail = vec![PollFailLog::default(); self.conns.len()];
    }

    /// Seconds since start: the state machine's clock (monotonic).
    pub(super) fn now(&self) -> u64 {
        self.start.elapsed().as_secs()
    }

    /// The main loop. Returns the exit code.
    pub async fn run(mut self) -> i32 {
        // Every UPS is polled at the state machine's interval; a change pushed by a server
        // (push extension) polls its UPS at once in between, without moving that schedule.
        let mut next_full = Instant::now();
        let mut pushed: Option<usize> = None;
        loop {
            if self.fsd_requested {
                tracing::info!("Signal: User requested FSD");
                return self.forceshutdown().await;
            }
            if self.reload_requested {
                self.reload_requested = false;
                if let Err(code) = self.reload().await {
                    return code;
                }
                pushed = None;
            }
            let full = Instant::now() >= next_full;
            let targets: Vec<usize> = match pushed.take() {
                Some(idx) if !full && idx < self.conns.len() => vec![idx],
                _ => (0..self.conns.len()).collect(),
            };
            for idx in targets {
                self.poll_ups(idx).await;
                self.apply_effects();
            }
            let now = self.now();
            let shutdown = self.monitor.recalc(now);
            self.apply_effects();
            if shutdown {
                return self.forceshutdown().await;
            }
            self.check_parent();
            if self.exit_requested.is_some() {
                break;
            }
            if full {
                next_full = Instant::now() + Duration::from_secs(self.monitor.sleepval().max(1));
            }
            let sleep = next_full.saturating_duration_since(Instant::now());
            tokio::select! {
                req = self.signals.sleep(sleep) => {
                    if let Some(req) = req {
                        self.handle(req);
                    }
                }
                idx = super::push::next_change(&mut self.conns) => pushed = Some(idx),
            }
            if self.exit_requested.is_some() && !self.fsd_requested {
                break;
            }
        }
        if let Some(sig) = self.exit_requested {
            tracing::info!("Signal {sig}: User requested EXIT");
        }
        self.logout_all().await;
        self.notifier.flush(Duration::from_secs(5)).await;
        0
    }

    pub(super) fn handle(&mut self, req: Request) {
        match req {
            Request::Exit(sig) => self.exit_requested = Some(sig),
            Request::Reload => self.reload_requested = true,
            Request::ForcedShutdown => self.fsd_requested = true,
            Request::Ignored => {}
        }
    }

    pub(super) async fn logout_all(&mut self) {
        for conn in self.conns.iter_mut() {
            if let Some(c) = conn.take() {
                c.logout().await;
            }
        }
    }

    /// Deliver notifications and log lines the state machine produced.
    pub(super) fn apply_effects(&mut self) {
        for effect in self.monitor.take_effects() {
            match effect {
                Effect::Notify(n) => self.notifier.notify(&n),
                Effect::Log(level, msg) => log(level, &msg),
            }
        }
    }

    async fn poll_ups(&mut self, idx: usize) {
        let spec = self.conf.monitors[idx].clone();
        let mut lost = None;
        // A failover line gets one more try, on its other servers, when the session broke
        // before the status was read (see `failover`).
        for _ in 0..2 {
            match self.poll_session(idx, &spec, lost.take()).await {
                Some(server) if !spec.alternates.is_empty() => lost = Some(server),
                _ => return,
            }
        }
        let now = self.now();
        self.monitor.poll(idx, &PollOutcome::Failed, now);
        self.drop_connection(idx).await;
    }

    /// Poll once over the session (connecting first, to the servers in failover order with
    /// `lost` last). `Some(server)`: a failover line's session to `server` broke before the
    /// status was read; nothing was recorded and the caller tries the other servers.
    async fn poll_session(
        &mut self,
        idx: usize,
        spec: &MonitorSpec,
        lost: Option<(String, u16)>,
    ) -> Option<(String, u16)> {
        // Every outcome is stamped with the time it was known, after the network work: a
        // slow reconnect must not make a status read just now look DEADTIME old.
        if self.conns[idx].is_none() {
            match self.try_connect(idx, spec, lost.as_ref()).await {
                Ok(true) => {}
                Ok(false) => {
                    let now = self.now();
                    self.monitor.poll(idx, &PollOutcome::Failed, now);
                    return None;
                }
                Err(e) => {
                    self.log_poll_failure(
                        idx,
                        &format!("Connect to UPS [{}] failed - {e}", spec.system_text),
                    );
                    let now = self.now();
                    self.monitor.poll(idx, &PollOutcome::Failed, now);
                    return None;
                }
            }
        }
        self.check_cert_expiry(idx, &spec.system_text);
        let client = self.conns[idx].as_mut()?;
        let server = (client.host().to_string(), client.port());
        let ups = super::failover::ups_name(spec, client);
        tracing::debug!(
            "polling ups: {}{}",
            spec.system_text,
            if client.is_tls() { " [SSL]" } else { "" }
        );
        // Any error that broke the session ends this poll's queries; ERR replies do not.
        let status = client.get_var(ups, "ups.status").await;
        let mut broken = status.as_ref().is_err_and(ClientError::is_fatal);
        let mut buzzwords = None;
        let mut alarm = None;
        if !broken {
            for var in ["ups.mode.buzzwords", "experimental.ups.mode.buzzwords"] {
                match client.get_var(ups, var).await {
                    Ok(v) => {
                        buzzwords.get_or_insert(v);
                    }
                    Err(e) if e.is_fatal() => {
                        broken = true;
                        break;
                    }
                    Err(_) => {}
                }
            }
        }
        let has_alarm = status.as_ref().is_ok_and(|s| {
            s.split_whitespace()
                .any(|t| t.eq_ignore_ascii_case("ALARM"))
        });
        if !broken && has_alarm {
            match client.get_var(ups, "ups.alarm").await {
                Ok(v) => alarm = Some(v),
                Err(e) => broken = e.is_fatal(),
            }
        }
        // What was pushed so far is in what was just read.
        client.clear_notifications();
        // A server that answers but cannot report the UPS is as lost as a dead one, for a
        // line with other servers to ask.
        let unavailable = status
            .as_ref()
            .err()
            .and_then(ClientError::code)
            .is_some_and(|c| {
                matches!(
                    c,
                    nut_core::net::ErrCode::DataStale
                        | nut_core::net::ErrCode::DriverNotConnected
                        | nut_core::net::ErrCode::UnknownUps
                )
            });
        let answered = status.is_ok() || buzzwords.is_some();
        if (broken || unavailable) && !answered && !spec.alternates.is_empty() && lost.is_none() {
            // Lost the server this failover line was using: no COMMBAD yet, the other
            // servers are tried first.
            let why = status
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::warn!(
                "UPS [{}]: lost server {}:{} ({why}), trying the others",
                spec.system_text,
                server.0,
                server.1
            );
            self.conns[idx] = None;
            self.monitor.set_logged_in(idx, false);
            return Some(server);
        }
        let outcome = match (&status, &buzzwords) {
            (Ok(s), _) => PollOutcome::Status {
                status: s.clone(),
                buzzwords,
                alarm,
            },
            (Err(_), Some(_)) => PollOutcome::Status {
                status: String::new(),
                buzzwords,
                alarm,
            },
            (Err(e), None) => {
                let msg = match e.code() {
                    Some(nut_core::net::ErrCode::UnknownUps) => format!(
                        "Poll UPS [{}] failed - [{}] does not exist on server {}",
                        spec.system_text, ups, server.0
                    ),
                    _ => format!("Poll UPS [{}] failed - {e}", spec.system_text),
                };
                self.log_poll_failure(idx, &msg);
                PollOutcome::Failed
            }
        };
        let read = matches!(outcome, PollOutcome::Status { .. });
        if read {
            self.pollfail[idx] = PollFailLog::default();
        }
        let now = self.now();
        self.monitor.poll(idx, &outcome, now);
        if broken {
            if read {
                // The status was read: the UPS is alive. Only the session is gone; the next
                // loop reconnects, and a failure there is a COMMBAD like any failed poll.
                self.conns[idx] = None;
                self.monitor.set_logged_in(idx, false);
            } else {
                self.drop_connection(idx).await;
            }
        }
        None
    }

    /// The UPS name of MONITOR line `idx` on the server its session is connected to.
    pub(super) fn ups_of(&self, idx: usize) -> String {
        let spec = &self.conf.monitors[idx];
        match &self.conns[idx] {
            Some(c) => super::failover::ups_name(spec, c).to_string(),
            None => spec.system.ups.clone(),
        }
    }

    pub(super) async fn drop_connection(&mut self, idx: usize) {
        if let Some(c) = self.conns[idx].take() {
            drop(c);
        }
        self.monitor.connection_dropped(idx);
    }

    /// Connect to the first of the line's servers that answers (in failover order, `lost`
    /// last), then as [`Runner::connect_server`].
    async fn try_connect(
        &mut self,
        idx: usize,
        spec: &MonitorSpec,
        lost: Option<&(String, u16)>,
    ) -> Result<bool, ClientError> {
        let mut last_err = None;
        for server in super::failover::connect_order(spec, lost) {
            match self.connect_server(idx, spec, server).await {
                Ok(primary_ok) => {
                    super::failover::log_using(spec, server, lost);
                    return Ok(primary_ok);
                }
                Err(e) => {
                    super::failover::log_no_answer(spec, server, &e);
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap_or(ClientError::Disconnected))
    }

    /// Connect to `server`, authenticate, LOGIN, WATCH when offered, and PRIMARY for a
    /// primary. `Ok(false)`: connected but the primary privilege was refused (counts as a
    /// failed poll, the session is kept).
    async fn connect_server(
        &mut self,
        idx: usize,
        spec: &MonitorSpec,
        server: &nut_core::config::MonitorTarget,
    ) -> Result<bool, ClientError> {
        let host = server.host.as_str();
        let ups = server.ups.as_str();
        let mut client = Client::connect(host, server.port, &self.net).await?;
        let ssl = if client.is_tls() { " [SSL]" } else { "" };
        if self.server_verified(host, server.port) {
            self.cert_watch.set_server(idx, &client.peer_certificates());
        }
        if let Err(e) = client
            .authenticate(&spec.user, spec.password.expose())
            .await
        {
            if e.is_fatal() {
                return Err(e);
            }
            tracing::error!("Login on UPS [{}] failed - got [{e}]", spec.system_text);
            self.conns[idx] = Some(client);
            return Ok(true);
        }
        match client.login(ups).await {
            Ok(()) => {
                self.monitor.set_logged_in(idx, true);
                tracing::info!("Logged into UPS [{}]{ssl}", spec.system_text);
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => tracing::error!("Login on UPS [{}] failed - got [{e}]", spec.system_text),
        }
        super::push::start(&mut client, ups, &spec.system_text).await?;
        if spec.role == MonitorRole::Primary {
            if let Err(e) = client.primary(ups).await {
                if e.is_fatal() {
                    return Err(e);
                }
                tracing::error!(
                    "Primary managerial privileges unavailable on UPS [{}]",
                    spec.system_text
                );
                self.conns[idx] = Some(client);
                return Ok(false);
            }
        }
        self.conns[idx] = Some(client);
        Ok(true)
    }

    /// Whether the server certificate of `host:port` is verified (CERTVERIFY).
    fn server_verified(&self, host: &str, port: u16) -> bool {
        self.net
            .loaded
            .as_ref()
            .and_then(|l| l.for_server(host, port).ok())
            .is_some_and(|p| p.certverify)
    }

    /// Warn about the certificates of line `idx` and upsmon's own that expire soon.
    fn check_cert_expiry(&mut self, idx: usize, system: &str) {
        let own = self
            .net
            .loaded
            .as_ref()
            .map(|l| l.watched().to_vec())
            .unwrap_or_default();
        self.cert_watch
            .check(idx, system, &own, self.conf.certexpirywarn, &self.notifier);
    }

    fn log_poll_failure(&mut self, idx: usize, msg: &str) {
        let state = &mut self.pollfail[idx];
        let changed = state.last.as_deref() != Some(msg);
        let show = match self.conf.pollfail_log_throttle_max {
            PollFailLogThrottle::EveryLoop => true,
            PollFailLogThrottle::OnChange => changed,
            PollFailLogThrottle::Every(n) => changed || n == 0 || state.count % n == 0,
        };
        state.count = if changed { 0 } else { state.count + 1 };
        state.last = Some(msg.to_string());
        if show {
            tracing::error!("{msg}");
        }
    }

    /// Split mode: notice when the privileged parent is gone (NOPARENT, at most every 120 s).
    fn check_parent(&mut self) {
        let ShutdownHook::Parent(pipe) = &self.hook else {
            return;
        };
        if !super::privsep::peer_gone(pipe) {
            return;
        }
        // Logged with the NOPARENT notice, at most every 120 s (not every loop), as C does.
        if self
            .last_noparent
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(120))
        {
            tracing::error!("Parent died - shutdown impossible");
            self.last_noparent = Some(Instant::now());
            self.notifier.notify(&super::events::Notification::global(
                super::events::NotifyEvent::NoParent,
            ));
        }
    }
}

/// Write a state machine log line at its level.
pub(super) fn log(level: LogLevel, msg: &str) {
    match level {
        LogLevel::Debug => tracing::debug!("{msg}"),
        LogLevel::Info | LogLevel::Notice => tracing::info!("{msg}"),
        LogLevel::Warning => tracing::warn!("{msg}"),
        LogLevel::Error | LogLevel::Critical => tracing::error!("{msg}"),
    }
}

/// Read the TLS settings once for every MONITOR line (one store visit per start or reload).
/// An error is logged here and again by each connect, which then retries the load (a store
/// being repaired, a key file being replaced), as without a load.
pub(super) fn load_tls(net: &mut ConnectOptions) {
    if let Err(e) = net.load_tls() {
        tracing::error!("the TLS settings of upsmon.conf cannot be used yet: {e}");
    }
}
