//! [`SocketReader`]: a reader of a driver socket, as upsd is one. Connects, `DUMPALL`s into a
//! [`DriverState`], then applies every broadcast; also sends `PING`, `INSTCMD`, `SET` and
//! waits for their answers. Works with rnut and C NUT drivers alike. The conversation is
//! nut-core's [`DriverReader`], as in upsd's driver link; this module adds the I/O.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use nut_core::sock::reader;
use nut_core::sock::{
    DriverMessage, DriverReader, DriverState, IgnoredLine, ServerMessage, SockParseError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Why a driver conversation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketReaderError {
    /// Connecting, reading or writing failed.
    #[error("driver socket {path}: {source}")]
    Io {
        /// The socket path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The driver closed the connection.
    #[error("driver socket {0}: closed by the driver")]
    Closed(String),
    /// No answer in time.
    #[error("driver socket {0}: no answer in time")]
    Timeout(String),
}

/// A connection to one driver socket with the mirrored state.
#[derive(Debug)]
pub struct SocketReader {
    stream: UnixStream,
    path: String,
    conn: DriverReader,
    state: DriverState,
    dump_done: bool,
    queued: VecDeque<DriverMessage>,
    /// Lines the driver sent that are not driver messages (ignored, as upsd does).
    pub ignored_lines: u64,
}

impl SocketReader {
    /// Connect to a driver socket.
    pub async fn connect(path: &Path) -> Result<SocketReader, SocketReaderError> {
        let p = path.display().to_string();
        let stream = UnixStream::connect(path)
            .await
            .map_err(|e| SocketReaderError::Io {
                path: p.clone(),
                source: e,
            })?;
        Ok(SocketReader {
            stream,
            path: p,
            conn: DriverReader::new(),
            state: DriverState::new(),
            dump_done: false,
            queued: VecDeque::new(),
            ignored_lines: 0,
        })
    }

    /// The mirrored state.
    pub fn state(&self) -> &DriverState {
        &self.state
    }

    /// Whether a `DUMPDONE` was received since the last `DUMPALL`.
    pub fn dump_done(&self) -> bool {
        self.dump_done
    }

    /// Send one message (a newline is added).
    pub async fn send(&mut self, msg: &ServerMessage) -> Result<(), SocketReaderError> {
        self.send_raw(msg.line().as_bytes()).await
    }

    /// Send raw bytes (tests use this to send garbage).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SocketReaderError> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| SocketReaderError::Io {
                path: self.path.clone(),
                source: e,
            })
    }

    /// The next message from the driver, already applied to the state; `None` at EOF.
    pub async fn next_message(&mut self) -> Result<Option<DriverMessage>, SocketReaderError> {
        loop {
            if let Some(msg) = self.queued.pop_front() {
                reader::apply(&mut self.state, &mut self.dump_done, &msg);
                return Ok(Some(msg));
            }
            let n =
                self.stream
                    .read(self.conn.buffer())
                    .await
                    .map_err(|e| SocketReaderError::Io {
                        path: self.path.clone(),
                        source: e,
                    })?;
            if n == 0 {
                return Ok(None);
            }
            let (queued, ignored) = (&mut self.queued, &mut self.ignored_lines);
            self.conn.decode(n, |line| match line {
                Ok(m) => queued.push_back(m),
                // An empty or comment-only line is no message, and no mistake either.
                Err(IgnoredLine::Unparsed {
                    error: SockParseError::Empty,
                    ..
                }) => {}
                Err(_) => *ignored += 1,
            });
        }
    }

    /// Like [`SocketReader::next_message`] with a time limit.
    pub async fn next_message_within(
        &mut self,
        limit: Duration,
    ) -> Result<Option<DriverMessage>, SocketReaderError> {
        match tokio::time::timeout(limit, self.next_message()).await {
            Ok(r) => r,
            Err(_) => Err(SocketReaderError::Timeout(self.path.clone())),
        }
    }

    /// Read messages until `stop` returns true for one (which is returned).
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        mut stop: impl FnMut(&DriverMessage, &DriverState) -> bool,
    ) -> Result<DriverMessage, SocketReaderError> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_message_within(left).await? {
                Some(m) if stop(&m, &self.state) => return Ok(m),
                Some(_) => {}
                None => return Err(SocketReaderError::Closed(self.path.clone())),
            }
        }
    }

    /// Send `DUMPALL` and read until `DUMPDONE`: the state is rebuilt from scratch.
    pub async fn dump_all(&mut self, limit: Duration) -> Result<&DriverState, SocketReaderError> {
        reader::restart(&mut self.state, &mut self.dump_done);
        self.send_raw(DriverReader::opening().as_bytes()).await?;
        self.wait_for(limit, |m, _| matches!(m, DriverMessage::DumpDone))
            .await?;
        Ok(&self.state)
    }

    /// `PING`, waiting for `PONG` (broadcasts in between are applied).
    pub async fn ping(&mut self, limit: Duration) -> Result<(), SocketReaderError> {
        self.send(&ServerMessage::Ping).await?;
        self.wait_for(limit, |m, _| matches!(m, DriverMessage::Pong))
            .await
            .map(|_| ())
    }

    /// `GETPID`.
    pub async fn get_pid(&mut self, limit: Duration) -> Result<String, SocketReaderError> {
        self.send(&ServerMessage::GetPid).await?;
        match self
            .wait_for(limit, |m, _| matches!(m, DriverMessage::Pid(_)))
            .await?
        {
            DriverMessage::Pid(p) => Ok(p),
            _ => Err(SocketReaderError::Closed(self.path.clone())),
        }
    }

    /// A tracked `INSTCMD`; returns the driver's result code.
    pub async fn instcmd(
        &mut self,
        cmd: &str,
        param: Option<&str>,
        id: &str,
        limit: Duration,
    ) -> Result<i32, SocketReaderError> {
        let msg = ServerMessage::InstCmd {
            cmd: cmd.into(),
            param: param.map(Into::into),
            tracking: Some(id.into()),
        };
        self.send(&msg).await?;
        self.tracking_result(id, limit).await
    }

    /// A tracked `SET`; returns the driver's result code.
    pub async fn set(
        &mut self,
        var: &str,
        value: &str,
        id: &str,
        limit: Duration,
    ) -> Result<i32, SocketReaderError> {
        let msg = ServerMessage::Set {
            var: var.into(),
            value: value.into(),
            tracking: Some(id.into()),
        };
        self.send(&msg).await?;
        self.tracking_result(id, limit).await
    }

    async fn tracking_result(
        &mut self,
        id: &str,
        limit: Duration,
    ) -> Result<i32, SocketReaderError> {
        let m = self
            .wait_for(
                limit,
                |m, _| matches!(m, DriverMessage::Tracking { id: t, .. } if t == id),
            )
            .await?;
        match m {
            DriverMessage::Tracking { code, .. } => Ok(code),
            _ => Err(SocketReaderError::Closed(self.path.clone())),
        }
    }
}

