//! An async NUT client (the equivalent of C NUT's libupsclient): connect with a timeout,
//! STARTTLS by the tls.md 3.1 decision, typed requests and replies, typed errors.
//!
//! Arguments are always escaped and quoted when needed (unlike libupsclient, a password with
//! spaces works). With FORCESSL, a server without TLS is refused right after its answer to
//! `STARTTLS`: no USERNAME or PASSWORD is ever sent in plaintext.
//!
//! Protocol testers (`nut-conformance`) get raw access in `raw`: bytes out as given, reply
//! lines back as received with bounded waits, the TLS handshake after an `OK STARTTLS` they
//! read themselves, and what the TLS session negotiated.

mod error;
mod options;
mod push;
mod raw;
mod starttls;
mod transport;

use std::net::SocketAddr;
use std::time::Duration;

use nut_core::net::{ErrCode, Request};
use tokio::net::TcpStream;

pub use error::ClientError;
pub use options::{AddrFamily, ConnectOptions, Prebuilt};
pub use raw::{RawRead, TlsSessionInfo};
pub use transport::MAX_LINE;

use starttls::{Decision, StartTls, decide_on_refusal};
use transport::{LineStream, Stream};

/// Result of `GET TRACKING <id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingResult {
    /// The driver has not answered yet.
    Pending,
    /// The driver reported success.
    Success,
    /// The driver reported a failure (`ERR UNKNOWN`, `ERR INVALID-ARGUMENT`, `ERR FAILED`).
    Failed(ErrCode),
}

/// Upper bound on the lines of one LIST reply (defence against an endless list).
const MAX_LIST_LINES: usize = 100_000;

/// One session with a NUT server.
#[derive(Debug)]
pub struct Client {
    conn: LineStream,
    host: String,
    port: u16,
    tls: bool,
    timeout: Duration,
    /// `NOTIFY` lines read while waiting for a reply (push extension), bounded.
    notifications: push::Pending,
    /// A `WATCH` succeeded on this session.
    watching: bool,
}

impl Client {
    /// Connect to `host:port` and run the tls.md 3.1 connection decision. A host that is an
    /// absolute path is upsd's Unix socket (rnut extension): no STARTTLS there, and FORCESSL
    /// does not apply (the bytes never leave the kernel).
    pub async fn connect(
        host: &str,
        port: u16,
        opts: &ConnectOptions,
    ) -> Result<Client, ClientError> {
        if nut_core::net::system_name::is_unix_socket_host(host) {
            let stream = tokio::time::timeout(opts.timeout, tokio::net::UnixStream::connect(host))
                .await
                .map_err(|_| ClientError::Connect("Connection timed out".into()))?
                .map_err(|e| ClientError::Connect(error::io_text(&e)))?;
            return Ok(Client {
                conn: LineStream::new(Stream::Local(stream)),
                host: host.to_string(),
                port,
                tls: false,
                timeout: opts.timeout,
                notifications: push::Pending::default(),
                watching: false,
            });
        }
        // Build the TLS policy first: a broken TLS configuration must not lead to a
        // plaintext session.
        let built;
        // A prebuilt policy serves only the server it was built for.
        let prebuilt = opts
            .prebuilt
            .as_ref()
            .filter(|p| p.host == host && p.port == port);
        let policy = match (prebuilt, &opts.tls, &opts.loaded) {
            (Some(p), _, _) => Some(p.policy.as_ref()),
            // Read once (upsmon): no store visit per connect.
            (None, Some(_), Some(loaded)) => {
                built = loaded
                    .for_server(host, port)
                    .map_err(|e| ClientError::Tls(e.to_string()))?;
                Some(&built)
            }
            (None, Some(settings), None) => {
                built = nut_certutil::tls::build_client_config(settings, host, port)
                    .map_err(|e| ClientError::Tls(e.to_string()))?;
                Some(&built)
            }
            (None, None, _) => None,
        };
        let tcp = tcp_connect(host, port, opts).await?;
        let mut conn = LineStream::new(Stream::Plain(tcp));
        let mut tls = false;
        if let Some(policy) = policy {
            if opts.tryssl || policy.forcessl {
                let step = starttls::starttls(conn, policy);
                let (c, outcome) = tokio::time::timeout(opts.timeout, step)
                    .await
                    .map_err(|_| ClientError::Tls("handshake timed out".into()))??;
                conn = c;
                match outcome {
                    StartTls::Up => {
                        tls = true;
                        tracing::info!(host, port, "Connected to NUT server {host} in SSL");
                        if !policy.certverify {
                            tracing::warn!(
                                host,
                                port,
                                "Certificate verification (by client) is disabled"
                            );
                        }
                    }
                    StartTls::Refused(answer) => {
                        match decide_on_refusal(policy.certverify, policy.forcessl) {
                            Decision::Plaintext => {
                                tracing::debug!(host, port, %answer, "STARTTLS refused, continuing in plaintext");
                            }
                            Decision::Refuse(why) => {
                                tracing::error!(
                                    host,
                                    port,
                                    %answer,
                                    "Can not connect to NUT server {host} in SSL, disconnect: {why}"
                                );
                                return Err(ClientError::SslNotAvailable);
                            }
                        }
                    }
                }
            }
        }
        Ok(Client {
            conn,
            host: host.to_string(),
            port,
            tls,
            timeout: opts.timeout,
            notifications: push::Pending::default(),
            watching: false,
        })
    }

