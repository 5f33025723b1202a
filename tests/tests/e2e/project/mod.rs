//! The repository as a whole: the README's demo, the upstream NIT wrapper, packaging (systemd units, generated files), version strings.

mod demo_script;
mod nit_upstream;
mod packaging;
mod versions;
