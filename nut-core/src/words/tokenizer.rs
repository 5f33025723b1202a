//! [`Tokenizer`]: the resumable, byte-at-a-time state machine, its bounds and its errors.

/// Words kept per line (`PCONF_DEFAULT_ARG_LIMIT`); further words are dropped.
pub const MAX_WORDS: usize = 32;
/// Bytes kept per word (`PCONF_DEFAULT_WORDLEN_LIMIT`); further bytes are dropped.
pub const MAX_WORD_LEN: usize = 512;

/// Why a line could not be tokenized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WordError {
    /// A `#` inside a quoted word that was not escaped.
    #[error("Unbalanced word due to unescaped # in quotes")]
    HashInQuotes,
}

/// What one byte completed, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole line: its words (possibly none, for an empty or comment-only line).
    Line(Vec<String>),
    /// The line so far is discarded; the bytes after the error start a new line.
    Error(WordError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FindWordStart,
    FindEol,
    QuoteCollect,
    QuoteLiteral,
    Collect,
    CollectLiteral,
}

/// The byte-at-a-time tokenizer. One per connection or per file.
///
/// Words are kept in one reusable buffer (each word's end in a fixed array), so a server can
/// read line after line without allocating: [`Tokenizer::feed_in_place`] completes a line and
/// [`Tokenizer::words`] lends its words until the next byte is fed. [`Tokenizer::feed`] is the
/// owning form of the same machine.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    state: State,
    /// The words of the current (or just completed) line, back to back.
    buf: String,
    /// End offset in `buf` of each completed word.
    ends: [u16; MAX_WORDS],
    /// Completed words of the line.
    nwords: u8,
    /// Bit `i` set: word `i` of the line was written in double quotes.
    quoted: u32,
    /// The word being collected was opened with a double quote.
    in_quoted_word: bool,
    /// Where the word being collected starts in `buf`.
    word_start: u16,
    /// Bytes discarded by the character filter since the last completed line.
    dropped: usize,
    /// Newlines read inside double quotes in the current line: an unclosed quote that
    /// swallowed the lines after it.
    quoted_newlines: usize,
    /// Physical line number of the byte being read (1-based), for config error messages.
    line: usize,
    /// Physical line on which the current logical line started.
    line_start: usize,
    /// Whether any byte of the current logical line has been seen.
    started: bool,
}

