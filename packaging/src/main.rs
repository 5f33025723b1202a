//! `rnut-pkg-gen`: writes what the Debian package installs but nobody writes by hand: man
//! pages of every binary (from their clap definitions), bash and zsh completions, and the
//! udev rules for the USB UPSes usbhid-ups can drive (from the driver's own vendor table).
//!
//! `rnut-pkg-gen all OUTDIR` writes `OUTDIR/man/*.{1,8}`, `OUTDIR/completions/{bash,zsh}/*`
//! and `OUTDIR/udev/62-rnut-usbups.rules`; `packaging/build-deb` runs it before cargo-deb.

mod binaries;
mod completions;
mod manpages;
mod udev;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rnut-pkg-gen",
    about = "generate rnut's man pages, completions and udev rules"
)]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// Man pages of every binary into DIR.
    Man { dir: PathBuf },
    /// bash and zsh completions into DIR/bash and DIR/zsh.
    Completions { dir: PathBuf },
    /// The udev rules file for usbhid-ups's vendors.
    Udev { file: PathBuf },
    /// Everything, under DIR/man, DIR/completions and DIR/udev.
    All { dir: PathBuf },
}

fn run(what: What) -> Result<()> {
    match what {
        What::Man { dir } => manpages::write_all(&dir),
        What::Completions { dir } => completions::write_all(&dir),
        What::Udev { file } => udev::write(&file),
        What::All { dir } => {
            manpages::write_all(&dir.join("man"))?;
            completions::write_all(&dir.join("completions"))?;
            udev::write(&dir.join("udev").join(udev::FILE_NAME))
        }
    }
}

/// Create `path`'s parent and write `bytes` to it, naming the file on failure.
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn main() -> ExitCode {
    match run(Cli::parse().what) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnut-pkg-gen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
