//! The serving runtimes: one single-threaded tokio runtime per CPU, connections dealt to them
//! in turn by the accept loops.
//!
//! A connection stays on the runtime it was given for its whole life, so serving a request
//! touches no work-stealing queue, no cross-thread wake-up and no scheduler statistics: the
//! per-request CPU of a thread-per-core server (C upsd is one thread), with the connections
//! of all cores served in parallel. The main thread's runtime (signals, driver links, accept)
//! serves its share of connections too; the others run on their own threads until the
//! server exits.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;

use crate::io::accepting::MovableStream;
use tokio::runtime::{Builder, Handle};
use tokio::sync::watch;

/// Handles of every serving runtime, the caller's own first.
#[derive(Debug)]
pub struct Workers {
    handles: Vec<Handle>,
    next: AtomicUsize,
    /// Dropped (or sent) to let the worker threads finish.
    _exit: watch::Sender<()>,
}

/// A single-threaded runtime on a thread of its own named `name`, serving what is spawned
/// on it (through the returned handle) until `until` completes. The caller's log sink goes
/// with the thread (upsd's global one, or a test's own).
pub fn runtime_thread<F>(name: String, until: F) -> std::io::Result<Handle>
where
    F: Future + Send + 'static,
{
    let rt = Builder::new_current_thread().enable_all().build()?;
    let handle = rt.handle().clone();
    let log = tracing::dispatcher::get_default(Clone::clone);
    std::thread::Builder::new().name(name).spawn(move || {
        tracing::dispatcher::with_default(&log, || {
            rt.block_on(until);
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
        })
    })?;
    Ok(handle)
}

impl Workers {
    /// The current runtime plus `extra` more, each on a thread of its own. Must be called
    /// from within a runtime.
    pub fn start(extra: usize) -> anyhow::Result<Workers> {
        let (exit_tx, exit_rx) = watch::channel(());
        let mut handles = vec![Handle::current()];
        for i in 0..extra {
            let mut exit = exit_rx.clone();
            // Serve spawned connections until the server is done with this runtime.
            let handle = runtime_thread(format!("upsd-worker-{}", i + 1), async move {
                let _ = exit.changed().await;
            })
            .context("cannot start a serving runtime")?;
            handles.push(handle);
        }
        Ok(Workers {
            handles,
            next: AtomicUsize::new(0),
            _exit: exit_tx,
        })
    }

    /// Number of serving runtimes.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// True without runtimes (never: the caller's own is always there).
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Serve an accepted connection (registered with the first runtime's reactor, where the
    /// accept loops run) on the next runtime in turn: `serve` runs there, the socket moved
    /// to that runtime's reactor first.
    pub fn serve<S, F, Fut>(&self, stream: S, serve: F)
    where
        S: MovableStream,
        F: FnOnce(S) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        if i == 0 {
            self.handles[0].spawn(serve(stream));
            return;
        }
        let std_stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("cannot hand a connection to a serving thread: {e}");
                return;
            }
        };
        self.handles[i].spawn(async move {
            match S::from_std(std_stream) {
                Ok(s) => serve(s).await,
                Err(e) => tracing::warn!("cannot take over a connection: {e}"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// Connections are dealt to every runtime in turn, each is served on the thread of its
    /// runtime, and sockets moved between reactors still work both ways.
    #[test]
    fn connections_are_dealt_to_each_runtime_in_turn() {
        let rt = Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let threads = rt.block_on(async {
            let workers = Workers::start(2).expect("workers");
            assert_eq!(workers.len(), 3);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let seen = Arc::new(Mutex::new(Vec::new()));
            let mut clients = Vec::new();
            for i in 0..6u8 {
                let mut c = TcpStream::connect(addr).await.expect("connect");
                let (s, _) = listener.accept().await.expect("accept");
                let seen = seen.clone();
                workers.serve(s, move |mut s| async move {
                    seen.lock()
                        .expect("lock")
                        .push((i, std::thread::current().id()));
                    let mut b = [0u8; 1];
                    if s.read_exact(&mut b).await.is_ok() {
                        let _ = s.write_all(&[b[0] + 1]).await;
                    }
                });
                c.write_all(&[i]).await.expect("write");
                clients.push((i, c));
            }
            for (i, mut c) in clients {
                let mut b = [0u8; 1];
                c.read_exact(&mut b).await.expect("reply");
                assert_eq!(b[0], i + 1, "connection {i} answered by its runtime");
            }
            let mut seen = seen.lock().expect("lock").clone();
            seen.sort_by_key(|(i, _)| *i);
            seen.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
        });
        assert_eq!(threads.len(), 6);
        let distinct: HashSet<_> = threads.iter().collect();
        assert_eq!(distinct.len(), 3, "one thread per runtime: {threads:?}");
        // In turn: connection k and k+3 land on the same runtime.
        for k in 0..3 {
            assert_eq!(threads[k], threads[k + 3]);
        }
        assert_eq!(
            threads[0],
            std::thread::current().id(),
            "runtime 0 is the caller's"
        );
    }
}
