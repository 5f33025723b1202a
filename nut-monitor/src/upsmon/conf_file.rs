//! Reading upsmon.conf for the daemon (start and reload): through the bounded config
//! reader, refused when its group or other users may write it (it names SHUTDOWNCMD and
//! NOTIFYCMD, which run as root), and a warning when other users may read the MONITOR
//! passwords it holds.

use std::path::Path;

use nut_core::config::file::{Writers, read_config};
use nut_core::config::{ConfigWarning, UpsmonConf};

/// Read and parse upsmon.conf; the readability warning is added to `warnings`.
pub fn load(path: &Path) -> anyhow::Result<UpsmonConf> {
    let contents = read_config(path, Writers::OwnerOnly)
        .map_err(|e| anyhow::anyhow!("can't open {}: {e}", path.display()))?;
    let readable_by_others = contents.readable_by_others();
    let mut conf = UpsmonConf::parse(&contents.into_text(), path)?;
    if readable_by_others && conf.monitors.iter().any(|m| !m.password.is_empty()) {
        conf.warnings.push(ConfigWarning::new(
            path,
            0,
            format!(
                "readable by other users while it holds MONITOR passwords: run `chmod 0640 {}` \
                 (and `chown root:nut {}` so upsmon can still read it)",
                path.display(),
                path.display()
            ),
        ));
    }
    Ok(conf)
}
