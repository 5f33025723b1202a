//! Reply lines read with nut-core's parser ([`Reply::parse`]): an `ERR` line becomes
//! [`ClientError::Server`] (its code kept verbatim when [`ErrCode`] does not know it, shown as
//! libupsclient's `Unknown error`), a line the parser rejects an invalid response.
//!
//! [`ErrCode`]: nut_core::net::ErrCode

use nut_core::net::Reply;

use super::error::ClientError;
use super::transport::tokenize_reply;

/// The reply in the words of one line.
pub(super) fn from_words(words: &[String]) -> Result<Reply, ClientError> {
    match Reply::parse(words) {
        Ok(Reply::Err(code, extra)) => Err(ClientError::Server { code, extra }),
        Ok(reply) => Ok(reply),
        Err(e) => {
            tracing::debug!(error = %e, "unreadable reply line");
            Err(ClientError::InvalidResponse)
        }
    }
}

/// The reply in one raw line (without its newline).
pub(super) fn from_raw(raw: &[u8]) -> Result<Reply, ClientError> {
    from_words(&tokenize_reply(raw)?)
}

#[cfg(test)]
mod tests {
    use nut_core::net::{ErrCode, OkMessage};

    use super::*;

    #[test]
    fn err_lines_become_typed_errors() {
        let e = from_raw(b"ERR UNKNOWN-UPS").unwrap_err();
        assert_eq!(e.code(), Some(&ErrCode::UnknownUps));
        assert_eq!(e.to_string(), "Unknown UPS");
        assert!(!e.is_fatal());
        let e = from_raw(b"ERR BRAND-NEW").unwrap_err();
        assert_eq!(e.to_string(), "Unknown error");
        assert_eq!(e.server_line().as_deref(), Some("ERR BRAND-NEW"));
        let e = from_raw(b"ERR").unwrap_err();
        assert_eq!(e.to_string(), "Unknown error");
        assert!(matches!(from_raw(b""), Err(ClientError::InvalidResponse)));
        assert!(matches!(
            from_raw(b"VAR u v"),
            Err(ClientError::InvalidResponse)
        ));
        assert_eq!(from_raw(b"OK").unwrap(), Reply::Ok);
        assert_eq!(
            from_raw(b"OK STARTTLS").unwrap(),
            Reply::OkMessage(OkMessage::StartTls)
        );
    }
}
