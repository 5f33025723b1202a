//! Who may do what: `upsd.users` accounts and rights, password verification, the growing
//! delay after failed authentications, and hosts.allow / hosts.deny.

pub mod check_limit;
pub mod failure_delay;
#[doc(hidden)]
pub mod fuzzing;
pub mod hosts_access;
pub mod password;
