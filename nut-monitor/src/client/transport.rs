//! The byte stream under a session: plain TCP or TLS after STARTTLS, and a line reader with
//! a bounded buffer (a server cannot make the client grow without limit).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use nut_core::words::{Event, Tokenizer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::error::ClientError;

/// Longest reply line accepted (C NUT sends at most 512 bytes; leave room for servers that
/// send longer values).
pub const MAX_LINE: usize = 8192;

/// Plain TCP or TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A stream with a pending-input buffer, reading and writing whole lines.
#[derive(Debug)]
pub(crate) struct LineStream {
    pub(crate) stream: Stream,
    pending: Vec<u8>,
}

impl LineStream {
    pub(crate) fn new(stream: Stream) -> LineStream {
        LineStream {
            stream,
            pending: Vec::new(),
        }
    }

    /// Bytes received but not yet consumed as a line.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Write one line (the newline is added here) and flush.
    pub(crate) async fn write_line(&mut self, line: &str) -> Result<(), ClientError> {
        // A line may carry a password (`PASSWORD ...`): the copy is wiped once written.
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(line.len() + 1));
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let io = async {
            self.stream.write_all(&bytes).await?;
            self.stream.flush().await
        };
        io.await
            .map_err(|e| ClientError::Write(super::error::io_text(&e)))
    }

    /// Write `bytes` as they are and flush (protocol testers send malformed lines).
    pub(crate) async fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let io = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        io.await
            .map_err(|e| ClientError::Write(super::error::io_text(&e)))
    }

    /// Read one raw line (without the newline). At most [`MAX_LINE`] bytes are buffered.
    pub(crate) async fn read_raw_line(&mut self) -> Result<Vec<u8>, ClientError> {
        loop {
            if let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=pos).collect();
                line.pop();
                return Ok(line);
            }
            if self.pending.len() > MAX_LINE {
                return Err(ClientError::Parse(format!(
                    "reply line longer than {MAX_LINE} bytes"
                )));
            }
            let mut chunk = [0u8; 2048];
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| match e.kind() {
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
                        ClientError::Disconnected
                    }
                    _ => ClientError::Read(super::error::io_text(&e)),
                })?;
            if n == 0 {
                return Err(ClientError::Disconnected);
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }

    /// Read one line and split it into words with NUT's tokenizer.
    pub(crate) async fn read_words(&mut self) -> Result<Vec<String>, ClientError> {
        let raw = self.read_raw_line().await?;
        tokenize_reply(&raw)
    }
}

/// Tokenize one reply line (without its newline).
pub(crate) fn tokenize_reply(raw: &[u8]) -> Result<Vec<String>, ClientError> {
    let mut tok = Tokenizer::new();
    for &b in raw.iter().chain(std::iter::once(&b'\n')) {
        match tok.feed(b) {
            Some(Event::Line(words)) => return Ok(words),
            Some(Event::Error(e)) => return Err(ClientError::Parse(e.to_string())),
            None => {}
        }
    }
    // An unclosed quote swallowed the newline: take what there is.
    match tok.finish() {
        Some(Event::Line(words)) => Ok(words),
        Some(Event::Error(e)) => Err(ClientError::Parse(e.to_string())),
        None => Ok(Vec::new()),
    }
}
