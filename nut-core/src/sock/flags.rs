//! Variable flags of the driver state tree (`include/extstate.h`).

use std::fmt;

/// Flags of one variable. `RW`, `STRING` and `NUMBER` travel on the wire (`SETFLAGS`);
/// `IMMUTABLE` is driver-internal (set for `override.*` values) and never sent by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VarFlags(u32);

impl VarFlags {
    /// Writable through `SET VAR` (`ST_FLAG_RW`).
    pub const RW: VarFlags = VarFlags(0x0001);
    /// A string; `SETAUX` gives its maximum length (`ST_FLAG_STRING`).
    pub const STRING: VarFlags = VarFlags(0x0002);
    /// A number (`ST_FLAG_NUMBER`).
    pub const NUMBER: VarFlags = VarFlags(0x0004);
    /// The driver ignores further changes (`ST_FLAG_IMMUTABLE`, never on the wire).
    pub const IMMUTABLE: VarFlags = VarFlags(0x0008);
    /// The flags that have a wire name, in the order C NUT writes them.
    pub const WIRE: VarFlags = VarFlags(0x0007);

    /// No flag set.
    pub const fn empty() -> VarFlags {
        VarFlags(0)
    }

    /// The raw bits (same values as C NUT's `ST_FLAG_*`).
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Flags from raw bits; unknown bits are dropped.
    pub const fn from_bits_truncate(bits: u32) -> VarFlags {
        VarFlags(bits & 0x000f)
    }

    /// True when no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every flag of `other` is set in `self`.
    pub const fn contains(self, other: VarFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets together.
    pub const fn union(self, other: VarFlags) -> VarFlags {
        VarFlags(self.0 | other.0)
    }

    /// Flags of `self` that are not in `other`.
    pub const fn difference(self, other: VarFlags) -> VarFlags {
        VarFlags(self.0 & !other.0)
    }

    /// Flags in both sets.
    pub const fn intersection(self, other: VarFlags) -> VarFlags {
        VarFlags(self.0 & other.0)
    }

    /// Set the flags of `other`.
    pub fn insert(&mut self, other: VarFlags) {
        self.0 |= other.0;
    }

    /// Clear the flags of `other`.
    pub fn remove(&mut self, other: VarFlags) {
        self.0 &= !other.0;
    }

    /// Parse one flag word (case-insensitive). Unknown words, including `IMMUTABLE`, give
    /// `None`: they are ignored on the wire as C NUT does.
    pub fn from_word(word: &str) -> Option<VarFlags> {
        if word.eq_ignore_ascii_case("RW") {
            Some(VarFlags::RW)
        } else if word.eq_ignore_ascii_case("STRING") {
            Some(VarFlags::STRING)
        } else if word.eq_ignore_ascii_case("NUMBER") {
            Some(VarFlags::NUMBER)
        } else {
            None
        }
    }

    /// The union of the known flag words; unknown words are ignored.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> VarFlags {
        words
            .iter()
            .filter_map(|w| VarFlags::from_word(w.as_ref()))
            .fold(VarFlags::empty(), VarFlags::union)
    }

    /// The wire words of the set flags, always in the order `RW`, `STRING`, `NUMBER`.
    pub fn words(self) -> Vec<&'static str> {
        let mut out = Vec::with_capacity(3);
        if self.contains(VarFlags::RW) {
            out.push("RW");
        }
        if self.contains(VarFlags::STRING) {
            out.push("STRING");
        }
        if self.contains(VarFlags::NUMBER) {
            out.push("NUMBER");
        }
        out
    }
}

impl std::ops::BitOr for VarFlags {
    type Output = VarFlags;
    fn bitor(self, rhs: VarFlags) -> VarFlags {
        self.union(rhs)
    }
}

impl std::ops::BitOrAssign for VarFlags {
    fn bitor_assign(&mut self, rhs: VarFlags) {
        self.insert(rhs);
    }
}

/// The wire words separated by single spaces (`RW STRING`); empty when none is set.
impl fmt::Display for VarFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_c_order_and_unknown_ignored() {
        let f = VarFlags::from_words(&["number", "FOO", "rw", "String", "IMMUTABLE"]);
        assert_eq!(f, VarFlags::RW | VarFlags::STRING | VarFlags::NUMBER);
        assert_eq!(f.to_string(), "RW STRING NUMBER");
        assert_eq!(VarFlags::IMMUTABLE.to_string(), "");
        assert_eq!(VarFlags::from_bits_truncate(0xff).bits(), 0x0f);
        let mut g = VarFlags::STRING | VarFlags::IMMUTABLE;
        g.remove(VarFlags::IMMUTABLE);
        assert_eq!(g, VarFlags::STRING);
        assert!(!g.contains(VarFlags::RW));
    }
}
