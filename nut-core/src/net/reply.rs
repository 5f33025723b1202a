//! Server replies: formatted by upsd (`Display`, one line without its newline) and parsed back
//! by clients from the words of a line ([`Reply::parse`]).
//!
//! Values and descriptions are always written quoted and escaped ([`crate::words::quoted`]).
//! Names (UPS, variable, command) are written as the client sent them; a name that would not
//! survive the tokenizer (whitespace, a quote, `#`, `=`, backslash, empty) is quoted, where C
//! upsd writes it raw and produces a line its own client cannot parse (reachable only through
//! `GET VAR <ups> server.*`, which does not check the UPS name). For every name that needs no
//! quoting (all real UPS, variable and command names) the bytes are identical to C upsd's.
//!
//! Reply keywords are matched case-sensitively, as libupsclient does.
//!
//! NUT has no escape for control characters: every string put in a reply must be wire-safe
//! ([`crate::words::is_wire_safe`]); upsd's values always are, since they came through the
//! tokenizer. A `\n` inside a value would end the line early.

use std::fmt;
use std::str::FromStr;

use super::error::ErrCode;
use super::list::ListQuery;
use super::push::CAPABILITIES_WORD;
use super::tracking::TrackingId;
use super::{HELP_TEXT, PROTOCOL_VERSION, ver_text};
use crate::words::{MAX_WORD_LEN, encode_arg, quoted};

/// One reply line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reply {
    /// `OK`.
    Ok,
    /// `OK <message>`: `OK Goodbye`, `OK STARTTLS`, `OK TRACKING <id>`, ...
    OkMessage(OkMessage),
    /// `ERR <code>[ "<extra>"]`. Extras are only sent by NSS-based upsd STARTTLS failures;
    /// when parsing, words after the code are joined with single spaces (and cut to
    /// [`MAX_WORD_LEN`] bytes, the most one quoted word can carry). A bare `ERR` parses as
    /// an unknown, empty code, as libupsclient reads it (`Unknown error`).
    Err(ErrCode, Option<String>),
    /// `VAR <ups> <var> "<value>"` (GET VAR and LIST VAR).
    Var {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value, unescaped.
        value: String,
    },
    /// `TYPE <ups> <var> <type>...`.
    Type {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Type words in order (see [`VarType::for_variable`]).
        types: Vec<VarType>,
    },
    /// `DESC <ups> <var> "<description>"`.
    Desc {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Description.
        desc: String,
    },
    /// `CMDDESC <ups> <cmd> "<description>"`.
    CmdDesc {
        /// UPS name.
        ups: String,
        /// Command name.
        cmd: String,
        /// Description.
        desc: String,
    },
    /// `UPSDESC <ups> "<description>"`.
    UpsDesc {
        /// UPS name.
        ups: String,
        /// Description (`Unavailable` when ups.conf has none).
        desc: String,
    },
    /// `NUMLOGINS <ups> <n>`.
    NumLogins {
        /// UPS name.
        ups: String,
        /// Connections that did LOGIN to the UPS.
        count: usize,
    },
    /// `ON` / `OFF`: this connection's tracking setting (`GET TRACKING`).
    TrackingState(bool),
    /// `PENDING`: a tracked command the driver has not answered yet.
    Pending,
    /// `SUCCESS`: a tracked command the driver completed.
    Success,
    /// `BEGIN LIST <query>`.
    BeginList(ListQuery),
    /// `END LIST <query>`.
    EndList(ListQuery),
    /// `UPS <name> "<description>"` (LIST UPS).
    Ups {
        /// UPS name as spelled in ups.conf.
        ups: String,
        /// Description (`Description unavailable` when ups.conf has none).
        desc: String,
    },
    /// `RW <ups> <var> "<value>"` (LIST RW).
    Rw {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value, unescaped.
        value: String,
    },
    /// `CMD <ups> <cmd>` (LIST CMD).
    Cmd {
        /// UPS name.
        ups: String,
        /// Command name.
        cmd: String,
    },
    /// `ENUM <ups> <var> "<value>"` (LIST ENUM).
    Enum {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// One accepted value.
        value: String,
    },
    /// `RANGE <ups> <var> "<min>" "<max>"` (LIST RANGE).
    Range {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Lowest accepted value.
        min: i64,
        /// Highest accepted value.
        max: i64,
    },
    /// `CLIENT <ups> <address>` (LIST CLIENT).
    Client {
        /// UPS name as spelled in ups.conf.
        ups: String,
        /// Numeric peer address (`127.0.0.1`, `::1`).
        addr: String,
    },
    /// `CAPABILITIES <name>...`: the push extension's answer to `CAPABILITIES`
    /// (docs/PROTOCOL-EXTENSIONS.md), the extensions the server offers, in its order.
    Capabilities(Vec<String>),
    /// A free-text line: the `VER` text, the `HELP` text, the `PROTVER`/`NETVER` version.
    /// Written raw. Parsed from any line whose first word is no reply keyword, its words
    /// joined with single spaces; lines whose words could not be written back raw (quotes,
    /// `#`, backslashes, whitespace inside a word) are rejected.
    Text(String),
}

