//! [`ServerMessage`]: the direction reader (upsd, upsdrvctl, a debug tool) -> driver: parsed
//! from a line's words, displayed as the line.

use std::fmt;

use super::{SockParseError, need};
use crate::words::quoted;

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

impl ServerMessage {
    /// The message as sent: its line and the newline.
    pub fn line(&self) -> String {
        format!("{self}\n")
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
