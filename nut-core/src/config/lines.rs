//! The line walker every config format shares: a file's text into logical lines of words,
//! the `[section]` walker, `key = value` lines, argument counts and single-quoted words.

use std::path::Path;

use super::errors::{ConfigError, ConfigWarning};
use super::file;
use crate::words::{Event, Tokenizer, alteration};

/// One logical line of a config file: where it starts and its words (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) number: usize,
    pub(crate) words: Vec<String>,
    /// Bit `i` set: `words[i]` was written in double quotes.
    pub(crate) quoted: u32,
}

/// The text of a configuration or data file, read by [`file::read_config`] (a regular file
/// of at most [`file::MAX_CONFIG_FILE_BYTES`], no permission check). Bytes that are not UTF-8
/// (a Latin-1 `é` in a comment) do not make the whole file unreadable: they become U+FFFD,
/// which the tokenizer drops as non-ASCII with a warning naming the line, as C NUT's parser
/// discards them.
pub fn read_config_text(path: &std::path::Path) -> std::io::Result<String> {
    file::read_config(path, file::Writers::Anyone).map(file::FileContents::into_text)
}

/// Tokenize a whole file; empty and comment-only lines are dropped. The first tokenizer
/// error (an unescaped `#` inside quotes) is refused with its line, and so is a double quote
/// left open until a later line. Bytes the tokenizer drops
/// (control characters such as a TAB inside quotes, non-ASCII) change a value silently, so
/// each line that lost some gets a warning, as C NUT prints one.
pub(crate) fn read_lines(
    text: &str,
    file: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<Line>, ConfigError> {
    let mut tok = Tokenizer::new();
    let mut lines = Vec::new();
    let mut handle = |event: Event, tok: &Tokenizer| -> Result<(), ConfigError> {
        let number = tok.line_number();
        match event {
            Event::Line(words) => {
                let dropped = tok.dropped_bytes();
                // An unclosed quote took the lines after it into one value: refused, since
                // those lines (a MONITOR, a user's rights) would vanish without a word.
                if tok.newlines_in_quotes() > 0 {
                    let why = alteration(dropped, tok.newlines_in_quotes()).unwrap_or_default();
                    return Err(ConfigError::new(file, number, why));
                }
                if let Some(why) = alteration(dropped, 0) {
                    warnings.push(ConfigWarning::new(file, number, why));
                }
                // A line made only of dropped bytes (a byte-order mark, a non-breaking space
                // before `#`, a DOS end-of-file mark) is blank, as in C.
                let only_dropped = dropped > 0 && words.iter().all(|w| w.is_empty());
                if !words.is_empty() && !only_dropped {
                    let quoted = (0..words.len())
                        .filter(|&i| tok.word_was_quoted(i))
                        .fold(0u32, |bits, i| bits | 1 << i);
                    lines.push(Line {
                        number,
                        words,
                        quoted,
                    });
                }
                Ok(())
            }
            Event::Error(e) => Err(ConfigError::new(
                file,
                number,
                match alteration(0, tok.newlines_in_quotes()) {
                    Some(why) => format!("parse error: {e}; {why}"),
                    None => format!("parse error: {e}"),
                },
            )),
        }
    };
    for &b in text.as_bytes() {
        if let Some(event) = tok.feed(b) {
            handle(event, &tok)?;
        }
    }
    if let Some(event) = tok.finish() {
        handle(event, &tok)?;
    }
    Ok(lines)
}

/// A `[name]` section of ups.conf or upsd.users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) body: Vec<Line>,
}

/// A section-style file: the lines before the first section, then the sections in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SectionedFile {
    pub(crate) globals: Vec<Line>,
    pub(crate) sections: Vec<Section>,
}

/// `[name]` -> `name`: a first word that begins with `[` and ends with `]` (C NUT's rule).
pub(crate) fn section_header(word: &str) -> Option<&str> {
    if word.len() >= 2 && word.starts_with('[') && word.ends_with(']') {
        Some(&word[1..word.len() - 1])
    } else {
        None
    }
}

/// Split a section-style file into its globals and sections. A header must stand alone on
/// its line and name something; `[my ups]` (a space in the name) is refused with a hint.
pub(crate) fn read_sections(
    text: &str,
    file: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<SectionedFile, ConfigError> {
    let mut out = SectionedFile::default();
    for line in read_lines(text, file, warnings)? {
        let first = &line.words[0];
        if let Some(name) = section_header(first) {
            if name.is_empty() {
                return Err(ConfigError::new(file, line.number, "empty section name []"));
            }
            if line.words.len() > 1 {
                return Err(ConfigError::new(
                    file,
                    line.number,
                    format!("unexpected words after section header {first}"),
                ));
            }
            out.sections.push(Section {
                name: name.to_string(),
                line: line.number,
                body: Vec::new(),
            });
        } else if first.starts_with('[') {
            return Err(ConfigError::new(
                file,
                line.number,
                format!(
                    "malformed section header starting with {first} (a section name cannot contain spaces)"
                ),
            ));
        } else if let Some(section) = out.sections.last_mut() {
            section.body.push(line);
        } else {
            out.globals.push(line);
        }
    }
    Ok(out)
}

/// The directive of a line's first word, as messages name it: the word up to its first
/// character that cannot be part of a directive name (`password:hunter2`, a quoted
/// `"password hunter2"`: `password`), so that a mistyped line never echoes the value it
/// holds.
pub(crate) fn directive_name(word: &str) -> &str {
    let end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(word.len());
    if end == 0 {
        "(unreadable)"
    } else {
        &word[..end]
    }
}

/// A `key = value` line (exactly three words, word two `=`): `Some(value)`.
/// A one-word line: `None` (a flag). Anything else: an error naming the key.
pub(crate) fn key_value<'a>(line: &'a Line, file: &Path) -> Result<Option<&'a str>, ConfigError> {
    let w = &line.words;
    match w.len() {
        1 => Ok(None),
        3 if w[1] == "=" => Ok(Some(w[2].as_str())),
        2 if w[1] == "=" => Err(ConfigError::new(
            file,
            line.number,
            format!("{}: missing value after =", directive_name(&w[0])),
        )),
        n if n > 3 && w[1] == "=" => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: extra words after the value (quote a value containing spaces)",
                directive_name(&w[0])
            ),
        )),
        _ => Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: expected `{} = <value>` or a single flag word",
                directive_name(&w[0]),
                directive_name(&w[0])
            ),
        )),
    }
}

