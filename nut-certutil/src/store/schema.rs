//! The database schema and its migrations. `schema_version` holds one row; each migration
//! runs in its own transaction and bumps it, so a store is always at a known version.

use rusqlite::{Connection, params};

use super::StoreError;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 4;

const MIGRATIONS: &[&str] = &[
    // 1: certificates, keys, metadata (password salt and check value), policy.
    r#"
    CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE certificates (
        id          INTEGER PRIMARY KEY,
        nickname    TEXT NOT NULL UNIQUE,
        der         BLOB NOT NULL,
        subject     TEXT NOT NULL,
        issuer      TEXT NOT NULL,
        serial      TEXT NOT NULL,
        not_before  INTEGER NOT NULL,
        not_after   INTEGER NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        key_id      TEXT NOT NULL,
        is_ca       INTEGER NOT NULL,
        trust       TEXT NOT NULL,
        added_at    INTEGER NOT NULL
    );
    CREATE INDEX certificates_key_id ON certificates(key_id);
    CREATE TABLE private_keys (
        id         INTEGER PRIMARY KEY,
        key_id     TEXT NOT NULL UNIQUE,
        algorithm  TEXT NOT NULL,
        nonce      BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE policy (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE certhost (
        host       TEXT NOT NULL,
        port       INTEGER NOT NULL,
        cert_name  TEXT NOT NULL,
        certverify INTEGER NOT NULL,
        forcessl   INTEGER NOT NULL,
        PRIMARY KEY (host, port)
    );
    "#,
    // 2: trust flags protected by a MAC keyed by the database password.
    r#"
    ALTER TABLE certificates ADD COLUMN trust_mac BLOB;
    "#,
    // 3: policy rows protected by a MAC keyed by the database password. Rows written before
    // have none: a reader with the password ignores them until they are set again.
    r#"
    ALTER TABLE policy ADD COLUMN mac BLOB;
    ALTER TABLE certhost ADD COLUMN mac BLOB;
    "#,
    // 4: revocation. `revoked`: what our CAs revoked (issuer + serial, never bytes);
    // `crls`: one CRL per CA (ours, signed here, or imported), kept with the fingerprint of
    // the stored CA it verified against and a MAC keyed by the database password (a CRL
    // swapped for an older one would un-revoke).
    r#"
    CREATE TABLE revoked (
        ca_fingerprint TEXT NOT NULL,
        serial         TEXT NOT NULL,
        revoked_at     INTEGER NOT NULL,
        reason         INTEGER NOT NULL,
        PRIMARY KEY (ca_fingerprint, serial)
    );
    CREATE TABLE crls (
        ca_fingerprint TEXT PRIMARY KEY,
        issuer         TEXT NOT NULL,
        this_update    INTEGER NOT NULL,
        next_update    INTEGER,
        crl_number     TEXT,
        entries        INTEGER NOT NULL,
        der            BLOB NOT NULL,
        ours           INTEGER NOT NULL,
        added_at       INTEGER NOT NULL,
        mac            BLOB
    );
    "#,
];

/// Bring the schema up to [`SCHEMA_VERSION`].
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            params![version],
        )?;
        tx.commit()?;
    }
    Ok(())
}
