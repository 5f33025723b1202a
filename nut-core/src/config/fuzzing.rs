//! Invariant checks for fuzzing the config parsers (the bodies of the `config_files` fuzz
//! target and of the stable `fuzz_smoke_core` example): the pure parse-from-text entry points of
//! ups.conf, upsd.conf, upsd.users and upsmon.conf.
//!
//! Each check returns a description of the first broken invariant; none panics on its own.

use std::path::Path;

use super::{ConfigError, ConfigWarning, UpsConf, UpsdConf, UpsdUsers, UpsmonConf, read_lines};

/// The config file kinds of this module, chosen by a selector byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ups.conf.
    UpsConf,
    /// upsd.conf.
    UpsdConf,
    /// upsd.users.
    UpsdUsers,
    /// upsmon.conf.
    UpsmonConf,
}

impl Kind {
    /// Every kind, in selector order.
    pub const ALL: [Kind; 4] = [
        Kind::UpsConf,
        Kind::UpsdConf,
        Kind::UpsdUsers,
        Kind::UpsmonConf,
    ];

    /// The file name the parser is given (it only appears in messages).
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::UpsConf => "ups.conf",
            Kind::UpsdConf => "upsd.conf",
            Kind::UpsdUsers => "upsd.users",
            Kind::UpsmonConf => "upsmon.conf",
        }
    }
}

/// Parse `text` as `kind`: the warnings, and the first broken invariant of the result
/// (ups.conf: sections unique case-insensitively, each with a driver and a port, found by
/// `get`; upsd.users: each user once, found by `get`).
fn parse(
    kind: Kind,
    text: &str,
    file: &Path,
) -> Result<(Vec<ConfigWarning>, Option<String>), ConfigError> {
    Ok(match kind {
        Kind::UpsConf => {
            let conf = UpsConf::parse(text, file)?;
            let broken = ups_conf_broken(&conf);
            (conf.warnings, broken)
        }
        Kind::UpsdConf => (UpsdConf::parse(text, file)?.warnings, None),
        Kind::UpsdUsers => {
            let users = UpsdUsers::parse(text, file)?;
            let broken = users_broken(&users);
            (users.warnings, broken)
        }
        Kind::UpsmonConf => {
            let conf = UpsmonConf::parse(text, file)?;
            // validate() reads the whole result: it must answer, not panic.
            let _ = conf.validate();
            (conf.warnings, None)
        }
    })
}

fn ups_conf_broken(conf: &UpsConf) -> Option<String> {
    for (i, s) in conf.sections.iter().enumerate() {
        if s.driver.is_empty() || s.port.is_empty() {
            return Some(format!(
                "section [{}] accepted without driver or port",
                s.name
            ));
        }
        if s.name.contains('/') || s.name.eq_ignore_ascii_case("default") {
            return Some(format!("section name [{}] accepted", s.name));
        }
        if conf.sections[..i]
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&s.name))
        {
            return Some(format!("duplicate section [{}] accepted", s.name));
        }
        match conf.get(&s.name) {
            Some(found) if found.name == s.name => {}
            other => return Some(format!("get({:?}) finds {other:?}", s.name)),
        }
    }
    None
}

fn users_broken(users: &UpsdUsers) -> Option<String> {
    for (i, u) in users.users.iter().enumerate() {
        if users.users[..i].iter().any(|p| p.name == u.name) {
            return Some(format!("user [{}] listed twice", u.name));
        }
        if users.get(&u.name).map(|f| f.line) != Some(u.line) {
            return Some(format!("get({:?}) does not find the first section", u.name));
        }
    }
    None
}

