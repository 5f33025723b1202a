//! The request head of HTTP/1.1 (RFC 9112), as much of it as a read-only endpoint needs:
//! `GET` / `HEAD`, a path, `Accept`, `Connection`. A request with a body is refused (the
//! endpoint takes none, and skipping one would mean parsing chunked encoding); so is
//! anything malformed. Pure: bytes in, a typed head or a typed refusal out.

use thiserror::Error;

/// The most bytes a request head may take (request line and headers). Browsers and
/// Prometheus send well under 1 KiB.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header lines a head may hold.
pub const MAX_HEADERS: usize = 64;

/// The two methods served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD: the GET response without its body.
    Head,
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// GET or HEAD.
    pub method: Method,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// The `Accept` header (joined when repeated).
    pub accept: String,
    /// The client asked to close after this response (`Connection: close`, or HTTP/1.0
    /// without `keep-alive`).
    pub close: bool,
}

/// Why a head is refused, with the status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeadError {
    /// Longer than [`MAX_HEAD`] or more than [`MAX_HEADERS`] lines: 431.
    #[error("request head too large")]
    TooLarge,
    /// Not HTTP/1.x syntax: 400.
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    /// A method other than GET or HEAD: 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A request body (Content-Length other than 0, or Transfer-Encoding): 413.
    #[error("request bodies are not accepted")]
    Body,
    /// Not HTTP/1.0 or HTTP/1.1: 505.
    #[error("HTTP version not supported")]
    Version,
}

impl HeadError {
    /// The status code of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            HeadError::TooLarge => 431,
            HeadError::Malformed(_) => 400,
            HeadError::MethodNotAllowed => 405,
            HeadError::Body => 413,
            HeadError::Version => 505,
        }
    }
}

/// Where the head ends in `buf` (the index just past the blank line), if it is complete.
/// A bare LF line end is accepted as RFC 9112 allows.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = buf[i..].iter().position(|&b| b == b'\n') {
        let nl = i + p;
        let next = nl + 1;
        match buf.get(next) {
            Some(b'\n') => return Some(next + 1),
            Some(b'\r') if buf.get(next + 1) == Some(&b'\n') => return Some(next + 2),
            _ => i = next,
        }
    }
    None
}

/// Parse a complete head (`head_end`'s slice).
pub fn parse(head: &[u8]) -> Result<RequestHead, HeadError> {
    if head.len() > MAX_HEAD {
        return Err(HeadError::TooLarge);
    }
    let text = std::str::from_utf8(head).map_err(|_| HeadError::Malformed("not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().ok_or(HeadError::Malformed("empty"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("request line"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => return Err(HeadError::Version),
        _ => return Err(HeadError::Malformed("version")),
    };
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        m if !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()) => {
            return Err(HeadError::MethodNotAllowed);
        }
        _ => return Err(HeadError::Malformed("method")),
    };
    let path = request_path(target)?;
    let mut accept = String::new();
    let mut connection = String::new();
    let mut count = 0;
    for line in lines.take_while(|l| !l.is_empty()) {
        count += 1;
        if count > MAX_HEADERS {
            return Err(HeadError::TooLarge);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(HeadError::Malformed("header line"))?;
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(HeadError::Malformed("header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("accept") {
            join(&mut accept, value);
        } else if name.eq_ignore_ascii_case("connection") {
            join(&mut connection, value);
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            return Err(HeadError::Body);
        }
    }
    let has = |token: &str| {
        connection
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    let close = has("close") || (http10 && !has("keep-alive"));
    Ok(RequestHead {
        method,
        path,
        accept,
        close,
    })
}

fn join(into: &mut String, value: &str) {
    if !into.is_empty() {
        into.push_str(", ");
    }
    into.push_str(value);
}

/// The origin-form target's path, percent-decoded; the query is dropped.
fn request_path(target: &str) -> Result<String, HeadError> {
    if !target.starts_with('/') {
        return Err(HeadError::Malformed("target"));
    }
    let raw = target.split(['?', '#']).next().unwrap_or("/");
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(HeadError::Malformed("percent escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).map_err(|_| HeadError::Malformed("path encoding"))?;
    if path.chars().any(char::is_control) {
        return Err(HeadError::Malformed("control character in path"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prometheus_scrape_parses() {
        let raw = b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n";
        let end = head_end(raw).expect("complete");
        assert_eq!(end, raw.len());
        let h = parse(&raw[..end]).expect("parse");
        assert_eq!(h.method, Method::Get);
        assert_eq!(h.path, "/metrics");
        assert!(h.accept.contains("openmetrics"));
        assert!(!h.close);
    }

    #[test]
    fn heads_are_found_only_when_complete() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nrest"), Some(16));
    }

    #[test]
    fn refusals_carry_their_status() {
        let cases: [(&[u8], u16); 8] = [
            (b"POST / HTTP/1.1\r\n\r\n", 405),
            (b"GET / HTTP/2.0\r\n\r\n", 505),
            (b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 413),
            (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 413),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET http://x/ HTTP/1.1\r\n\r\n", 400),
            (b"GET /%zz HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
        ];
        for (raw, status) in cases {
            let e = parse(raw).expect_err("refused");
            assert_eq!(e.status(), status, "{}", String::from_utf8_lossy(raw));
        }
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(parse(many.as_bytes()), Err(HeadError::TooLarge));
    }

    #[test]
    fn http10_closes_unless_kept_alive() {
        assert!(parse(b"GET / HTTP/1.0\r\n\r\n").expect("parse").close);
        assert!(
            !parse(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .expect("parse")
                .close
        );
        assert!(
            parse(b"HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .expect("parse")
                .close
        );
    }
}
