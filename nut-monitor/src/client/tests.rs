//! The client library against an in-process server on 127.0.0.1:0 speaking raw lines.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use nut_core::net::ErrCode;

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

/// Replies of C upsd's shapes, and some a broken or newer server may send.
fn scripted_replies(line: &str) -> String {
    match line {
        "LIST UPS" => "BEGIN LIST UPS\nUPS u \"Main\"\nUPS v \"Other\"\nEND LIST UPS\n".into(),
        "LIST RW u" => "BEGIN LIST RW u\nRW u a.b \"1\"\nEND LIST RW u\n".into(),
        "LIST CMD u" => {
            "BEGIN LIST CMD u\nCMD u load.off\nCMD u beeper.on\nEND LIST CMD u\n".into()
        }
        "LIST CLIENT u" => "BEGIN LIST CLIENT u\nCLIENT u 127.0.0.1\nEND LIST CLIENT u\n".into(),
        "LIST ENUM u v" => {
            "BEGIN LIST ENUM u v\nENUM u v \"230\"\nENUM u v \"240\"\nEND LIST ENUM u v\n".into()
        }
        "LIST RANGE u v" => {
            "BEGIN LIST RANGE u v\nRANGE u v \"-5\" \"10\"\nEND LIST RANGE u v\n".into()
        }
        // Echoes compare without regard to case, as before.
        "LIST VAR U" => "BEGIN LIST VAR u\nVAR u x \"1\"\nEND LIST VAR u\n".into(),
        "LIST VAR bad" => "BEGIN LIST VAR bad\nVAR other x \"1\"\nEND LIST VAR bad\n".into(),
        "LIST VAR wrong" => "BEGIN LIST VAR other\nEND LIST VAR other\n".into(),
        "GET TYPE u v" => "TYPE u v RW ENUM STRING:8\n".into(),
        "GET DESC u v" => "DESC u v \"Input voltage\"\n".into(),
        "GET CMDDESC u c" => "CMDDESC u c \"Turn off\"\n".into(),
        "GET UPSDESC u" => "UPSDESC u \"Main UPS\"\n".into(),
        "GET VAR u new" => "ERR BRAND-NEW\n".into(),
        "GET VAR u bare" => "ERR\n".into(),
        "GET VAR u extra" => "ERR ACCESS-DENIED \"SSL trust failed\"\n".into(),
        "GET VAR u empty" => "\n".into(),
        "GET VAR u short" => "VAR u short\n".into(),
        "INSTCMD u load.off" => "OK TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2\n".into(),
        "INSTCMD u beeper.on" => "OK\n".into(),
        "INSTCMD u nope" => "BEGIN LIST UPS\n".into(),
        "GET TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2" => "PENDING\n".into(),
        "GET TRACKING 2BD31808-CB49-4AEC-9D75-D056E6F018D2" => "SUCCESS\n".into(),
        "GET TRACKING 3BD31808-CB49-4AEC-9D75-D056E6F018D2" => "ERR FAILED\n".into(),
        "CAPABILITIES" => "CAPABILITIES WATCH\n".into(),
        _ => "ERR UNKNOWN-COMMAND\n".into(),
    }
}

/// Every typed request against the reply shapes C upsd sends, plus the ones a broken or
/// newer server may send: what each method returns or which error it gives.
#[tokio::test]
async fn every_reply_kind_reads_as_libupsclient_reads_it() {
    let (port, _task) = server(scripted_replies).await;
    let mut c = Client::connect("127.0.0.1", port, &plain())
        .await
        .expect("connect");
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        c.list_ups().await.unwrap(),
        [pair("u", "Main"), pair("v", "Other")]
    );
    assert_eq!(c.list_rw("u").await.unwrap(), [pair("a.b", "1")]);
    assert_eq!(c.list_cmd("u").await.unwrap(), ["load.off", "beeper.on"]);
    assert_eq!(c.list_client("u").await.unwrap(), ["127.0.0.1"]);
    assert_eq!(c.list_enum("u", "v").await.unwrap(), ["230", "240"]);
    let ranges: Vec<String> = c
        .list_range("u", "v")
        .await
        .unwrap()
        .iter()
        .map(|(min, max)| format!("{min}..{max}"))
        .collect();
    assert_eq!(ranges, ["-5..10"]);
    assert_eq!(c.list_var("U").await.unwrap(), [pair("x", "1")]);
    let types: Vec<String> = c
        .get_type("u", "v")
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(types, ["RW", "ENUM", "STRING:8"]);
    assert_eq!(c.get_desc("u", "v").await.unwrap(), "Input voltage");
    assert_eq!(c.get_cmddesc("u", "c").await.unwrap(), "Turn off");
    assert_eq!(c.get_upsdesc("u").await.unwrap(), "Main UPS");

    // An ERR word unknown to ErrCode: libupsclient's "Unknown error", the line as it came.
    let e = c.get_var("u", "new").await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown error");
    assert_eq!(e.server_line().as_deref(), Some("ERR BRAND-NEW"));
    assert!(!e.is_fatal());
    let e = c.get_var("u", "bare").await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown error");
    let e = c.get_var("u", "extra").await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrCode::AccessDenied));
    assert_eq!(
        e.server_line().as_deref(),
        Some("ERR ACCESS-DENIED SSL trust failed")
    );
    for var in ["empty", "short"] {
        let e = c.get_var("u", var).await.unwrap_err();
        assert_eq!(e.to_string(), "Invalid response from server", "{var}");
    }

    assert_eq!(
        c.instcmd("u", "load.off", None).await.unwrap().as_deref(),
        Some("1BD31808-CB49-4AEC-9D75-D056E6F018D2")
    );
    assert_eq!(c.instcmd("u", "beeper.on", None).await.unwrap(), None);
    let e = c.instcmd("u", "nope", None).await.unwrap_err();
    assert_eq!(e.to_string(), "Invalid response from server");
    let id = |n: u8| format!("{n}BD31808-CB49-4AEC-9D75-D056E6F018D2");
    assert_eq!(
        c.get_tracking(&id(1)).await.unwrap(),
        TrackingResult::Pending
    );
    assert_eq!(
        c.get_tracking(&id(2)).await.unwrap(),
        TrackingResult::Success
    );
    assert_eq!(
        c.get_tracking(&id(3)).await.unwrap(),
        TrackingResult::Failed(ErrCode::Failed)
    );
    assert_eq!(c.capabilities().await.unwrap(), ["WATCH"]);
    assert!(c.offers_watch().await.unwrap());
}

/// A reply that does not echo the query is a protocol error (fatal: the rest of the list is
/// still on its way), whether its BEGIN or an item names something else.
#[tokio::test]
async fn a_list_that_does_not_echo_the_query_is_a_protocol_error() {
    for ups in ["bad", "wrong"] {
        let (port, _task) = server(scripted_replies).await;
        let mut c = Client::connect("127.0.0.1", port, &plain())
            .await
            .expect("connect");
        let e = c.list_var(ups).await.unwrap_err();
        assert!(matches!(e, ClientError::Protocol), "{ups}: {e:?}");
        assert!(e.is_fatal());
    }
}
