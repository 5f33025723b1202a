use std::borrow::Cow;

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
