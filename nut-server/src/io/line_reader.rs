//! Reading request lines with bounded memory. Bytes go through the shared tokenizer one at a
//! time, straight out of the reader's buffer, which keeps at most 32 words of 512 bytes per
//! line and drops the rest: a 100 KB line costs no more memory than a short one. Only the
//! bytes up to the end of the completed line are consumed, so bytes pipelined after
//! `STARTTLS` stay in the buffer for the TLS handshake and are never run as plaintext.
//! A parse error (`#` inside quotes) drops whatever else is buffered, as C upsd drops the
//! rest of the read() that carried the bad line (checked against Debian's upsd 2.8.0).

use std::io;

use nut_core::words::{Event, Tokenizer};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Read until the tokenizer completes a line (or reports a parse error). `Ok(None)` at EOF;
/// a partial line at EOF is discarded, as upsd does.
pub async fn next_event<R: AsyncBufRead + Unpin + ?Sized>(
    reader: &mut R,
    tok: &mut Tokenizer,
) -> io::Result<Option<Event>> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(None);
        }
        let mut used = 0;
        let mut event = None;
        for &b in buf {
            used += 1;
            if let Some(ev) = tok.feed(b) {
                if matches!(ev, Event::Error(_)) {
                    // C upsd stops processing the bytes of that read() at a parse error: the
                    // rest of what arrived with the bad line is dropped, unanswered.
                    used = buf.len();
                }
                event = Some(ev);
                break;
            }
        }
        reader.consume(used);
        if event.is_some() {
            return Ok(event);
        }
    }
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
                next_event(&mut r, &mut tok).await.expect("io"),
                Some(Event::Line(vec![
                    "GET".into(),
                    "VAR".into(),
                    "u".into(),
                    "x".into()
                ]))
            );
            assert_eq!(
                next_event(&mut r, &mut tok).await.expect("io"),
                Some(Event::Line(vec!["VER".into()]))
            );
            assert_eq!(next_event(&mut r, &mut tok).await.expect("io"), None);
        });
    }

    #[test]
    fn stops_exactly_at_the_line_end() {
        block_on(async {
            let data: &[u8] = b"STARTTLS\n\x16\x03\x01rest";
            let mut r = BufReader::new(data);
            let mut tok = Tokenizer::new();
            let ev = next_event(&mut r, &mut tok).await.expect("io");
            assert_eq!(ev, Some(Event::Line(vec!["STARTTLS".into()])));
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
            let ev = next_event(&mut r, &mut tok).await.expect("io");
            assert!(matches!(ev, Some(Event::Error(_))));
            assert_eq!(next_event(&mut r, &mut tok).await.expect("io"), None);
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
            match next_event(&mut r, &mut tok).await.expect("io") {
                Some(Event::Line(w)) => {
                    assert_eq!(w.len(), 3);
                    assert_eq!(w[2].len(), nut_core::words::MAX_WORD_LEN);
                }
                other => panic!("unexpected {other:?}"),
            }
        });
    }
}
