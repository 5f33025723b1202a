//! [`DriverReader`]: the reader's side of one driver-socket connection, without the I/O. Every
//! reader of a driver socket (upsd's driver link, nut-drivers' `SocketReader`, upsdrvctl's
//! probe) runs the same conversation over its own socket, async or blocking:
//!
//! 1. send [`DriverReader::opening`] (`DUMPALL`) after [`restart`]ing its mirror of the state;
//! 2. read at most [`READ_SIZE`] bytes into [`DriverReader::buffer`] and hand the count to
//!    [`DriverReader::decode`] (a read of 0 bytes is the driver closing the socket);
//! 3. [`apply`] each message to the mirror: the state tree, and whether the dump is complete.
//!
//! The bounds are those of the pieces: one read is at most [`READ_SIZE`] bytes, a line at most
//! the tokenizer's, the tree at most [`super::limits`]'.

use super::decoder::{DriverDecoder, IgnoredLine};
use super::message::{DriverMessage, ServerMessage, TRACKING_PENDING};
use super::state::DriverState;

/// Bytes taken from the driver socket per read: upsd applies at most this much under one lock.
pub const READ_SIZE: usize = 4096;

/// One connection's decoder and read buffer.
#[derive(Debug)]
pub struct DriverReader {
    decoder: DriverDecoder,
    buf: Box<[u8]>,
}

impl Default for DriverReader {
    fn default() -> Self {
        DriverReader::new()
    }
}

impl DriverReader {
    /// A reader at the start of a connection.
    pub fn new() -> DriverReader {
        DriverReader {
            decoder: DriverDecoder::new(),
            buf: vec![0; READ_SIZE].into_boxed_slice(),
        }
    }

    /// The line that asks the driver for its whole state, ended by `DUMPDONE`.
    pub fn opening() -> String {
        ServerMessage::DumpAll.line()
    }

    /// Where the next read goes ([`READ_SIZE`] bytes).
    pub fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Decode the first `n` bytes of [`DriverReader::buffer`] (the count a read returned):
    /// each line they complete goes to `out`, in order, as a message or as the line that is
    /// none. An incomplete last line waits for the next read.
    pub fn decode(&mut self, n: usize, out: impl FnMut(Result<DriverMessage, IgnoredLine>)) {
        let n = n.min(self.buf.len());
        self.decoder.feed(&self.buf[..n], out);
    }
}

/// What [`apply`] did with a message besides the state tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied<'m> {
    /// Applied to the state tree (`true` when it changed it).
    State(bool),
    /// `DUMPDONE`: the dump is complete.
    DumpDone,
    /// The final result of a tracked `INSTCMD` or `SET` (a pending one is no result).
    TrackingResult {
        /// The tracking ID.
        id: &'m str,
        /// The driver's result code.
        code: i32,
    },
}

/// Forget the mirror (a new connection, or a new `DUMPALL`): no state, the dump not done.
pub fn restart(state: &mut DriverState, dump_done: &mut bool) {
    state.clear();
    *dump_done = false;
}

/// Apply one message from the driver to a reader's mirror of it.
pub fn apply<'m>(
    state: &mut DriverState,
    dump_done: &mut bool,
    msg: &'m DriverMessage,
) -> Applied<'m> {
    match msg {
        DriverMessage::DumpDone => {
            *dump_done = true;
            Applied::DumpDone
        }
        DriverMessage::Tracking { id, code } if *code != TRACKING_PENDING => {
            Applied::TrackingResult { id, code: *code }
        }
        other => Applied::State(state.apply(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(r: &mut DriverReader, bytes: &[u8]) -> Vec<Result<DriverMessage, IgnoredLine>> {
        r.buffer()[..bytes.len()].copy_from_slice(bytes);
        let mut got = Vec::new();
        r.decode(bytes.len(), |m| got.push(m));
        got
    }

    #[test]
    fn a_dump_read_in_two_pieces_rebuilds_the_state_and_reports_the_rest() {
        let mut r = DriverReader::new();
        assert_eq!(DriverReader::opening(), "DUMPALL\n");
        let (mut state, mut done) = (DriverState::new(), true);
        state.apply(&DriverMessage::SetInfo {
            var: "old.var".into(),
            value: "1".into(),
        });
        restart(&mut state, &mut done);
        assert!(!done && state.value("old.var").is_none());

        let mut msgs = read(&mut r, b"SETINFO ups.status \"O");
        assert!(msgs.is_empty(), "an incomplete line waits");
        msgs.extend(read(
            &mut r,
            b"L\"\nBOGUS\nTRACKING a 1\nTRACKING b -1\nDUMPDONE\n",
        ));
        let mut applied = Vec::new();
        let mut ignored = 0;
        for m in &msgs {
            match m {
                Ok(m) => applied.push(format!("{:?}", apply(&mut state, &mut done, m))),
                Err(_) => ignored += 1,
            }
        }
        assert_eq!(
            applied,
            [
                "State(true)",
                "TrackingResult { id: \"a\", code: 1 }",
                "State(false)",
                "DumpDone"
            ]
        );
        assert_eq!(ignored, 1);
        assert!(done);
        assert_eq!(state.value("ups.status"), Some("OL"));
    }

    #[test]
    fn a_count_past_the_buffer_decodes_only_the_buffer() {
        let mut r = DriverReader::new();
        r.buffer().fill(b'\n');
        let mut lines = 0;
        r.decode(usize::MAX, |_| lines += 1);
        assert_eq!(lines, READ_SIZE);
    }
}
