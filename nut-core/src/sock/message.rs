//! The two message directions of the driver socket: [`DriverMessage`] (driver -> upsd or any
//! reader) and [`ServerMessage`] (upsd or any reader -> driver).
//!
//! Parsing takes the words of one line as produced by [`crate::words::Tokenizer`]; keywords
//! are case-insensitive and extra trailing words are tolerated where C NUT tolerates them.
//! `Display` writes one line without its newline; free-form values are quoted and escaped
//! with [`crate::words::quoted`].

use std::fmt;

use super::flags::VarFlags;
use crate::words::quoted;

/// Why a line is not a message of the expected direction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SockParseError {
    /// The line has no words.
    #[error("empty line")]
    Empty,
    /// The first word is not a known keyword.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A known keyword with fewer words than it needs.
    #[error("{command} needs at least {needed} words, got {got}")]
    MissingArguments {
        /// The keyword, upper-case.
        command: &'static str,
        /// Minimum number of words including the keyword.
        needed: usize,
        /// Words received.
        got: usize,
    },
    /// A known keyword with a word layout C NUT rejects (e.g. `INSTCMD a b c` without
    /// `TRACKING`).
    #[error("malformed {command} line")]
    Malformed {
        /// The keyword, upper-case.
        command: &'static str,
    },
}

/// C `atoi`: optional leading whitespace and sign, then digits; anything else stops the
/// number; no digits gives 0. Out-of-range values saturate instead of being undefined.
pub fn atoi(word: &str) -> i32 {
    let v = strtol(word);
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// C `strtol(.., 10)` with saturation at the `i64` limits.
pub fn strtol(word: &str) -> i64 {
    let s = word.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(b - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    v
}

fn need<S>(words: &[S], command: &'static str, needed: usize) -> Result<(), SockParseError> {
    if words.len() < needed {
        Err(SockParseError::MissingArguments {
            command,
            needed,
            got: words.len(),
        })
    } else {
        Ok(())
    }
}

/// The result code of a tracked `INSTCMD` or `SET` (`drivers/upshandler.h`); the same numbers
/// serve instant commands and variable settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0: `STAT_INSTCMD_HANDLED` / `STAT_SET_HANDLED`.
    Handled,
    /// 1: `STAT_*_UNKNOWN`: no such command or variable.
    Unknown,
    /// 2: `STAT_*_INVALID`: invalid argument.
    Invalid,
    /// 3: `STAT_*_FAILED`: the device refused or did not answer.
    Failed,
    /// 4: `STAT_*_CONVERSION_FAILED`: the value could not be converted.
    ConversionFailed,
}

impl ResultCode {
    /// The integer sent in `TRACKING <id> <code>`.
    pub fn code(self) -> i32 {
        match self {
            ResultCode::Handled => 0,
            ResultCode::Unknown => 1,
            ResultCode::Invalid => 2,
            ResultCode::Failed => 3,
            ResultCode::ConversionFailed => 4,
        }
    }

    /// The code for an integer, if it is one of the five defined ones.
    pub fn from_code(code: i32) -> Option<ResultCode> {
        Some(match code {
            0 => ResultCode::Handled,
            1 => ResultCode::Unknown,
            2 => ResultCode::Invalid,
            3 => ResultCode::Failed,
            4 => ResultCode::ConversionFailed,
            _ => return None,
        })
    }

    /// The C name of the instant-command flavour (`STAT_INSTCMD_HANDLED`, ...).
    pub fn instcmd_name(self) -> &'static str {
        match self {
            ResultCode::Handled => "STAT_INSTCMD_HANDLED",
            ResultCode::Unknown => "STAT_INSTCMD_UNKNOWN",
            ResultCode::Invalid => "STAT_INSTCMD_INVALID",
            ResultCode::Failed => "STAT_INSTCMD_FAILED",
            ResultCode::ConversionFailed => "STAT_INSTCMD_CONVERSION_FAILED",
        }
    }
}

