//! One debug-level line per HTTP request served (upsd `-D`, or `UPSD_LOG=debug`):
//!
//! `HTTP 127.0.0.1:50312 "GET /metrics" 200 391022 bytes 3.1 ms`
//!
//! peer, method, path, status, bytes written (head and body) and the time from the complete
//! request head to the last byte handed to the socket. A request refused before its head
//! was complete or valid (400, 405, 408, 413, 431, 505) is logged as `"- -"`. The path is
//! the one the request named, without its query (the request parser drops it), cut to
//! [`MAX_LOGGED_PATH`] characters; the log sink escapes control characters, so a path
//! cannot forge a line.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::request::Method;

/// Characters of a request path written to the log; a longer path is cut and marked `...`.
pub const MAX_LOGGED_PATH: usize = 128;

/// One served request.
#[derive(Debug)]
pub struct Access<'a> {
    /// The client.
    pub peer: SocketAddr,
    /// GET or HEAD (`None`: the head was refused before a method was accepted).
    pub method: Option<Method>,
    /// The request's path (percent-decoded, no query).
    pub path: &'a str,
    /// The response status.
    pub status: u16,
    /// Bytes written: head and body.
    pub bytes: usize,
    /// From the complete request head to the response written.
    pub elapsed: Duration,
}

impl Access<'_> {
    /// Write the line at debug level.
    pub fn log(&self) {
        tracing::debug!("{self}");
    }
}

impl fmt::Display for Access<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.method {
            Some(Method::Get) => "GET",
            Some(Method::Head) => "HEAD",
            None => "-",
        };
        write!(
            f,
            "HTTP {} \"{method} {}\" {} {} bytes {:.1} ms",
            self.peer,
            BoundedPath(self.path),
            self.status,
            self.bytes,
            self.elapsed.as_secs_f64() * 1000.0
        )
    }
}

/// A path cut to [`MAX_LOGGED_PATH`] characters.
struct BoundedPath<'a>(&'a str);

impl fmt::Display for BoundedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(MAX_LOGGED_PATH) {
            Some((cut, _)) => write!(f, "{}...", &self.0[..cut]),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(path: &str) -> String {
        Access {
            peer: "127.0.0.1:4242".parse().expect("addr"),
            method: Some(Method::Get),
            path,
            status: 404,
            bytes: 120,
            elapsed: Duration::from_micros(2500),
        }
        .to_string()
    }

    #[test]
    fn a_line_names_peer_request_status_size_and_time() {
        assert_eq!(
            line("/metrics"),
            "HTTP 127.0.0.1:4242 \"GET /metrics\" 404 120 bytes 2.5 ms"
        );
    }

    #[test]
    fn long_paths_are_cut_on_a_character_boundary() {
        let long = format!("/{}", "é".repeat(500));
        let logged = line(&long);
        let path = logged
            .split('"')
            .nth(1)
            .and_then(|r| r.strip_prefix("GET "))
            .expect("quoted request");
        assert!(path.ends_with("..."), "{path}");
        assert_eq!(path.chars().count(), MAX_LOGGED_PATH + 3);
        assert!(logged.ends_with("\" 404 120 bytes 2.5 ms"));
    }

    /// A log sink for the test's thread.
    #[derive(Clone, Default)]
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Capture {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
        }
    }

    /// GET `path` over a real loopback connection (Connection: close); the response.
    async fn get(addr: SocketAddr, path: &str) -> (SocketAddr, String) {
        send(
            addr,
            &format!("GET {path}?secret=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
        )
        .await
    }

    /// Send `head` over a real loopback connection; our address and the whole response.
    async fn send(addr: SocketAddr, head: &str) -> (SocketAddr, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let me = s.local_addr().expect("local addr");
        s.write_all(head.as_bytes()).await.expect("write");
        let mut all = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut all))
            .await
            .expect("answered in time")
            .expect("read");
        (me, String::from_utf8_lossy(&all).into_owned())
    }

    #[tokio::test]
    async fn every_request_is_logged_at_debug_without_its_query() {
        let capture = Capture::default();
        let sink = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let registry = crate::registry::UpsRegistry::new(
            std::path::Path::new("/nonexistent"),
            Duration::from_secs(15),
            Duration::from_secs(3600),
        );
        let ctx = crate::context::ServerContext::for_tests(registry);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (_trigger, shutdown) = crate::shutdown::channel();
        let shared = super::super::HttpShared::new(ctx, super::super::certs::HttpTls::default());
        super::super::spawn(shared, vec![listener], 4, &shutdown).expect("spawn");

        let (peer, metrics) = get(addr, "/metrics").await;
        assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
        let long = format!("/{}", "x".repeat(1000));
        let (peer404, _) = get(addr, &long).await;
        let (peer405, refused) = send(addr, "POST /metrics HTTP/1.1\r\nHost: t\r\n\r\n").await;
        assert!(refused.starts_with("HTTP/1.1 405"), "{refused}");

        let logged = capture.text();
        let line = logged
            .lines()
            .find(|l| {
                l.contains(&format!(
                    "HTTP {peer} \"GET /metrics\" 200 {} bytes ",
                    metrics.len()
                ))
            })
            .unwrap_or_else(|| panic!("no access line for {peer}: {logged}"));
        assert!(line.contains("DEBUG") && line.ends_with(" ms"), "{line}");
        let cut = format!(
            "HTTP {peer404} \"GET /{}...\" 404 ",
            "x".repeat(MAX_LOGGED_PATH - 1)
        );
        assert!(logged.contains(&cut), "{logged}");
        assert!(
            !logged.contains("secret"),
            "a query string reached the log: {logged}"
        );
        let refused_line = format!("HTTP {peer405} \"- -\" 405 ");
        assert!(logged.contains(&refused_line), "{logged}");
    }
}
