//! bash and zsh completions of every binary, from the same clap definitions.

use std::path::Path;

use anyhow::Result;
use clap_complete::Shell;

use crate::binaries;

/// Write `DIR/bash/NAME` and `DIR/zsh/_NAME` for every binary.
pub fn write_all(dir: &Path) -> Result<()> {
    for bin in binaries::all() {
        for (shell, file) in [
            (Shell::Bash, dir.join("bash").join(bin.name)),
            (Shell::Zsh, dir.join("zsh").join(format!("_{}", bin.name))),
        ] {
            let mut cmd = bin.command.clone();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, bin.name, &mut out);
            crate::write_file(&file, &out)?;
        }
    }
    Ok(())
}
