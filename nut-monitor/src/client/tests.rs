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
        Err(ClientError::InvalidResponse)
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
        forcessl: true,
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
