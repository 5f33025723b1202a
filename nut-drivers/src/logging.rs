//! Logging: standard error, or syslog once a background driver has detached from its
//! terminal, as C drivers do (through [`nut_log`]).

pub use nut_log::switch_to_syslog;

/// Initialise logging for a program: `debug` raises the level (`-D`), `quiet` lowers it;
/// `RNUT_LOG` holds a filter that replaces both.
pub fn init(ident: &str, debug: u8, quiet: u8) {
    nut_log::init(nut_log::LogSetup {
        ident,
        level: nut_log::level(debug, quiet),
        env_var: "RNUT_LOG",
        timestamps: false,
    });
}
