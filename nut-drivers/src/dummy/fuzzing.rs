//! Invariant checks for fuzzing dummy-ups's `.dev` / `.seq` parser (the body of the
//! `dummy_devfile` fuzz target and of the stable `fuzz_smoke_drivers` example).
//!
//! The check returns a description of the first broken invariant; it never panics on its own.

use std::path::Path;

use nut_core::words::{MAX_WORD_LEN, MAX_WORDS, encode_arg};

use super::devfile::{DevFile, Directive};

/// The words of one directive as a data file would hold them (a joined value split again
/// at its spaces: the parser joins words with single spaces, so the value reads back the
/// same whatever the original words were).
fn render(directive: &Directive) -> Vec<String> {
    let split = |value: &str| value.split(' ').map(encode_arg).collect::<Vec<_>>();
    let mut words = match directive {
        Directive::Set { value, .. } => split(value),
        Directive::Status(tokens) => tokens.iter().map(|t| encode_arg(t)).collect(),
        Directive::Timer(seconds) => vec![seconds.to_string()],
        Directive::Alarm(None) => Vec::new(),
        Directive::Alarm(Some(text)) => split(text),
    };
    let first = match directive {
        Directive::Set { var, .. } => format!("{var}:"),
        Directive::Status(_) => "ups.status:".to_string(),
        Directive::Timer(_) => "TIMER".to_string(),
        Directive::Alarm(_) => "ALARM".to_string(),
    };
    words.insert(0, first);
    words
}

/// Whether the tokenizer reads the words back whole: a line of at most [`MAX_WORDS`] words
/// of at most [`MAX_WORD_LEN`] bytes (longer lines are cut, in C as here).
fn fits_a_line(words: &[String]) -> bool {
    words.len() <= MAX_WORDS && words.iter().all(|w| w.len() <= MAX_WORD_LEN)
}

/// `.dev` / `.seq` invariants: any bytes parse (bad lines are skipped, never the file); every
/// directive and every skipped line carries a line number of the text, in file order, and
/// every skipped line names the file; a `Set` names a valid, non-`driver.*` variable; and
/// the directives, written back as a data file (those that fit the tokenizer's line
/// limits), parse again to the same directives with nothing skipped.
pub fn check_devfile(data: &[u8]) -> Result<(), String> {
    let path = Path::new("/fuzz/ups.seq");
    let lines = data.split(|b| *b == b'\n').count();
    let parsed = DevFile::parse(data, path).map_err(|e| format!("whole file refused: {e}"))?;
    let mut last = 0;
    for l in &parsed.lines {
        if l.line == 0 || l.line > lines || l.line < last {
            return Err(format!(
                "directive at line {} (previous {last}, {lines} lines)",
                l.line
            ));
        }
        last = l.line;
        if let Directive::Set { var, .. } = &l.directive {
            let valid = !var.is_empty()
                && var
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !valid || var.starts_with("driver.") || var == "ups.status" {
                return Err(format!("variable {var:?} accepted"));
            }
        }
    }
    for s in &parsed.skipped {
        if s.path != path || s.line == 0 || s.line > lines {
            return Err(format!("skipped line reported as {s}"));
        }
    }
    let mut directives = Vec::new();
    let mut text = String::new();
    for d in parsed.lines.iter().map(|l| &l.directive) {
        let words = render(d);
        if fits_a_line(&words) {
            directives.push(d);
            text.push_str(&words.join(" "));
            text.push('\n');
        }
    }
    let again =
        DevFile::parse(text.as_bytes(), path).map_err(|e| format!("written back, refused: {e}"))?;
    let back: Vec<&Directive> = again.lines.iter().map(|l| &l.directive).collect();
    if back != directives || !again.skipped.is_empty() {
        return Err(format!(
            "{directives:?} written as {text:?} reads back as {back:?}, skipping {:?}",
            again.skipped
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_passes_on_data_file_shapes() {
        let samples: [&[u8]; 4] = [
            b"# c\nbattery.charge: 90\nups.mfr: \"MGE  UPS\" SYSTEMS\nups.status: OB \"\" LB\n\
              TIMER 5s\nALARM [too warm]\nALARM\nups.load:50\nups.id: a\\#b\ndriver.name: x\n",
            b"b@d: 2\nc: \"x#y\"\nTIMER soon\nTIMER 1 2\n\"unclosed\nnext: 1\n",
            b"\x00\xff\t\r\n\\",
            b"",
        ];
        for s in samples {
            assert_eq!(check_devfile(s), Ok(()), "{s:?}");
        }
    }
}
