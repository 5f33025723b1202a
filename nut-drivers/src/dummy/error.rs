//! Why dummy-ups cannot start or read its source: the data file, the repeater's target and
//! TLS settings, the upstream server.

use nut_core::net::SystemNameError;
use nut_monitor::client::ClientError;
use nut_monitor::upsmon::settings::TlsFileError;

use super::devfile::DevFileError;
use crate::error::BackendError;

/// A dummy-ups failure (carried by [`BackendError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DummyError {
    /// `mode` names no mode dummy-ups has.
    #[error("unsupported mode {0:?} (dummy-once, dummy-loop, dummy, repeater)")]
    UnsupportedMode(String),
    /// The `tlsconfig` file cannot be used.
    #[error("tlsconfig: {0}")]
    TlsFile(#[source] TlsFileError),
    /// The TLS settings cannot be built for the repeater's server.
    #[error("tlsconfig: {0}")]
    TlsBuild(#[source] ClientError),
    /// No `port` data file.
    #[error("no data file")]
    NoDataFile,
    /// The data file is unreadable or malformed.
    #[error(transparent)]
    DataFile(#[from] DevFileError),
    /// The repeater's `port` is no `upsname[@hostname[:port]]`.
    #[error(
        "invalid UPS definition {port:?}: {source}; required format: upsname[@hostname[:port]]"
    )]
    UpsDefinition {
        /// The `port` value.
        port: String,
        /// What is wrong with it.
        source: SystemNameError,
    },
    /// The repeater's session thread could not start.
    #[error("cannot start the repeater session: {0}")]
    RepeaterStart(#[source] std::io::Error),
    /// The upstream server did not give the variables.
    #[error("{ups}: {reason}")]
    Upstream {
        /// The upstream UPS (`ups@host:port`).
        ups: String,
        /// What the session reported.
        reason: String,
    },
    /// The first read of the upstream server failed, and the start is strict.
    #[error(
        "{0}. Any error starting the repeater mode ends the driver; \
         set 'repeater_disable_strict_start' to keep retrying instead"
    )]
    StrictStart(#[source] Box<BackendError>),
}
