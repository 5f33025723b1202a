//! Certificate expiry in upsmon: the server certificates it verified (per MONITOR line, as
//! presented at the last connect) and the client certificate it presents are checked at each
//! poll; each that expires within `CERTEXPIRYWARN` days (default 30) is logged as a warning,
//! and sent as a CERTEXPIRY notification (off unless NOTIFYFLAG CERTEXPIRY asks for it), at
//! most once a day per certificate.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nut_certutil::time::OffsetDateTime;
use nut_certutil::tls::expiry::{self, DEFAULT_WARN_DAYS, WatchedCert};

use super::events::{Notification, NotifyEvent};
use super::notify::Notifier;

/// How often one certificate is warned about.
const REPEAT_EVERY: Duration = Duration::from_secs(24 * 3600);

/// The system name used for upsmon's own certificate (`UPSNAME` of the notification).
pub const OWN_IDENTITY: &str = "upsmon";

/// What upsmon watches, and when it last said something about each certificate.
#[derive(Debug, Default)]
pub struct CertExpiryWatch {
    servers: Vec<Vec<WatchedCert>>,
    warned: HashMap<String, Instant>,
}

impl CertExpiryWatch {
    /// A watch for `n` MONITOR lines.
    pub fn new(n: usize) -> CertExpiryWatch {
        CertExpiryWatch {
            servers: vec![Vec::new(); n],
            warned: HashMap::new(),
        }
    }

    /// Remember the chain the server of MONITOR line `idx` presented (verified), DER.
    pub fn set_server(&mut self, idx: usize, chain: &[Vec<u8>]) {
        if let Some(slot) = self.servers.get_mut(idx) {
            *slot = chain
                .iter()
                .enumerate()
                .filter_map(|(i, der)| WatchedCert::of(der, i == 0))
                .collect();
        }
    }

    /// Check the server certificates of line `idx` (named `system`) and upsmon's own.
    pub fn check(
        &mut self,
        idx: usize,
        system: &str,
        own: &[WatchedCert],
        window_days: Option<u32>,
        notifier: &Notifier,
    ) {
        let window = window_days.unwrap_or(DEFAULT_WARN_DAYS);
        if window == 0 {
            return;
        }
        let now = OffsetDateTime::now_utc();
        let server = self.servers.get(idx).cloned().unwrap_or_default();
        for (who, certs) in [(system, server.as_slice()), (OWN_IDENTITY, own)] {
            for n in expiry::notices(certs, now, window) {
                let key = format!("{who}\0{}\0{}", n.cert.label, n.cert.not_after);
                let due = self
                    .warned
                    .get(&key)
                    .is_none_or(|t| t.elapsed() >= REPEAT_EVERY);
                if !due {
                    continue;
                }
                self.warned.insert(key, Instant::now());
                let sentence = if who == OWN_IDENTITY {
                    format!("upsmon's client {}", n.sentence())
                } else {
                    format!("the server's {}", n.sentence())
                };
                tracing::warn!("TLS: {who}: {sentence}");
                notifier.notify(&Notification {
                    event: NotifyEvent::CertExpiry,
                    ups: Some(who.to_string()),
                    extra: Some(sentence),
                });
            }
        }
    }
}
