//! [`DriverState`]: the state tree of one UPS as a driver holds it and as upsd mirrors it
//! (C NUT's `common/state.c`), kept in the same order and with the same change rules, so the
//! driver framework and upsd's registry cannot disagree.
//!
//! Every change costs O(log n) or O(1) (C scans its lists): enum values and ranges are
//! insertion-ordered hash sets, so a driver's burst of 100,000 `ADDENUM` costs 100,000
//! lookups, not 5 billion comparisons. The tree's size is bounded ([`super::limits`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use indexmap::IndexSet;

use super::flags::VarFlags;
use super::limits::{self, Refusals, StateLimit};
use super::message::DriverMessage;

/// One variable: value, flags, auxiliary number, enums and ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarNode {
    /// The name as first written (lookups are case-insensitive).
    pub name: String,
    /// The raw (unescaped) value.
    pub value: String,
    /// Flags, including the driver-internal IMMUTABLE.
    pub flags: VarFlags,
    /// Auxiliary number: maximum length of a STRING variable; 0 = none.
    pub aux: i64,
    /// Allowed values, in insertion order (at most [`limits::MAX_ENUMS_PER_VAR`]).
    pub enums: IndexSet<String>,
    /// Allowed integer ranges `(min, max)`, in insertion order (at most
    /// [`limits::MAX_RANGES_PER_VAR`]).
    pub ranges: IndexSet<(i32, i32)>,
}

impl VarNode {
    fn new(name: &str, value: &str) -> VarNode {
        VarNode {
            name: name.to_string(),
            value: value.to_string(),
            flags: VarFlags::empty(),
            aux: 0,
            enums: IndexSet::new(),
            ranges: IndexSet::new(),
        }
    }

    /// The messages that describe this node in a dump, in C NUT's order: `SETINFO`, each
    /// `ADDENUM`, each `ADDRANGE`, `SETAUX` if non-zero, `SETFLAGS` if any flag is set.
    pub fn dump(&self) -> Vec<DriverMessage> {
        let mut out = Vec::with_capacity(3 + self.enums.len() + self.ranges.len());
        out.push(DriverMessage::SetInfo {
            var: self.name.clone(),
            value: self.value.clone(),
        });
        for value in &self.enums {
            out.push(DriverMessage::AddEnum {
                var: self.name.clone(),
                value: value.clone(),
            });
        }
        for &(min, max) in &self.ranges {
            out.push(DriverMessage::AddRange {
                var: self.name.clone(),
                min,
                max,
            });
        }
        if self.aux != 0 {
            out.push(DriverMessage::SetAux {
                var: self.name.clone(),
                n: self.aux,
            });
        }
        // C tests the whole flag word, IMMUTABLE included, so an override-only variable
        // gets a bare `SETFLAGS <var>` line.
        if !self.flags.is_empty() {
            out.push(DriverMessage::SetFlags {
                var: self.name.clone(),
                flags: self.flags,
            });
        }
        out
    }

    /// Whether the variable carries the RW flag.
    pub fn is_writable(&self) -> bool {
        self.flags.contains(VarFlags::RW)
    }
}

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
mod tests {
    use super::*;
    use crate::words::split_line;

    fn apply(st: &mut DriverState, line: &str) -> bool {
        let words = split_line(line).expect("tokenizes");
        st.apply(&DriverMessage::parse(&words).expect("parses"))
    }

