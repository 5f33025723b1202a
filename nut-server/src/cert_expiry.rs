//! Certificate expiry in upsd: the certificates its TLS depends on (its own chain, the CAs it
//! trusts for client certificates) are checked when TLS is loaded (start and reload) and once
//! a day; each that expires within `CERTEXPIRYWARN` days (default 30) is logged as a warning.
//! An expired identity stops upsd from starting (and a reload from applying) unless
//! `ALLOW_EXPIRED_CERT` says otherwise.

use std::sync::Arc;
use std::time::Duration;

use nut_certutil::time::OffsetDateTime;
use nut_certutil::tls::expiry::{self, DEFAULT_WARN_DAYS, WatchedCert};
use nut_core::config::UpsdConf;

use crate::context::ServerContext;
use crate::shutdown::Shutdown;

/// How often the certificates are checked again while upsd runs.
pub const RECHECK_EVERY: Duration = Duration::from_secs(24 * 3600);

/// The certificates of the TLS setup in force, and the warning window.
#[derive(Debug, Clone)]
pub struct CertExpiry {
    watched: Vec<WatchedCert>,
    window_days: u32,
}

impl CertExpiry {
    /// Check a freshly built setup: refuse an expired identity (unless allowed), log what
    /// expires soon.
    pub fn check_new(conf: &UpsdConf, watched: Vec<WatchedCert>) -> anyhow::Result<CertExpiry> {
        let now = OffsetDateTime::now_utc();
        if let Some(n) = expiry::expired_identity(&watched, now) {
            if !conf.allow_expired_cert {
                anyhow::bail!(
                    "upsd's {}: renew it (or set ALLOW_EXPIRED_CERT 1 in {} to serve it anyway)",
                    n.sentence(),
                    conf.file.display()
                );
            }
            tracing::warn!(
                "upsd's {} (served anyway: ALLOW_EXPIRED_CERT)",
                n.sentence()
            );
        }
        let e = CertExpiry {
            watched,
            window_days: conf.certexpirywarn.unwrap_or(DEFAULT_WARN_DAYS),
        };
        e.log(now);
        Ok(e)
    }

    /// Log a warning per certificate expiring within the window at `now`.
    pub fn log(&self, now: OffsetDateTime) {
        if self.window_days == 0 {
            return;
        }
        for n in expiry::notices(&self.watched, now, self.window_days) {
            if n.cert.is_identity && n.expired {
                continue; // said at load, with ALLOW_EXPIRED_CERT
            }
            tracing::warn!("TLS: {}", n.sentence());
        }
    }
}

/// Check the setup in force once a day, until shutdown.
pub async fn daily(ctx: Arc<ServerContext>, mut shutdown: Shutdown) {
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Some(e) = ctx.current().cert_expiry {
                    e.log(OffsetDateTime::now_utc());
                }
            }
            _ = shutdown.recv() => return,
        }
    }
}
