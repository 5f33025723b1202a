//! Reading request lines with bounded memory. Bytes go through the shared tokenizer one at a
//! time, straight out of the reader's buffer, which keeps at most 32 words of 512 bytes per
//! line and drops the rest: a 100 KB line costs no more memory than a short one. Only the
//! bytes up to the end of the completed line are consumed, so bytes pipelined after
//! `STARTTLS` stay in the buffer for the TLS handshake and are never run as plaintext.
//! A parse error (`#` inside quotes) drops whatever else is buffered, as C upsd drops the
//! rest of the read() that carried the bad line (checked against Debian's upsd 2.8.0).

use std::io;

use nut_core::words::{Tokenizer, WordError};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// What reading produced: a line (its words are in the tokenizer, [`Tokenizer::words`]) or a
/// parse error.
pub type LineEvent = Result<(), WordError>;

/// Read until the tokenizer completes a line (or reports a parse error). `Ok(None)` at EOF;
/// a partial line at EOF is discarded, as upsd does.
pub async fn next_event<R: AsyncBufRead + Unpin + ?Sized>(
    reader: &mut R,
    tok: &mut Tokenizer,
) -> io::Result<Option<LineEvent>> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(None);
        }
        let (used, found) = scan(buf, tok);
        reader.consume(used);
        if found.is_some() {
            return Ok(found);
        }
    }
}

/// Feed `buf` to the tokenizer up to the end of its first line (or that line's parse error).
/// Returns how many bytes to consume and the event, if a line was completed; without one,
/// all of `buf` is used (the tokenizer keeps the partial line).
pub fn scan(buf: &[u8], tok: &mut Tokenizer) -> (usize, Option<LineEvent>) {
    let (used, found) = tok.feed_slice(buf);
    // C upsd stops processing the bytes of that read() at a parse error: the rest of what
    // arrived with the bad line is dropped, unanswered.
    let used = if matches!(found, Some(Err(_))) {
        buf.len()
    } else {
        used
    };
    (used, found)
}

/// Whether the buffered, unread input already holds another complete line (then replies can
/// be batched into one write; otherwise they must be flushed before reading again).
pub fn has_complete_line(buffered: &[u8]) -> bool {
    buffered.contains(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    /// The next line's words (or its parse error, or `None` at EOF).
    async fn next_line<R: AsyncBufRead + Unpin>(
        r: &mut R,
        tok: &mut Tokenizer,
    ) -> Option<Result<Vec<String>, WordError>> {
        let ev = next_event(r, tok).await.expect("io")?;
        Some(ev.map(|()| tok.words().map(str::to_owned).collect()))
    }

    fn line(words: &[&str]) -> Option<Result<Vec<String>, WordError>> {
        Some(Ok(words.iter().map(|w| w.to_string()).collect()))
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn lines_split_and_pipelined() {
        block_on(async {
            let data: &[u8] = b"GET VAR u x\nVER\nPART";
            let mut r = BufReader::with_capacity(4, data);
            let mut tok = Tokenizer::new();
            assert_eq!(
                next_line(&mut r, &mut tok).await,
                line(&["GET", "VAR", "u", "x"])
            );
            assert_eq!(next_line(&mut r, &mut tok).await, line(&["VER"]));
            assert_eq!(next_line(&mut r, &mut tok).await, None);
        });
    }

    #[test]
    fn stops_exactly_at_the_line_end() {
        block_on(async {
            let data: &[u8] = b"STARTTLS\n\x16\x03\x01rest";
            let mut r = BufReader::new(data);
            let mut tok = Tokenizer::new();
            assert_eq!(next_line(&mut r, &mut tok).await, line(&["STARTTLS"]));
            assert_eq!(r.buffer(), b"\x16\x03\x01rest");
            assert!(!has_complete_line(r.buffer()));
        });
    }

    #[test]
    fn parse_error_drops_the_rest_of_the_buffer() {
        block_on(async {
            let data: &[u8] = b"GET VAR u \"a#b\"\nPROTVER\n";
            let mut r = BufReader::new(data);
            let mut tok = Tokenizer::new();
            assert_eq!(
                next_line(&mut r, &mut tok).await,
                Some(Err(WordError::HashInQuotes))
            );
            assert_eq!(next_line(&mut r, &mut tok).await, None);
        });
    }

    #[test]
    fn huge_line_is_bounded() {
        block_on(async {
            let mut data = b"GET VAR ".to_vec();
            data.extend(std::iter::repeat_n(b'a', 100_000));
            data.push(b'\n');
            let mut r = BufReader::with_capacity(1024, data.as_slice());
            let mut tok = Tokenizer::new();
            match next_line(&mut r, &mut tok).await {
                Some(Ok(w)) => {
                    assert_eq!(w.len(), 3);
                    assert_eq!(w[2].len(), nut_core::words::MAX_WORD_LEN);
                }
                other => panic!("unexpected {other:?}"),
            }
        });
    }

    #[test]
    fn scan_takes_one_line_and_leaves_the_rest() {
        let mut tok = Tokenizer::new();
        let (used, ev) = scan(b"GET VAR u x\nVER\n", &mut tok);
        assert_eq!((used, ev), (12, Some(Ok(()))));
        assert_eq!(tok.words().collect::<Vec<_>>(), ["GET", "VAR", "u", "x"]);
        // A partial line is all used; the tokenizer keeps it for the next read.
        let (used, ev) = scan(b"LIST U", &mut tok);
        assert_eq!((used, ev), (6, None));
        let (used, ev) = scan(b"PS\n", &mut tok);
        assert_eq!((used, ev), (3, Some(Ok(()))));
        assert_eq!(tok.words().collect::<Vec<_>>(), ["LIST", "UPS"]);
    }
}
