//! A minimal, blocking, plaintext NUT network client (for dummy-ups repeater mode): connect,
//! `LIST VAR`, `LOGOUT`. Requests and replies are the typed ones of [`nut_core::net`].
//! STARTTLS is not attempted yet.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use nut_core::net::{ListQuery, Reply, Request};
use nut_core::words::split_line;

/// Why a network conversation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetClientError {
    /// Connecting, reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The server answered `ERR ...`.
    #[error("server error: {0}")]
    Server(String),
    /// The server's answer is not what the protocol says.
    #[error("unexpected reply: {0}")]
    Protocol(String),
    /// The server closed the connection.
    #[error("connection closed by the server")]
    Closed,
}

/// One plaintext connection to upsd.
#[derive(Debug)]
pub struct NutConnection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// Longest reply line read (C upsd lines are far shorter).
const MAX_REPLY_LINE: u64 = 64 * 1024;

impl NutConnection {
    /// Connect to `host:port` with a timeout for the connection and every read.
    pub fn connect(
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<NutConnection, NetClientError> {
        let mut last = None;
        for addr in (host, port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => {
                    s.set_read_timeout(Some(timeout))?;
                    s.set_write_timeout(Some(timeout))?;
                    s.set_nodelay(true)?;
                    let writer = s.try_clone()?;
                    return Ok(NutConnection {
                        reader: BufReader::new(s),
                        writer,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last
            .map(NetClientError::Io)
            .unwrap_or(NetClientError::Closed))
    }

    fn send(&mut self, req: &Request) -> Result<(), NetClientError> {
        let line = format!("{}\n", req.to_line());
        self.writer.write_all(line.as_bytes())?;
        Ok(())
    }

    fn read_reply(&mut self) -> Result<Reply, NetClientError> {
        let mut line = String::new();
        let n = (&mut self.reader)
            .take(MAX_REPLY_LINE)
            .read_line(&mut line)?;
        if n == 0 {
            return Err(NetClientError::Closed);
        }
        let words = split_line(line.trim_end_matches(['\n', '\r']))
            .map_err(|e| NetClientError::Protocol(e.to_string()))?;
        let reply = Reply::parse(&words)
            .map_err(|e| NetClientError::Protocol(format!("{e}: {}", line.trim_end())))?;
        if let Reply::Err(code, _) = &reply {
            return Err(NetClientError::Server(code.to_string()));
        }
        Ok(reply)
    }

    /// `LIST VAR <ups>`: every (variable, value) of the UPS, in the server's order.
    pub fn list_var(&mut self, ups: &str) -> Result<Vec<(String, String)>, NetClientError> {
        self.send(&Request::ListVar {
            ups: ups.to_string(),
        })?;
        match self.read_reply()? {
            Reply::BeginList(ListQuery::Var { .. }) => {}
            other => return Err(NetClientError::Protocol(format!("{other:?}"))),
        }
        let mut out = Vec::new();
        loop {
            match self.read_reply()? {
                Reply::Var { var, value, .. } => out.push((var, value)),
                Reply::EndList(_) => return Ok(out),
                other => return Err(NetClientError::Protocol(format!("{other:?}"))),
            }
        }
    }

    /// `LOGOUT`, ignoring the answer.
    pub fn logout(&mut self) {
        if self.send(&Request::Logout).is_ok() {
            let _ = self.read_reply();
        }
    }
}
