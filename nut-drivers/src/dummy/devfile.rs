//! The dummy-ups data file formats: `.dev` (a `upsc` dump) and `.seq` (the same with `TIMER`
//! pauses), read with the NUT tokenizer. As in C NUT, a malformed line is skipped and the
//! rest of the file used; rnut reports each skipped line with the file and line number (C
//! only at debug level). C's loose forms are read as C reads them: `name value` without the
//! colon, and `TIMER 5s` (the leading number).

use std::path::{Path, PathBuf};

use nut_core::config::file::{Writers, read_config};
use nut_core::words::tokenize_lines;

/// One directive of a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `name: value words...`: set (or, with no value, delete) a variable.
    Set {
        /// Variable name (the part of the first word before `:`).
        var: String,
        /// The remaining words joined with single spaces.
        value: String,
    },
    /// `ups.status: tokens...`: through the status helpers.
    Status(Vec<String>),
    /// `TIMER <seconds>`: pause here.
    Timer(u64),
    /// `ALARM <text...>` adds an alarm; a bare `ALARM` clears them.
    Alarm(Option<String>),
}

/// A directive with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevLine {
    /// 1-based line where the directive starts.
    pub line: usize,
    /// What it says.
    pub directive: Directive,
}

/// A parsed data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Directives in file order (comments, blank lines and `driver.*` lines left out).
    pub lines: Vec<DevLine>,
    /// The lines left out because they could not be read, with the reason.
    pub skipped: Vec<DevFileError>,
    /// The lines the tokenizer changed (control or non-ASCII bytes dropped, an unclosed
    /// quote that swallowed the lines after it), used as read, as C uses them: each is
    /// logged, where C says nothing.
    pub altered: Vec<DevFileError>,
}

/// A data file problem, naming the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct DevFileError {
    /// The file.
    pub path: PathBuf,
    /// The line (0 when the file could not be read).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl DevFile {
    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<DevFile, DevFileError> {
        let contents = read_config(path, Writers::Anyone).map_err(|e| DevFileError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read dummy-ups data file: {e}"),
        })?;
        DevFile::parse(&contents.bytes, path)
    }

    /// Parse the text of a file. Lines that cannot be read are left out and listed in
    /// `skipped`.
    pub fn parse(text: &[u8], path: &Path) -> Result<DevFile, DevFileError> {
        let err = |line: usize, message: String| DevFileError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = Vec::new();
        let mut skipped = Vec::new();
        let mut altered = Vec::new();
        for text_line in tokenize_lines(text) {
            let line = text_line.line;
            if let Some(why) = text_line.alteration() {
                altered.push(err(line, why));
            }
            let words = match text_line.words {
                Ok(w) => w,
                Err(e) => {
                    skipped.push(err(line, e.to_string()));
                    continue;
                }
            };
            let Some(first) = words.first() else { continue };
            match directive_of(first, &words) {
                Ok(Some(directive)) => lines.push(DevLine { line, directive }),
                Ok(None) => {}
                Err(message) => skipped.push(err(line, message)),
            }
        }
        Ok(DevFile {
            path: path.to_path_buf(),
            lines,
            skipped,
            altered,
        })
    }
}

