//! The certificate store: one SQLite file in a directory (what `-d DIR` and CERTPATH name).
//!
//! The file is created with mode 0640 in a directory of mode 0750 (or stricter, if it already
//! exists); the journal is WAL and every change runs in one transaction, so a process killed at
//! any instant leaves either the old or the new state. Certificates, keys, policy rows and the
//! password check live in the same file: see [`schema`].

mod access;
pub use access::read_fix;
mod cert_trust;
mod certs;
mod crls;
mod error;
mod keyrows;
mod password;
mod rotate;
pub mod schema;

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

pub use certs::{AddOutcome, CertRecord};
pub use crls::StoredCrl;
pub use error::StoreError;
use error::io_err;
pub use keyrows::KeyRecord;
use password::put_password_meta;

use crate::keys::{DEFAULT_KDF_ITERATIONS, KeyCipher, random_bytes};

/// The database file inside a store directory.
pub const DB_FILE: &str = "nut-certdb.sqlite";

/// An open certificate store.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    conn: Connection,
    /// The database key once the password was given ([`Store::unlock`]): trust flags are
    /// written with their MAC and read back only when it verifies.
    unlocked: std::sync::Mutex<Option<KeyCipher>>,
    /// Rows (certificates' trust, policy rows) already warned about by this handle.
    warned: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// PBKDF2 iteration counts accepted from a store (tests create stores with as few as 10;
/// the upper bound keeps a doctored store from stalling every unlock).
pub const KDF_ITERATIONS_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000_000;