/// The code upsd keeps for a `TRACKING <id> PENDING` line (C NUT's internal -1).
pub const TRACKING_PENDING: i32 = -1;

/// A message from the driver (the socket's server) to a reader such as upsd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverMessage {
    /// `SETINFO <var> "<value>"`: create or update a variable.
    SetInfo {
        /// Variable name.
        var: String,
        /// Raw (unescaped) value.
        value: String,
    },
    /// `DELINFO <var>`.
    DelInfo {
        /// Variable name.
        var: String,
    },
    /// `ADDENUM <var> "<value>"`.
    AddEnum {
        /// Variable name.
        var: String,
        /// Allowed value.
        value: String,
    },
    /// `DELENUM <var> "<value>"`.
    DelEnum {
        /// Variable name.
        var: String,
        /// Value to remove.
        value: String,
    },
    /// `ADDRANGE <var> <min> <max>`.
    AddRange {
        /// Variable name.
        var: String,
        /// Lower bound.
        min: i32,
        /// Upper bound.
        max: i32,
    },
    /// `DELRANGE <var> <min> <max>`.
    DelRange {
        /// Variable name.
        var: String,
        /// Lower bound.
        min: i32,
        /// Upper bound.
        max: i32,
    },
    /// `SETAUX <var> <n>`: maximum length of a STRING variable.
    SetAux {
        /// Variable name.
        var: String,
        /// Auxiliary number.
        n: i64,
    },
    /// `SETFLAGS <var> [RW] [STRING] [NUMBER]`: replaces the wire flags.
    SetFlags {
        /// Variable name.
        var: String,
        /// New flags (only the wire bits are written).
        flags: VarFlags,
    },
    /// `ADDCMD <cmd>`.
    AddCmd {
        /// Instant command name.
        cmd: String,
    },
    /// `DELCMD <cmd>`.
    DelCmd {
        /// Instant command name.
        cmd: String,
    },
    /// `DATAOK`: the device answers.
    DataOk,
    /// `DATASTALE`: the driver lost the device.
    DataStale,
    /// `DUMPDONE`: end of a dump.
    DumpDone,
    /// `PONG`: answer to `PING`.
    Pong,
    /// `TRACKING <id> <code>`: result of a tracked command ([`TRACKING_PENDING`] for
    /// `PENDING`).
    Tracking {
        /// Tracking id as upsd sent it.
        id: String,
        /// Result code (see [`ResultCode`]).
        code: i32,
    },
    /// `PID <pid>`: answer to `GETPID`.
    Pid(String),
    /// `OK Goodbye`: answer to `LOGOUT`.
    Goodbye,
}

