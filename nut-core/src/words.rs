//! Words and quoting: the one tokenizer that NUT uses for the network protocol, the driver
//! socket protocol and every config file (C NUT's `common/parseconf.c`), and the encoder that
//! turns values back into words.
//!
//! The tokenizer is a resumable state machine fed one byte at a time, so a line may arrive in
//! any number of pieces. It never panics and never grows without bound: a line keeps at most
//! [`MAX_WORDS`] words of at most [`MAX_WORD_LEN`] bytes each, the rest is dropped silently, as
//! C NUT does. Parse errors are reported as values.

use std::borrow::Cow;
use std::fmt;

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
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Tokenize a whole text (a config file, a test line): every line with its starting line
/// number, parse errors included, the final line completed even without a newline.
pub fn tokenize_text(text: &[u8]) -> Vec<(usize, Result<Vec<String>, WordError>)> {
    tokenize_lines(text)
        .into_iter()
        .map(|l| (l.line, l.words))
        .collect()
}

/// One logical line of a text file, and what the tokenizer changed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    /// Physical line (1-based) where it starts.
    pub line: usize,
    /// Its words, or why it could not be read.
    pub words: Result<Vec<String>, WordError>,
    /// Bytes the character filter dropped (control and non-ASCII bytes).
    pub dropped: usize,
    /// Newlines inside double quotes: an unclosed quote swallowed that many following lines.
    pub newlines_in_quotes: usize,
}

impl TextLine {
    /// What the tokenizer changed in this line, for a warning or an error naming it; `None`
    /// when the line was read as written. C NUT changes such lines silently.
    pub fn alteration(&self) -> Option<String> {
        alteration(self.dropped, self.newlines_in_quotes)
    }
}

/// The message for a line that lost `dropped` bytes, `newlines_in_quotes` of them newlines
/// inside an unclosed double quote (see [`TextLine::alteration`]).
pub fn alteration(dropped: usize, newlines_in_quotes: usize) -> Option<String> {
    if newlines_in_quotes > 0 {
        Some(format!(
            "a double quote is not closed on this line: the next {newlines_in_quotes} line(s) \
             became part of its value (close the quote)"
        ))
    } else if dropped > 0 {
        Some(format!(
            "{dropped} control or non-ASCII byte(s) dropped from this line (NUT files are \
             plain ASCII)"
        ))
    } else {
        None
    }
}

/// Tokenize a whole text as [`tokenize_text`], noting for each line what the tokenizer
/// changed in it.
pub fn tokenize_lines(text: &[u8]) -> Vec<TextLine> {
    let mut tok = Tokenizer::new();
    let mut out = Vec::new();
    let mut push = |ev: Event, tok: &Tokenizer| {
        out.push(TextLine {
            line: tok.line_number(),
            words: event_result(ev),
            dropped: tok.dropped_bytes(),
            newlines_in_quotes: tok.newlines_in_quotes(),
        });
    };
    for &b in text {
        if let Some(ev) = tok.feed(b) {
            push(ev, &tok);
        }
    }
    if let Some(ev) = tok.finish() {
        push(ev, &tok);
    }
    out
}

/// Tokenize one line (no newline needed). Returns the words of the first line, or its error.
pub fn split_line(line: &str) -> Result<Vec<String>, WordError> {
    let mut tok = Tokenizer::new();
    for &b in line.as_bytes() {
        if let Some(ev) = tok.feed(b) {
            return event_result(ev);
        }
    }
    match tok.finish() {
        Some(ev) => event_result(ev),
        None => Ok(Vec::new()),
    }
}

fn event_result(ev: Event) -> Result<Vec<String>, WordError> {
    match ev {
        Event::Line(w) => Ok(w),
        Event::Error(e) => Err(e),
    }
}

/// Escape a value for the wire (`pconf_encode`): a backslash before every `\`, `"` and `#`.
/// Nothing else is changed.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A name as NUT compares names (C `strcasecmp`: ASCII lower-casing), for keys of
/// case-insensitive maps. Borrowed when the name is already lower case, as nearly every
/// name on the wire is, so a lookup costs no allocation.
pub fn fold_case(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Append `escape(value)` to a byte buffer, without an intermediate `String`.
pub fn push_escaped(out: &mut Vec<u8>, value: &str) {
    let bytes = value.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'\\' | b'"' | b'#') {
            out.extend_from_slice(&bytes[from..i]);
            out.push(b'\\');
            from = i;
        }
    }
    out.extend_from_slice(&bytes[from..]);
}

/// A value as a quoted, escaped word: `"` + escape(value) + `"`. This is how servers and
/// drivers send free-form values.
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// Display adapter for [`quoted`]: writes without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        write_escaped(f, self.0)?;
        f.write_str("\"")
    }
}

fn write_escaped(f: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let mut rest = value;
    while let Some(pos) = rest.find(['\\', '"', '#']) {
        f.write_str(&rest[..pos])?;
        f.write_char('\\')?;
        f.write_str(&rest[pos..pos + 1])?;
        rest = &rest[pos + 1..];
    }
    f.write_str(rest)
}