/// One-shot blocking helpers for command-line tools (upsdrvctl status).
pub mod blocking {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::path::Path;
    use std::time::Duration;

    use nut_core::sock::reader;
    use nut_core::sock::{Applied, DriverMessage, DriverReader, DriverState, ServerMessage};

    /// What `upsdrvctl status` learns from a socket.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Probe {
        /// Answered PING.
        pub responsive: bool,
        /// `PID` answer.
        pub pid: Option<String>,
        /// `ups.status` from DUMPSTATUS.
        pub status: Option<String>,
    }

    /// PING, GETPID and DUMPSTATUS over a fresh connection.
    pub fn probe(path: &Path, limit: Duration) -> std::io::Result<Probe> {
        let mut s = UnixStream::connect(path)?;
        s.set_read_timeout(Some(limit))?;
        let req = [
            ServerMessage::Ping,
            ServerMessage::GetPid,
            ServerMessage::DumpStatus,
        ]
        .map(|m| m.line())
        .concat();
        s.write_all(req.as_bytes())?;
        let mut conn = DriverReader::new();
        let (mut st, mut dump_done) = (DriverState::new(), false);
        let mut probe = Probe {
            responsive: false,
            pid: None,
            status: None,
        };
        loop {
            let n = match s.read(conn.buffer()) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    break;
                }
                Err(e) => return Err(e),
            };
            let mut msgs = Vec::new();
            conn.decode(n, |line| msgs.extend(line.ok()));
            for m in msgs {
                match m {
                    DriverMessage::Pong => probe.responsive = true,
                    DriverMessage::Pid(p) => probe.pid = Some(p),
                    m => {
                        if reader::apply(&mut st, &mut dump_done, &m) == Applied::DumpDone {
                            probe.status = st.value("ups.status").map(str::to_string);
                            let _ = s.write_all(b"LOGOUT\n");
                            return Ok(probe);
                        }
                    }
                }
            }
        }
        Ok(probe)
    }
}