/// A line buffer grown past this by one long line is released before the next line, so one
/// oversized request does not pin memory for the rest of a connection.
const KEEP_BUFFER: usize = 1024;

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// A tokenizer at the start of a line.
    pub fn new() -> Self {
        Tokenizer {
            state: State::FindWordStart,
            buf: String::new(),
            ends: [0; MAX_WORDS],
            nwords: 0,
            quoted: 0,
            in_quoted_word: false,
            word_start: 0,
            dropped: 0,
            quoted_newlines: 0,
            line: 1,
            line_start: 1,
            started: false,
        }
    }

    /// Bytes dropped by the character filter (control and non-ASCII bytes) in the line that
    /// was completed last, or so far in the current one. C NUT warns about each on stderr.
    pub fn dropped_bytes(&self) -> usize {
        self.dropped
    }

    /// Newlines taken inside double quotes in the line completed last (or so far in the
    /// current one): a quote left open swallows the lines that follow, newlines dropped.
    pub fn newlines_in_quotes(&self) -> usize {
        self.quoted_newlines
    }

    /// The physical line (1-based) on which the most recently completed logical line began.
    pub fn line_number(&self) -> usize {
        self.line_start
    }

    /// Whether word `i` of the line completed last was written in double quotes (a value that
    /// must be taken literally, e.g. a password starting with a single quote).
    pub fn word_was_quoted(&self, i: usize) -> bool {
        i < MAX_WORDS && self.quoted & (1 << i) != 0
    }

    /// True while a logical line is partly read (bytes seen, no end of line yet).
    pub fn in_line(&self) -> bool {
        self.started
    }

    /// Feed one byte. Returns an event when this byte completes a line or causes an error.
    pub fn feed(&mut self, byte: u8) -> Option<Event> {
        self.feed_in_place(byte).map(|r| match r {
            Ok(()) => Event::Line(self.words().map(str::to_owned).collect()),
            Err(e) => Event::Error(e),
        })
    }

    /// Feed one byte without allocating: `Some(Ok(()))` when it completes a line, whose words
    /// [`Tokenizer::words`] then lends until the next byte; `Some(Err(_))` on a parse error
    /// (the line is discarded).
    pub fn feed_in_place(&mut self, byte: u8) -> Option<Result<(), WordError>> {
        if !self.started {
            self.started = true;
            self.line_start = self.line;
            self.dropped = 0;
            self.quoted_newlines = 0;
            self.clear_words();
        }
        if byte == b'\n' {
            self.line += 1;
        }
        match self.state {
            State::FindWordStart => match byte {
                b'\n' => {
                    self.end_line();
                    return Some(Ok(()));
                }
                b'#' => self.state = State::FindEol,
                b'\\' => {
                    self.state = State::CollectLiteral;
                }
                b'"' => {
                    self.in_quoted_word = true;
                    self.state = State::QuoteCollect;
                }
                b'=' => self.equals_word(),
                b if is_space(b) => {}
                b => {
                    self.add_char(b);
                    self.state = State::Collect;
                }
            },
            State::Collect => match byte {
                b'#' => {
                    self.end_word();
                    self.state = State::FindEol;
                }
                b'\n' => {
                    self.end_word();
                    self.end_line();
                    return Some(Ok(()));
                }
                b'=' => {
                    self.end_word();
                    self.equals_word();
                    self.state = State::FindWordStart;
                }
                b'\\' => self.state = State::CollectLiteral,
                b if is_space(b) => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b => self.add_char(b),
            },
            State::CollectLiteral => {
                if byte != b'\n' {
                    self.add_char(byte);
                }
                self.state = State::Collect;
            }
            State::QuoteCollect => match byte {
                b'#' => {
                    self.end_word();
                    return Some(self.parse_error(WordError::HashInQuotes));
                }
                b'"' => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b'\\' => self.state = State::QuoteLiteral,
                b'\n' => {
                    self.quoted_newlines += 1;
                    self.add_char(byte);
                }
                b => self.add_char(b),
            },
            State::QuoteLiteral => {
                if byte != b'\n' {
                    self.add_char(byte);
                }
                self.state = State::QuoteCollect;
            }
            State::FindEol => {
                if byte == b'\n' {
                    self.end_line();
                    return Some(Ok(()));
                }
            }
        }
        None
    }

    /// Feed bytes until one completes a line or causes a parse error, as
    /// [`Tokenizer::feed_in_place`] byte after byte would, but taking runs of ordinary word
    /// bytes in one step. Returns how many bytes were used and the event, if any (without an
    /// event, all of `bytes` was used).
    pub fn feed_slice(&mut self, bytes: &[u8]) -> (usize, Option<Result<(), WordError>>) {
        let mut i = 0;
        while i < bytes.len() {
            let class = match self.state {
                State::Collect => PLAIN_WORD,
                State::QuoteCollect => QUOTED_WORD,
                _ => 0,
            };
            let rest = &bytes[i..];
            let run = rest
                .iter()
                .position(|&b| BYTE_CLASS[usize::from(b)] & class == 0)
                .unwrap_or(rest.len());
            if run > 0 {
                self.push_run(&bytes[i..i + run]);
                i += run;
                continue;
            }
            let b = bytes[i];
            i += 1;
            if let Some(ev) = self.feed_in_place(b) {
                return (i, Some(ev));
            }
        }
        (bytes.len(), None)
    }

    /// Append printable ASCII bytes to the word being collected, within the limits.
    fn push_run(&mut self, run: &[u8]) {
        if usize::from(self.nwords) >= MAX_WORDS {
            return;
        }
        let room = MAX_WORD_LEN.saturating_sub(self.buf.len() - usize::from(self.word_start));
        let take = &run[..run.len().min(room)];
        // Only printable ASCII reaches here: one byte, one char.
        self.buf.extend(take.iter().map(|&b| char::from(b)));
    }

    /// The words of the line just completed by [`Tokenizer::feed_in_place`] (before that line
    /// ends: the words completed so far).
    pub fn words(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.word_count()).map(|i| self.word_at(i))
    }

    /// Number of words in [`Tokenizer::words`].
    pub fn word_count(&self) -> usize {
        usize::from(self.nwords)
    }

    /// Word `i` of [`Tokenizer::words`], if there is one.
    pub fn word(&self, i: usize) -> Option<&str> {
        (i < self.word_count()).then(|| self.word_at(i))
    }

    fn word_at(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            usize::from(self.ends[i - 1])
        };
        &self.buf[start..usize::from(self.ends[i])]
    }

    /// Feed many bytes, collecting every event they complete.
    pub fn feed_all(&mut self, bytes: &[u8]) -> Vec<Event> {
        bytes.iter().filter_map(|&b| self.feed(b)).collect()
    }

    /// End of input (a file without a final newline): completes the pending line, if any
    /// word was started. An unclosed quote at end of input still yields its word, as C NUT's
    /// file reader does.
    pub fn finish(&mut self) -> Option<Event> {
        if !self.started {
            return None;
        }
        match self.state {
            State::Collect | State::CollectLiteral | State::QuoteCollect | State::QuoteLiteral => {
                self.end_word();
            }
            State::FindWordStart | State::FindEol => {}
        }
        if self.nwords == 0 {
            self.reset();
            return None;
        }
        self.end_line();
        Some(Event::Line(self.words().map(str::to_owned).collect()))
    }

    fn clear_words(&mut self) {
        if self.buf.capacity() > KEEP_BUFFER {
            self.buf = String::new();
        } else {
            self.buf.clear();
        }
        self.nwords = 0;
        self.quoted = 0;
        self.in_quoted_word = false;
        self.word_start = 0;
    }

    #[inline]
    fn add_char(&mut self, byte: u8) {
        // CVE-2012-2944: only the printable ASCII range (and 0x7F) may enter a word.
        if !(0x20..=0x7f).contains(&byte) {
            self.dropped += 1;
            return;
        }
        // Words past the limit are dropped, and so are bytes past a word's limit.
        if usize::from(self.nwords) >= MAX_WORDS
            || self.buf.len() - usize::from(self.word_start) >= MAX_WORD_LEN
        {
            return;
        }
        self.buf.push(char::from(byte));
    }

    /// A lone `=` is a word of its own.
    fn equals_word(&mut self) {
        if usize::from(self.nwords) < MAX_WORDS {
            self.buf.push('=');
        }
        self.end_word();
    }

    fn end_word(&mut self) {
        let n = usize::from(self.nwords);
        if n < MAX_WORDS {
            // At most 32 words of 512 bytes: the buffer never exceeds 16 KiB, so u16 holds it.
            let end = u16::try_from(self.buf.len()).unwrap_or(u16::MAX);
            self.ends[n] = end;
            if self.in_quoted_word {
                self.quoted |= 1 << n;
            }
            self.nwords += 1;
            self.word_start = end;
        }
        self.in_quoted_word = false;
    }

    /// Complete the line: its words stay in the buffer, lent by [`Tokenizer::words`].
    fn end_line(&mut self) {
        self.state = State::FindWordStart;
        self.started = false;
    }

    fn parse_error(&mut self, err: WordError) -> Result<(), WordError> {
        self.reset();
        Err(err)
    }

    fn reset(&mut self) {
        self.state = State::FindWordStart;
        self.clear_words();
        self.started = false;
    }
}

