//! nut-certutil: the CLI, its store, NSS databases, the documented PKI examples, enrolment, expiry, revocation, rotation, and the TLS matrix the store builds.

mod certpath_nssdb;
mod cli;
mod doctor_setups;
mod enroll;
mod examples;
mod expiry;
mod interop;
mod lifecycle_examples;
mod nssdb;
mod revocation;
mod rotation;
mod tls_matrix;