/// The message of an `OK` reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OkMessage {
    /// `OK Goodbye` (LOGOUT).
    Goodbye,
    /// `OK STARTTLS`: TLS handshake follows.
    StartTls,
    /// `OK PRIMARY-GRANTED`.
    PrimaryGranted,
    /// `OK MASTER-GRANTED`.
    MasterGranted,
    /// `OK FSD-SET`.
    FsdSet,
    /// `OK TRACKING <id>`: the request was passed to the driver under this id.
    Tracking(TrackingId),
    /// Any other message, its words joined with single spaces (e.g. `TRACKING` followed by
    /// something that is no UUID).
    Other(String),
}

impl fmt::Display for OkMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OkMessage::Goodbye => f.write_str("Goodbye"),
            OkMessage::StartTls => f.write_str("STARTTLS"),
            OkMessage::PrimaryGranted => f.write_str("PRIMARY-GRANTED"),
            OkMessage::MasterGranted => f.write_str("MASTER-GRANTED"),
            OkMessage::FsdSet => f.write_str("FSD-SET"),
            OkMessage::Tracking(id) => write!(f, "TRACKING {id}"),
            OkMessage::Other(text) => f.write_str(text),
        }
    }
}

/// One word of a `TYPE` reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VarType {
    /// `RW`: writable with SET VAR.
    Rw,
    /// `ENUM`: has a list of accepted values.
    Enum,
    /// `RANGE`: has ranges of accepted values.
    Range,
    /// `STRING:<n>`: a string of at most `n` characters.
    String(i64),
    /// `NUMBER`.
    Number,
    /// Any other word, verbatim.
    Other(String),
}

impl VarType {
    /// The type words upsd sends for a variable, in its order: `RW` if writable, `ENUM` if it
    /// has enum values, `RANGE` if it has ranges, then `STRING:<aux>` for a STRING variable
    /// or else `NUMBER`.
    pub fn for_variable(
        rw: bool,
        has_enum: bool,
        has_range: bool,
        string_max: Option<i64>,
    ) -> Vec<VarType> {
        let mut types = Vec::with_capacity(4);
        if rw {
            types.push(VarType::Rw);
        }
        if has_enum {
            types.push(VarType::Enum);
        }
        if has_range {
            types.push(VarType::Range);
        }
        types.push(match string_max {
            Some(n) => VarType::String(n),
            None => VarType::Number,
        });
        types
    }

    /// Parse one type word (exact upper case, as upsd sends them).
    pub fn parse(word: &str) -> VarType {
        match word {
            "RW" => VarType::Rw,
            "ENUM" => VarType::Enum,
            "RANGE" => VarType::Range,
            "NUMBER" => VarType::Number,
            _ => match word.strip_prefix("STRING:").and_then(canonical::<i64>) {
                Some(n) => VarType::String(n),
                None => VarType::Other(word.to_string()),
            },
        }
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarType::Rw => f.write_str("RW"),
            VarType::Enum => f.write_str("ENUM"),
            VarType::Range => f.write_str("RANGE"),
            VarType::String(n) => write!(f, "STRING:{n}"),
            VarType::Number => f.write_str("NUMBER"),
            VarType::Other(word) => f.write_str(&encode_arg(word)),
        }
    }
}

/// Why a line is not a reply a client can understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// A line without words.
    #[error("empty reply line")]
    Empty,
    /// A known reply keyword with the wrong number of words.
    #[error("{keyword} reply with {got} words")]
    WordCount {
        /// The reply keyword.
        keyword: String,
        /// Words on the line, keyword included.
        got: usize,
    },
    /// A number that is not a canonical decimal integer.
    #[error("{keyword} reply with bad number {value:?}")]
    BadNumber {
        /// The reply keyword.
        keyword: String,
        /// The offending word.
        value: String,
    },
    /// `BEGIN`/`END` not followed by `LIST` and a valid query.
    #[error("malformed {keyword} LIST reply")]
    BadList {
        /// `BEGIN` or `END`.
        keyword: String,
    },
    /// A free-text line (or `OK` message) holding words that cannot be written back raw.
    #[error("unparsable free-text reply")]
    Unencodable,
}

impl Reply {
    /// The `VER` reply: `Network UPS Tools upsd <version> - http://www.networkupstools.org/`.
    pub fn ver(version: &str) -> Reply {
        Reply::Text(ver_text(version))
    }

