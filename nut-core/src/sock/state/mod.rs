//! [`DriverState`]: the state tree of one UPS as a driver holds it and as upsd mirrors it
//! (C NUT's `common/state.c`), kept in the same order and with the same change rules, so the
//! driver framework and upsd's registry cannot disagree.
//!
//! Every change costs O(log n) or O(1) (C scans its lists): enum values and ranges are
//! insertion-ordered hash sets, so a driver's burst of 100,000 `ADDENUM` costs 100,000
//! lookups, not 5 billion comparisons. The tree's size is bounded ([`super::limits`]).
//!
//! [`VarNode`] (in `var_node`) is one variable of the tree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::flags::VarFlags;
use super::limits::{self, Refusals, StateLimit};
use super::message::DriverMessage;

mod var_node;

pub use var_node::VarNode;

/// Sort key that orders like C `strcasecmp` (ASCII lower-casing); borrowed for lookups of
/// names already in lower case.
fn key(name: &str) -> Cow<'_, str> {
    crate::words::fold_case(name)
}

/// The state of one UPS: variables sorted case-insensitively, instant commands sorted
/// case-insensitively, and whether the data is fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverState {
    vars: BTreeMap<String, VarNode>,
    cmds: BTreeMap<String, String>,
    stale: bool,
    /// Messages refused at a bound, until [`DriverState::take_refusals`].
    refused: Option<Refusals>,
}

impl Default for DriverState {
    fn default() -> Self {
        Self::new()
    }
}

impl DriverState {
    /// An empty state; stale until a `DATAOK`, as C drivers and upsd start.
    pub fn new() -> DriverState {
        DriverState {
            vars: BTreeMap::new(),
            cmds: BTreeMap::new(),
            stale: true,
            refused: None,
        }
    }

    /// Whether the driver last said `DATASTALE` (or never said `DATAOK`).
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Whether the driver last said `DATAOK`.
    pub fn data_ok(&self) -> bool {
        !self.stale
    }

