//! The query of a `LIST` command, which upsd echoes in `BEGIN LIST <query>` and
//! `END LIST <query>`: the sub-command keyword as the server spells it (upper case), then the
//! arguments exactly as the client sent them (extra arguments are not echoed).

use std::fmt;

use super::error::ErrCode;
use crate::words::encode_arg;

/// What a `LIST` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListQuery {
    /// `LIST UPS`.
    Ups,
    /// `LIST VAR <ups>`.
    Var {
        /// UPS name as the client sent it.
        ups: String,
    },
    /// `LIST RW <ups>`.
    Rw {
        /// UPS name as the client sent it.
        ups: String,
    },
    /// `LIST CMD <ups>`.
    Cmd {
        /// UPS name as the client sent it.
        ups: String,
    },
    /// `LIST CLIENT <ups>`.
    Client {
        /// UPS name as the client sent it.
        ups: String,
    },
    /// `LIST ENUM <ups> <var>`.
    Enum {
        /// UPS name as the client sent it.
        ups: String,
        /// Variable name as the client sent it.
        var: String,
    },
    /// `LIST RANGE <ups> <var>`.
    Range {
        /// UPS name as the client sent it.
        ups: String,
        /// Variable name as the client sent it.
        var: String,
    },
}

impl ListQuery {
    /// The words after `LIST`, checked in upsd's order: `UPS` (no argument needed), then with
    /// at least 2 words `VAR`, `RW`, `CMD`, `CLIENT`, then with at least 3 words `ENUM`,
    /// `RANGE`. Keywords are case-insensitive; extra words are ignored. Anything else is
    /// `INVALID-ARGUMENT`.
    pub fn from_args(args: &[String]) -> Result<ListQuery, ErrCode> {
        let Some(sub) = args.first() else {
            return Err(ErrCode::InvalidArgument);
        };
        let is = |kw: &str| sub.eq_ignore_ascii_case(kw);
        if is("UPS") {
            return Ok(ListQuery::Ups);
        }
        let [_, ups, rest @ ..] = args else {
            return Err(ErrCode::InvalidArgument);
        };
        let ups = ups.clone();
        if is("VAR") {
            return Ok(ListQuery::Var { ups });
        }
        if is("RW") {
            return Ok(ListQuery::Rw { ups });
        }
        if is("CMD") {
            return Ok(ListQuery::Cmd { ups });
        }
        if is("CLIENT") {
            return Ok(ListQuery::Client { ups });
        }
        let Some(var) = rest.first() else {
            return Err(ErrCode::InvalidArgument);
        };
        let var = var.clone();
        if is("ENUM") {
            return Ok(ListQuery::Enum { ups, var });
        }
        if is("RANGE") {
            return Ok(ListQuery::Range { ups, var });
        }
        Err(ErrCode::InvalidArgument)
    }

    /// The sub-command keyword (`UPS`, `VAR`, ...).
    pub fn keyword(&self) -> &'static str {
        match self {
            ListQuery::Ups => "UPS",
            ListQuery::Var { .. } => "VAR",
            ListQuery::Rw { .. } => "RW",
            ListQuery::Cmd { .. } => "CMD",
            ListQuery::Client { .. } => "CLIENT",
            ListQuery::Enum { .. } => "ENUM",
            ListQuery::Range { .. } => "RANGE",
        }
    }

    /// The UPS the query is about (`None` for `LIST UPS`).
    pub fn ups(&self) -> Option<&str> {
        match self {
            ListQuery::Ups => None,
            ListQuery::Var { ups }
            | ListQuery::Rw { ups }
            | ListQuery::Cmd { ups }
            | ListQuery::Client { ups }
            | ListQuery::Enum { ups, .. }
            | ListQuery::Range { ups, .. } => Some(ups),
        }
    }

    /// How many words the query has (keyword included): what a `BEGIN LIST` line must carry.
    pub(crate) fn word_count(&self) -> usize {
        match self {
            ListQuery::Ups => 1,
            ListQuery::Var { .. }
            | ListQuery::Rw { .. }
            | ListQuery::Cmd { .. }
            | ListQuery::Client { .. } => 2,
            ListQuery::Enum { .. } | ListQuery::Range { .. } => 3,
        }
    }
}

impl fmt::Display for ListQuery {
    /// The query words as sent on the wire: `VAR myups`, `ENUM myups input.transfer.low`.
    /// Names are written as sent; one that would not survive the tokenizer (a space, a quote,
    /// `#`, `=`, empty) is quoted, where C upsd would write it raw and break the line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())?;
        match self {
            ListQuery::Ups => Ok(()),
            ListQuery::Var { ups }
            | ListQuery::Rw { ups }
            | ListQuery::Cmd { ups }
            | ListQuery::Client { ups } => write!(f, " {}", encode_arg(ups)),
            ListQuery::Enum { ups, var } | ListQuery::Range { ups, var } => {
                write!(f, " {} {}", encode_arg(ups), encode_arg(var))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn check_order_and_counts_follow_upsd() {
        assert_eq!(
            ListQuery::from_args(&args(&[])),
            Err(ErrCode::InvalidArgument)
        );
        assert_eq!(ListQuery::from_args(&args(&["ups"])), Ok(ListQuery::Ups));
        assert_eq!(
            ListQuery::from_args(&args(&["UPS", "extra"])),
            Ok(ListQuery::Ups)
        );
        assert_eq!(
            ListQuery::from_args(&args(&["VAR"])),
            Err(ErrCode::InvalidArgument)
        );
        assert_eq!(
            ListQuery::from_args(&args(&["vAr", "MyUps", "extra"])),
            Ok(ListQuery::Var {
                ups: "MyUps".into()
            })
        );
        assert_eq!(
            ListQuery::from_args(&args(&["client", "u"])),
            Ok(ListQuery::Client { ups: "u".into() })
        );
        assert_eq!(
            ListQuery::from_args(&args(&["ENUM", "u"])),
            Err(ErrCode::InvalidArgument)
        );
        assert_eq!(
            ListQuery::from_args(&args(&["range", "u", "v", "x"])),
            Ok(ListQuery::Range {
                ups: "u".into(),
                var: "v".into()
            })
        );
        assert_eq!(
            ListQuery::from_args(&args(&["CLIENTS", "u"])),
            Err(ErrCode::InvalidArgument)
        );
        assert_eq!(
            ListQuery::from_args(&args(&["BOGUS", "u", "v"])),
            Err(ErrCode::InvalidArgument)
        );
    }

    #[test]
    fn query_words_echo_the_keyword_upper_case_and_names_as_sent() {
        let q = ListQuery::from_args(&args(&["enum", "MyUps", "input.Transfer.low"])).unwrap();
        assert_eq!(q.to_string(), "ENUM MyUps input.Transfer.low");
        assert_eq!(ListQuery::Ups.to_string(), "UPS");
        assert_eq!(
            ListQuery::Cmd { ups: "a b".into() }.to_string(),
            "CMD \"a b\""
        );
        assert_eq!(q.ups(), Some("MyUps"));
        assert_eq!(q.word_count(), 3);
    }
}
