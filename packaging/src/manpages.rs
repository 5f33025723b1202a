//! Man pages of the binaries, rendered by clap_mangen from their clap definitions, with a
//! FILES and SEE ALSO section pointing at the hand-written config file pages
//! (`packaging/man/*.5`).

use std::path::Path;

use anyhow::Result;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

use crate::binaries;

const SEE_ALSO: &str = "upsd.conf(5), upsd.users(5), ups.conf(5), upsmon.conf(5), nut.conf(5), \
upsd(8), upsmon(8), upsdrvctl(8), upsc(1), nut-certutil(1); \
/usr/share/doc/rnut/DIFFERENCES.md for where rnut differs from C NUT.";

const FILES: &str = "Configuration is read from /etc/nut (NUT_CONFPATH), driver sockets and \
PID files live in /run/nut (NUT_STATEPATH, NUT_ALTPIDPATH).";

/// Write `DIR/NAME.SECTION` for every binary.
pub fn write_all(dir: &Path) -> Result<()> {
    for bin in binaries::all() {
        let man = Man::new(bin.command.clone())
            .section(bin.section)
            .manual("rnut")
            .source(concat!("rnut ", env!("CARGO_PKG_VERSION")));
        let mut out = Vec::new();
        man.render(&mut out)?;
        for (title, text) in [("FILES", FILES), ("SEE ALSO", SEE_ALSO)] {
            let mut roff = Roff::new();
            roff.control("SH", [title]).text([roman(text)]);
            roff.to_writer(&mut out)?;
        }
        crate::write_file(&dir.join(format!("{}.{}", bin.name, bin.section)), &out)?;
    }
    Ok(())
}
