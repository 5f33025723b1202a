//! Opening a session: TCP (or upsd's Unix socket), then STARTTLS by the tls.md 3.1 decision.

use std::net::SocketAddr;

use tokio::net::TcpStream;

use super::Client;
use super::error::{self, ClientError};
use super::options::{AddrFamily, ConnectOptions};
use super::push;
use super::starttls::{self, Decision, StartTls, decide_on_refusal};
use super::transport::{LineStream, Stream};

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
            return Ok(Client::new(
                LineStream::new(Stream::Local(stream)),
                host,
                port,
                false,
                opts,
            ));
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
        Ok(Client::new(conn, host, port, tls, opts))
    }

    fn new(conn: LineStream, host: &str, port: u16, tls: bool, opts: &ConnectOptions) -> Client {
        Client {
            conn,
            host: host.to_string(),
            port,
            tls,
            timeout: opts.timeout,
            notifications: push::Pending::default(),
            watching: false,
        }
    }
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
