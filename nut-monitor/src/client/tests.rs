//! The client library against an in-process server on 127.0.0.1:0 speaking raw lines.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;

/// Serve one connection: for each request line, write `reply(line)` verbatim.
async fn server(reply: fn(&str) -> String) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.expect("accept");
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let out = reply(&line);
            seen.push(line);
            if w.write_all(out.as_bytes()).await.is_err() {
                break;
            }
        }
        seen
    });
    (port, task)
}

fn plain() -> ConnectOptions {
    ConnectOptions {
        tls: None,
        timeout: Duration::from_secs(5),
        ..ConnectOptions::default()
    }
}

#[tokio::test]
async fn values_lists_and_errors() {
    let (port, task) = server(|line| match line {
        "GET VAR u ups.status" => "VAR u ups.status \"OB \\\"x\\\"\"\n".into(),
        "GET VAR u bad" => "ERR VAR-NOT-SUPPORTED\n".into(),
        "GET VAR u stale" => "ERR DATA-STALE\n".into(),
        "LIST VAR u" => {
            "BEGIN LIST VAR u\nVAR u a.b \"1\"\nVAR u c.d \"x y\"\nEND LIST VAR u\n".into()
        }
        "GET NUMLOGINS u" => "NUMLOGINS u 3\n".into(),
        "GET VAR u mismatch" => "VAR other mismatch \"1\"\n".into(),
        _ => "ERR UNKNOWN-COMMAND\n".into(),
    })
    .await;
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    assert!(!c.is_tls());
    assert_eq!(c.get_var("u", "ups.status").await.unwrap(), "OB \"x\"");
    let e = c.get_var("u", "bad").await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrCode::VarNotSupported));
    let e = c.get_var("u", "stale").await.unwrap_err();
    assert_eq!(e.to_string(), "Data stale");
    assert!(!e.is_fatal(), "DATA-STALE keeps the session");
    assert_eq!(
        c.list_var("u").await.unwrap(),
        [
            ("a.b".to_string(), "1".to_string()),
            ("c.d".to_string(), "x y".to_string())
        ]
    );
    assert_eq!(c.get_numlogins("u").await.unwrap(), 3);
    assert!(matches!(
        c.get_var("u", "mismatch").await,
        Err(ClientError::Protocol)
    ));
    c.logout().await;
    let seen = task.await.unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("LOGOUT"));
}

#[tokio::test]
async fn an_endless_line_is_refused_with_a_bounded_buffer() {
    let (port, _task) = server(|_| "X".repeat(3 * MAX_LINE)).await;
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    let e = c.get_var("u", "ups.status").await.unwrap_err();
    assert!(matches!(e, ClientError::Parse(_)), "{e:?}");
    assert!(e.is_fatal());
}

#[tokio::test]
async fn a_silent_server_times_out_and_a_closing_one_disconnects() {
    let (port, _task) = server(|_| String::new()).await;
    let opts = ConnectOptions {
        timeout: Duration::from_millis(300),
        ..plain()
    };
    let mut c = Client::connect("127.0.0.1", port, &opts)
        .await
        .expect("connect");
    assert!(matches!(
        c.get_var("u", "ups.status").await,
        Err(ClientError::Timeout(_))
    ));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        drop(sock);
    });
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    let e = c.get_var("u", "ups.status").await.unwrap_err();
    assert_eq!(e.to_string(), "Server disconnected");
}

#[tokio::test]
async fn starttls_refused_continues_in_plaintext_unless_forced() {
    let (port, task) = server(|line| match line {
        "STARTTLS" => "ERR FEATURE-NOT-CONFIGURED\n".into(),
        "USERNAME u" => "OK\n".into(),
        "PASSWORD \"p w\"" => "OK\n".into(),
        _ => "ERR UNKNOWN-COMMAND\n".into(),
    })
    .await;
    let opts = ConnectOptions {
        timeout: Duration::from_secs(5),
        ..ConnectOptions::default()
    };
    let mut c = Client::connect("127.0.0.1", port, &opts)
        .await
        .expect("plaintext fallback");
    assert!(!c.is_tls());
    c.authenticate("u", "p w")
        .await
        .expect("quoted password accepted");
    drop(c);
    assert_eq!(
        task.await.unwrap(),
        ["STARTTLS", "USERNAME u", "PASSWORD \"p w\""]
    );

    let (port, task) = server(|_| "ERR FEATURE-NOT-CONFIGURED\n".into()).await;
    let settings = nut_certutil::tls::ClientTlsSettings {
        forcessl: Some(true),
        ..Default::default()
    };
    let opts = ConnectOptions {
        tls: Some(settings),
        ..opts
    };
    let e = Client::connect("127.0.0.1", port, &opts).await.unwrap_err();
    assert!(matches!(e, ClientError::SslNotAvailable));
    assert_eq!(task.await.unwrap(), ["STARTTLS"]);
}

