//! Every binary the package installs, with its clap definition and man section: the one list
//! the man pages and the completions are made from.

use clap::{Command, CommandFactory};

/// A binary of the package.
#[derive(Debug)]
pub struct Binary {
    /// Its name on disk and in the man page.
    pub name: &'static str,
    /// Man section: 8 for daemons and drivers, 1 for user commands.
    pub section: &'static str,
    /// Its clap definition, named as the binary.
    pub command: Command,
}

fn driver(name: &'static str, about: &'static str) -> Binary {
    Binary {
        name,
        section: "8",
        command: nut_drivers::config::DriverArgs::command()
            .name(name)
            .about(about),
    }
}

/// All binaries, daemons first.
pub fn all() -> Vec<Binary> {
    vec![
        Binary {
            name: "upsd",
            section: "8",
            command: nut_server::cli::Cli::command(),
        },
        Binary {
            name: "upsmon",
            section: "8",
            command: nut_monitor::upsmon::daemon::Args::command(),
        },
        Binary {
            name: "upsdrvctl",
            section: "8",
            command: nut_drivers::upsdrvctl::Args::command(),
        },
        driver(
            "dummy-ups",
            "NUT driver: simulated UPS from a .dev/.seq file, or repeater of a remote UPS (rnut)",
        ),
        driver(
            "usbhid-ups",
            "NUT driver: UPSes of the USB HID Power Device class (rnut)",
        ),
        driver(
            "blazer_ser",
            "NUT driver: Megatec / Q1 UPSes on a serial port (rnut)",
        ),
        driver(
            "nutdrv_qx",
            "NUT driver: Q* protocol UPSes on a serial port (rnut)",
        ),
        Binary {
            name: "upsc",
            section: "1",
            command: nut_monitor::tools::upsc::Args::command(),
        },
        Binary {
            name: "upscmd",
            section: "1",
            command: nut_monitor::tools::upscmd::Args::command(),
        },
        Binary {
            name: "upsrw",
            section: "1",
            command: nut_monitor::tools::upsrw::Args::command(),
        },
        Binary {
            name: "nut-certutil",
            section: "1",
            command: nut_certutil::cli::plain::command().after_long_help(nut_certutil::cli::USAGE),
        },
    ]
}
