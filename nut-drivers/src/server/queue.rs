//! One reader's outgoing queue: bounded in chunks and in bytes, so a reader that stops
//! reading is dropped instead of growing the driver's memory. The socket server creates it;
//! [`crate::Dstate`] writes broadcasts and replies into it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// What the server queues for one reader: one or more complete lines, each ending in `\n`.
pub(crate) type Chunk = Arc<str>;

/// Chunks a reader may have queued before it is considered stuck and dropped.
pub(crate) const READER_QUEUE: usize = 4096;

/// Bytes a reader may have queued before it is considered stuck and dropped (a reader that
/// asks for dump after dump and never reads must not grow the driver's memory).
pub(crate) const READER_QUEUE_BYTES: usize = 1 << 20;

/// The sending side of one reader's queue, bounded in chunks and in bytes. The writer task
/// that empties it subtracts what it wrote from `queued`.
#[derive(Debug)]
pub(crate) struct ReaderTx {
    tx: mpsc::Sender<Chunk>,
    queued: Arc<AtomicUsize>,
    writer: Option<AbortHandle>,
    /// Told when the reader is dropped as stuck, so its connection ends too.
    stop: Arc<tokio::sync::Notify>,
}

impl ReaderTx {
    /// A queue sender; `writer` is aborted when the reader is dropped as stuck.
    pub(crate) fn new(
        tx: mpsc::Sender<Chunk>,
        queued: Arc<AtomicUsize>,
        writer: Option<AbortHandle>,
        stop: Arc<tokio::sync::Notify>,
    ) -> ReaderTx {
        ReaderTx {
            tx,
            queued,
            writer,
            stop,
        }
    }

    /// Queue a chunk; false when the queue is full (in chunks or bytes) or closed.
    pub(crate) fn send(&self, chunk: &Chunk) -> bool {
        let len = chunk.len();
        let before = self.queued.fetch_add(len, Ordering::AcqRel);
        if before.saturating_add(len) > READER_QUEUE_BYTES
            || self.tx.try_send(chunk.clone()).is_err()
        {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// The reader is dropped as stuck: stop its writer (which frees what it had queued and
    /// closes the sending direction of its socket).
    pub(crate) fn kill(&self) {
        if let Some(w) = &self.writer {
            w.abort();
        }
        // A stored permit: the connection task sees it even if it is not waiting yet.
        self.stop.notify_one();
    }
}