/// [`BYTE_CLASS`] bit: the byte goes straight into an unquoted word.
const PLAIN_WORD: u8 = 1;
/// [`BYTE_CLASS`] bit: the byte goes straight into a quoted word.
const QUOTED_WORD: u8 = 2;

/// For each byte, which word states take it as an ordinary character: printable ASCII (and
/// 0x7F, which C NUT lets through) except the bytes the state machine acts on.
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b: u8 = 0x20;
    while b <= 0x7f {
        let special_plain = matches!(b, b' ' | b'#' | b'=' | b'\\');
        let special_quoted = matches!(b, b'#' | b'"' | b'\\');
        if !special_plain {
            t[b as usize] |= PLAIN_WORD;
        }
        if !special_quoted {
            t[b as usize] |= QUOTED_WORD;
        }
        b += 1;
    }
    t
};

/// C `isspace` without the newline, which the state machine handles itself.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_lines_reuse_one_buffer() {
        let mut tok = Tokenizer::new();
        let mut line = |text: &[u8]| {
            let mut done = None;
            for &b in text {
                if let Some(r) = tok.feed_in_place(b) {
                    done = Some(r);
                }
            }
            assert_eq!(done, Some(Ok(())));
            let words: Vec<String> = tok.words().map(str::to_owned).collect();
            (words, tok.buf.capacity())
        };
        let (w, cap) = line(b"GET VAR myups ups.status\n");
        assert_eq!(w, ["GET", "VAR", "myups", "ups.status"]);
        let (w, cap2) = line(b"GET VAR \"my ups\" battery.charge\n");
        assert_eq!(w, ["GET", "VAR", "my ups", "battery.charge"]);
        assert!(cap2 >= cap);
        assert_eq!(tok.word(2), Some("my ups"));
        assert_eq!(tok.word(4), None);
        // One long line grows the buffer; the next line does not keep that memory.
        let mut long = b"SET VAR u x".to_vec();
        for _ in 0..8 {
            long.push(b' ');
            long.extend(std::iter::repeat_n(b'a', 400));
        }
        long.push(b'\n');
        let (w, cap3) = {
            let mut done = None;
            for &b in &long {
                if let Some(r) = tok.feed_in_place(b) {
                    done = Some(r);
                }
            }
            assert_eq!(done, Some(Ok(())));
            (tok.word_count(), tok.buf.capacity())
        };
        assert_eq!(w, 12);
        assert!(cap3 > KEEP_BUFFER);
        for &b in b"VER\n" {
            tok.feed_in_place(b);
        }
        assert_eq!(tok.words().collect::<Vec<_>>(), ["VER"]);
        assert!(tok.buf.capacity() <= KEEP_BUFFER);
    }
}
