//! Whole texts and single lines through the tokenizer: config files with their line numbers
//! and what the tokenizer changed in each line, and one line split into words.

use super::tokenizer::{Event, Tokenizer, WordError};

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
