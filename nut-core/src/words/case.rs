//! Names compared as NUT compares them: ASCII case folded.

use std::borrow::Cow;

/// A name as NUT compares names (C `strcasecmp`: ASCII lower-casing), for keys of
/// case-insensitive maps. Borrowed when the name is already lower case, as nearly every
/// name on the wire is, so a lookup costs no allocation.
pub fn fold_case(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}
