//! Expiry watching: the certificates a TLS setup depends on (its own chain, the CAs it trusts),
//! and the notices for those that expire within a window or have expired. upsd logs them at
//! start, at reload and once a day, and refuses to start with an expired identity unless told
//! otherwise.

use time::{Duration, OffsetDateTime};

use crate::certinfo::{CertInfo, format_time};

/// The default warning window, in days (upsd.conf `CERTEXPIRYWARN`).
pub const DEFAULT_WARN_DAYS: u32 = 30;

/// One certificate a setup depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedCert {
    /// How to name it: `certificate 'ups1'`, `trusted CA 'CN=...'`.
    pub label: String,
    /// Its notAfter.
    pub not_after: OffsetDateTime,
    /// The certificate this side presents (not a CA of its chain or of its trust).
    pub is_identity: bool,
}

impl WatchedCert {
    /// Watch a DER certificate (unparsable ones are left out: the handshake refuses them).
    pub fn of(der: &[u8], is_identity: bool) -> Option<WatchedCert> {
        let info = CertInfo::parse(der).ok()?;
        let label = if is_identity {
            format!("certificate '{}'", info.display_name())
        } else if info.is_self_issued() {
            format!("trusted CA '{}'", info.subject)
        } else {
            format!("CA '{}'", info.subject)
        };
        Some(WatchedCert {
            label,
            not_after: info.not_after,
            is_identity,
        })
    }
}

/// A certificate that expires within the window, or has expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryNotice {
    /// Which certificate.
    pub cert: WatchedCert,
    /// Already expired.
    pub expired: bool,
    /// Whole days left (0 on its last day; negative once expired).
    pub days_left: i64,
}

impl ExpiryNotice {
    /// `certificate 'ups1' expires on 2026-12-17 ... UTC (in 10 days)`.
    pub fn sentence(&self) -> String {
        if self.expired {
            format!(
                "{} expired on {}",
                self.cert.label,
                format_time(self.cert.not_after)
            )
        } else {
            format!(
                "{} expires on {} (in {} days)",
                self.cert.label,
                format_time(self.cert.not_after),
                self.days_left
            )
        }
    }
}

/// The notices for `watched` at `now`: every certificate whose notAfter is within
/// `window_days` (or past), soonest first.
pub fn notices(
    watched: &[WatchedCert],
    now: OffsetDateTime,
    window_days: u32,
) -> Vec<ExpiryNotice> {
    let horizon = now + Duration::days(i64::from(window_days));
    let mut out: Vec<ExpiryNotice> = watched
        .iter()
        .filter(|w| w.not_after <= horizon)
        .map(|w| ExpiryNotice {
            cert: w.clone(),
            expired: w.not_after < now,
            days_left: (w.not_after - now).whole_days(),
        })
        .collect();
    out.sort_by_key(|n| n.cert.not_after);
    out.dedup_by(|a, b| a.cert == b.cert);
    out
}

/// The identity's notice when it has expired at `now`.
pub fn expired_identity(watched: &[WatchedCert], now: OffsetDateTime) -> Option<ExpiryNotice> {
    notices(watched, now, 0)
        .into_iter()
        .find(|n| n.expired && n.cert.is_identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(label: &str, days: i64, is_identity: bool, now: OffsetDateTime) -> WatchedCert {
        WatchedCert {
            label: label.into(),
            not_after: now + Duration::days(days) + Duration::hours(1),
            is_identity,
        }
    }

    #[test]
    fn the_window_decides_and_expired_identities_are_found() {
        let now = OffsetDateTime::now_utc();
        let w = [
            watched("certificate 'ups'", 10, true, now),
            watched("trusted CA 'CN=root'", 400, false, now),
            watched("CA 'CN=sub'", 29, false, now),
        ];
        let n = notices(&w, now, 30);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].days_left, 10);
        assert!(n[0].sentence().contains("certificate 'ups' expires on"));
        assert!(n[0].sentence().ends_with("(in 10 days)"));
        assert!(notices(&w, now, 5).is_empty());
        assert!(expired_identity(&w, now).is_none());
        let later = now + Duration::days(11);
        let e = expired_identity(&w, later).expect("expired");
        assert!(
            e.sentence().contains("certificate 'ups' expired on"),
            "{}",
            e.sentence()
        );
    }
}
