//! What a new certificate should be ([`NewCert`]): the part of `-S`, `-C`, `ca create`,
//! `issue` and `sign` that becomes its profile.

use anyhow::{Result, bail};
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki::{CertProfile, CertRole, add_months};
use time::OffsetDateTime;

/// What a new certificate should be.
#[derive(Debug, Clone)]
pub struct NewCert {
    /// Subject string.
    pub subject: String,
    /// Role (extensions).
    pub role: CertRole,
    /// Validity in months.
    pub months: u32,
    /// Months to shift the start of validity (NSS `-w`).
    pub warp: i32,
    /// Serial.
    pub serial: Option<u64>,
    /// Extra SANs.
    pub sans: Vec<String>,
    /// Key type.
    pub key: KeyAlgorithm,
}

/// Longest validity and largest `-w` shift accepted, in months (100 years).
pub const MAX_MONTHS: i64 = 1200;

impl NewCert {
    /// A certificate starting now, with a random serial (the plain subcommands').
    pub fn plain(
        subject: String,
        role: CertRole,
        months: u32,
        sans: Vec<String>,
        key: KeyAlgorithm,
    ) -> NewCert {
        NewCert {
            subject,
            role,
            months,
            warp: 0,
            serial: None,
            sans,
            key,
        }
    }

    /// The issuing profile; an out-of-range validity (`-v`) or shift (`-w`) is refused as NSS
    /// refuses it.
    pub fn profile(&self) -> Result<CertProfile> {
        if self.months == 0 || i64::from(self.months) > MAX_MONTHS {
            bail!(
                "incorrect validity period: -v {} (expected 1 to {MAX_MONTHS} months)",
                self.months
            );
        }
        if i64::from(self.warp).abs() > MAX_MONTHS {
            bail!(
                "incorrect validity period: -w {} (expected -{MAX_MONTHS} to {MAX_MONTHS} months)",
                self.warp
            );
        }
        let mut start = OffsetDateTime::now_utc() - time::Duration::minutes(1);
        if self.warp > 0 {
            start = add_months(start, self.warp as u32);
        } else if self.warp < 0 {
            start -= time::Duration::days(30 * i64::from(-self.warp));
        }
        Ok(CertProfile {
            role: self.role,
            not_before: start,
            not_after: add_months(start, self.months),
            serial: self.serial,
            sans: self.sans.clone(),
        })
    }
}
