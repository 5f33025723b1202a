//! [`VarNode`]: one variable of the state tree, and how it is dumped.

use indexmap::IndexSet;

use crate::sock::flags::VarFlags;
use crate::sock::message::DriverMessage;

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
    /// Allowed values, in insertion order (at most [`crate::sock::limits::MAX_ENUMS_PER_VAR`]).
    pub enums: IndexSet<String>,
    /// Allowed integer ranges `(min, max)`, in insertion order (at most
    /// [`crate::sock::limits::MAX_RANGES_PER_VAR`]).
    pub ranges: IndexSet<(i32, i32)>,
}

impl VarNode {
    pub(super) fn new(name: &str, value: &str) -> VarNode {
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
