//! Client errors, displayed with libupsclient's `upscli_strerror` texts so that the tools
//! print exactly what C NUT prints after `Error: `.

use nut_core::net::ErrCode;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered `ERR <code> [extra]`.
    #[error("{}", .code.client_text())]
    Server {
        /// The code.
        code: ErrCode,
        /// The text after the code, its words joined with single spaces (only NSS STARTTLS
        /// failures send one).
        extra: Option<String>,
    },
    /// The host name could not be resolved.
    #[error("No such host")]
    NoSuchHost,
    /// TCP connect failed (or timed out).
    #[error("Connection failure: {0}")]
    Connect(String),
    /// Writing to the server failed.
    #[error("Write error: {0}")]
    Write(String),
    /// Reading from the server failed.
    #[error("Read error: {0}")]
    Read(String),
    /// No answer within the timeout.
    #[error("Read error: timed out after {0} s")]
    Timeout(u64),
    /// The server closed the connection.
    #[error("Server disconnected")]
    Disconnected,
    /// TLS was required (FORCESSL, or CERTVERIFY with a server that refused STARTTLS) and the
    /// server cannot do it. Nothing but `STARTTLS` was sent.
    #[error("SSL is not available")]
    SslNotAvailable,
    /// TLS setup or handshake failed.
    #[error("SSL error: {0}")]
    Tls(String),
    /// The server sent something this client cannot use.
    #[error("Invalid response from server")]
    InvalidResponse,
    /// A reply line could not be tokenized or was too long.
    #[error("Parse error: {0}")]
    Parse(String),
    /// The protocol went wrong (e.g. PROTVER after STARTTLS gave an unknown version).
    #[error("Protocol error")]
    Protocol,
}

/// An I/O error as C's `strerror()` words it (`Connection refused`, without Rust's
/// ` (os error 111)`).
pub fn io_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => e.to_string(),
    }
}

impl ClientError {
    /// The reply line of a server error (`ERR ACCESS-DENIED`), as C's tools print it after
    /// "Unexpected response from upsd: "; `None` for other errors.
    pub fn server_line(&self) -> Option<String> {
        match self {
            ClientError::Server { code, extra } => {
                let mut line = format!("ERR {code}");
                if let Some(extra) = extra {
                    line.push(' ');
                    line.push_str(extra);
                }
                Some(line)
            }
            _ => None,
        }
    }

    /// The `ERR` code, if the server sent one.
    pub fn code(&self) -> Option<&ErrCode> {
        match self {
            ClientError::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the connection is unusable after this error (the caller should drop it).
    /// `ERR` replies (including DATA-STALE and DRIVER-NOT-CONNECTED) keep the session.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ClientError::Server { .. })
    }
}
