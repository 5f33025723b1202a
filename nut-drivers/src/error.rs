//! Typed errors of the driver framework.

use std::path::PathBuf;

use nut_core::config::ConfigError;

use crate::backend::BackendError;

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