impl DriverMessage {
    /// Parse the words of one line. Keywords are case-insensitive; words beyond those a
    /// message uses are ignored, as upsd does.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<DriverMessage, SockParseError> {
        let w = |i: usize| words[i].as_ref().to_string();
        let Some(first) = words.first() else {
            return Err(SockParseError::Empty);
        };
        let kw = first.as_ref().to_ascii_uppercase();
        Ok(match kw.as_str() {
            "DATAOK" => DriverMessage::DataOk,
            "DATASTALE" => DriverMessage::DataStale,
            "DUMPDONE" => DriverMessage::DumpDone,
            "PONG" => DriverMessage::Pong,
            "DELINFO" => {
                need(words, "DELINFO", 2)?;
                DriverMessage::DelInfo { var: w(1) }
            }
            "ADDCMD" => {
                need(words, "ADDCMD", 2)?;
                DriverMessage::AddCmd { cmd: w(1) }
            }
            "DELCMD" => {
                need(words, "DELCMD", 2)?;
                DriverMessage::DelCmd { cmd: w(1) }
            }
            "PID" => {
                need(words, "PID", 2)?;
                DriverMessage::Pid(w(1))
            }
            "OK" => {
                need(words, "OK", 2)?;
                if words[1].as_ref().eq_ignore_ascii_case("Goodbye") {
                    DriverMessage::Goodbye
                } else {
                    return Err(SockParseError::Malformed { command: "OK" });
                }
            }
            "SETINFO" => {
                need(words, "SETINFO", 3)?;
                DriverMessage::SetInfo {
                    var: w(1),
                    value: w(2),
                }
            }
            "ADDENUM" => {
                need(words, "ADDENUM", 3)?;
                DriverMessage::AddEnum {
                    var: w(1),
                    value: w(2),
                }
            }
            "DELENUM" => {
                need(words, "DELENUM", 3)?;
                DriverMessage::DelEnum {
                    var: w(1),
                    value: w(2),
                }
            }
            "SETAUX" => {
                need(words, "SETAUX", 3)?;
                DriverMessage::SetAux {
                    var: w(1),
                    n: strtol(words[2].as_ref()),
                }
            }
            "SETFLAGS" => {
                // upsd needs 3 words; C drivers send `SETFLAGS <var>` alone for a variable
                // whose only flag is the internal IMMUTABLE one, so accept 2 here and let
                // `DriverState::apply` ignore it as upsd does.
                need(words, "SETFLAGS", 2)?;
                DriverMessage::SetFlags {
                    var: w(1),
                    flags: VarFlags::from_words(&words[2..]),
                }
            }
            "TRACKING" => {
                need(words, "TRACKING", 3)?;
                let c = words[2].as_ref();
                let code = if c.eq_ignore_ascii_case("PENDING") {
                    TRACKING_PENDING
                } else {
                    atoi(c)
                };
                DriverMessage::Tracking { id: w(1), code }
            }
            "ADDRANGE" => {
                need(words, "ADDRANGE", 4)?;
                DriverMessage::AddRange {
                    var: w(1),
                    min: atoi(words[2].as_ref()),
                    max: atoi(words[3].as_ref()),
                }
            }
            "DELRANGE" => {
                need(words, "DELRANGE", 4)?;
                DriverMessage::DelRange {
                    var: w(1),
                    min: atoi(words[2].as_ref()),
                    max: atoi(words[3].as_ref()),
                }
            }
            _ => return Err(SockParseError::UnknownCommand(first.as_ref().to_string())),
        })
    }

    /// The variable this message is about, if any.
    pub fn var(&self) -> Option<&str> {
        match self {
            DriverMessage::SetInfo { var, .. }
            | DriverMessage::DelInfo { var }
            | DriverMessage::AddEnum { var, .. }
            | DriverMessage::DelEnum { var, .. }
            | DriverMessage::AddRange { var, .. }
            | DriverMessage::DelRange { var, .. }
            | DriverMessage::SetAux { var, .. }
            | DriverMessage::SetFlags { var, .. } => Some(var),
            _ => None,
        }
    }
}

/// One line without its newline, byte-identical to what C NUT's `dstate.c` writes.
impl fmt::Display for DriverMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverMessage::SetInfo { var, value } => write!(f, "SETINFO {var} {}", quoted(value)),
            DriverMessage::DelInfo { var } => write!(f, "DELINFO {var}"),
            DriverMessage::AddEnum { var, value } => write!(f, "ADDENUM {var} {}", quoted(value)),
            DriverMessage::DelEnum { var, value } => write!(f, "DELENUM {var} {}", quoted(value)),
            DriverMessage::AddRange { var, min, max } => write!(f, "ADDRANGE {var} {min} {max}"),
            DriverMessage::DelRange { var, min, max } => write!(f, "DELRANGE {var} {min} {max}"),
            DriverMessage::SetAux { var, n } => write!(f, "SETAUX {var} {n}"),
            DriverMessage::SetFlags { var, flags } => {
                f.write_str("SETFLAGS ")?;
                f.write_str(var)?;
                for word in flags.words() {
                    write!(f, " {word}")?;
                }
                Ok(())
            }
            DriverMessage::AddCmd { cmd } => write!(f, "ADDCMD {cmd}"),
            DriverMessage::DelCmd { cmd } => write!(f, "DELCMD {cmd}"),
            DriverMessage::DataOk => f.write_str("DATAOK"),
            DriverMessage::DataStale => f.write_str("DATASTALE"),
            DriverMessage::DumpDone => f.write_str("DUMPDONE"),
            DriverMessage::Pong => f.write_str("PONG"),
            DriverMessage::Tracking { id, code } => {
                if *code == TRACKING_PENDING {
                    write!(f, "TRACKING {id} PENDING")
                } else {
                    write!(f, "TRACKING {id} {code}")
                }
            }
            DriverMessage::Pid(pid) => write!(f, "PID {pid}"),
            DriverMessage::Goodbye => f.write_str("OK Goodbye"),
        }
    }
}

