//! What the accept loop needs from a listener kind (TCP or the Unix socket): accept one
//! connection with its peer, hand the socket to another serving runtime, and serve it. The
//! sessions themselves do not care which kind they came from.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::AsyncWrite;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::connection;
use crate::context::ServerContext;
use crate::io::local_peer::LocalPeer;
use crate::shutdown::Shutdown;

/// An accepted socket that can move from one runtime's reactor to another's.
pub trait MovableStream: AsyncWrite + Unpin + Send + Sized + 'static {
    /// The std form it travels in.
    type Std: Send + 'static;
    /// Deregister from the current reactor.
    fn into_std(self) -> io::Result<Self::Std>;
    /// Register with the current reactor.
    fn from_std(std: Self::Std) -> io::Result<Self>;
}

impl MovableStream for TcpStream {
    type Std = std::net::TcpStream;
    fn into_std(self) -> io::Result<Self::Std> {
        TcpStream::into_std(self)
    }
    fn from_std(std: Self::Std) -> io::Result<Self> {
        TcpStream::from_std(std)
    }
}

impl MovableStream for UnixStream {
    type Std = std::os::unix::net::UnixStream;
    fn into_std(self) -> io::Result<Self::Std> {
        UnixStream::into_std(self)
    }
    fn from_std(std: Self::Std) -> io::Result<Self> {
        UnixStream::from_std(std)
    }
}

/// A listener kind.
pub trait Listening: Send + Sync + 'static {
    /// The accepted socket.
    type Stream: MovableStream;
    /// Who connected (shown in logs).
    type Peer: std::fmt::Display + Send + 'static;
    /// Wait for the next connection.
    fn next(&self) -> impl Future<Output = io::Result<(Self::Stream, Self::Peer)>> + Send;
    /// Serve one connection until it ends.
    fn serve(
        ctx: Arc<ServerContext>,
        stream: Self::Stream,
        peer: Self::Peer,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send;
}

impl Listening for TcpListener {
    type Stream = TcpStream;
    type Peer = SocketAddr;
    fn next(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
        self.accept()
    }
    fn serve(
        ctx: Arc<ServerContext>,
        stream: TcpStream,
        peer: SocketAddr,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send {
        connection::serve(ctx, stream, peer, shutdown)
    }
}

impl Listening for UnixListener {
    type Stream = UnixStream;
    type Peer = LocalPeer;
    async fn next(&self) -> io::Result<(UnixStream, LocalPeer)> {
        let (stream, _) = self.accept().await?;
        let peer = LocalPeer::of(&stream)?;
        Ok((stream, peer))
    }
    fn serve(
        ctx: Arc<ServerContext>,
        stream: UnixStream,
        peer: LocalPeer,
        shutdown: Shutdown,
    ) -> impl Future<Output = ()> + Send {
        connection::serve_local(ctx, stream, peer, shutdown)
    }
}
