//! Typed errors of the driver framework.

use std::path::PathBuf;

use nut_core::config::ConfigError;

/// Why a driver could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// Bad command line or option.
    #[error("{0}")]
    Usage(String),
    /// ups.conf could not be parsed.
    #[error("{0}")]
    Config(ConfigError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state directory is writable by others.
    #[error("state path {} is writable by others; fix it with: chmod o-w {}", path.display(), path.display())]
    InsecureStatePath {
        /// The directory.
        path: PathBuf,
    },
    /// Another driver instance serves the socket.
    #[error("another driver instance is already serving {}", path.display())]
    AlreadyRunning {
        /// The socket path.
        path: PathBuf,
    },
    /// Dropping privileges failed.
    #[error("cannot switch to user {user}: {message}")]
    Privileges {
        /// The user.
        user: String,
        /// What failed.
        message: String,
    },
    /// The device backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// A backend's own typed error (`dummy::DummyError`, `megatec::MegatecError`,
/// `usbhid::UsbHidError`), carried by [`BackendError`] and reachable through
/// [`std::error::Error::source`] or by downcasting.
pub type BackendCause = Box<dyn std::error::Error + Send + Sync>;

/// Why the device could not be opened or read: how the framework must take it, and the
/// backend's typed cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The device (or data file, or remote server) cannot be used at all: fatal at start.
    #[error("{0}")]
    Fatal(#[source] BackendCause),
    /// The device did not answer this time: the data goes stale until it does.
    #[error("device not answering: {0}")]
    NotAnswering(#[source] BackendCause),
    /// The operation is not supported by this driver.
    #[error("{0} is not supported by this driver")]
    Unsupported(&'static str),
}

impl BackendError {
    /// A fatal error with its typed cause.
    pub fn fatal<E: std::error::Error + Send + Sync + 'static>(cause: E) -> BackendError {
        BackendError::Fatal(Box::new(cause))
    }

    /// A device that did not answer, with the typed cause.
    pub fn not_answering<E: std::error::Error + Send + Sync + 'static>(cause: E) -> BackendError {
        BackendError::NotAnswering(Box::new(cause))
    }
}
