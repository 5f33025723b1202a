//! [`DriverMessage`]: the direction driver -> reader (upsd or any other reader of the
//! socket): parsed from a line's words, displayed as the line.

use std::fmt;

use super::{SockParseError, TRACKING_PENDING, atoi, need, strtol};
use crate::sock::flags::VarFlags;
use crate::words::quoted;

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
        /// Result code (see [`ResultCode`](super::ResultCode)).
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