    /// Whether the session is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The certificate chain the server presented (DER, end entity first; empty without TLS).
    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        match &self.conn.stream {
            transport::Stream::Tls(tls) => tls
                .get_ref()
                .1
                .peer_certificates()
                .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
                .unwrap_or_default(),
            transport::Stream::Plain(_) | transport::Stream::Local(_) => Vec::new(),
        }
    }

    /// The server host as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Send one line and read one reply line as words; `ERR` becomes [`ClientError::Server`].
    pub async fn request(&mut self, request_line: &str) -> Result<Vec<String>, ClientError> {
        let timeout = self.timeout;
        let fut = async {
            self.conn.write_line(request_line).await?;
            self.read_reply().await
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// The next reply line; `NOTIFY` lines (push extension) met on the way are kept for
    /// [`Client::next_notification`].
    async fn read_reply(&mut self) -> Result<Vec<String>, ClientError> {
        loop {
            let words = self.conn.read_words().await?;
            if !self.notifications.keep(&words) {
                return check_err(words);
            }
        }
    }

    /// A command whose success reply starts with `OK`; returns the words after `OK`.
    async fn ok_command(&mut self, request_line: &str) -> Result<Vec<String>, ClientError> {
        let mut words = self.request(request_line).await?;
        if words.first().map(String::as_str) != Some("OK") {
            return Err(ClientError::InvalidResponse);
        }
        words.remove(0);
        Ok(words)
    }

    /// `GET <query...>`: checks that the answer echoes the query (else, as C's `upscli_get`,
    /// a protocol error), returns the words after it.
    async fn get(&mut self, req: Request, query: &[&str]) -> Result<Vec<String>, ClientError> {
        let reply = self.request(&req.to_line()).await?;
        if reply.len() < query.len() || !echoes(&reply, query) {
            return Err(ClientError::Protocol);
        }
        Ok(reply[query.len()..].to_vec())
    }

    /// `LIST <query...>`: the item lines between BEGIN and END, each without the echoed query.
    async fn list(
        &mut self,
        req: Request,
        query: &[&str],
    ) -> Result<Vec<Vec<String>>, ClientError> {
        let timeout = self.timeout;
        let request_line = req.to_line();
        let fut = async {
            self.conn.write_line(&request_line).await?;
            let begin = self.read_reply().await?;
            if begin.len() < 2 + query.len()
                || begin[0] != "BEGIN"
                || begin[1] != "LIST"
                || !echoes(&begin[2..], query)
            {
                return Err(ClientError::Protocol);
            }
            let mut items = Vec::new();
            loop {
                let words = self.read_reply().await?;
                if words.len() >= 2 && words[0] == "END" && words[1] == "LIST" {
                    return Ok(items);
                }
                // Item lines repeat the list type and its arguments, then the data.
                let echo = &query[1..];
                if words.len() < 1 + echo.len()
                    || !words[0].eq_ignore_ascii_case(query[0])
                    || !echoes(&words[1..], echo)
                {
                    return Err(ClientError::Protocol);
                }
                if items.len() >= MAX_LIST_LINES {
                    return Err(ClientError::Parse("list too long".into()));
                }
                items.push(words[1 + echo.len()..].to_vec());
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// `GET VAR <ups> <var>`: the value.
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        single(
            self.get(
                Request::GetVar {
                    ups: ups.into(),
                    var: var.into(),
                },
                &["VAR", ups, var],
            )
            .await?,
        )
    }

    /// `GET NUMLOGINS <ups>`.
    pub async fn get_numlogins(&mut self, ups: &str) -> Result<u32, ClientError> {
        let v = single(
            self.get(
                Request::GetNumLogins { ups: ups.into() },
                &["NUMLOGINS", ups],
            )
            .await?,
        )?;
        v.trim().parse().map_err(|_| ClientError::InvalidResponse)
    }

    /// `GET UPSDESC <ups>`.
    pub async fn get_upsdesc(&mut self, ups: &str) -> Result<String, ClientError> {
        single(
            self.get(Request::GetUpsDesc { ups: ups.into() }, &["UPSDESC", ups])
                .await?,
        )
    }

    /// `GET DESC <ups> <var>`.
    pub async fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        single(
            self.get(
                Request::GetDesc {
                    ups: ups.into(),
                    var: var.into(),
                },
                &["DESC", ups, var],
            )
            .await?,
        )
    }

    /// `GET CMDDESC <ups> <cmd>`.
    pub async fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, ClientError> {
        single(
            self.get(
                Request::GetCmdDesc {
                    ups: ups.into(),
                    cmd: cmd.into(),
                },
                &["CMDDESC", ups, cmd],
            )
            .await?,
        )
    }

    /// `GET TYPE <ups> <var>`: the type words (`RW`, `ENUM`, `RANGE`, `STRING:n`, `NUMBER`).
    pub async fn get_type(&mut self, ups: &str, var: &str) -> Result<Vec<String>, ClientError> {
        self.get(
            Request::GetType {
                ups: ups.into(),
                var: var.into(),
            },
            &["TYPE", ups, var],
        )
        .await
    }

    /// `LIST UPS`: `(name, description)` in server order.
    pub async fn list_ups(&mut self) -> Result<Vec<(String, String)>, ClientError> {
        pairs(self.list(Request::ListUps, &["UPS"]).await?)
    }

    /// `LIST VAR <ups>`: `(name, value)`.
    pub async fn list_var(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        pairs(
            self.list(Request::ListVar { ups: ups.into() }, &["VAR", ups])
                .await?,
        )
    }

    /// `LIST RW <ups>`: `(name, value)`.
    pub async fn list_rw(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        pairs(
            self.list(Request::ListRw { ups: ups.into() }, &["RW", ups])
                .await?,
        )
    }

    /// `LIST CMD <ups>`: command names.
    pub async fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        singles(
            self.list(Request::ListCmd { ups: ups.into() }, &["CMD", ups])
                .await?,
        )
    }

    /// `LIST CLIENT <ups>`: client addresses.
    pub async fn list_client(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        singles(
            self.list(Request::ListClient { ups: ups.into() }, &["CLIENT", ups])
                .await?,
        )
    }

    /// `LIST ENUM <ups> <var>`: the allowed values.
    pub async fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, ClientError> {
        singles(
            self.list(
                Request::ListEnum {
                    ups: ups.into(),
                    var: var.into(),
                },
                &["ENUM", ups, var],
            )
            .await?,
        )
    }

    /// `LIST RANGE <ups> <var>`: `(min, max)` pairs.
    pub async fn list_range(
        &mut self,
        ups: &str,
        var: &str,
    ) -> Result<Vec<(String, String)>, ClientError> {
        pairs(
            self.list(
                Request::ListRange {
                    ups: ups.into(),
                    var: var.into(),
                },
                &["RANGE", ups, var],
            )
            .await?,
        )
    }

    /// `USERNAME` then `PASSWORD` (quoted as needed, so spaces work).
    pub async fn authenticate(&mut self, user: &str, password: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Username(user.into()).to_line())
            .await?;
        // The password's copies (the request and its line) are wiped once sent.
        let mut request = Request::Password(password.into());
        let line = zeroize::Zeroizing::new(request.to_line());
        if let Request::Password(p) = &mut request {
            zeroize::Zeroize::zeroize(p);
        }
        self.ok_command(&line).await?;
        Ok(())
    }

    /// `LOGIN <ups>`.
    pub async fn login(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Login { ups: ups.into() }.to_line())
            .await
            .map(drop)
    }

    /// `PRIMARY <ups>`, falling back to `MASTER <ups>` on anything that is not `OK`.
    pub async fn primary(&mut self, ups: &str) -> Result<(), ClientError> {
        match self
            .ok_command(&Request::Primary { ups: ups.into() }.to_line())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_fatal() && !matches!(e, ClientError::InvalidResponse) => Err(e),
            Err(_) => self
                .ok_command(&Request::Master { ups: ups.into() }.to_line())
                .await
                .map(drop),
        }
    }

    /// `FSD <ups>`.
    pub async fn fsd(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Fsd { ups: ups.into() }.to_line())
            .await
            .map(drop)
    }

    /// `SET TRACKING ON|OFF`.
    pub async fn set_tracking(&mut self, on: bool) -> Result<(), ClientError> {
        self.ok_command(&Request::SetTracking(on).to_line())
            .await
            .map(drop)
    }

    /// `SET VAR <ups> <var> <value>`: the tracking id when tracking is on.
    pub async fn set_var(
        &mut self,
        ups: &str,
        var: &str,
        value: &str,
    ) -> Result<Option<String>, ClientError> {
        let req = Request::SetVar {
            ups: ups.into(),
            var: var.into(),
            value: value.into(),
        };
        let rest = self.ok_command(&req.to_line()).await?;
        Ok(tracking_id(&rest))
    }

    /// `INSTCMD <ups> <cmd> [<param>]`: the tracking id when tracking is on.
    pub async fn instcmd(
        &mut self,
        ups: &str,
        cmd: &str,
        param: Option<&str>,
    ) -> Result<Option<String>, ClientError> {
        let req = Request::InstCmd {
            ups: ups.into(),
            cmd: cmd.into(),
            param: param.map(Into::into),
        };
        let rest = self.ok_command(&req.to_line()).await?;
        Ok(tracking_id(&rest))
    }

    /// `GET TRACKING <id>`.
    pub async fn get_tracking(&mut self, id: &str) -> Result<TrackingResult, ClientError> {
        match self
            .request(&Request::GetTracking(Some(id.into())).to_line())
            .await
        {
            Ok(words) => match words.first().map(String::as_str) {
                Some("PENDING") => Ok(TrackingResult::Pending),
                Some("SUCCESS") => Ok(TrackingResult::Success),
                _ => Err(ClientError::InvalidResponse),
            },
            Err(ClientError::Server { code, .. })
                if matches!(
                    code,
                    ErrCode::Unknown | ErrCode::InvalidArgument | ErrCode::Failed
                ) =>
            {
                Ok(TrackingResult::Failed(code))
            }
            Err(e) => Err(e),
        }
    }

    /// `LOGOUT`, then close. Errors are ignored: the session ends either way.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            self.conn.write_line(&Request::Logout.to_line()).await?;
            self.conn.read_raw_line().await.map(drop)
        })
        .await;
        use tokio::io::AsyncWriteExt;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.conn.stream.shutdown()).await;
    }
}

