//! Responses: a status, a content type and a body, written with the headers every answer
//! carries (length, no caching, no sniffing; the status page's CSP forbids every external
//! asset and any script).

/// Content types.
pub mod content_type {
    /// Prometheus text exposition 0.0.4.
    pub const PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";
    /// OpenMetrics 1.0.0.
    pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /// JSON.
    pub const JSON: &str = "application/json";
    /// The status page.
    pub const HTML: &str = "text/html; charset=utf-8";
    /// Errors.
    pub const TEXT: &str = "text/plain; charset=utf-8";
}

/// The status page's policy: inline styles only, nothing fetched, nothing run.
const HTML_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// One response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Content-Type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// 200 with a body.
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            content_type,
            body: body.into(),
        }
    }

    /// An error status with a one-line text body.
    pub fn error(status: u16) -> Response {
        Response {
            status,
            content_type: content_type::TEXT,
            body: format!("{status} {}\n", reason(status)).into_bytes(),
        }
    }

    /// The bytes on the wire: head, then the body unless `head_only` (HEAD).
    pub fn to_bytes(&self, head_only: bool, close: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if self.content_type == content_type::HTML {
            out.push_str("Content-Security-Policy: ");
            out.push_str(HTML_CSP);
            out.push_str("\r\n");
        }
        if self.status == 405 {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str(if close {
            "Connection: close\r\n\r\n"
        } else {
            "Connection: keep-alive\r\n\r\n"
        });
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// The reason phrase of the statuses this server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_omits_the_body_but_keeps_its_length() {
        let r = Response::ok(content_type::JSON, "{}");
        let full = String::from_utf8(r.to_bytes(false, false)).expect("utf8");
        assert!(full.starts_with("HTTP/1.1 200 OK\r\n"), "{full}");
        assert!(full.contains("Content-Length: 2\r\n") && full.ends_with("\r\n\r\n{}"));
        let head = String::from_utf8(r.to_bytes(true, true)).expect("utf8");
        assert!(head.ends_with("Connection: close\r\n\r\n"), "{head}");
    }

    #[test]
    fn the_page_forbids_scripts_and_external_assets() {
        let r = Response::ok(content_type::HTML, "<p>");
        let text = String::from_utf8(r.to_bytes(false, true)).expect("utf8");
        assert!(text.contains("Content-Security-Policy: default-src 'none'"));
    }
}