/// Exactly `n` words after the directive, or an error saying how many are expected.
pub(crate) fn expect_args<'a>(
    line: &'a Line,
    n: usize,
    usage: &str,
    file: &Path,
) -> Result<&'a [String], ConfigError> {
    let args = &line.words[1..];
    if args.len() == n {
        Ok(args)
    } else {
        Err(ConfigError::new(
            file,
            line.number,
            format!(
                "{}: expected {n} argument{} ({usage}), got {}{}",
                line.words[0],
                if n == 1 { "" } else { "s" },
                args.len(),
                if args.iter().any(String::is_empty) {
                    " (one is empty: a backslash-newline followed by spaces makes an empty word)"
                } else if args.len() > n && args.iter().any(|a| a == "=") {
                    " (an unquoted '=' is a word of its own: put a value holding '=' in \
                     double quotes, e.g. a password)"
                } else {
                    ""
                }
            ),
        ))
    }
}

/// Re-join words that a single-quoted value was split into: C NUT's tokenizer knows only
/// double quotes, so `'My nut server'` arrives as `'My`, `nut`, `server'`. Words outside single
/// quotes are kept as they are, and so is a word written in double quotes (bit `i` of
/// `quoted` for `words[i]`), so
/// `"'secret"` stays a password starting with a quote. Runs of spaces inside single quotes
/// become one space (the tokenizer has already lost them); use double quotes to keep them
/// exactly.
pub(crate) fn rejoin_single_quoted(words: &[String], quoted: u32) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for (i, w) in words.iter().enumerate() {
        let literal = i < 32 && quoted >> i & 1 == 1;
        match open.as_mut() {
            None if literal => out.push(w.clone()),
            None => {
                if let Some(rest) = w.strip_prefix('\'') {
                    if let Some(inner) = rest.strip_suffix('\'') {
                        out.push(inner.to_string());
                    } else {
                        open = Some(vec![rest]);
                    }
                } else {
                    out.push(w.clone());
                }
            }
            Some(parts) => match w.strip_suffix('\'') {
                Some(last) if !literal => {
                    parts.push(last);
                    out.push(parts.join(" "));
                    open = None;
                }
                _ => parts.push(w),
            },
        }
    }
    if open.is_some() {
        return Err("unterminated single quote".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/etc/nut/test.conf")
    }

    #[test]
    fn single_quotes_rejoin() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let plain = |s: &[&str]| rejoin_single_quoted(&w(s), 0);
        assert_eq!(
            plain(&["'My", "nut", "server'", "'pw'"]),
            Ok(w(&["My nut server", "pw"]))
        );
        assert_eq!(plain(&["plain", "'a'"]), Ok(w(&["plain", "a"])));
        assert_eq!(plain(&["'", "x'"]), Ok(w(&[" x"])));
        assert_eq!(plain(&["''"]), Ok(w(&[""])));
        assert!(plain(&["'open", "x"]).is_err());
        // Words written in double quotes are taken literally, single quotes and all.
        assert_eq!(
            rejoin_single_quoted(&w(&["name", "'secret"]), 0b11),
            Ok(w(&["name", "'secret"]))
        );
        assert_eq!(
            rejoin_single_quoted(&w(&["'a", "b'", "'pw'"]), 0b100),
            Ok(w(&["a b", "'pw'"]))
        );
    }

    #[test]
    fn sections_and_headers() {
        let f =
            read_sections("a = 1\n[one]\n x = 2\n\n# c\n[two]\n", p(), &mut Vec::new()).unwrap();
        assert_eq!(f.globals.len(), 1);
        assert_eq!(f.sections.len(), 2);
        assert_eq!(f.sections[0].name, "one");
        assert_eq!(f.sections[0].line, 2);
        assert_eq!(f.sections[0].body[0].number, 3);
        assert_eq!(f.sections[1].line, 6);
        let e = read_sections("[my ups]\n", p(), &mut Vec::new()).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("malformed section header"));
        assert_eq!(
            read_sections("\n[]\n", p(), &mut Vec::new())
                .unwrap_err()
                .line,
            2
        );
    }
}
