//! Bounds on the state tree one driver may build, so that a driver gone wrong (or a hostile
//! process on its socket) cannot make upsd's memory grow without end. C NUT has none; the
//! values are far above what any real UPS reports (a few hundred variables, a few dozen enum
//! values). A message that would cross a bound is refused (not applied) and counted, so the
//! reader can warn once instead of once per message.

use std::fmt;

/// Variables per UPS.
pub const MAX_VARS: usize = 50_000;
/// Instant commands per UPS.
pub const MAX_COMMANDS: usize = 10_000;
/// Enum values per variable.
pub const MAX_ENUMS_PER_VAR: usize = 10_000;
/// Ranges per variable.
pub const MAX_RANGES_PER_VAR: usize = 10_000;

/// Which bound a refused message would have crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateLimit {
    /// [`MAX_VARS`].
    Vars,
    /// [`MAX_COMMANDS`].
    Commands,
    /// [`MAX_ENUMS_PER_VAR`].
    EnumsPerVar,
    /// [`MAX_RANGES_PER_VAR`].
    RangesPerVar,
}

impl StateLimit {
    /// The bound's value.
    pub fn max(self) -> usize {
        match self {
            StateLimit::Vars => MAX_VARS,
            StateLimit::Commands => MAX_COMMANDS,
            StateLimit::EnumsPerVar => MAX_ENUMS_PER_VAR,
            StateLimit::RangesPerVar => MAX_RANGES_PER_VAR,
        }
    }
}

impl fmt::Display for StateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            StateLimit::Vars => "variables per UPS",
            StateLimit::Commands => "instant commands per UPS",
            StateLimit::EnumsPerVar => "enum values per variable",
            StateLimit::RangesPerVar => "ranges per variable",
        };
        write!(f, "{} {what}", self.max())
    }
}

/// The messages refused at a bound since the reader last looked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusals {
    /// The bound the first of them would have crossed.
    pub limit: StateLimit,
    /// The variable or command the first of them named.
    pub name: String,
    /// How many were refused (at any bound).
    pub count: u64,
}

impl Refusals {
    /// Count one refusal into `slot`.
    pub(crate) fn record(slot: &mut Option<Refusals>, limit: StateLimit, name: &str) {
        match slot {
            Some(r) => r.count += 1,
            None => {
                *slot = Some(Refusals {
                    limit,
                    name: name.to_string(),
                    count: 1,
                })
            }
        }
    }
}