    /// The `HELP` reply.
    pub fn help() -> Reply {
        Reply::Text(HELP_TEXT.to_string())
    }

    /// The `PROTVER` / `NETVER` reply: `1.3`.
    pub fn protocol_version() -> Reply {
        Reply::Text(PROTOCOL_VERSION.to_string())
    }

    /// Whether this is an `ERR` line.
    pub fn is_err(&self) -> bool {
        matches!(self, Reply::Err(..))
    }

    /// Parse the words of one reply line (client side).
    pub fn parse(words: &[String]) -> Result<Reply, ReplyError> {
        let Some(keyword) = words.first() else {
            return Err(ReplyError::Empty);
        };
        let count = |n: usize| {
            if words.len() == n {
                Ok(())
            } else {
                Err(ReplyError::WordCount {
                    keyword: keyword.clone(),
                    got: words.len(),
                })
            }
        };
        let w = |i: usize| words[i].clone();
        let number = |i: usize| {
            canonical::<i64>(&words[i]).ok_or_else(|| ReplyError::BadNumber {
                keyword: keyword.clone(),
                value: words[i].clone(),
            })
        };
        let reply = match keyword.as_str() {
            "OK" => Reply::parse_ok(&words[1..])?,
            "ERR" => {
                let Some(code) = words.get(1) else {
                    return Ok(Reply::Err(ErrCode::Other(String::new()), None));
                };
                // Joined extras are cut to one word's length, as the tokenizer would cut
                // them when the line is formatted (quoted as one word) and read again.
                let extra = (words.len() > 2).then(|| {
                    let mut extra = words[2..].join(" ");
                    truncate_at_char(&mut extra, MAX_WORD_LEN);
                    extra
                });
                Reply::Err(ErrCode::from_wire(code), extra)
            }
            "VAR" => {
                count(4)?;
                Reply::Var {
                    ups: w(1),
                    var: w(2),
                    value: w(3),
                }
            }
            "TYPE" => {
                if words.len() < 3 {
                    return Err(ReplyError::WordCount {
                        keyword: keyword.clone(),
                        got: words.len(),
                    });
                }
                Reply::Type {
                    ups: w(1),
                    var: w(2),
                    types: words[3..].iter().map(|t| VarType::parse(t)).collect(),
                }
            }
            "DESC" => {
                count(4)?;
                Reply::Desc {
                    ups: w(1),
                    var: w(2),
                    desc: w(3),
                }
            }
            "CMDDESC" => {
                count(4)?;
                Reply::CmdDesc {
                    ups: w(1),
                    cmd: w(2),
                    desc: w(3),
                }
            }
            "UPSDESC" => {
                count(3)?;
                Reply::UpsDesc {
                    ups: w(1),
                    desc: w(2),
                }
            }
            "NUMLOGINS" => {
                count(3)?;
                Reply::NumLogins {
                    ups: w(1),
                    count: canonical::<usize>(&words[2]).ok_or_else(|| ReplyError::BadNumber {
                        keyword: keyword.clone(),
                        value: words[2].clone(),
                    })?,
                }
            }
            "ON" | "OFF" => {
                count(1)?;
                Reply::TrackingState(keyword == "ON")
            }
            "PENDING" => {
                count(1)?;
                Reply::Pending
            }
            "SUCCESS" => {
                count(1)?;
                Reply::Success
            }
            "BEGIN" | "END" => {
                let bad = || ReplyError::BadList {
                    keyword: keyword.clone(),
                };
                if words.get(1).map(String::as_str) != Some("LIST") {
                    return Err(bad());
                }
                let query = ListQuery::from_args(&words[2..]).map_err(|_| bad())?;
                if query.word_count() != words.len() - 2 {
                    return Err(bad());
                }
                if keyword == "BEGIN" {
                    Reply::BeginList(query)
                } else {
                    Reply::EndList(query)
                }
            }
            "UPS" => {
                count(3)?;
                Reply::Ups {
                    ups: w(1),
                    desc: w(2),
                }
            }
            "RW" => {
                count(4)?;
                Reply::Rw {
                    ups: w(1),
                    var: w(2),
                    value: w(3),
                }
            }
            "CMD" => {
                count(3)?;
                Reply::Cmd {
                    ups: w(1),
                    cmd: w(2),
                }
            }
            "ENUM" => {
                count(4)?;
                Reply::Enum {
                    ups: w(1),
                    var: w(2),
                    value: w(3),
                }
            }
            "RANGE" => {
                count(5)?;
                Reply::Range {
                    ups: w(1),
                    var: w(2),
                    min: number(3)?,
                    max: number(4)?,
                }
            }
            "CLIENT" => {
                count(3)?;
                Reply::Client {
                    ups: w(1),
                    addr: w(2),
                }
            }
            CAPABILITIES_WORD => Reply::Capabilities(words[1..].to_vec()),
            _ => Reply::Text(plain_text(words)?),
        };
        Ok(reply)
    }
}