/// The secrets a text holds: the values of `password` lines (upsd.users) and the password
/// word of `MONITOR` lines (upsmon.conf) that look like passwords (ASCII letters and digits,
/// both, at least 8 bytes, so no message wording contains one) and are part of no other word
/// of the text (so that a message holding one can only have taken it from there).
fn secrets(text: &str, file: &Path) -> Vec<String> {
    let Ok(lines) = read_lines(text, file, &mut Vec::new()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in &lines {
        let first = line.words[0].to_ascii_lowercase();
        if first.starts_with("password") {
            let rest = line.words[0].split_once('=').map(|(_, v)| v.to_string());
            out.extend(rest);
            out.extend(
                line.words[1..]
                    .iter()
                    .flat_map(|w| w.split('=').map(str::to_string)),
            );
        } else if first == "monitor" {
            out.extend(line.words.get(4).cloned());
        }
    }
    let words: Vec<&String> = lines.iter().flat_map(|l| &l.words).collect();
    out.retain(|s| {
        s.len() >= 8
            && s.bytes().all(|b| b.is_ascii_alphanumeric())
            && s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes().any(|b| b.is_ascii_alphabetic())
            && words.iter().filter(|w| w.contains(s.as_str())).count() == 1
    });
    out
}

/// No message (error or warning) repeats a secret of the text.
fn check_no_secret(text: &str, file: &Path, messages: &[String]) -> Result<(), String> {
    for secret in secrets(text, file) {
        if messages.iter().any(|m| m.contains(&secret)) {
            return Err(format!(
                "a message repeats the secret {secret:?}: {messages:?}"
            ));
        }
    }
    Ok(())
}

/// Config parser invariants for one file kind: parsing any text gives a result or an error,
/// twice the same; every error and warning names the file given and a line of the text
/// (or 0 for the whole file); warnings come sorted by line; no message repeats a password
/// of the text; and what a successful parse
/// returns is consistent (ups.conf: sections unique case-insensitively, each with a driver
/// and a port, found by `get`; upsd.users: each user once, found by `get`).
pub fn check_config(kind: Kind, data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    let file = Path::new(kind.file_name());
    let lines = text.split('\n').count();
    let first = parse(kind, &text, file);
    let again = parse(kind, &text, file);
    if first != again {
        return Err(format!("two parses differ: {first:?} then {again:?}"));
    }
    let located = |what: &str, f: &Path, line: usize| -> Result<(), String> {
        if f != file {
            return Err(format!(
                "{what} names {} instead of {}",
                f.display(),
                file.display()
            ));
        }
        if line > lines {
            return Err(format!("{what} at line {line} of a {lines}-line text"));
        }
        Ok(())
    };
    let messages: Vec<String> = match &first {
        Ok((warnings, _)) => warnings.iter().map(|w| w.message.clone()).collect(),
        Err(e) => vec![e.message.clone()],
    };
    check_no_secret(&text, file, &messages)?;
    match first {
        Ok((warnings, broken)) => {
            for w in &warnings {
                located("warning", &w.file, w.line)?;
            }
            if !warnings.is_sorted_by_key(|w| w.line) {
                return Err(format!("warnings out of line order: {warnings:?}"));
            }
            if let Some(broken) = broken {
                return Err(broken);
            }
        }
        Err(e) => {
            located("error", &e.file, e.line)?;
            if e.message.is_empty() {
                return Err("an error without a message".into());
            }
        }
    }
    Ok(())
}

/// [`check_config`] with the kind taken from the first byte (modulo the number of kinds).
pub fn check_config_selected(data: &[u8]) -> Result<(), String> {
    let Some((&selector, text)) = data.split_first() else {
        return Ok(());
    };
    check_config(Kind::ALL[usize::from(selector) % Kind::ALL.len()], text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_on_example_shapes() {
        let samples: [(Kind, &[u8]); 8] = [
            (Kind::UpsdUsers, b"[a]\npassword:hunter2secret\n"),
            (
                Kind::UpsmonConf,
                b"MONITOR u@h 1 user hunter2secret primary\nFROB 1\n",
            ),
            (
                Kind::UpsConf,
                b"maxretry = 3\n[ups]\n driver = dummy-ups\n port = x.dev\n",
            ),
            (
                Kind::UpsConf,
                b"[a]\ndriver=x\nport=y\n[A]\ndriver=x\nport=y\n",
            ),
            (Kind::UpsdConf, b"LISTEN 127.0.0.1 3493\nMAXAGE 15\n"),
            (
                Kind::UpsdUsers,
                b"[admin]\npassword = s\nactions = SET\n[admin]\n",
            ),
            (
                Kind::UpsmonConf,
                b"MONITOR ups@localhost 1 u p primary\nMINSUPPLIES 2\n",
            ),
            (Kind::UpsmonConf, b"\xff\x00\"unclosed\n\\\n"),
        ];
        for (kind, text) in samples {
            assert_eq!(check_config(kind, text), Ok(()), "{kind:?} {text:?}");
        }
    }
}