fn tracking_id(rest: &[String]) -> Option<String> {
    match rest {
        [t, id] if t == "TRACKING" => Some(id.clone()),
        _ => None,
    }
}

/// `ERR <code> [extra...]` to an error, anything else passes.
fn check_err(words: Vec<String>) -> Result<Vec<String>, ClientError> {
    if words.first().map(String::as_str) == Some("ERR") {
        let code = words
            .get(1)
            .map(|c| ErrCode::from_wire(c))
            .unwrap_or(ErrCode::Other(String::new()));
        return Err(ClientError::Server {
            code,
            extra: words.iter().skip(2).cloned().collect(),
        });
    }
    if words.is_empty() {
        return Err(ClientError::InvalidResponse);
    }
    Ok(words)
}

/// Whether `reply` starts with the `query` words (keywords case-insensitively, names as sent).
fn echoes(reply: &[String], query: &[&str]) -> bool {
    reply.len() >= query.len()
        && reply
            .iter()
            .zip(query)
            .all(|(r, q)| r == q || r.eq_ignore_ascii_case(q))
}

fn single(rest: Vec<String>) -> Result<String, ClientError> {
    rest.into_iter().next().ok_or(ClientError::InvalidResponse)
}

fn singles(items: Vec<Vec<String>>) -> Result<Vec<String>, ClientError> {
    items.into_iter().map(single).collect()
}