impl Reply {
    fn parse_ok(rest: &[String]) -> Result<Reply, ReplyError> {
        let msg = match rest {
            [] => return Ok(Reply::Ok),
            [msg] if msg == "Goodbye" => OkMessage::Goodbye,
            [msg] if msg == "STARTTLS" => OkMessage::StartTls,
            [msg] if msg == "PRIMARY-GRANTED" => OkMessage::PrimaryGranted,
            [msg] if msg == "MASTER-GRANTED" => OkMessage::MasterGranted,
            [msg] if msg == "FSD-SET" => OkMessage::FsdSet,
            [kw, id] if kw == "TRACKING" => match TrackingId::parse(id) {
                Ok(id) => OkMessage::Tracking(id),
                Err(_) => OkMessage::Other(plain_text(rest)?),
            },
            _ => OkMessage::Other(plain_text(rest)?),
        };
        Ok(Reply::OkMessage(msg))
    }
}

impl fmt::Display for Reply {
    /// The reply line without its trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = |s: &str| encode_arg(s);
        match self {
            Reply::Ok => f.write_str("OK"),
            Reply::OkMessage(msg) => write!(f, "OK {msg}"),
            Reply::Err(code, extra) => {
                write!(f, "ERR {}", a(code.as_str()))?;
                match extra {
                    Some(extra) => write!(f, " {}", quoted(extra)),
                    None => Ok(()),
                }
            }
            Reply::Var { ups, var, value } => {
                write!(f, "VAR {} {} {}", a(ups), a(var), quoted(value))
            }
            Reply::Type { ups, var, types } => {
                write!(f, "TYPE {} {}", a(ups), a(var))?;
                types.iter().try_for_each(|t| write!(f, " {t}"))
            }
            Reply::Desc { ups, var, desc } => {
                write!(f, "DESC {} {} {}", a(ups), a(var), quoted(desc))
            }
            Reply::CmdDesc { ups, cmd, desc } => {
                write!(f, "CMDDESC {} {} {}", a(ups), a(cmd), quoted(desc))
            }
            Reply::UpsDesc { ups, desc } => write!(f, "UPSDESC {} {}", a(ups), quoted(desc)),
            Reply::NumLogins { ups, count } => write!(f, "NUMLOGINS {} {count}", a(ups)),
            Reply::TrackingState(on) => f.write_str(if *on { "ON" } else { "OFF" }),
            Reply::Pending => f.write_str("PENDING"),
            Reply::Success => f.write_str("SUCCESS"),
            Reply::BeginList(q) => write!(f, "BEGIN LIST {q}"),
            Reply::EndList(q) => write!(f, "END LIST {q}"),
            Reply::Ups { ups, desc } => write!(f, "UPS {} {}", a(ups), quoted(desc)),
            Reply::Rw { ups, var, value } => {
                write!(f, "RW {} {} {}", a(ups), a(var), quoted(value))
            }
            Reply::Cmd { ups, cmd } => write!(f, "CMD {} {}", a(ups), a(cmd)),
            Reply::Enum { ups, var, value } => {
                write!(f, "ENUM {} {} {}", a(ups), a(var), quoted(value))
            }
            Reply::Range { ups, var, min, max } => {
                write!(f, "RANGE {} {} \"{min}\" \"{max}\"", a(ups), a(var))
            }
            Reply::Client { ups, addr } => write!(f, "CLIENT {} {}", a(ups), a(addr)),
            Reply::Capabilities(names) => {
                f.write_str(CAPABILITIES_WORD)?;
                names.iter().try_for_each(|n| write!(f, " {}", a(n)))
            }
            Reply::Text(text) => f.write_str(text),
        }
    }
}

/// A word that reads back as itself when written raw: `=` alone, or a non-empty word the
/// encoder leaves unquoted.
fn is_plain(word: &str) -> bool {
    word == "=" || (!word.is_empty() && encode_arg(word) == word)
}

/// Free-text words joined with single spaces, if writing them back raw gives the same words.
fn plain_text(words: &[String]) -> Result<String, ReplyError> {
    if words.iter().all(|w| is_plain(w)) {
        Ok(words.join(" "))
    } else {
        Err(ReplyError::Unencodable)
    }
}

/// Cut a string to at most `max` bytes without splitting a character (tokenizer words are
/// ASCII, but callers may pass any strings).
fn truncate_at_char(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

/// A decimal integer written the way `printf("%d")` writes it (no `+`, no leading zeros), so
/// that formatting the parsed value gives the same word back.
fn canonical<T: FromStr + ToString>(word: &str) -> Option<T> {
    let value = word.parse::<T>().ok()?;
    (value.to_string() == word).then_some(value)
}