/// A message from a reader (upsd, upsdrvctl, a debug tool) to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `DUMPALL`.
    DumpAll,
    /// `DUMPVALUE <var>`.
    DumpValue(String),
    /// `DUMPSTATUS` (= `DUMPVALUE ups.status`).
    DumpStatus,
    /// `PING`.
    Ping,
    /// `INSTCMD <cmd> ["<param>"] [TRACKING <id>]`.
    InstCmd {
        /// Command name.
        cmd: String,
        /// Optional parameter.
        param: Option<String>,
        /// Optional tracking id.
        tracking: Option<String>,
    },
    /// `SET <var> "<value>" [TRACKING <id>]`.
    Set {
        /// Variable name.
        var: String,
        /// New raw value.
        value: String,
        /// Optional tracking id.
        tracking: Option<String>,
    },
    /// `GETPID`.
    GetPid,
    /// `NOBROADCAST`.
    NoBroadcast,
    /// `BROADCAST [<n>]`: `n < 1` disables broadcasts, anything else enables them.
    Broadcast(Option<i32>),
    /// `LOGOUT`.
    Logout,
}

impl ServerMessage {
    /// Parse the words of one line as the driver core (`drivers/dstate.c`) does.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<ServerMessage, SockParseError> {
        let w = |i: usize| words[i].as_ref().to_string();
        let is_tracking = |i: usize| words[i].as_ref().eq_ignore_ascii_case("TRACKING");
        let Some(first) = words.first() else {
            return Err(SockParseError::Empty);
        };
        let kw = first.as_ref().to_ascii_uppercase();
        Ok(match kw.as_str() {
            "DUMPALL" => ServerMessage::DumpAll,
            "DUMPSTATUS" => ServerMessage::DumpStatus,
            "PING" => ServerMessage::Ping,
            "GETPID" => ServerMessage::GetPid,
            "NOBROADCAST" => ServerMessage::NoBroadcast,
            "LOGOUT" => ServerMessage::Logout,
            "BROADCAST" => {
                let n = words
                    .get(1)
                    .and_then(|n| n.as_ref().trim().parse::<i32>().ok());
                ServerMessage::Broadcast(n)
            }
            "DUMPVALUE" => {
                need(words, "DUMPVALUE", 2)?;
                ServerMessage::DumpValue(w(1))
            }
            "INSTCMD" => {
                need(words, "INSTCMD", 2)?;
                let (param, tracking) = match words.len() {
                    2 => (None, None),
                    3 => (Some(w(2)), None),
                    4 if is_tracking(2) => (None, Some(w(3))),
                    5 if is_tracking(3) => (Some(w(2)), Some(w(4))),
                    _ => return Err(SockParseError::Malformed { command: "INSTCMD" }),
                };
                ServerMessage::InstCmd {
                    cmd: w(1),
                    param,
                    tracking,
                }
            }
            "SET" => {
                need(words, "SET", 3)?;
                let tracking = match words.len() {
                    3 => None,
                    5 if is_tracking(3) => Some(w(4)),
                    _ => return Err(SockParseError::Malformed { command: "SET" }),
                };
                ServerMessage::Set {
                    var: w(1),
                    value: w(2),
                    tracking,
                }
            }
            _ => return Err(SockParseError::UnknownCommand(first.as_ref().to_string())),
        })
    }
}

