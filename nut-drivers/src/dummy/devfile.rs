//! The dummy-ups data file formats: `.dev` (a `upsc` dump) and `.seq` (the same with `TIMER`
//! pauses), read with the NUT tokenizer. rnut refuses a malformed line with the file and line
//! (C NUT logs it at debug level and skips it).

use std::path::{Path, PathBuf};

use nut_core::words::tokenize_text;

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
        let text = std::fs::read(path).map_err(|e| DevFileError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read dummy-ups data file: {e}"),
        })?;
        DevFile::parse(&text, path)
    }

    /// Parse the text of a file.
    pub fn parse(text: &[u8], path: &Path) -> Result<DevFile, DevFileError> {
        let err = |line: usize, message: String| DevFileError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = Vec::new();
        for (line, words) in tokenize_text(text) {
            let words = words.map_err(|e| err(line, e.to_string()))?;
            let Some(first) = words.first() else { continue };
            let directive = if first.starts_with("TIMER") {
                let secs = words.get(1).and_then(|w| w.trim().parse::<u64>().ok());
                match (first.as_str(), secs, words.len()) {
                    ("TIMER", Some(s), 2) => Directive::Timer(s),
                    _ => {
                        return Err(err(
                            line,
                            format!("expected TIMER <seconds>, got {:?}", words.join(" ")),
                        ));
                    }
                }
            } else if first == "ALARM" {
                if words.len() > 1 {
                    Directive::Alarm(Some(words[1..].join(" ")))
                } else {
                    Directive::Alarm(None)
                }
            } else {
                let Some((name, _)) = first.split_once(':') else {
                    return Err(err(
                        line,
                        format!(
                            "expected '<variable>: <value>' (or TIMER/ALARM), got {:?}",
                            words.join(" ")
                        ),
                    ));
                };
                if !valid_name(name) {
                    return Err(err(line, format!("invalid variable name {name:?}")));
                }
                if name.starts_with("driver.") {
                    continue;
                }
                if name == "ups.status" {
                    Directive::Status(words[1..].to_vec())
                } else {
                    Directive::Set {
                        var: name.to_string(),
                        value: words[1..].join(" "),
                    }
                }
            };
            lines.push(DevLine { line, directive });
        }
        Ok(DevFile {
            path: path.to_path_buf(),
            lines,
        })
    }
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
    fn errors_name_file_and_line() {
        let e = parse("a: 1\nb: 2\nbattery.charge 90\n").expect_err("no colon");
        assert_eq!(e.line, 3);
        assert!(
            e.to_string()
                .starts_with("/x/t.seq:3: expected '<variable>: <value>'"),
            "{e}"
        );
        assert_eq!(parse("a: 1\nTIMER soon\n").expect_err("timer").line, 2);
        assert_eq!(parse("a: \"x#y\"\n").expect_err("hash").line, 1);
        assert_eq!(parse("\n\nb@d: 1\n").expect_err("name").line, 3);
    }

    #[test]
    fn every_fixture_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/nut-ddl");
        let dir = if dir.is_dir() {
            dir
        } else {
            PathBuf::from("/work/shared/fixtures/nut-ddl")
        };
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