    /// A variable by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&VarNode> {
        self.vars.get(key(name).as_ref())
    }

    /// A variable's value by name (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|n| n.value.as_str())
    }

    /// Variables in dump order.
    pub fn vars(&self) -> impl Iterator<Item = &VarNode> {
        self.vars.values()
    }

    /// Number of variables.
    pub fn var_count(&self) -> usize {
        self.vars.len()
    }

    /// Instant commands in dump order.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.cmds.values().map(String::as_str)
    }

    /// Whether an instant command exists (case-insensitive).
    pub fn has_command(&self, cmd: &str) -> bool {
        self.cmds.contains_key(key(cmd).as_ref())
    }

    /// Forget every variable and command (upsd does this when a driver disconnects); the
    /// state becomes stale.
    pub fn clear(&mut self) {
        self.vars.clear();
        self.cmds.clear();
        self.stale = true;
        self.refused = None;
    }

    /// The messages refused at a bound since the last call (then forgotten).
    pub fn take_refusals(&mut self) -> Option<Refusals> {
        self.refused.take()
    }

    /// Count a message refused at `limit`; it changes nothing.
    fn refuse(&mut self, limit: StateLimit, name: &str) -> bool {
        Refusals::record(&mut self.refused, limit, name);
        false
    }

    /// Mark a variable immutable (driver side, for `override.*`): later `SETINFO`s are
    /// ignored. Returns false when the variable does not exist.
    pub fn set_immutable(&mut self, name: &str) -> bool {
        match self.vars.get_mut(key(name).as_ref()) {
            Some(node) => {
                node.flags.insert(VarFlags::IMMUTABLE);
                true
            }
            None => false,
        }
    }

    /// Apply one message with C NUT's rules; returns whether the state changed (which is when
    /// a driver broadcasts the message). Messages that carry no state (`PONG`, `DUMPDONE`,
    /// `TRACKING`, `PID`, `OK Goodbye`) return false.
    pub fn apply(&mut self, msg: &DriverMessage) -> bool {
        match msg {
            DriverMessage::SetInfo { var, value } => self.set_info(var, value),
            DriverMessage::DelInfo { var } => self.vars.remove(key(var).as_ref()).is_some(),
            DriverMessage::AddEnum { var, value } => match self.vars.get_mut(key(var).as_ref()) {
                Some(node) if node.enums.contains(value) => false,
                Some(node) if node.enums.len() >= limits::MAX_ENUMS_PER_VAR => {
                    self.refuse(StateLimit::EnumsPerVar, var)
                }
                Some(node) => node.enums.insert(value.clone()),
                None => false,
            },
            // Order-keeping removal: O(n), but one per message (C's is O(n) too).
            DriverMessage::DelEnum { var, value } => match self.vars.get_mut(key(var).as_ref()) {
                Some(node) => node.enums.shift_remove(value),
                None => false,
            },
            DriverMessage::AddRange { var, min, max } => {
                if min > max {
                    return false;
                }
                match self.vars.get_mut(key(var).as_ref()) {
                    Some(node) if node.ranges.contains(&(*min, *max)) => false,
                    Some(node) if node.ranges.len() >= limits::MAX_RANGES_PER_VAR => {
                        self.refuse(StateLimit::RangesPerVar, var)
                    }
                    Some(node) => node.ranges.insert((*min, *max)),
                    None => false,
                }
            }
            DriverMessage::DelRange { var, min, max } => match self.vars.get_mut(key(var).as_ref())
            {
                Some(node) => node.ranges.shift_remove(&(*min, *max)),
                None => false,
            },
            DriverMessage::SetAux { var, n } => match self.vars.get_mut(key(var).as_ref()) {
                Some(node) if node.aux != *n => {
                    node.aux = *n;
                    true
                }
                _ => false,
            },
            DriverMessage::SetFlags { var, flags } => {
                let wire = flags.intersection(VarFlags::WIRE);
                // upsd ignores `SETFLAGS <var>` without flags (fewer than 3 words).
                if wire.is_empty() {
                    return false;
                }
                match self.vars.get_mut(key(var).as_ref()) {
                    // As C's dstate_setflags: an immutable (`override.*`) variable keeps its
                    // flags.
                    Some(node) if node.flags.contains(VarFlags::IMMUTABLE) => false,
                    Some(node) => {
                        let new = wire.union(node.flags.intersection(VarFlags::IMMUTABLE));
                        let changed = node.flags != new;
                        node.flags = new;
                        changed
                    }
                    None => false,
                }
            }
            DriverMessage::AddCmd { cmd } => {
                if self.cmds.contains_key(key(cmd).as_ref()) {
                    false
                } else if self.cmds.len() >= limits::MAX_COMMANDS {
                    self.refuse(StateLimit::Commands, cmd)
                } else {
                    self.cmds.insert(key(cmd).into_owned(), cmd.clone());
                    true
                }
            }
            DriverMessage::DelCmd { cmd } => self.cmds.remove(key(cmd).as_ref()).is_some(),
            DriverMessage::DataOk => std::mem::replace(&mut self.stale, false),
            DriverMessage::DataStale => !std::mem::replace(&mut self.stale, true),
            DriverMessage::DumpDone
            | DriverMessage::Pong
            | DriverMessage::Tracking { .. }
            | DriverMessage::Pid(_)
            | DriverMessage::Goodbye => false,
        }
    }

    fn set_info(&mut self, var: &str, value: &str) -> bool {
        let full = self.vars.len() >= limits::MAX_VARS;
        match self.vars.get_mut(key(var).as_ref()) {
            None if full => self.refuse(StateLimit::Vars, var),
            None => {
                self.vars
                    .insert(key(var).into_owned(), VarNode::new(var, value));
                true
            }
            Some(node) => {
                if node.flags.contains(VarFlags::IMMUTABLE) {
                    return false;
                }
                // C compares with strcasecmp: a change of case only is not a change.
                if node.value.eq_ignore_ascii_case(value) {
                    return false;
                }
                node.value = value.to_string();
                true
            }
        }
    }

    /// The full `DUMPALL` reply of spec 4.1: `DATASTALE` if stale, every node, every
    /// `ADDCMD`, `DATAOK` if fresh, `DUMPDONE`.
    pub fn dump_all(&self) -> Vec<DriverMessage> {
        let mut out = Vec::with_capacity(self.vars.len() * 2 + self.cmds.len() + 2);
        if self.stale {
            out.push(DriverMessage::DataStale);
        }
        for node in self.vars.values() {
            out.extend(node.dump());
        }
        for cmd in self.cmds.values() {
            out.push(DriverMessage::AddCmd { cmd: cmd.clone() });
        }
        if !self.stale {
            out.push(DriverMessage::DataOk);
        }
        out.push(DriverMessage::DumpDone);
        out
    }

    /// The `DUMPVALUE <var>` reply: the same framing as [`DriverState::dump_all`] around the
    /// one node (just the framing for an unknown variable).
    pub fn dump_value(&self, var: &str) -> Vec<DriverMessage> {
        let mut out = Vec::new();
        if self.stale {
            out.push(DriverMessage::DataStale);
        }
        if let Some(node) = self.get(var) {
            out.extend(node.dump());
        }
        if !self.stale {
            out.push(DriverMessage::DataOk);
        }
        out.push(DriverMessage::DumpDone);
        out
    }
}

#[cfg(test)]
mod tests;
