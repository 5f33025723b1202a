//! Invariant checks for fuzzing both directions of the driver socket (the bodies of the
//! `driver_socket` fuzz target and of the stable `fuzz_smoke_core` example):
//! - what a driver reads from upsd and other readers ([`ServerMessage::parse`]);
//! - what upsd reads from a driver ([`DriverMessage::parse`]) and applies to its mirror of
//!   the UPS ([`DriverState::apply`]), line after line, as `driver_link` does.
//!
//! Each check returns a description of the first broken invariant; none panics on its own.

use super::message::{DriverMessage, ServerMessage, SockParseError};
use super::state::DriverState;
use crate::net::fuzzing::lines;
use crate::words::{encode_arg, split_line};

/// A name the wire carries bare (the messages write names unquoted, as C does): non-empty
/// and nothing the tokenizer would split, join or drop.
fn bare(word: &str) -> bool {
    !word.is_empty() && encode_arg(word) == word
}

/// The words of a message written without quotes.
fn driver_names(msg: &DriverMessage) -> Vec<&str> {
    match msg {
        DriverMessage::AddCmd { cmd } | DriverMessage::DelCmd { cmd } => vec![cmd],
        DriverMessage::Tracking { id, .. } => vec![id],
        DriverMessage::Pid(pid) => vec![pid],
        other => other.var().into_iter().collect(),
    }
}

fn server_names(msg: &ServerMessage) -> Vec<&str> {
    match msg {
        ServerMessage::DumpValue(var) => vec![var],
        ServerMessage::InstCmd { cmd, tracking, .. } => std::iter::once(cmd.as_str())
            .chain(tracking.as_deref())
            .collect(),
        ServerMessage::Set { var, tracking, .. } => std::iter::once(var.as_str())
            .chain(tracking.as_deref())
            .collect(),
        _ => Vec::new(),
    }
}

/// A message written with `Display` and read back with `parse` must be the same message.
fn round_trip<M: std::fmt::Display + std::fmt::Debug + PartialEq>(
    msg: &M,
    parse: impl Fn(&[String]) -> Result<M, SockParseError>,
) -> Result<(), String> {
    let line = msg.to_string();
    let words = split_line(&line).map_err(|e| format!("{msg:?} wrote {line:?}: {e}"))?;
    match parse(&words) {
        Ok(back) if back == *msg => Ok(()),
        other => Err(format!("{msg:?} wrote {line:?}, read back as {other:?}")),
    }
}

/// A parse error must be `Empty` exactly when the line has no words.
fn check_error(words: &[String], e: &SockParseError) -> Result<(), String> {
    if words.is_empty() != matches!(e, SockParseError::Empty) {
        return Err(format!("{words:?} refused as {e:?}"));
    }
    Ok(())
}

/// The driver's side: every line a reader sends parses as a [`ServerMessage`] or is refused
/// with a reason (`Empty` only for a line without words), and every message whose names the
/// wire carries bare is written back by `Display` as a line that parses to itself.
pub fn check_server_messages(data: &[u8]) -> Result<(), String> {
    for words in lines(data) {
        match ServerMessage::parse(&words) {
            Ok(msg) => {
                if server_names(&msg).into_iter().all(bare) {
                    round_trip(&msg, ServerMessage::parse::<String>)?;
                }
            }
            Err(e) => check_error(&words, &e)?,
        }
    }
    Ok(())
}

/// Size of what a message can touch: the variables (count), the message's variable
/// (entries: itself, its enum values and ranges; bytes: its name, value and enum values),
/// and the message's command (1 entry and its bytes when present).
fn measure(state: &DriverState, msg: &DriverMessage) -> (usize, usize) {
    let (mut entries, mut bytes) = (state.var_count(), 0);
    if let Some(v) = msg.var().and_then(|name| state.get(name)) {
        entries += v.enums.len() + v.ranges.len();
        bytes += v.name.len() + v.value.len() + v.enums.iter().map(String::len).sum::<usize>();
    }
    if let DriverMessage::AddCmd { cmd } | DriverMessage::DelCmd { cmd } = msg {
        if state.has_command(cmd) {
            entries += 1;
            bytes += cmd.len();
        }
    }
    (entries, bytes)
}

/// Whether every name the state would write in a dump is bare.
fn dumpable(state: &DriverState) -> bool {
    state.vars().all(|v| bare(&v.name)) && state.commands().all(bare)
}

/// upsd's side: every line a driver sends parses as a [`DriverMessage`] or is refused with a
/// reason; every message with bare names round-trips through `Display`; applying a message
/// adds at most one entry (variable, command, enum value or range) and at most the line's
/// own bytes to what it touches, and says so when it changes their size; and at the end, the state's `DUMPALL`, written and read back into
/// an empty state, rebuilds the same state (when its names are bare).
pub fn check_driver_messages(data: &[u8]) -> Result<(), String> {
    let mut state = DriverState::new();
    for words in lines(data) {
        let msg = match DriverMessage::parse(&words) {
            Ok(msg) => msg,
            Err(e) => {
                check_error(&words, &e)?;
                continue;
            }
        };
        if driver_names(&msg).into_iter().all(bare) {
            round_trip(&msg, DriverMessage::parse::<String>)?;
        }
        let (entries, bytes) = measure(&state, &msg);
        let changed = state.apply(&msg);
        let (entries_after, bytes_after) = measure(&state, &msg);
        let line_bytes: usize = words.iter().map(String::len).sum();
        if entries_after > entries + 1 || bytes_after > bytes + line_bytes {
            return Err(format!(
                "{msg:?} grew the state from {entries} entries / {bytes} bytes to \
                 {entries_after} / {bytes_after}"
            ));
        }
        if !changed && (entries_after, bytes_after) != (entries, bytes) {
            return Err(format!(
                "{msg:?} changed the state but apply said it did not"
            ));
        }
    }
    if dumpable(&state) {
        let mut copy = DriverState::new();
        for msg in state.dump_all() {
            let line = msg.to_string();
            let words = split_line(&line).map_err(|e| format!("dump line {line:?}: {e}"))?;
            let back = DriverMessage::parse(&words)
                .map_err(|e| format!("dump line {line:?} does not parse: {e}"))?;
            copy.apply(&back);
        }
        if copy != state {
            return Err(format!("the dump rebuilds {copy:?}, not {state:?}"));
        }
    }
    Ok(())
}

/// Both sides, the first byte choosing (even: the driver's side, odd: upsd's side).
pub fn check_driver_socket_selected(data: &[u8]) -> Result<(), String> {
    let Some((&selector, rest)) = data.split_first() else {
        return Ok(());
    };
    if selector % 2 == 0 {
        check_server_messages(rest)
    } else {
        check_driver_messages(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_on_protocol_samples() {
        let driver: &[u8] = b"SETINFO ups.status \"OL\"\nSETFLAGS ups.status RW STRING\n\
            ADDENUM ups.status \"a b\"\nADDRANGE x 1 2\nADDRANGE ups.status 5 1\n\
            ADDRANGE ups.status 1 5\nSETAUX ups.status 8\nADDCMD load.off\nDATAOK\n\
            SETINFO \"odd name\" v\nDELINFO x\nTRACKING id -1\nPID 42\nOK Goodbye\nFROB\n";
        assert_eq!(check_driver_messages(driver), Ok(()));
        let server: &[u8] = b"DUMPALL\nINSTCMD a \"p q\" TRACKING id\nSET v \"\" TRACKING t\n\
            BROADCAST +5\nBROADCAST x\nINSTCMD a b c\nSET v\n\n";
        assert_eq!(check_server_messages(server), Ok(()));
    }
}
