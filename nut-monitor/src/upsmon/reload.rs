//! SIGHUP / `upsmon -c reload`: re-read upsmon.conf and apply it to the running monitor
//! (upsmon.md section 8).

use nut_core::config::MonitorRole;

use super::notify::NotifyConfig;
use super::runner::{Runner, ShutdownHook};
use super::settings;
use super::tracker::UpsTracker;
use nut_certutil::tls::ClientTlsSettings;

impl Runner {
    /// Reload. `Err(exit code)` when the new config is fatal (power values below
    /// MINSUPPLIES); a config that does not parse is logged and the old one kept.
    pub(super) async fn reload(&mut self) -> Result<(), i32> {
        tracing::info!("Reloading configuration");
        let new = match super::conf_file::load(&self.conf_path) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("Reload failed: {e:#}");
                return Ok(());
            }
        };
        for w in &new.warnings {
            tracing::warn!("{w}");
        }
        let total: u64 = new.monitors.iter().map(|m| u64::from(m.power_value)).sum();
        if total < u64::from(new.minsupplies) {
            tracing::error!(
                "Fatal error: total power value ({total}) less than MINSUPPLIES ({})",
                new.minsupplies
            );
            return Err(1);
        }
        if matches!(self.hook, ShutdownHook::Parent(_)) {
            if new.shutdowncmd != self.conf.shutdowncmd {
                tracing::warn!("Warning: SHUTDOWNCMD redefined in split-process mode!");
            }
            if new.powerdownflag != self.conf.powerdownflag {
                tracing::warn!("Warning: POWERDOWNFLAG redefined in split-process mode!");
            }
        }

        let old_specs = std::mem::take(&mut self.conf.monitors);
        let mut old_trackers = std::mem::take(self.monitor.upses_mut());
        let mut old_conns = std::mem::take(&mut self.conns);
        let mut trackers = Vec::new();
        let mut conns = Vec::new();
        for spec in &new.monitors {
            match old_specs
                .iter()
                .position(|o| o.system_text == spec.system_text)
            {
                Some(i) => {
                    let old = &old_specs[i];
                    let mut tracker = old_trackers[i].clone();
                    let mut conn = old_conns[i].take();
                    tracker.power_value = u64::from(spec.power_value);
                    let creds_changed = old.user != spec.user || old.password != spec.password;
                    let now_primary = spec.role == MonitorRole::Primary;
                    if (creds_changed && !tracker.flags.login) || (now_primary && !tracker.primary)
                    {
                        tracing::info!("UPS [{}]: retrying connection", spec.system_text);
                        conn = None;
                        tracker.drop_connection();
                    }
                    tracker.primary = now_primary;
                    trackers.push(tracker);
                    conns.push(conn);
                }
                None => {
                    trackers.push(UpsTracker::new(
                        &spec.system_text,
                        u64::from(spec.power_value),
                        spec.role == MonitorRole::Primary,
                    ));
                    conns.push(None);
                }
            }
        }
        for (i, old) in old_specs.iter().enumerate() {
            if !new
                .monitors
                .iter()
                .any(|m| m.system_text == old.system_text)
            {
                tracing::info!("No longer monitoring UPS [{}]", old.system_text);
                if let Some(c) = old_conns[i].take() {
                    c.logout().await;
                }
            }
        }
        old_trackers.clear();
        *self.monitor.upses_mut() = trackers;
        self.conns = conns;
        self.monitor.set_timing(settings::timing(&new));
        self.notifier.set_config(NotifyConfig::from_conf(&new));
        self.net.tls = Some(ClientTlsSettings::from(&new));
        super::runner::load_tls(&mut self.net);
        // Lines may have moved: the servers' chains are read again at their next connect.
        self.cert_watch = super::cert_expiry::CertExpiryWatch::new(new.monitors.len());
        // SHUTDOWNCMD and POWERDOWNFLAG stay as the parent knows them in split mode.
        let keep_cmd = self.conf.shutdowncmd.clone();
        let keep_flag = self.conf.powerdownflag.clone();
        self.conf = new;
        if matches!(self.hook, ShutdownHook::Parent(_)) {
            self.conf.shutdowncmd = keep_cmd;
            self.conf.powerdownflag = keep_flag;
        }
        self.reset_pollfail();
        Ok(())
    }
}