/// An argument as a client should send it: escaped, and quoted whenever the tokenizer would
/// otherwise split or lose it (whitespace, `=`, or empty). C NUT's client quotes only on a
/// space; quoting more is always read back the same by any NUT server.
pub fn encode_arg(arg: &str) -> String {
    let needs_quotes = arg.is_empty()
        || arg.bytes().any(|b| {
            is_space(b) || b == b'=' || b == b'\n' || b == b'"' || b == b'#' || b == b'\\'
        });
    if needs_quotes {
        quoted(arg).to_string()
    } else {
        arg.to_string()
    }
}

/// Whether a value survives the tokenizer unchanged: only printable ASCII (and 0x7F) does.
pub fn is_wire_safe(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split_line(line).expect("no parse error")
    }

    #[test]
    fn plain_words_and_whitespace() {
        assert_eq!(
            words("GET VAR  myups\tups.status\r"),
            ["GET", "VAR", "myups", "ups.status"]
        );
        assert!(words("").is_empty());
        assert!(words("   # only a comment").is_empty());
    }

    #[test]
    fn equals_is_its_own_word() {
        for line in ["a=b", "a = b", "a= b", "a =b"] {
            assert_eq!(words(line), ["a", "=", "b"], "{line}");
        }
        assert_eq!(words("=="), ["=", "="]);
        assert_eq!(words("\"a=b\""), ["a=b"]);
        assert_eq!(words("a\\=b"), ["a=b"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            words(r#"SET VAR u v "a b""#),
            ["SET", "VAR", "u", "v", "a b"]
        );
        assert_eq!(
            words(r#""Shelf \"A\" \\ rack \#3""#),
            [r#"Shelf "A" \ rack #3"#]
        );
        assert_eq!(words(r#""""#), [""]);
        assert_eq!(words(r#"ab"cd"#), ["ab\"cd"]);
        assert_eq!(words(r"a\ b"), ["a b"]);
        assert_eq!(words(r"a\#b # comment"), ["a#b"]);
    }

    #[test]
    fn double_quoted_words_are_marked_per_line() {
        let mut t = Tokenizer::new();
        let (_, ev) = t.feed_slice(b"CERTIDENT \"my name\" pw \"'secret\"\n");
        assert_eq!(ev, Some(Ok(())));
        let marks: Vec<bool> = (0..4).map(|i| t.word_was_quoted(i)).collect();
        assert_eq!(marks, [false, true, false, true]);
        // The next line starts without marks.
        let (_, ev) = t.feed_slice(b"a b\n");
        assert_eq!(ev, Some(Ok(())));
        assert!(!t.word_was_quoted(0) && !t.word_was_quoted(1));
    }

    #[test]
    fn hash_in_quotes_is_an_error_and_the_rest_is_a_new_line() {
        let mut tok = Tokenizer::new();
        let events = tok.feed_all(b"SET VAR u v \"a#b\"\n");
        assert_eq!(
            events,
            [
                Event::Error(WordError::HashInQuotes),
                Event::Line(vec!["b\"".to_string()])
            ]
        );
    }

    #[test]
    fn control_and_non_ascii_bytes_are_dropped() {
        let mut tok = Tokenizer::new();
        let ev = tok.feed_all(b"\"a\tb\x01c\xffd\x7f\"\n");
        assert_eq!(ev, [Event::Line(vec!["abcd\x7f".into()])]);
        assert_eq!(tok.dropped_bytes(), 3);
    }

    #[test]
    fn word_and_line_limits() {
        let line: String = (0..33).map(|i| format!("w{i} ")).collect();
        let w = words(&line);
        assert_eq!(w.len(), 32);
        assert_eq!(w[31], "w31");

        let long = "x".repeat(600);
        let w = words(&format!("GET {long} y"));
        assert_eq!(w.len(), 3);
        assert_eq!(w[1].len(), 512);
        assert_eq!(w[2], "y");
    }

    #[test]
    fn a_line_split_across_many_reads() {
        let text = b"LIST VAR \"my ups\" # tail\nVER\n";
        let mut tok = Tokenizer::new();
        let mut events = Vec::new();
        for chunk in text.chunks(1) {
            events.extend(tok.feed_all(chunk));
        }
        assert_eq!(
            events,
            [
                Event::Line(vec!["LIST".into(), "VAR".into(), "my ups".into()]),
                Event::Line(vec!["VER".into()])
            ]
        );
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(words("abc\\\ndef"), ["abcdef"]);
        assert_eq!(words("\"abc\\\ndef\""), ["abcdef"]);
        // An unclosed quote continues onto the next physical line (newline dropped by filter).
        let mut tok = Tokenizer::new();
        let ev = tok.feed_all(b"\"ab\ncd\" e\n");
        assert_eq!(ev, [Event::Line(vec!["abcd".into(), "e".into()])]);
        // A backslash-newline followed by whitespace yields an empty word.
        let mut tok = Tokenizer::new();
        let ev = tok.feed_all(b"a \\\n b\n");
        assert_eq!(ev, [Event::Line(vec!["a".into(), "".into(), "b".into()])]);
    }

    #[test]
    fn line_numbers_for_config_errors() {
        let lines = tokenize_text(b"a\n\n  b \\\n c\n\"x#y\"\nlast");
        let nums: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(nums, [1, 2, 3, 5, 5, 6]);
        assert!(lines[3].1.is_err());
        assert_eq!(lines[5].1.as_ref().unwrap(), &["last".to_string()]);
    }

    #[test]
    fn encoders() {
        assert_eq!(escape(r#"a"b\c#d"#), r#"a\"b\\c\#d"#);
        assert_eq!(quoted("x y").to_string(), "\"x y\"");
        assert_eq!(encode_arg("plain"), "plain");
        assert_eq!(encode_arg("pass words"), "\"pass words\"");
        assert_eq!(encode_arg("123=123"), "\"123=123\"");
        assert_eq!(encode_arg(""), "\"\"");
    }

    proptest::proptest! {
        #[test]
        fn any_printable_value_round_trips(value in "[ -~]{0,200}") {
            let line = format!("VAR ups x {}\n", quoted(&value));
            let mut tok = Tokenizer::new();
            let ev = tok.feed_all(line.as_bytes());
            proptest::prop_assert_eq!(ev, vec![Event::Line(vec!["VAR".into(), "ups".into(), "x".into(), value.clone()])]);
        }

        #[test]
        fn any_argument_round_trips(arg in "[ -~]{0,100}") {
            let w = split_line(&format!("PASSWORD {}", encode_arg(&arg))).unwrap();
            proptest::prop_assert_eq!(w, vec!["PASSWORD".to_string(), arg]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
            let mut tok = Tokenizer::new();
            for ev in tok.feed_all(&bytes) {
                if let Event::Line(w) = ev {
                    proptest::prop_assert!(w.len() <= MAX_WORDS);
                    proptest::prop_assert!(w.iter().all(|x| x.len() <= MAX_WORD_LEN && is_wire_safe(x)));
                }
            }
        }

        #[test]
        fn push_escaped_matches_escape(value in "[ -~]{0,100}") {
            let mut out = b"x".to_vec();
            push_escaped(&mut out, &value);
            proptest::prop_assert_eq!(out, format!("x{}", escape(&value)).into_bytes());
        }

        /// Feeding slices (in any chunking) gives the same events as feeding bytes.
        #[test]
        fn feed_slice_matches_feeding_bytes(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::num::u8::ANY,
                proptest::sample::select(b"GET VAR ups \"#\\=\n\r\t x".to_vec()),
            ], 0..1500),
            chunk in 1usize..64,
        ) {
            let mut by_byte = Tokenizer::new();
            let expected = by_byte.feed_all(&bytes);
            let mut sliced = Tokenizer::new();
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let (used, ev) = sliced.feed_slice(rest);
                    proptest::prop_assert!(used > 0 && used <= rest.len());
                    match ev {
                        Some(Ok(())) => got.push(Event::Line(sliced.words().map(str::to_owned).collect())),
                        Some(Err(e)) => got.push(Event::Error(e)),
                        None => proptest::prop_assert_eq!(used, rest.len()),
                    }
                    rest = &rest[used..];
                }
            }
            proptest::prop_assert_eq!(got, expected);
            proptest::prop_assert_eq!(sliced.dropped_bytes(), by_byte.dropped_bytes());
        }

        /// The lending form gives, line after line on one tokenizer, the same words as the
        /// owning form.
        #[test]
        fn in_place_words_match_owned_events(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut owned = Tokenizer::new();
            let expected = owned.feed_all(&bytes);
            let mut lent = Tokenizer::new();
            let mut got = Vec::new();
            for &b in &bytes {
                match lent.feed_in_place(b) {
                    Some(Ok(())) => got.push(Event::Line(lent.words().map(str::to_owned).collect())),
                    Some(Err(e)) => got.push(Event::Error(e)),
                    None => {}
                }
            }
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn fold_case_borrows_lower_case_names() {
        assert!(matches!(
            fold_case("ups.status"),
            Cow::Borrowed("ups.status")
        ));
        assert_eq!(fold_case("UPS.Status"), "ups.status");
        assert!(matches!(fold_case("UPS.Status"), Cow::Owned(_)));
    }

    #[test]
    fn feed_slice_keeps_the_limits() {
        let mut line = Vec::new();
        for i in 0..40 {
            let word = if i % 2 == 0 { "a" } else { "\"b" };
            line.extend_from_slice(word.as_bytes());
            line.extend(std::iter::repeat_n(b'x', 600));
            line.extend_from_slice(if i % 2 == 0 { b" " } else { b"\" " });
        }
        line.push(b'\n');
        let mut tok = Tokenizer::new();
        assert_eq!(tok.feed_slice(&line), (line.len(), Some(Ok(()))));
        assert_eq!(tok.word_count(), MAX_WORDS);
        assert!(tok.words().all(|w| w.len() == MAX_WORD_LEN));
        assert_eq!(
            Tokenizer::new().feed_all(&line),
            vec![Event::Line(tok.words().map(str::to_owned).collect())]
        );
    }

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
