//! What a certificate database directory (`-d DIR`, CERTPATH) is named and holds, before it
//! is opened as a rnut store or read as an NSS database.

use std::path::Path;

/// Strip NSS's `sql:` / `dbm:` prefix from a `-d` argument.
pub fn strip_db_prefix(dir: &str) -> &str {
    dir.strip_prefix("sql:")
        .or_else(|| dir.strip_prefix("dbm:"))
        .unwrap_or(dir)
}

/// Whether a directory holds an NSS database (for hints where a rnut store was expected).
pub fn is_nss_database(dir: &Path) -> bool {
    dir.join("cert9.db").is_file() || dir.join("cert8.db").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_stripped() {
        assert_eq!(strip_db_prefix("sql:/etc/nut/db"), "/etc/nut/db");
        assert_eq!(strip_db_prefix("dbm:x"), "x");
        assert_eq!(strip_db_prefix("x"), "x");
    }
}