fn pairs(items: Vec<Vec<String>>) -> Result<Vec<(String, String)>, ClientError> {
    items
        .into_iter()
        .map(|mut w| {
            if w.len() < 2 {
                return Err(ClientError::InvalidResponse);
            }
            let b = w.swap_remove(1);
            let a = w.swap_remove(0);
            Ok((a, b))
        })
        .collect()
}

async fn tcp_connect(
    host: &str,
    port: u16,
    opts: &ConnectOptions,
) -> Result<TcpStream, ClientError> {
    let timeout = opts.timeout;
    let addrs: Vec<SocketAddr> =
        tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| ClientError::NoSuchHost)?
            .map_err(|_| ClientError::NoSuchHost)?
            .filter(|a| match opts.family {
                AddrFamily::Any => true,
                AddrFamily::V4 => a.is_ipv4(),
                AddrFamily::V6 => a.is_ipv6(),
            })
            .collect();
    if addrs.is_empty() {
        return Err(ClientError::NoSuchHost);
    }
    let mut last = String::from("no address");
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = error::io_text(&e),
            Err(_) => last = "Connection timed out".to_string(),
        }
    }
    Err(ClientError::Connect(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_lines_become_typed_errors() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let e = check_err(w(&["ERR", "UNKNOWN-UPS"])).unwrap_err();
        assert_eq!(e.code(), Some(&ErrCode::UnknownUps));
        assert_eq!(e.to_string(), "Unknown UPS");
        assert!(!e.is_fatal());
        let e = check_err(w(&["ERR", "BRAND-NEW"])).unwrap_err();
        assert_eq!(e.to_string(), "Unknown error");
        assert!(check_err(w(&[])).is_err());
        assert_eq!(check_err(w(&["OK"])).unwrap(), ["OK"]);
    }

    #[test]
    fn echo_and_tracking_parsing() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(echoes(
            &w(&["VAR", "ups", "ups.status", "OL"]),
            &["VAR", "ups", "ups.status"]
        ));
        assert!(!echoes(
            &w(&["VAR", "other", "ups.status"]),
            &["VAR", "ups", "ups.status"]
        ));
        assert_eq!(tracking_id(&w(&["TRACKING", "ABC"])), Some("ABC".into()));
        assert_eq!(tracking_id(&w(&[])), None);
        let req = Request::Password("pass word".into());
        assert_eq!(req.to_line(), r#"PASSWORD "pass word""#);
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod integration_tests;
