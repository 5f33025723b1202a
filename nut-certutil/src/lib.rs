//! # nut-certutil: the rnut certificate store, the `nut-certutil` tool, and every TLS config
//!
//! Certificates come first in rnut: upsd and the clients get their TLS identity and their
//! trust rules from this crate.
//!
//! ## Layout
//! - [`store`]: the SQLite store (certificate rows, sealed key rows, schema and migrations).
//! - [`trust`]: NSS trust flags (`CT,,`, `P,,`, `u,u,u`), parsed and printed as NSS does.
//! - [`keys`]: key generation (ECDSA, Ed25519, RSA), PKCS#8, encryption at rest.
//! - [`policy`]: CERTIDENT per role, CERTHOST rows, CERTVERIFY / FORCESSL, CERTREQUEST.
//! - [`pki`]: self-signed CAs, requests, signing (our requests and foreign ones).
//! - [`revoke`]: revoking what our CAs issued, their CRLs, importing outside CAs' CRLs.
//! - [`rotate`]: re-issuing a certificate (same or new key) under its nickname.
//! - [`certinfo`]: what rnut reads out of a certificate.
//! - [`crl`]: certificate revocation lists: read, verified against their CA, signed.
//! - [`name`]: subject strings, their display, OpenSSL's subject hash.
//! - [`pem`]: PEM read (rustls-pki-types) and written (the `pem` crate); [`der`]: the few DER
//!   encodings rnut makes by hand (TLV, SEC1 -> PKCS#8).
//! - [`db_dir`]: what a `-d` / CERTPATH directory is named and holds.
//! - [`nssdb`]: NSS `sql:` databases, read ([`nssdb::reader`]) and written.
//! - [`visits`]: per-thread counters of store opens and key derivations.
//! - [`tls`]: the rustls server and client configs built from a store or from PEM files.
//!
//! The `nut-certutil` binary (`src/main.rs`, `src/cli/`) speaks NSS certutil's command lines
//! and plain subcommands on top of this library.

// The command line lives in the library so the packaging's man page and completion
// generator reads the same clap definitions the binary parses with.
extern crate self as nut_certutil;

pub mod certinfo;
pub mod cli;
pub mod crl;
pub mod db_dir;
pub mod der;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
pub mod name;
pub mod nssdb;
pub mod pem;
pub mod pki;
pub mod policy;
pub mod revoke;
pub mod rotate;
pub mod store;
pub mod tls;
pub mod trust;
pub mod visits;

/// The rcgen this crate generates certificates with.
pub use rcgen;
/// The rustls this crate builds configs with (so consumers and tests use the same version).
pub use rustls;
/// The `time` crate of [`pki::CertProfile`]'s validity fields.
pub use time;