    fn dump(st: &DriverState) -> Vec<String> {
        st.dump_all().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn dump_order_matches_spec() {
        let mut st = DriverState::new();
        for line in [
            "SETINFO ups.status OL",
            "SETINFO driver.name dummy-ups",
            "SETINFO Device.model \"Dummy UPS\"",
            "SETINFO device.mfr \"Dummy Manufacturer\"",
            "SETINFO ups_x 1",
            "SETINFO ups.Beeper enabled",
            "ADDENUM ups.beeper enabled",
            "ADDENUM ups.beeper disabled",
            "ADDRANGE ups.beeper 1 5",
            "SETAUX ups.status 32",
            "SETFLAGS ups.status RW STRING",
            "ADDCMD load.off",
            "ADDCMD driver.reload",
            "ADDCMD Beeper.enable",
            "DATAOK",
        ] {
            assert!(apply(&mut st, line), "{line}");
        }
        assert_eq!(
            dump(&st),
            [
                "SETINFO device.mfr \"Dummy Manufacturer\"",
                "SETINFO Device.model \"Dummy UPS\"",
                "SETINFO driver.name \"dummy-ups\"",
                "SETINFO ups.Beeper \"enabled\"",
                "ADDENUM ups.Beeper \"enabled\"",
                "ADDENUM ups.Beeper \"disabled\"",
                "ADDRANGE ups.Beeper 1 5",
                "SETINFO ups.status \"OL\"",
                "SETAUX ups.status 32",
                "SETFLAGS ups.status RW STRING",
                // strcasecmp order: '.' (0x2e) sorts before '_' (0x5f).
                "SETINFO ups_x \"1\"",
                "ADDCMD Beeper.enable",
                "ADDCMD driver.reload",
                "ADDCMD load.off",
                "DATAOK",
                "DUMPDONE",
            ]
        );
    }

    #[test]
    fn stale_dump_and_freshness_changes() {
        let mut st = DriverState::new();
        assert!(st.is_stale());
        assert!(apply(&mut st, "SETINFO a 1"));
        assert_eq!(dump(&st), ["DATASTALE", "SETINFO a \"1\"", "DUMPDONE"]);
        assert!(apply(&mut st, "DATAOK"));
        assert!(!apply(&mut st, "DATAOK"));
        assert!(apply(&mut st, "DATASTALE"));
        assert!(!apply(&mut st, "DATASTALE"));
        assert_eq!(
            st.dump_value("A")
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["DATASTALE", "SETINFO a \"1\"", "DUMPDONE"]
        );
        assert!(apply(&mut st, "DATAOK"));
        assert_eq!(
            st.dump_value("nope")
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["DATAOK", "DUMPDONE"]
        );
    }

    #[test]
    fn change_rules_follow_c() {
        let mut st = DriverState::new();
        assert!(apply(&mut st, "SETINFO ups.status OL"));
        assert!(
            !apply(&mut st, "SETINFO UPS.STATUS ol"),
            "case-only change is no change"
        );
        assert_eq!(st.value("ups.status"), Some("OL"));
        assert!(apply(&mut st, "SETINFO ups.status \"OB LB\""));
        assert_eq!(st.value("UPS.Status"), Some("OB LB"));
        assert!(!apply(&mut st, "ADDENUM nope x"));
        assert!(apply(&mut st, "ADDENUM ups.status x"));
        assert!(!apply(&mut st, "ADDENUM ups.status x"));
        assert!(apply(&mut st, "ADDENUM ups.status X"));
        assert!(apply(&mut st, "DELENUM ups.status x"));
        assert!(!apply(&mut st, "DELENUM ups.status x"));
        assert!(!apply(&mut st, "ADDRANGE ups.status 5 1"));
        assert!(apply(&mut st, "ADDRANGE ups.status 1 5"));
        assert!(!apply(&mut st, "ADDRANGE ups.status 1 5"));
        assert!(apply(&mut st, "DELRANGE ups.status 1 5"));
        assert!(apply(&mut st, "SETAUX ups.status 10"));
        assert!(!apply(&mut st, "SETAUX ups.status 10"));
        assert!(!apply(&mut st, "SETFLAGS ups.status"));
        assert!(apply(&mut st, "SETFLAGS ups.status RW"));
        assert!(!apply(&mut st, "SETFLAGS ups.status rw"));
        assert!(apply(&mut st, "SETFLAGS ups.status STRING"));
        assert!(!st.get("ups.status").expect("exists").is_writable());
        assert!(apply(&mut st, "ADDCMD load.off"));
        assert!(!apply(&mut st, "ADDCMD LOAD.OFF"));
        assert!(st.has_command("Load.Off"));
        assert!(apply(&mut st, "DELCMD Load.OFF"));
        assert!(!st.has_command("load.off"));
        assert!(apply(&mut st, "DELINFO UPS.status"));
        assert!(st.get("ups.status").is_none());
        assert!(!apply(&mut st, "PONG"));
        assert!(!apply(&mut st, "TRACKING x 0"));
    }

    #[test]
    fn immutable_keeps_value_and_dumps_bare_setflags() {
        let mut st = DriverState::new();
        assert!(apply(&mut st, "SETINFO ups.mfr Forced"));
        assert!(st.set_immutable("UPS.MFR"));
        assert!(!st.set_immutable("nope"));
        assert!(!apply(&mut st, "SETINFO ups.mfr Other"));
        assert_eq!(st.value("ups.mfr"), Some("Forced"));
        assert!(dump(&st).contains(&"SETFLAGS ups.mfr".to_string()));
        // As C's dstate_setflags: the flags of an immutable variable stay.
        assert!(!apply(&mut st, "SETFLAGS ups.mfr RW"));
        let flags = st.get("ups.mfr").expect("exists").flags;
        assert!(flags.contains(VarFlags::IMMUTABLE));
        assert!(!flags.contains(VarFlags::RW));
        st.clear();
        assert_eq!(st.var_count(), 0);
        assert!(st.is_stale());
    }

    #[test]
    fn enum_and_range_order_is_insertion_order_and_deletes_keep_it() {
        let mut st = DriverState::new();
        apply(&mut st, "SETINFO v 1");
        for e in ["c", "a", "b", "a"] {
            apply(&mut st, &format!("ADDENUM v {e}"));
        }
        assert!(apply(&mut st, "DELENUM v a"));
        assert!(apply(&mut st, "ADDENUM v a"));
        let enums: Vec<&str> = st
            .get("v")
            .expect("v")
            .enums
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(enums, ["c", "b", "a"]);
        for r in [
            "ADDRANGE v 5 9",
            "ADDRANGE v 1 2",
            "ADDRANGE v 3 4",
            "DELRANGE v 1 2",
        ] {
            assert!(apply(&mut st, r), "{r}");
        }
        let ranges: Vec<(i32, i32)> = st.get("v").expect("v").ranges.iter().copied().collect();
        assert_eq!(ranges, [(5, 9), (3, 4)]);
    }

    /// Each bound refuses the message that would cross it (changing nothing), counts the
    /// refusals and names the first; a message already present is no change, not a refusal.
    #[test]
    fn bounds_refuse_and_count() {
        let mut st = DriverState::new();
        st.apply(&DriverMessage::SetInfo {
            var: "v".into(),
            value: "1".into(),
        });
        let add_enum = |st: &mut DriverState, i: usize| {
            st.apply(&DriverMessage::AddEnum {
                var: "v".into(),
                value: format!("e{i}"),
            })
        };
        for i in 0..limits::MAX_ENUMS_PER_VAR {
            assert!(add_enum(&mut st, i), "enum {i}");
        }
        assert_eq!(st.take_refusals(), None);
        assert!(!add_enum(&mut st, 0), "a duplicate is no change");
        assert_eq!(st.take_refusals(), None);
        assert!(!add_enum(&mut st, limits::MAX_ENUMS_PER_VAR));
        assert!(!add_enum(&mut st, limits::MAX_ENUMS_PER_VAR + 1));
        let r = st.take_refusals().expect("refused");
        assert_eq!(
            (r.limit, r.name.as_str(), r.count),
            (StateLimit::EnumsPerVar, "v", 2)
        );
        assert_eq!(st.take_refusals(), None, "taken once");
        assert_eq!(
            st.get("v").expect("v").enums.len(),
            limits::MAX_ENUMS_PER_VAR
        );

        for i in 0..limits::MAX_RANGES_PER_VAR {
            let (min, max) = (i as i32, i as i32 + 1);
            assert!(st.apply(&DriverMessage::AddRange {
                var: "v".into(),
                min,
                max
            }));
        }
        assert!(!st.apply(&DriverMessage::AddRange {
            var: "v".into(),
            min: -2,
            max: -1
        }));
        let r = st.take_refusals().expect("refused");
        assert_eq!((r.limit, r.count), (StateLimit::RangesPerVar, 1));

        for i in 1..limits::MAX_VARS {
            assert!(st.apply(&DriverMessage::SetInfo {
                var: format!("var{i}"),
                value: "x".into(),
            }));
        }
        assert_eq!(st.var_count(), limits::MAX_VARS);
        assert!(!st.apply(&DriverMessage::SetInfo {
            var: "one.more".into(),
            value: "x".into(),
        }));
        assert!(
            st.apply(&DriverMessage::SetInfo {
                var: "var7".into(),
                value: "changed".into(),
            }),
            "existing variables still change at the bound"
        );
        let r = st.take_refusals().expect("refused");
        assert_eq!((r.limit, r.name.as_str()), (StateLimit::Vars, "one.more"));

        for i in 0..limits::MAX_COMMANDS {
            assert!(st.apply(&DriverMessage::AddCmd {
                cmd: format!("cmd.{i}"),
            }));
        }
        assert!(!st.apply(&DriverMessage::AddCmd {
            cmd: "cmd.more".into(),
        }));
        let r = st.take_refusals().expect("refused");
        assert_eq!(r.limit, StateLimit::Commands);
        assert_eq!(r.limit.to_string(), "10000 instant commands per UPS");
    }

    proptest::proptest! {
        /// Replaying a dump into an empty state rebuilds an equal state (IMMUTABLE aside,
        /// which never travels).
        #[test]
        fn dump_replay_rebuilds_state(
            msgs in proptest::collection::vec(crate::sock::message::tests_support::driver_message(), 0..60)
        ) {
            let mut st = DriverState::new();
            for m in &msgs {
                st.apply(m);
            }
            let mut copy = DriverState::new();
            for m in st.dump_all() {
                copy.apply(&m);
            }
            proptest::prop_assert_eq!(copy.dump_all(), st.dump_all());
        }
    }
}
