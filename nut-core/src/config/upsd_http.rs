//! rnut's upsd.conf `HTTP_*` directives: the observability listener (Prometheus metrics,
//! the JSON API and the status page; `docs/METRICS.md`). Off unless `HTTP_LISTEN` is given.
//!
//! - `HTTP_LISTEN <port>`: loopback (`127.0.0.1` and `::1`) on that port;
//!   `HTTP_LISTEN <address> [<port>]`: that address, port [`DEFAULT_HTTP_PORT`] when omitted.
//! - `HTTP_TLS yes|no` (no): serve HTTPS with upsd's identity (CERTFILE or CERTPATH/CERTIDENT).
//! - `HTTP_CERTREQUEST NO|REQUEST|REQUIRE` (NO): client certificates on the HTTPS port,
//!   verified against the same trust as the NUT port's CERTREQUEST.
//! - `HTTP_MAXCONN <n>` ([`DEFAULT_HTTP_MAXCONN`]): open HTTP connections, counted apart from
//!   MAXCONN so that a scraper flood cannot take the NUT clients' places.

use std::path::Path;

use super::{CertRequest, ConfigError, Line, bool_value, expect_args, uint_value};
use crate::config::upsd_conf::ListenAddr;

/// The port of `HTTP_LISTEN <address>` without one (NUT's 3493, in the 9xxx range of
/// exporters).
pub const DEFAULT_HTTP_PORT: u16 = 9493;

/// Open HTTP connections when `HTTP_MAXCONN` is not given.
pub const DEFAULT_HTTP_MAXCONN: u32 = 16;

/// The largest `HTTP_MAXCONN`: a metrics port serves a few scrapers and browsers.
pub const MAX_HTTP_MAXCONN: u32 = 1024;

/// The directives of this module (for the upper-case hint on a mistyped one).
pub const HTTP_DIRECTIVES: &[&str] = &[
    "HTTP_LISTEN",
    "HTTP_TLS",
    "HTTP_CERTREQUEST",
    "HTTP_MAXCONN",
];

/// The HTTP side of upsd.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConf {
    /// Where to listen; empty: no HTTP listener.
    pub listen: Vec<ListenAddr>,
    /// `HTTP_TLS`.
    pub tls: bool,
    /// `HTTP_CERTREQUEST` (NO when not given).
    pub certrequest: CertRequest,
    /// `HTTP_MAXCONN`.
    pub maxconn: u32,
}

impl Default for HttpConf {
    fn default() -> Self {
        HttpConf {
            listen: Vec::new(),
            tls: false,
            certrequest: CertRequest::No,
            maxconn: DEFAULT_HTTP_MAXCONN,
        }
    }
}

impl HttpConf {
    /// Whether the HTTP listener is enabled.
    pub fn enabled(&self) -> bool {
        !self.listen.is_empty()
    }