/// One line without its newline, as C upsd writes it (`netset.c`, `netinstcmd.c`).
impl fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerMessage::DumpAll => f.write_str("DUMPALL"),
            ServerMessage::DumpValue(var) => write!(f, "DUMPVALUE {var}"),
            ServerMessage::DumpStatus => f.write_str("DUMPSTATUS"),
            ServerMessage::Ping => f.write_str("PING"),
            ServerMessage::InstCmd {
                cmd,
                param,
                tracking,
            } => {
                write!(f, "INSTCMD {cmd}")?;
                if let Some(p) = param {
                    write!(f, " {}", quoted(p))?;
                }
                if let Some(id) = tracking {
                    write!(f, " TRACKING {id}")?;
                }
                Ok(())
            }
            ServerMessage::Set {
                var,
                value,
                tracking,
            } => {
                write!(f, "SET {var} {}", quoted(value))?;
                if let Some(id) = tracking {
                    write!(f, " TRACKING {id}")?;
                }
                Ok(())
            }
            ServerMessage::GetPid => f.write_str("GETPID"),
            ServerMessage::NoBroadcast => f.write_str("NOBROADCAST"),
            ServerMessage::Broadcast(None) => f.write_str("BROADCAST"),
            ServerMessage::Broadcast(Some(n)) => write!(f, "BROADCAST {n}"),
            ServerMessage::Logout => f.write_str("LOGOUT"),
        }
    }
}

