//! NSS `sql:` databases (cert9.db + key4.db) without NSS (spec nss-db.md): read, so
//! that the certificates, trust flags and private keys of a C NUT set-up (upsd.conf /
//! upsmon.conf `CERTPATH`) can be imported into a rnut store.
//!
//! - [`reader`]: the database read (certificates, trust, keys); its items are re-exported
//!   here.
//! - [`write`]: a new database written for C NUT built with NSS.
//! - [`objects`]: the PKCS#11 object tables and metaData.
//! - [`crypto`]: the password key, the encrypted entries and the integrity entries.
//! - [`trust_objects`]: CKO_TRUST / CKO_NSS_TRUST to trust flags.
//! - [`keybuild`]: RSA and EC keys from their attributes.

pub mod crypto;
mod error;
pub mod keybuild;
pub mod objects;
pub mod reader;
pub mod trust_objects;
pub mod write;

pub use error::NssError;
pub use reader::{KeysWanted, NssCert, NssContents, ReadOptions, locate, read, read_with};