    /// Apply one `HTTP_*` line; `Ok(false)` when the directive is not one of ours.
    pub(crate) fn apply(&mut self, line: &Line, file: &Path) -> Result<bool, ConfigError> {
        let n = line.number;
        let key = line.words[0].as_str();
        match key {
            "HTTP_LISTEN" => {
                let added = match &line.words[1..] {
                    [port] if port.bytes().all(|b| b.is_ascii_digit()) => {
                        let port = http_port(port, file, n)?;
                        addrs(&["127.0.0.1", "::1"], port)
                    }
                    [host] => listen_addrs(host, DEFAULT_HTTP_PORT, file, n)?,
                    [host, port] => listen_addrs(host, http_port(port, file, n)?, file, n)?,
                    args => {
                        return Err(ConfigError::new(
                            file,
                            n,
                            format!(
                                "HTTP_LISTEN: expected <port> or <address> [<port>], got {} arguments",
                                args.len()
                            ),
                        ));
                    }
                };
                for a in added {
                    if !self.listen.contains(&a) {
                        self.listen.push(a);
                    }
                }
            }
            "HTTP_TLS" => {
                let v = expect_args(line, 1, "yes or no", file)?;
                self.tls = bool_value(key, &v[0], file, n)?;
            }
            "HTTP_CERTREQUEST" => {
                let v = &expect_args(line, 1, "NO|REQUEST|REQUIRE", file)?[0];
                self.certrequest = CertRequest::parse(v).ok_or_else(|| {
                    ConfigError::new(
                        file,
                        n,
                        format!("HTTP_CERTREQUEST: invalid value {v:?} (expected NO, REQUEST or REQUIRE)"),
                    )
                })?;
            }
            "HTTP_MAXCONN" => {
                let v = &expect_args(line, 1, "number of connections", file)?[0];
                let max: u32 = uint_value(key, v, file, n)?;
                if !(1..=MAX_HTTP_MAXCONN).contains(&max) {
                    return Err(ConfigError::new(
                        file,
                        n,
                        format!("HTTP_MAXCONN must be between 1 and {MAX_HTTP_MAXCONN}"),
                    ));
                }
                self.maxconn = max;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks across lines: `HTTP_TLS` needs a certificate, `HTTP_CERTREQUEST` needs TLS.
    pub(crate) fn check(&self, tls_configured: bool, file: &Path) -> Result<(), ConfigError> {
        if self.tls && !tls_configured {
            return Err(ConfigError::new(
                file,
                0,
                "HTTP_TLS yes needs upsd's certificate (CERTFILE, or CERTPATH with CERTIDENT)",
            ));
        }
        if self.certrequest != CertRequest::No && !self.tls {
            return Err(ConfigError::new(
                file,
                0,
                "HTTP_CERTREQUEST needs HTTP_TLS yes (client certificates only exist over TLS)",
            ));
        }
        Ok(())
    }
}

fn addrs(hosts: &[&str], port: u16) -> Vec<ListenAddr> {
    hosts
        .iter()
        .map(|h| ListenAddr {
            host: (*h).to_string(),
            port,
        })
        .collect()
}

/// One address, `*` for both wildcards (as `LISTEN`).
fn listen_addrs(
    host: &str,
    port: u16,
    file: &Path,
    n: usize,
) -> Result<Vec<ListenAddr>, ConfigError> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(ConfigError::new(file, n, "HTTP_LISTEN: empty address"));
    }
    if host == "*" {
        return Ok(addrs(&["0.0.0.0", "::"], port));
    }
    Ok(addrs(&[host], port))
}

fn http_port(port: &str, file: &Path, n: usize) -> Result<u16, ConfigError> {
    let p: u16 = uint_value("HTTP_LISTEN port", port, file, n)?;
    if p == 0 {
        return Err(ConfigError::new(
            file,
            n,
            "HTTP_LISTEN port must be between 1 and 65535",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use crate::config::UpsdConf;
    use crate::config::{CertRequest, ListenAddr};
    use std::path::Path;

    fn parse(text: &str) -> Result<UpsdConf, crate::config::ConfigError> {
        UpsdConf::parse(text, Path::new("upsd.conf"))
    }

    fn addr(host: &str, port: u16) -> ListenAddr {
        ListenAddr {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn off_by_default_and_loopback_for_a_bare_port() {
        assert!(!parse("").expect("parse").http.enabled());
        let c = parse("HTTP_LISTEN 9100\n").expect("parse");
        assert_eq!(c.http.listen, [addr("127.0.0.1", 9100), addr("::1", 9100)]);
        let c = parse("HTTP_LISTEN 192.0.2.1\nHTTP_LISTEN [::1] 8080\nHTTP_MAXCONN 4\n")
            .expect("parse");
        assert_eq!(
            c.http.listen,
            [
                addr("192.0.2.1", super::DEFAULT_HTTP_PORT),
                addr("::1", 8080)
            ]
        );
        assert_eq!(c.http.maxconn, 4);
        assert_eq!(c.http.certrequest, CertRequest::No);
    }

    #[test]
    fn bad_values_are_refused_with_the_line() {
        for bad in [
            "HTTP_LISTEN 0\n",
            "HTTP_LISTEN 127.0.0.1 70000\n",
            "HTTP_LISTEN a b c\n",
            "HTTP_MAXCONN 0\n",
            "HTTP_MAXCONN 5000\n",
            "HTTP_TLS maybe\n",
            "HTTP_LISTEN 9100\nHTTP_TLS yes\n",
            "HTTP_LISTEN 9100\nHTTP_CERTREQUEST REQUIRE\n",
            "HTTP_CERTREQUEST sometimes\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        let e = parse("http_listen 9100\n").expect_err("lower case");
        assert!(e.to_string().contains("HTTP_LISTEN"), "{e}");
    }

    #[test]
    fn tls_and_client_certificates_with_a_certificate() {
        let c = parse(
            "CERTFILE /etc/nut/upsd.pem\nHTTP_LISTEN 9100\nHTTP_TLS yes\nHTTP_CERTREQUEST REQUIRE\n",
        )
        .expect("parse");
        assert!(c.http.tls);
        assert_eq!(c.http.certrequest, CertRequest::Require);
    }
}