/// A side file of the database (`-wal`, `-shm`, `-journal`): its path with `suffix` added.
pub fn side_file(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// A path for an SQLite `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Store {
    /// The database file of a store directory.
    pub fn db_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        Store::db_path(dir).is_file()
    }

    /// Create a new store protected by `password` (empty allowed).
    pub fn create(dir: &Path, password: &str) -> Result<Store, StoreError> {
        Store::create_with_kdf(dir, password, DEFAULT_KDF_ITERATIONS)
    }

    /// Create a new store with a chosen PBKDF2 iteration count (tests and benchmarks use a low
    /// count; it is stored with the salt).
    pub fn create_with_kdf(
        dir: &Path,
        password: &str,
        iterations: u32,
    ) -> Result<Store, StoreError> {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o750)
                .create(dir)
                .map_err(io_err(dir))?;
        } else if std::fs::read_dir(dir)
            .map_err(io_err(dir))?
            .next()
            .is_none()
        {
            // An empty directory made for the store (`mkdir cert_db` in NUT's guide): tighten
            // it to 0750 or stricter. A directory that already holds other files is left alone
            // (`doctor` reports it if it is too open).
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)
                .map_err(io_err(dir))?
                .permissions()
                .mode()
                & 0o7777;
            if mode & !0o750 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o750))
                    .map_err(io_err(dir))?;
            }
        }
        let path = Store::db_path(dir);
        if path.exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        // Built whole under a temporary name, then renamed into place: an interrupted
        // creation never leaves a half-made store under the real name. The file is created
        // by us so its mode is 0640 from the first instant.
        let building = dir.join(format!(
            ".{DB_FILE}.{}.creating",
            crate::keys::random_hex(8)?
        ));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o640)
            .open(&building)
            .map_err(io_err(&building))?;
        let built = Store::fill_new(dir, &building, password, iterations);
        if let Err(e) = built {
            let _ = std::fs::remove_file(&building);
            return Err(e);
        }
        // A hard link never replaces an existing file (a store made at the same moment by
        // another `-N` wins; this one is refused), unlike a rename.
        let linked = std::fs::hard_link(&building, &path);
        let _ = std::fs::remove_file(&building);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::AlreadyExists(dir.to_path_buf()));
            }
            Err(e) => return Err(io_err(&path)(e)),
        }
        tracing::info!(dir = %dir.display(), "created certificate database");
        Store::open(dir)
    }

    /// Schema and password metadata of a new store file (closed again on return).
    fn fill_new(
        dir: &Path,
        file: &Path,
        password: &str,
        iterations: u32,
    ) -> Result<(), StoreError> {
        let mut store = Store::handle(dir, Store::connect(file)?);
        schema::migrate(&mut store.conn)?;
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let cipher = KeyCipher::derive(password, &salt, iterations);
        let check = cipher.make_check()?;
        let tx = store.conn.transaction()?;
        put_meta(&tx, "kdf", b"pbkdf2-hmac-sha256")?;
        put_meta(&tx, "kdf_iterations", iterations.to_string().as_bytes())?;
        put_password_meta(&tx, &salt, &check, password.is_empty())?;
        tx.commit()?;
        Ok(())
    }

    /// The error for a directory without a store (with a hint when it is an NSS database).
    pub(crate) fn missing(dir: &Path) -> StoreError {
        if crate::db_dir::is_nss_database(dir) {
            StoreError::NssDatabase(dir.to_path_buf())
        } else {
            StoreError::NotFound(dir.to_path_buf())
        }
    }

    /// Open an existing store (migrating its schema if it is older).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = Store::db_path(dir);
        if !access::check_readable(dir, &path)? {
            return Err(Store::missing(dir));
        }
        Store::refuse_empty(&path)?;
        let mut conn = Store::connect(&path)?;
        schema::migrate(&mut conn)?;
        Ok(Store::handle(dir, conn))
    }

    /// Open a store for reading only (what upsd and the clients do after dropping privileges,
    /// possibly without write access to the directory). Falls back to SQLite's immutable mode
    /// when the WAL side files cannot be created.
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let path = Store::db_path(dir);
        if !access::check_readable(dir, &path)? {
            return Err(Store::missing(dir));
        }
        Store::refuse_empty(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let check = |conn: &Connection| -> Result<(), StoreError> {
            let v: i64 = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?;
            if v > schema::SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    found: v,
                    supported: schema::SCHEMA_VERSION,
                });
            }
            if v < schema::SCHEMA_VERSION {
                return Err(StoreError::SchemaTooOld {
                    found: v,
                    supported: schema::SCHEMA_VERSION,
                });
            }
            Ok(())
        };
        let first = Connection::open_with_flags(&path, flags)
            .map_err(StoreError::from)
            .and_then(|c| {
                c.busy_timeout(Duration::from_secs(10))?;
                check(&c)?;
                Ok(c)
            });
        let conn = match first {
            Ok(c) => c,
            Err(e @ (StoreError::SchemaTooNew { .. } | StoreError::SchemaTooOld { .. })) => {
                return Err(e);
            }
            Err(_) => {
                // Immutable mode does not read a write-ahead log: with one still holding
                // changes (a store last written in WAL mode and not checkpointed), it would
                // show stale trust. Refuse instead.
                // Nor a rollback journal left by an interrupted write (the database may be
                // half-written until the journal is rolled back).
                for side in [side_file(&path, "-wal"), side_file(&path, "-journal")] {
                    if std::fs::metadata(&side).is_ok_and(|m| m.len() > 0) {
                        return Err(StoreError::Corrupt(format!(
                            "{} holds changes not yet settled in the database and cannot be read from here; run `nut-certutil -d {} doctor` once as the store's owner to settle them",
                            side.display(),
                            dir.display()
                        )));
                    }
                }
                let uri = format!("file:{}?immutable=1", uri_path(&path));
                let c = Connection::open_with_flags(uri, flags)?;
                check(&c)?;
                c
            }
        };
        Ok(Store::handle(dir, conn))
    }

    /// A handle on an open connection, not yet given the password.
    fn handle(dir: &Path, conn: Connection) -> Store {
        crate::visits::count_open();
        Store {
            dir: dir.to_path_buf(),
            conn,
            unlocked: std::sync::Mutex::new(None),
            warned: std::sync::Mutex::default(),
        }
    }

    fn connect(path: &Path) -> Result<Connection, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // A rollback journal, not a WAL: readers without write access to the directory (upsd
        // after dropping privileges) then read the committed state, never a stale one, and
        // need no side files. Stores made in WAL mode are converted when next written.
        let _: Result<String, _> = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0));
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        Ok(conn)
    }

    /// A zero-length store file is what an interrupted creation by an older version left:
    /// refuse it rather than treat it as an empty store.
    fn refuse_empty(path: &Path) -> Result<(), StoreError> {
        if std::fs::metadata(path).map_err(io_err(path))?.len() == 0 {
            return Err(StoreError::Corrupt(format!(
                "{} is empty (an interrupted creation?): remove it and create the store again",
                path.display()
            )));
        }
        Ok(())
    }

    /// True the first time this handle is asked about `key`: a row that does not verify is
    /// warned about once per handle, not at every read.
    pub(crate) fn first_warning(&self, key: &str) -> bool {
        self.warned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string())
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn meta(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Corrupt(format!("metadata '{name}' missing")))
    }

    /// `PRAGMA integrity_check` ("ok" when healthy) plus rnut's own consistency checks.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if r != "ok" {
            return Ok(r);
        }
        for rec in self.certificates()? {
            let info = crate::certinfo::CertInfo::parse(&rec.der).map_err(|e| {
                StoreError::Corrupt(format!("certificate \"{}\": {e}", rec.nickname))
            })?;
            if info.fingerprint != rec.fingerprint {
                return Ok(format!(
                    "certificate \"{}\": fingerprint does not match its DER",
                    rec.nickname
                ));
            }
        }
        let bad_keys: i64 = self.conn.query_row(
            "SELECT count(*) FROM private_keys WHERE length(nonce) != 12 OR length(ciphertext) < 17",
            [],
            |r| r.get(0),
        )?;
        if bad_keys > 0 {
            return Ok(format!("{bad_keys} truncated private key rows"));
        }
        Ok(r)
    }
}

