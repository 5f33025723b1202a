//! Variable and command descriptions for `GET DESC` / `GET CMDDESC`, read from the
//! `cmdvartab` file in DATAPATH (`VARDESC <name> "<text>"`, `CMDDESC <name> "<text>"`).
//! A missing file just means every description is "Description unavailable".

use std::collections::HashMap;
use std::path::Path;

use nut_core::words::{Event, Tokenizer, fold_case};

/// The text served when no description is known.
pub const UNAVAILABLE: &str = "Description unavailable";

/// Descriptions keyed by lower-cased name.
#[derive(Debug, Clone, Default)]
pub struct Descriptions {
    vars: HashMap<String, String>,
    cmds: HashMap<String, String>,
}

impl Descriptions {
    /// Load `dir/cmdvartab`; a missing or unreadable file gives an empty table.
    pub fn load(dir: &Path) -> Self {
        let path = dir.join("cmdvartab");
        match nut_core::config::file::read_config(&path, nut_core::config::file::Writers::Anyone) {
            Ok(contents) => Self::parse(&contents.bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!("no cmdvartab in {}: {e}", dir.display());
                Self::default()
            }
            Err(e) => {
                tracing::warn!("cannot read {}: {e} (no descriptions)", path.display());
                Self::default()
            }
        }
    }

    /// Parse the file's text.
    pub fn parse(text: &[u8]) -> Self {
        let mut out = Self::default();
        let mut tok = Tokenizer::new();
        let mut lines = Vec::new();
        for &b in text {
            if let Some(Event::Line(words)) = tok.feed(b) {
                lines.push(words);
            }
        }
        if let Some(Event::Line(words)) = tok.finish() {
            lines.push(words);
        }
        for words in lines {
            if words.len() < 3 {
                continue;
            }
            let key = words[1].to_ascii_lowercase();
            if words[0].eq_ignore_ascii_case("VARDESC") {
                out.vars.insert(key, words[2].clone());
            } else if words[0].eq_ignore_ascii_case("CMDDESC") {
                out.cmds.insert(key, words[2].clone());
            }
        }
        out
    }

    /// The description of a variable; a leading `upstream.` is ignored for the lookup.
    pub fn var(&self, name: &str) -> &str {
        let lower = fold_case(name);
        let key = lower.strip_prefix("upstream.").unwrap_or(&lower);
        self.vars
            .get(key)
            .map(String::as_str)
            .unwrap_or(UNAVAILABLE)
    }

    /// The description of an instant command.
    pub fn cmd(&self, name: &str) -> &str {
        let lower = fold_case(name);
        let key = lower.strip_prefix("upstream.").unwrap_or(&lower);
        self.cmds
            .get(key)
            .map(String::as_str)
            .unwrap_or(UNAVAILABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vardesc_and_cmddesc() {
        let d = Descriptions::parse(
            b"# comment\nVARDESC ups.status \"UPS status\"\nCMDDESC load.off \"Turn off the load immediately\"\n",
        );
        assert_eq!(d.var("ups.status"), "UPS status");
        assert_eq!(d.var("UPS.Status"), "UPS status");
        assert_eq!(d.var("upstream.ups.status"), "UPS status");
        assert_eq!(d.cmd("load.off"), "Turn off the load immediately");
        assert_eq!(d.var("nope"), UNAVAILABLE);
        assert_eq!(d.cmd("nope"), UNAVAILABLE);
    }
}
