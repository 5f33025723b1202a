//! Shared helpers of the upsd HTTP tests: upsd's HTTP address from its log, a plain and an
//! HTTPS GET with a deadline, and reading samples out of a Prometheus exposition.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use nut_certutil::rustls;
use rustls::pki_types::ServerName;

use crate::upsd::{NutTree, Upsd};

/// An answer: status, head lines, body.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl HttpAnswer {
    /// A header's value (first one, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// The upsd.conf line of an HTTP listener on a free loopback port (upsd refuses port 0 in
/// HTTP_LISTEN; [`http_addr`] reads the address from upsd's log).
pub fn http_listen_line() -> String {
    format!("HTTP_LISTEN 127.0.0.1 {}\n", crate::free_port())
}

/// The standard test layout with an HTTP listener.
pub fn standard_with_http(extra: &str) -> NutTree {
    NutTree::standard(&format!("{}{extra}", http_listen_line()))
}

/// The HTTP address upsd logged (`HTTP listening at http[s]://<addr>/`).
pub fn http_addr(u: &Upsd) -> SocketAddr {
    assert!(
        u.wait_log("HTTP listening at ", Duration::from_secs(10)),
        "upsd did not log its HTTP address: {}",
        u.log_text()
    );
    u.log_lines()
        .iter()
        .find_map(|l| {
            let url = l.split("HTTP listening at ").nth(1)?;
            let rest = url.split("://").nth(1)?;
            rest.trim().trim_end_matches('/').parse().ok()
        })
        .expect("HTTP address in the log")
}

/// Send `request` (a whole head) and read the answer until the server closes.
pub fn raw_exchange<S: Read + Write>(s: &mut S, request: &str) -> std::io::Result<HttpAnswer> {
    s.write_all(request.as_bytes())?;
    s.flush()?;
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let text = String::from_utf8_lossy(&all).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .map(|(h, b)| (h.to_string(), b.to_string()))
        .unwrap_or((text.clone(), String::new()));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(HttpAnswer { status, head, body })
}

fn request(path: &str, extra_headers: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra_headers}Connection: close\r\n\r\n")
}

/// GET over plain TCP.
pub fn get(addr: SocketAddr, path: &str) -> HttpAnswer {
    get_with(addr, path, "")
}

/// GET with extra header lines (each ending in CRLF).
pub fn get_with(addr: SocketAddr, path: &str, headers: &str) -> HttpAnswer {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    raw_exchange(&mut s, &request(path, headers)).expect("HTTP exchange")
}

/// GET over TLS with `config`; Err carries the TLS or I/O error (a refused client
/// certificate shows up here).
pub fn get_tls(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    path: &str,
) -> Result<HttpAnswer, String> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let conn =
        rustls::ClientConnection::new(config, ServerName::try_from("localhost").expect("name"))
            .map_err(|e| e.to_string())?;
    let mut stream = rustls::StreamOwned::new(conn, s);
    let answer = raw_exchange(&mut stream, &request(path, "")).map_err(|e| e.to_string())?;
    if answer.status == 0 {
        return Err(format!("no HTTP answer: {answer:?}"));
    }
    Ok(answer)
}

/// The value of the sample `name{labels}` (labels exactly as written, in upsd's order:
/// `ups="test"`), if present.
pub fn sample<'a>(exposition: &'a str, name: &str, labels: &str) -> Option<&'a str> {
    let key = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
}