fn put_meta(tx: &rusqlite::Transaction<'_>, name: &str, value: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyError;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn create_sets_modes_and_password_check_works() {
        let t = tempfile::tempdir().expect("tmp");
        let dir = t.path().join("db");
        let s = Store::create_with_kdf(&dir, "pw", 1000).expect("create");
        let dmode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
        let fmode = std::fs::metadata(Store::db_path(&dir))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode & 0o027, 0, "dir mode {dmode:o}");
        assert_eq!(fmode, 0o640);
        assert!(s.unlock("pw").is_ok());
        assert!(matches!(
            s.unlock("nope"),
            Err(StoreError::Key(KeyError::WrongPassword))
        ));
        assert!(!s.has_empty_password());
        drop(s);
        assert!(matches!(
            Store::create_with_kdf(&dir, "pw", 1000),
            Err(StoreError::AlreadyExists(_))
        ));
        let s = Store::open(&dir).expect("open");
        assert_eq!(s.integrity_check().expect("check"), "ok");
        assert!(matches!(
            Store::open(&t.path().join("none")),
            Err(StoreError::NotFound(_))
        ));
    }

    /// Creation leaves only the store file (no temporary, no journal); an empty store file
    /// and a doctored iteration count are refused with the reason.
    #[test]
    fn creation_is_whole_and_damaged_metadata_is_refused() {
        let t = tempfile::tempdir().expect("tmp");
        let dir = t.path().join("db");
        let s = Store::create_with_kdf(&dir, "pw", 1000).expect("create");
        drop(s);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [DB_FILE], "{names:?}");
        let s = Store::open(&dir).expect("open");
        s.conn
            .execute(
                "UPDATE meta SET value = CAST('4294967295' AS BLOB) WHERE name = 'kdf_iterations'",
                [],
            )
            .expect("doctor");
        let e = s.unlock("pw").expect_err("huge count");
        assert!(e.to_string().contains("kdf_iterations out of range"), "{e}");

        let empty = t.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        std::fs::write(Store::db_path(&empty), b"").expect("write");
        for e in [
            Store::open(&empty).map(|_| ()).expect_err("empty"),
            Store::open_read_only(&empty)
                .map(|_| ())
                .expect_err("empty"),
        ] {
            assert!(e.to_string().contains("is empty"), "{e}");
        }
    }

    #[test]
    fn an_empty_existing_directory_is_tightened() {
        let t = tempfile::tempdir().expect("tmp");
        let dir = t.path().join("cert_db");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        Store::create_with_kdf(&dir, "", 1000).expect("create");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        let ro = Store::open_read_only(&dir).expect("read-only open");
        assert_eq!(ro.certificates().expect("list").len(), 0);
    }
}
