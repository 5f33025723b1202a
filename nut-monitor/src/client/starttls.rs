//! STARTTLS and the connection decision of libupsclient's `upscli_tryconnect` (tls.md 3.1):
//! which outcomes continue in TLS, which continue in plaintext, and which disconnect.

use std::sync::Arc;

use nut_certutil::tls::ClientTlsPolicy;
use nut_core::net::{OkMessage, Reply, Request};
use tokio_rustls::TlsConnector;

use super::error::ClientError;
use super::reply;
use super::transport::{LineStream, Stream};

/// What STARTTLS gave (C: 1, 0, -1, -2).
#[derive(Debug)]
pub(crate) enum StartTls {
    /// TLS is up and PROTVER answered a known version.
    Up,
    /// The server refused (`ERR ...` or anything but `OK STARTTLS`); still plaintext.
    Refused(String),
}

/// What to do after STARTTLS, given the policy (pure, tested).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Continue in plaintext (TLS was only tried).
    Plaintext,
    /// Disconnect with this error.
    Refuse(&'static str),
}

/// tls.md 3.1 for a refusal (r == 0): FORCESSL or CERTVERIFY make it fatal.
pub(crate) fn decide_on_refusal(certverify: bool, forcessl: bool) -> Decision {
    if forcessl {
        Decision::Refuse("SSL is not available (FORCESSL)")
    } else if certverify {
        Decision::Refuse("certificate verification is required, but the server does not offer SSL")
    } else {
        Decision::Plaintext
    }
}

/// Send STARTTLS, and on `OK STARTTLS` run the handshake and the PROTVER probe.
/// Handshake and probe failures are errors (C: -1 and -2, both disconnect).
pub(crate) async fn starttls(
    conn: LineStream,
    policy: &ClientTlsPolicy,
) -> Result<(LineStream, StartTls), ClientError> {
    let mut conn = conn;
    conn.write_line(&Request::StartTls.to_line()).await?;
    let raw = conn.read_raw_line().await?;
    if !matches!(
        reply::from_raw(&raw),
        Ok(Reply::OkMessage(OkMessage::StartTls))
    ) {
        let text = String::from_utf8_lossy(&raw).into_owned();
        return Ok((conn, StartTls::Refused(text)));
    }
    if conn.has_pending() {
        // Bytes after "OK STARTTLS" before our handshake: not a NUT server we trust.
        return Err(ClientError::Tls("unexpected data after OK STARTTLS".into()));
    }
    let mut conn = handshake(conn, policy).await?;
    let version = probe_protver(&mut conn).await?;
    if !matches!(version.as_str(), "1.0" | "1.1" | "1.2" | "1.3") {
        return Err(ClientError::Protocol);
    }
    Ok((conn, StartTls::Up))
}

/// The client side of the TLS handshake on a plaintext session whose `OK STARTTLS` has been
/// read (nothing else may be pending).
pub(crate) async fn handshake(
    conn: LineStream,
    policy: &ClientTlsPolicy,
) -> Result<LineStream, ClientError> {
    let Stream::Plain(tcp) = conn.stream else {
        return Err(ClientError::Tls("STARTTLS on an encrypted session".into()));
    };
    let connector = TlsConnector::from(Arc::clone(&policy.config));
    let tls = connector
        .connect(policy.server_name.clone(), tcp)
        .await
        .map_err(|e| ClientError::Tls(nut_certutil::tls::handshake_error_text(&e)))?;
    Ok(LineStream::new(Stream::Tls(Box::new(tls))))
}

/// PROTVER, falling back to NETVER when the server answers ERR. A TLS alert on this first read
/// (e.g. a server rejecting our client certificate under TLS 1.3) is a TLS error.
async fn probe_protver(conn: &mut LineStream) -> Result<String, ClientError> {
    for req in [Request::ProtVer, Request::NetVer] {
        conn.write_line(&req.to_line())
            .await
            .map_err(as_tls_error)?;
        let line = conn.read_raw_line().await.map_err(as_tls_error)?;
        match reply::from_raw(&line) {
            Ok(Reply::Text(version)) => return Ok(version),
            Err(ClientError::Server { .. }) => {}
            _ => return Err(ClientError::Protocol),
        }
    }
    Err(ClientError::Protocol)
}

fn as_tls_error(e: ClientError) -> ClientError {
    match e {
        ClientError::Read(m) | ClientError::Write(m) => ClientError::Tls(m),
        ClientError::Disconnected => ClientError::Tls("server closed the session".into()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_decision_follows_libupsclient() {
        assert_eq!(decide_on_refusal(false, false), Decision::Plaintext);
        assert!(matches!(
            decide_on_refusal(true, false),
            Decision::Refuse(_)
        ));
        assert!(matches!(
            decide_on_refusal(false, true),
            Decision::Refuse(_)
        ));
        assert!(matches!(decide_on_refusal(true, true), Decision::Refuse(_)));
    }
}
