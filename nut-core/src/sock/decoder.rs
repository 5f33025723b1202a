//! [`DriverDecoder`]: what every reader of a driver socket does with the bytes it reads
//! (through [`super::DriverReader`]: upsd's driver link, nut-drivers' `SocketReader`,
//! upsdrvctl's probe): cut them into lines with the tokenizer and parse each line as a
//! [`DriverMessage`]. What each reader then does with a line that is no message is its own
//! business.

use super::message::{DriverMessage, SockParseError};
use crate::words::{Event, Tokenizer, WordError};

/// A line the driver sent that is no driver message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoredLine {
    /// The line's words are no driver message (an empty line gives
    /// [`SockParseError::Empty`]).
    Unparsed {
        /// The line's words.
        words: Vec<String>,
        /// Why they are no message.
        error: SockParseError,
    },
    /// The tokenizer discarded the line.
    Tokenizer(WordError),
}

/// The driver-to-reader direction of one connection, from bytes to messages.
#[derive(Debug, Default)]
pub struct DriverDecoder {
    tok: Tokenizer,
}

impl DriverDecoder {
    /// A decoder at the start of a connection.
    pub fn new() -> DriverDecoder {
        DriverDecoder {
            tok: Tokenizer::new(),
        }
    }

    /// Feed bytes as read; each line they complete goes to `out`, in order, as a message or
    /// as the line that is none. An incomplete last line waits for the next bytes.
    pub fn feed(&mut self, bytes: &[u8], mut out: impl FnMut(Result<DriverMessage, IgnoredLine>)) {
        for &b in bytes {
            match self.tok.feed(b) {
                Some(Event::Line(words)) => match DriverMessage::parse(&words) {
                    Ok(m) => out(Ok(m)),
                    Err(error) => out(Err(IgnoredLine::Unparsed { words, error })),
                },
                Some(Event::Error(e)) => out(Err(IgnoredLine::Tokenizer(e))),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads_become_messages_and_the_rest_is_reported() {
        let mut d = DriverDecoder::new();
        let mut got = Vec::new();
        d.feed(b"SETINFO ups.status \"O", |r| got.push(r));
        assert!(got.is_empty(), "an incomplete line waits");
        d.feed(b"L\"\nBOGUS x\n\nDUMPDONE\n", |r| got.push(r));
        assert_eq!(
            got,
            vec![
                Ok(DriverMessage::SetInfo {
                    var: "ups.status".into(),
                    value: "OL".into()
                }),
                Err(IgnoredLine::Unparsed {
                    words: vec!["BOGUS".into(), "x".into()],
                    error: SockParseError::UnknownCommand("BOGUS".into())
                }),
                Err(IgnoredLine::Unparsed {
                    words: vec![],
                    error: SockParseError::Empty
                }),
                Ok(DriverMessage::DumpDone),
            ]
        );
    }
}
