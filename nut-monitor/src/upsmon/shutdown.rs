//! The shutdown sequence (upsmon.md section 6): set FSD on primary UPSes, wait for the
//! secondaries to log out (HOSTSYNC), then SHUTDOWN, FINALDELAY and the shutdown command.

use std::io::Write;
use std::time::{Duration, Instant};

use nut_core::config::{MonitorRole, ShutdownExit};

use super::events::{Notification, NotifyEvent};
use super::runner::{Runner, ShutdownHook};
use super::signals::Request;

/// Longest the shutdown waits for `wall` to deliver its message.
const WALL_LIMIT: Duration = Duration::from_secs(5);

impl Runner {
    /// `forceshutdown()`. Returns the exit code of the process.
    pub(super) async fn forceshutdown(&mut self) -> i32 {
        let mut primary = false;
        for idx in 0..self.conns.len() {
            if self.conf.monitors[idx].role != MonitorRole::Primary {
                continue;
            }
            primary = true;
            let ups = self.ups_of(idx);
            let sys = self.conf.monitors[idx].system_text.clone();
            let active = self.conns[idx]
                .as_ref()
                .map(|c| (c.host().to_string(), c.port()));
            match self.conns[idx].as_mut() {
                None => tracing::error!("FSD set on UPS {sys} failed: not connected"),
                Some(client) => match client.fsd(&ups).await {
                    Ok(()) => {
                        tracing::info!("Set FSD on UPS [{sys}]");
                        let now = self.now();
                        self.monitor.fsd_set(idx, now);
                    }
                    Err(e) => tracing::error!("FSD set on UPS {sys} failed: {e}"),
                },
            }
            let spec = &self.conf.monitors[idx];
            if !spec.alternates.is_empty() {
                let active = active.as_ref().map(|(h, p)| (h.as_str(), *p));
                super::failover::fsd_elsewhere(spec, active, &self.net).await;
            }
        }
        self.apply_effects();
        if primary {
            self.sync_secondaries().await;
        }
        self.doshutdown().await
    }

    /// Wait until no primary UPS has more than one login (ourselves), or HOSTSYNC expires.
    async fn sync_secondaries(&mut self) {
        let start = Instant::now();
        let hostsync = Duration::from_secs(self.monitor.timing().hostsync);
        let mut first = true;
        loop {
            let mut maxlogins = 0;
            for idx in 0..self.conns.len() {
                if self.conf.monitors[idx].role != MonitorRole::Primary {
                    continue;
                }
                let ups = self.ups_of(idx);
                if let Some(client) = self.conns[idx].as_mut() {
                    if let Ok(n) = client.get_numlogins(&ups).await {
                        maxlogins = maxlogins.max(n);
                    }
                }
            }
            if maxlogins <= 1 {
                return;
            }
            if start.elapsed() > hostsync {
                tracing::info!("Host sync timer expired, forcing shutdown");
                return;
            }
            if first {
                first = false;
                self.notifier
                    .notify(&Notification::global(NotifyEvent::ShutdownHostsync));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// `doshutdown()`: notify, wait FINALDELAY, have the shutdown command run, then exit or
    /// linger per SHUTDOWNEXIT.
    async fn doshutdown(&mut self) -> i32 {
        const TEXT: &str = "Executing automatic power-fail shutdown";
        if !nut_log::is_syslog() {
            tracing::error!("{TEXT}");
        }
        nut_log::syslog(nut_log::Severity::Critical, TEXT);
        // A hung `wall` must not hold the shutdown.
        let _ = tokio::time::timeout(WALL_LIMIT, super::notify::run_wall(TEXT)).await;
        self.notifier
            .notify(&Notification::global(NotifyEvent::Shutdown));
        // FINALDELAY, during which the SHUTDOWN notification (NOTIFYCMD, wall) runs, as C's
        // forked notifier does; at least a second for it when FINALDELAY is shorter, never
        // more than that.
        let finaldelay = self.conf.finaldelay;
        tokio::join!(
            tokio::time::sleep(finaldelay),
            self.notifier.flush(finaldelay.max(Duration::from_secs(1)))
        );

        let linger_start = Instant::now();
        match &mut self.hook {
            ShutdownHook::Parent(pipe) => {
                if let Err(e) = pipe.write_all(&[1u8]).and_then(|()| pipe.flush()) {
                    tracing::error!("Unable to call parent pipe for shutdown: {e}");
                }
            }
            ShutdownHook::Direct => {
                if !nix::unistd::geteuid().is_root() {
                    tracing::warn!("Not root, shutdown may fail");
                }
                super::privsep::run_shutdown(
                    self.conf.shutdowncmd.as_deref(),
                    self.conf
                        .powerdownflag
                        .as_deref()
                        .filter(|_| self.powerdown_enabled),
                )
                .await;
            }
        }

        let linger = match self.conf.shutdownexit {
            ShutdownExit::Yes => None,
            ShutdownExit::No => Some(None),
            ShutdownExit::After(d) => Some(Some(d)),
        };
        if let Some(limit) = linger {
            tracing::info!("Waiting for termination after initiating shutdown (SHUTDOWNEXIT)");
            loop {
                if limit.is_some_and(|d| linger_start.elapsed() >= d) {
                    break;
                }
                for idx in 0..self.conns.len() {
                    let ups = self.ups_of(idx);
                    if let Some(c) = self.conns[idx].as_mut() {
                        let _ = c.get_numlogins(&ups).await;
                    }
                }
                if let Some(Request::Exit(_)) = self.signals.sleep(Duration::from_secs(1)).await {
                    break;
                }
            }
        }
        tracing::info!("Exiting upsmon program after initiating shutdown");
        0
    }
}
