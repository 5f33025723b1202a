//! From a parsed upsmon.conf to what the daemon runs with: the state machine's [`Timing`],
//! one tracker per MONITOR line, and the client TLS settings.

use std::path::{Path, PathBuf};

use nut_certutil::tls::ClientTlsSettings;
use nut_core::config::{ConfigError, MonitorRole, UpsmonConf};

use super::timing::Timing;
use super::tracker::UpsTracker;

/// The timing numbers of a config.
pub fn timing(conf: &UpsmonConf) -> Timing {
    let signed = |d: Option<std::time::Duration>| match d {
        Some(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        None => -1,
    };
    Timing {
        pollfreq: conf.pollfreq.as_secs().max(1),
        pollfreqalert: conf.pollfreqalert.as_secs().max(1),
        deadtime: conf.deadtime.as_secs(),
        hostsync: conf.hostsync.as_secs(),
        nocommwarntime: conf.nocommwarntime.as_secs(),
        rbwarntime: conf.rbwarntime.as_secs(),
        offduration: signed(conf.offduration),
        overduration: signed(conf.overduration),
        oblbduration: signed(Some(conf.oblbduration)),
        alarmcritical: conf.alarmcritical,
        minsupplies: u64::from(conf.minsupplies),
    }
}

/// One fresh tracker per MONITOR line, in file order.
pub fn trackers(conf: &UpsmonConf) -> Vec<UpsTracker> {
    conf.monitors
        .iter()
        .map(|m| {
            UpsTracker::new(
                &m.system_text,
                u64::from(m.power_value),
                m.role == MonitorRole::Primary,
            )
        })
        .collect()
}

/// Why a TLS settings file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsFileError {
    /// The file could not be read.
    #[error("can't read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of it is not upsmon.conf grammar.
    #[error(transparent)]
    Parse(#[from] ConfigError),
}

/// The client TLS settings of an upsmon.conf-style file: its CERTPATH, CERTIDENT, CERTFILE,
/// CERTHOST, CERTVERIFY and FORCESSL (any other directive is parsed and not used). What
/// `upsc -C` and dummy-ups' `tlsconfig` read.
pub fn tls_settings_from_file(path: &Path) -> Result<ClientTlsSettings, TlsFileError> {
    let text = nut_core::config::read_config_text(path).map_err(|source| TlsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(ClientTlsSettings::from(&UpsmonConf::parse(&text, path)?))
}

/// The TLS settings of an optional upsmon.conf-style file; without one, the unconfigured
/// defaults (what `upsc` without `-C` and a repeater without `tlsconfig` use).
pub fn tls_settings_or_defaults(file: Option<&Path>) -> Result<ClientTlsSettings, TlsFileError> {
    match file {
        Some(f) => tls_settings_from_file(f),
        None => Ok(ClientTlsSettings::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn config_maps_to_timing_and_trackers() {
        let text = "MONITOR a@h 1 u p primary\nMONITOR b@h:3494 0 u p secondary\n\
                    POLLFREQ 1\nDEADTIME 3\nOFFDURATION -1\nMINSUPPLIES 1\n";
        let conf = UpsmonConf::parse(text, Path::new("upsmon.conf")).expect("parse");
        let t = timing(&conf);
        assert_eq!(t.pollfreq, 1);
        assert_eq!(t.deadtime, 3);
        assert_eq!(t.offduration, -1);
        assert_eq!(t.overduration, -1);
        assert_eq!(t.hostsync, 15);
        let u = trackers(&conf);
        assert_eq!(u.len(), 2);
        assert!(u[0].primary && !u[1].primary);
        assert_eq!(u[1].power_value, 0);
        assert_eq!(u[1].system, "b@h:3494");
    }
}
