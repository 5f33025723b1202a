//! Invariant checks for fuzzing: the bodies of the cargo-fuzz targets in `fuzz/` and of the
//! stable-toolchain driver `examples/fuzz_smoke_core.rs`, kept here so both run the same checks.
//!
//! Each function takes arbitrary bytes, runs them through the tokenizer and a parser, and
//! returns a description of the first broken invariant. They never panic on their own; the
//! fuzz harness turns an `Err` into a crash.

use crate::words::{
    Event, MAX_WORD_LEN, MAX_WORDS, Tokenizer, encode_arg, is_wire_safe, split_line,
};

use super::error::ErrCode;
use super::reply::Reply;
use super::request::{Request, command_needs_login};

/// Every logical line the bytes contain (parse errors skipped), as a server would see them,
/// the last one completed as at end of input.
pub(crate) fn lines(data: &[u8]) -> Vec<Vec<String>> {
    let mut tok = Tokenizer::new();
    let mut events = tok.feed_all(data);
    events.extend(tok.finish());
    events
        .into_iter()
        .filter_map(|ev| match ev {
            Event::Line(words) => Some(words),
            Event::Error(_) => None,
        })
        .collect()
}

/// Tokenizer invariants: at most [`MAX_WORDS`] words per line, at most [`MAX_WORD_LEN`] bytes
/// per word, only printable bytes in words, and every line's words, re-encoded with
/// `encode_arg` and joined by spaces, tokenize back to the same words.
pub fn check_tokenizer(data: &[u8]) -> Result<(), String> {
    for words in lines(data) {
        if words.len() > MAX_WORDS {
            return Err(format!("{} words in one line", words.len()));
        }
        for word in &words {
            if word.len() > MAX_WORD_LEN {
                return Err(format!("word of {} bytes", word.len()));
            }
            if !is_wire_safe(word) {
                return Err(format!("unprintable byte in word {word:?}"));
            }
        }
        let line: Vec<String> = words.iter().map(|w| encode_arg(w)).collect();
        let line = line.join(" ");
        match split_line(&line) {
            Ok(again) if again == words => {}
            other => {
                return Err(format!(
                    "{words:?} encoded as {line:?} reads back as {other:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Request parser invariants: parsing never fails with anything but `UNKNOWN-COMMAND` or
/// `INVALID-ARGUMENT`; the credentials flag matches the command word; and every request that
/// parses, written with `to_line` and tokenized again, parses back equal.
pub fn check_request_parser(data: &[u8]) -> Result<(), String> {
    for words in lines(data) {
        let first_needs_login = words.first().is_some_and(|w| command_needs_login(w));
        match Request::parse(&words) {
            Ok(req) => {
                if req.needs_login() != first_needs_login {
                    return Err(format!("{req:?}: needs_login disagrees with {words:?}"));
                }
                let line = req.to_line();
                let again = split_line(&line)
                    .map_err(|e| format!("{req:?} wrote {line:?}, which fails to tokenize: {e}"))?;
                match Request::parse(&again) {
                    Ok(back) if back == req => {}
                    other => {
                        return Err(format!("{req:?} wrote {line:?}, parsed back as {other:?}"));
                    }
                }
            }
            Err(e) => {
                if !matches!(e.code, ErrCode::UnknownCommand | ErrCode::InvalidArgument) {
                    return Err(format!("{words:?}: unexpected error {e:?}"));
                }
                if e.needs_login != first_needs_login {
                    return Err(format!("{words:?}: needs_login wrong in {e:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Reply parser invariants: every line that parses as a reply, formatted and tokenized
/// again, parses back equal.
pub fn check_reply_parser(data: &[u8]) -> Result<(), String> {
    for words in lines(data) {
        if let Ok(reply) = Reply::parse(&words) {
            let line = reply.to_string();
            let again = split_line(&line)
                .map_err(|e| format!("{reply:?} wrote {line:?}, which fails to tokenize: {e}"))?;
            match Reply::parse(&again) {
                Ok(back) if back == reply => {}
                other => {
                    return Err(format!(
                        "{reply:?} wrote {line:?}, parsed back as {other:?}"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_on_protocol_samples() {
        let samples: [&[u8]; 9] = [
            b"GET VAR myups ups.status\nLIST VAR myups\n",
            b"SET VAR u v \"a#b\"\nSET VAR u v \"a \\\"b\\\" \\\\ \\#3\" extra\n",
            b"INSTCMD u c a b\nset tracking on\nget tracking 1bd31808-cb49-4aec-9d75-d056e6f018d2\n",
            b"VAR myups ups.id \"Shelf \\\"A\\\" \\\\ rack \\#3\"\nTYPE u v RW STRING:8\n",
            b"BEGIN LIST ENUM u v\nRANGE u v \"1\" \"-2\"\nOK TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2\n",
            b"ERR ACCESS-DENIED \"SSL trust failed\"\nNetwork UPS Tools upsd 2.8.4 - https://x/\n",
            b"ERR\nCAPABILITIES WATCH \"a b\"\nCAPABILITIES\n",
            b"\x00\xff\"\\\n=\t#\r\x7f a=b c\\",
            b"",
        ];
        for s in samples {
            assert_eq!(check_tokenizer(s), Ok(()));
            assert_eq!(check_request_parser(s), Ok(()));
            assert_eq!(check_reply_parser(s), Ok(()));
        }
    }

    #[test]
    fn a_long_word_and_many_words_pass() {
        let mut data = b"SET VAR u v ".to_vec();
        data.extend(std::iter::repeat_n(b'x', 700));
        data.push(b'\n');
        data.extend((0..40).flat_map(|i| format!("w{i} ").into_bytes()));
        assert_eq!(check_tokenizer(&data), Ok(()));
        assert_eq!(check_request_parser(&data), Ok(()));
        assert_eq!(check_reply_parser(&data), Ok(()));
    }
}