/// The directive of one line (`None`: a `driver.*` line, left to the driver); `Err` with
/// the reason for a line that cannot be used.
fn directive_of(first: &str, words: &[String]) -> Result<Option<Directive>, String> {
    if first == "TIMER" {
        // C reads the number with atoi(): `TIMER 5s` is 5 s.
        let digits: String = words
            .get(1)
            .map(|w| w.trim().chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        return match digits.parse::<u64>() {
            Ok(s) if words.len() == 2 => Ok(Some(Directive::Timer(s))),
            _ => Err(format!(
                "expected TIMER <seconds>, got {:?}",
                words.join(" ")
            )),
        };
    }
    if first == "ALARM" {
        return Ok(Some(Directive::Alarm(
            (words.len() > 1).then(|| words[1..].join(" ")),
        )));
    }
    // `name: value`, or C's looser `name value`.
    let name = first.split_once(':').map_or(first, |(name, _)| name);
    if !valid_name(name) {
        return Err(format!("invalid variable name {name:?}"));
    }
    if name.starts_with("driver.") {
        return Ok(None);
    }
    Ok(Some(if name == "ups.status" {
        Directive::Status(words[1..].to_vec())
    } else {
        Directive::Set {
            var: name.to_string(),
            value: words[1..].join(" "),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DevFile, DevFileError> {
        DevFile::parse(text.as_bytes(), Path::new("/x/t.seq"))
    }

    #[test]
    fn formats() {
        let f = parse(
            "# comment\n\nbattery.charge: 90\nups.mfr:  \"MGE  UPS\"   SYSTEMS # c\nups.status: OB  LB\ndriver.name: x\nTIMER 5\nALARM [too warm]\nALARM\nups.load:50\nups.id: a\\#b\n",
        )
        .expect("parses");
        let d: Vec<Directive> = f.lines.into_iter().map(|l| l.directive).collect();
        assert_eq!(
            d,
            [
                Directive::Set {
                    var: "battery.charge".into(),
                    value: "90".into()
                },
                Directive::Set {
                    var: "ups.mfr".into(),
                    value: "MGE  UPS SYSTEMS".into()
                },
                Directive::Status(vec!["OB".into(), "LB".into()]),
                Directive::Timer(5),
                Directive::Alarm(Some("[too warm]".into())),
                Directive::Alarm(None),
                Directive::Set {
                    var: "ups.load".into(),
                    value: String::new()
                },
                Directive::Set {
                    var: "ups.id".into(),
                    value: "a#b".into()
                },
            ]
        );
    }

    #[test]
    fn bad_lines_are_skipped_with_file_and_line_and_c_loose_forms_read() {
        let f = parse("a: 1\nb@d: 2\nc: \"x#y\"\nTIMER soon\nbattery.charge 90\nTIMER 5s\nd: 4\n")
            .expect("parses");
        let d: Vec<Directive> = f.lines.iter().map(|l| l.directive.clone()).collect();
        assert_eq!(
            d,
            [
                Directive::Set {
                    var: "a".into(),
                    value: "1".into()
                },
                Directive::Set {
                    var: "battery.charge".into(),
                    value: "90".into()
                },
                Directive::Timer(5),
                Directive::Set {
                    var: "d".into(),
                    value: "4".into()
                },
            ]
        );
        let mut skipped: Vec<usize> = f.skipped.iter().map(|e| e.line).collect();
        // The `#` inside quotes is a parse error, and so is what follows it on that line.
        skipped.dedup();
        assert_eq!(skipped, [2, 3, 4]);
        assert!(
            f.skipped[0]
                .to_string()
                .starts_with("/x/t.seq:2: invalid variable name"),
            "{}",
            f.skipped[0]
        );
    }

    #[test]
    fn altered_lines_are_reported_with_file_and_line() {
        let f = parse("a: 1\nb: x\x01y\x00z\nc: \"open\nd: 4\ne: 5\"\nf: \u{e9}t\u{e9}\ng: 7\n")
            .expect("parses");
        let altered: Vec<String> = f.altered.iter().map(ToString::to_string).collect();
        assert_eq!(altered.len(), 3, "{altered:?}");
        assert!(
            altered[0].starts_with("/x/t.seq:2: 2 control or non-ASCII byte(s) dropped"),
            "{altered:?}"
        );
        assert!(
            altered[1].starts_with(
                "/x/t.seq:3: a double quote is not closed on this line: the next 2 line(s)"
            ),
            "{altered:?}"
        );
        assert!(
            altered[2].starts_with("/x/t.seq:6: 4 control or non-ASCII"),
            "{altered:?}"
        );
        // Read as C reads them: the values as altered, the swallowed lines gone.
        let vars: Vec<&str> = f
            .lines
            .iter()
            .filter_map(|l| match &l.directive {
                Directive::Set { var, .. } => Some(var.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(vars, ["a", "b", "c", "f", "g"]);
        assert!(
            parse("a: 1\nb: \"ok\"\n")
                .expect("parses")
                .altered
                .is_empty()
        );
    }

    #[test]
    fn every_fixture_parses() {
        // shared/ sits beside the workspace (as in CI): found from the crate, never by an
        // absolute path.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/nut-ddl");
        let mut n = 0;
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("fixtures dir") {
                let p = entry.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "dev" || e == "seq") {
                    let parsed = DevFile::load(&p).unwrap_or_else(|e| panic!("{e}"));
                    assert!(!parsed.lines.is_empty(), "{}", p.display());
                    n += 1;
                }
            }
        }
        assert!(n >= 150, "found {n} fixtures");
    }
}