/// Serve one connection that answers `OK STARTTLS`, runs a TLS handshake with a fresh
/// self-signed certificate, then answers each request line inside TLS with `reply(line)`.
async fn tls_server(reply: fn(&str) -> String) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
    use nut_certutil::pki::{CertProfile, CertRole, self_signed};
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let mut profile = CertProfile::for_months(CertRole::Server, 1);
    profile.sans = vec!["localhost".into()];
    let cert = self_signed(&key, "CN=localhost", &profile).expect("certificate");
    let config = rustls::ServerConfig::builder_with_provider(nut_certutil::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.into()], key.rustls_key().clone_key())
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept");
        let mut seen = Vec::new();
        // The STARTTLS line, read byte by byte so that nothing of the handshake is consumed.
        let mut first = Vec::new();
        loop {
            let mut b = [0u8; 1];
            if tokio::io::AsyncReadExt::read_exact(&mut sock, &mut b)
                .await
                .is_err()
            {
                return seen;
            }
            if b[0] == b'\n' {
                break;
            }
            first.push(b[0]);
        }
        seen.push(String::from_utf8_lossy(&first).into_owned());
        sock.write_all(b"OK STARTTLS\n").await.expect("write");
        let Ok(tls) = acceptor.accept(sock).await else {
            return seen;
        };
        let (r, mut w) = tokio::io::split(tls);
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let out = reply(&line);
            seen.push(line);
            if w.write_all(out.as_bytes()).await.is_err() || w.flush().await.is_err() {
                break;
            }
        }
        seen
    });
    (port, task)
}

fn encrypt_only() -> ConnectOptions {
    ConnectOptions {
        timeout: Duration::from_secs(5),
        ..ConnectOptions::default()
    }
}

#[tokio::test]
async fn after_starttls_an_old_server_is_probed_with_netver() {
    // A server that predates PROTVER (NUT before 2.6.4 only knew NETVER).
    let (port, task) = tls_server(|line| match line {
        "PROTVER" => "ERR UNKNOWN-COMMAND\n".into(),
        "NETVER" => "1.2\n".into(),
        "GET VAR u ups.status" => "VAR u ups.status \"OL\"\n".into(),
        _ => "ERR UNKNOWN-COMMAND\n".into(),
    })
    .await;
    let mut c = Client::connect("127.0.0.1", port, &encrypt_only())
        .await
        .expect("TLS session");
    assert!(c.is_tls());
    assert_eq!(c.get_var("u", "ups.status").await.expect("value"), "OL");
    drop(c);
    assert_eq!(
        task.await.unwrap(),
        ["STARTTLS", "PROTVER", "NETVER", "GET VAR u ups.status"]
    );
}

#[tokio::test]
async fn after_starttls_a_server_without_a_known_version_is_refused() {
    // Neither PROTVER nor NETVER: not a NUT server to talk to.
    let (port, task) = tls_server(|_| "ERR UNKNOWN-COMMAND\n".into()).await;
    let e = Client::connect("127.0.0.1", port, &encrypt_only())
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Protocol), "{e:?}");
    assert_eq!(task.await.unwrap(), ["STARTTLS", "PROTVER", "NETVER"]);

    // A version this client does not know is refused too.
    let (port, _task) = tls_server(|_| "9.9\n".into()).await;
    let e = Client::connect("127.0.0.1", port, &encrypt_only())
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Protocol), "{e:?}");
}

#[tokio::test]
async fn raw_lines_go_out_as_given_and_reads_are_bounded() {
    let (port, task) = server(|line| match line {
        // tokio's `lines()` drops the CR of a CR LF ending.
        "NETVER" => "1.3\n".into(),
        "QUIET" => String::new(),
        _ => "ERR UNKNOWN-COMMAND\n".into(),
    })
    .await;
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    c.send_raw(b"NETVER\r\n").await.expect("send");
    let wait = Duration::from_secs(2);
    assert_eq!(
        c.read_raw(wait).await.unwrap(),
        RawRead::Line(b"1.3".to_vec())
    );
    // Nothing comes back: the read ends at its bound, the session stays usable.
    c.send_raw(b"QUIET\n").await.expect("send");
    assert_eq!(
        c.read_raw(Duration::from_millis(200)).await.unwrap(),
        RawRead::Silent
    );
    assert!(!c.has_pending_bytes());
    assert!(c.tls_session().is_none());
    c.send_raw(b"FROB\n").await.expect("send");
    assert_eq!(
        c.read_raw(wait).await.unwrap(),
        RawRead::Line(b"ERR UNKNOWN-COMMAND".to_vec())
    );
    drop(c);
    let seen = task.await.expect("server");
    assert_eq!(seen, ["NETVER", "QUIET", "FROB"]);
}

#[tokio::test]
async fn raw_read_reports_a_close() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.expect("accept");
        drop(sock);
    });
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    task.await.expect("server");
    assert_eq!(
        c.read_raw(Duration::from_secs(5)).await.unwrap(),
        RawRead::Closed
    );
}
