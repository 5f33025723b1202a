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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::megatec::{MegatecError, QueryFailure};
    use crate::usbhid::UsbHidError;
    use crate::usbhid::transport::{TransportError, UsbError};

    /// The cause stays typed under the framework's classification, and the messages are
    /// the ones the strings used to carry.
    #[test]
    fn causes_are_typed_and_read_as_before() {
        let e = BackendError::not_answering(MegatecError::Query {
            command: "Q1".into(),
            last: QueryFailure::NoReply,
        });
        assert_eq!(e.to_string(), "device not answering: Q1: no reply");
        let cause = e.source().and_then(|c| c.downcast_ref::<MegatecError>());
        assert!(matches!(
            cause,
            Some(MegatecError::Query {
                last: QueryFailure::NoReply,
                ..
            })
        ));

        let e = BackendError::fatal(UsbHidError::from(TransportError::Transfer(
            UsbError::NoDevice,
        )));
        assert!(e.to_string().starts_with("USB transfer failed: "), "{e}");
        let cause = e.source().and_then(|c| c.downcast_ref::<UsbHidError>());
        assert!(matches!(
            cause,
            Some(UsbHidError::Transport(TransportError::Transfer(
                UsbError::NoDevice
            )))
        ));

        let e = BackendError::fatal(UsbHidError::BadHex {
            name: "vendorid",
            value: "xyz".into(),
        });
        assert_eq!(e.to_string(), r#"vendorid = "xyz": expected 4 hex digits"#);
    }
}