/// Strategies shared by the message and state property tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn name() -> impl Strategy<Value = String> {
        "[A-Za-z0-9][A-Za-z0-9._-]{0,40}"
    }
    pub(crate) fn value() -> impl Strategy<Value = String> {
        "[ -~]{0,255}"
    }
    fn flags() -> impl Strategy<Value = VarFlags> {
        (0u32..8).prop_map(VarFlags::from_bits_truncate)
    }

    pub(crate) fn driver_message() -> impl Strategy<Value = DriverMessage> {
        prop_oneof![
            (name(), value()).prop_map(|(var, value)| DriverMessage::SetInfo { var, value }),
            name().prop_map(|var| DriverMessage::DelInfo { var }),
            (name(), value()).prop_map(|(var, value)| DriverMessage::AddEnum { var, value }),
            (name(), value()).prop_map(|(var, value)| DriverMessage::DelEnum { var, value }),
            (name(), any::<i32>(), any::<i32>())
                .prop_map(|(var, min, max)| DriverMessage::AddRange { var, min, max }),
            (name(), any::<i32>(), any::<i32>())
                .prop_map(|(var, min, max)| DriverMessage::DelRange { var, min, max }),
            (name(), any::<i64>()).prop_map(|(var, n)| DriverMessage::SetAux { var, n }),
            (name(), flags()).prop_map(|(var, flags)| DriverMessage::SetFlags { var, flags }),
            name().prop_map(|cmd| DriverMessage::AddCmd { cmd }),
            name().prop_map(|cmd| DriverMessage::DelCmd { cmd }),
            Just(DriverMessage::DataOk),
            Just(DriverMessage::DataStale),
            Just(DriverMessage::DumpDone),
            Just(DriverMessage::Pong),
            (name(), -1i32..=4).prop_map(|(id, code)| DriverMessage::Tracking { id, code }),
            "[0-9]{1,7}".prop_map(DriverMessage::Pid),
            Just(DriverMessage::Goodbye),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::split_line;

    fn drv(line: &str) -> Result<DriverMessage, SockParseError> {
        DriverMessage::parse(&split_line(line).expect("tokenizes"))
    }

    fn srv(line: &str) -> Result<ServerMessage, SockParseError> {
        ServerMessage::parse(&split_line(line).expect("tokenizes"))
    }

    #[test]
    fn driver_lines_byte_exact() {
        let m = DriverMessage::SetInfo {
            var: "ups.id".into(),
            value: r#"Shelf "A" #3 \ x"#.into(),
        };
        assert_eq!(m.to_string(), r#"SETINFO ups.id "Shelf \"A\" \#3 \\ x""#);
        let f = DriverMessage::SetFlags {
            var: "ups.id".into(),
            flags: VarFlags::STRING | VarFlags::RW,
        };
        assert_eq!(f.to_string(), "SETFLAGS ups.id RW STRING");
        let f = DriverMessage::SetFlags {
            var: "x".into(),
            flags: VarFlags::IMMUTABLE,
        };
        assert_eq!(f.to_string(), "SETFLAGS x");
        assert_eq!(DriverMessage::Goodbye.to_string(), "OK Goodbye");
        assert_eq!(
            DriverMessage::Tracking {
                id: "ID".into(),
                code: -1
            }
            .to_string(),
            "TRACKING ID PENDING"
        );
        assert_eq!(
            DriverMessage::AddRange {
                var: "v".into(),
                min: -5,
                max: 10
            }
            .to_string(),
            "ADDRANGE v -5 10"
        );
    }

    #[test]
    fn driver_parse_c_rules() {
        assert_eq!(
            drv("setinfo ups.status OL extra"),
            Ok(DriverMessage::SetInfo {
                var: "ups.status".into(),
                value: "OL".into()
            })
        );
        assert_eq!(
            drv("SETINFO ups.status"),
            Err(SockParseError::MissingArguments {
                command: "SETINFO",
                needed: 3,
                got: 2
            })
        );
        assert_eq!(
            drv("SETAUX v 12abc"),
            Ok(DriverMessage::SetAux {
                var: "v".into(),
                n: 12
            })
        );
        assert_eq!(
            drv("SETAUX v abc"),
            Ok(DriverMessage::SetAux {
                var: "v".into(),
                n: 0
            })
        );
        assert_eq!(
            drv("TRACKING id pending"),
            Ok(DriverMessage::Tracking {
                id: "id".into(),
                code: -1
            })
        );
        assert_eq!(
            drv("TRACKING id 3"),
            Ok(DriverMessage::Tracking {
                id: "id".into(),
                code: 3
            })
        );
        assert_eq!(
            drv("SETFLAGS v rw bogus number"),
            Ok(DriverMessage::SetFlags {
                var: "v".into(),
                flags: VarFlags::RW | VarFlags::NUMBER
            })
        );
        assert_eq!(drv("ok goodbye"), Ok(DriverMessage::Goodbye));
        assert_eq!(
            drv("WHAT x"),
            Err(SockParseError::UnknownCommand("WHAT".into()))
        );
        assert_eq!(drv(""), Err(SockParseError::Empty));
        assert_eq!(
            drv("ADDRANGE v 1"),
            Err(SockParseError::MissingArguments {
                command: "ADDRANGE",
                needed: 4,
                got: 3
            })
        );
        assert_eq!(atoi("  -12x"), -12);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }

    #[test]
    fn server_parse_c_rules() {
        let ic = |cmd: &str, p: Option<&str>, t: Option<&str>| ServerMessage::InstCmd {
            cmd: cmd.into(),
            param: p.map(Into::into),
            tracking: t.map(Into::into),
        };
        assert_eq!(srv("INSTCMD load.off"), Ok(ic("load.off", None, None)));
        assert_eq!(
            srv("instcmd load.off 10"),
            Ok(ic("load.off", Some("10"), None))
        );
        assert_eq!(
            srv("INSTCMD load.off tracking ABC"),
            Ok(ic("load.off", None, Some("ABC")))
        );
        assert_eq!(
            srv("INSTCMD load.off \"1 0\" TRACKING ABC"),
            Ok(ic("load.off", Some("1 0"), Some("ABC")))
        );
        assert_eq!(
            srv("INSTCMD load.off a b"),
            Err(SockParseError::Malformed { command: "INSTCMD" })
        );
        assert_eq!(
            srv("INSTCMD a b c d e f"),
            Err(SockParseError::Malformed { command: "INSTCMD" })
        );
        assert_eq!(
            srv("SET v x y"),
            Err(SockParseError::Malformed { command: "SET" })
        );
        assert_eq!(
            srv("SET ups.id \"a b\" TRACKING 1"),
            Ok(ServerMessage::Set {
                var: "ups.id".into(),
                value: "a b".into(),
                tracking: Some("1".into())
            })
        );
        assert_eq!(srv("broadcast"), Ok(ServerMessage::Broadcast(None)));
        assert_eq!(srv("BROADCAST 0"), Ok(ServerMessage::Broadcast(Some(0))));
        assert_eq!(
            srv("DUMPVALUE"),
            Err(SockParseError::MissingArguments {
                command: "DUMPVALUE",
                needed: 2,
                got: 1
            })
        );
        assert_eq!(
            ServerMessage::InstCmd {
                cmd: "c".into(),
                param: Some("x#".into()),
                tracking: Some("T".into())
            }
            .to_string(),
            "INSTCMD c \"x\\#\" TRACKING T"
        );
    }

    mod props {
        use super::super::*;
        use crate::words::split_line;
        use proptest::prelude::*;

        use crate::sock::message::tests_support::{name, value};

        fn server_message() -> impl Strategy<Value = ServerMessage> {
            prop_oneof![
                Just(ServerMessage::DumpAll),
                name().prop_map(ServerMessage::DumpValue),
                Just(ServerMessage::DumpStatus),
                Just(ServerMessage::Ping),
                (
                    name(),
                    proptest::option::of(value()),
                    proptest::option::of(name())
                )
                    .prop_map(|(cmd, param, tracking)| ServerMessage::InstCmd {
                        cmd,
                        param,
                        tracking
                    }),
                (name(), value(), proptest::option::of(name())).prop_map(
                    |(var, value, tracking)| ServerMessage::Set {
                        var,
                        value,
                        tracking
                    }
                ),
                Just(ServerMessage::GetPid),
                Just(ServerMessage::NoBroadcast),
                proptest::option::of(any::<i32>()).prop_map(ServerMessage::Broadcast),
                Just(ServerMessage::Logout),
            ]
        }

        fn normalize(m: DriverMessage) -> DriverMessage {
            // Only the wire bits of the flags survive the trip.
            match m {
                DriverMessage::SetFlags { var, flags } => DriverMessage::SetFlags {
                    var,
                    flags: flags.intersection(VarFlags::WIRE),
                },
                other => other,
            }
        }

        proptest! {
            #[test]
            fn driver_messages_round_trip(m in crate::sock::message::tests_support::driver_message()) {
                let line = m.to_string();
                prop_assert!(!line.contains('\n'));
                let words = split_line(&line).expect("tokenizes");
                prop_assert_eq!(DriverMessage::parse(&words), Ok(normalize(m)));
            }

            #[test]
            fn server_messages_round_trip(m in server_message()) {
                let line = m.to_string();
                prop_assert!(!line.contains('\n'));
                let words = split_line(&line).expect("tokenizes");
                prop_assert_eq!(ServerMessage::parse(&words), Ok(m));
            }

            #[test]
            fn arbitrary_words_never_panic(words in proptest::collection::vec("[ -~]{0,20}", 0..8)) {
                let _ = DriverMessage::parse(&words);
                let _ = ServerMessage::parse(&words);
            }
        }
    }
}
