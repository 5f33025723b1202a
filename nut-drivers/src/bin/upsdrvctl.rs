//! upsdrvctl: start, stop, shut down and inspect the drivers of ups.conf.

use std::process::ExitCode;

use clap::Parser;
use nut_drivers::upsdrvctl::{Args, Env, run};

fn main() -> ExitCode {
    let args = Args::parse();
    if args.version {
        println!("{}", nut_core::version::version_line("upsdrvctl"));
        return ExitCode::SUCCESS;
    }
    nut_drivers::logging::init("upsdrvctl", args.debug.max(u8::from(args.test)), 0);
    let env = Env::from_process();
    run(&args, &env, &mut std::io::stdout())
}
