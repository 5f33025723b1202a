//! The `nut-certutil` command line: one module per subcommand (its arguments and a `run` that
//! both dialects call), NSS certutil's flags mapped onto them by [`nss`] (parsed by
//! [`nss_args`]) and the plain subcommands by [`plain`]; terminal/file I/O in [`io`], the
//! store a command line names in [`database`].

pub mod ca;
pub mod cert_spec;
pub mod common_args;
pub mod crl_cmd;
pub mod database;
pub mod delete;
pub mod doctor;
pub mod doctor_setup;
pub mod enroll_cmd;
pub mod export;
pub mod export_nss;
pub mod import;
pub mod import_nss;
pub mod init;
pub mod io;
pub mod issue;
pub mod list;
pub mod nss;
pub mod nss_args;
pub mod passwd;
pub mod plain;
pub mod policy_cmd;
pub mod reader_access;
pub mod renew_cmd;
pub mod request;
pub mod show;
pub mod sign;
pub mod trust;
pub mod verify;

/// Short help for the NSS dialect.
pub const USAGE: &str = "nut-certutil: rnut certificate database tool

NSS certutil command lines (certutil may be replaced by nut-certutil):
  -N -d DIR [-f PWFILE | --empty-password]          create a database
  -S -d DIR -n NICK -s SUBJECT -t TRUST (-x | -c CA) [-2] [-6] [-v MONTHS] [-k rsa|ec|ed25519] [-g BITS] [-q CURVE] [-m SERIAL] [--extSAN dns:..,ip:..]
  -R -d DIR -s SUBJECT [-a] [-o FILE]               key + certificate request
  -C -d DIR -c CA -i REQ [-a] [-o CERT] [-2] [-6]   sign a request
  -A -d DIR -n NICK -t TRUST [-a] [-i FILE]         import a certificate
  -L -d DIR [-n NICK [-a] [-o FILE]]                list / show / export
  -K -d DIR                                         list keys
  -M -d DIR -n NICK -t TRUST                        change trust
  -D -d DIR -n NICK                                 delete a certificate
  -F -d DIR -n NICK                                 delete a certificate and its key
  -V -d DIR -n NICK -u V|C                          validate for SSL server (V) / client (C)
  -W -d DIR [-f OLDPWFILE] [-@ NEWPWFILE]           change the password

Plain subcommands: init, ca create, request, sign, issue, import, export, list, show, trust,
delete, passwd, verify, policy (set/unset/show), revoke, renew, enroll, crl (list/export/import/update), doctor. See `nut-certutil help`.";
