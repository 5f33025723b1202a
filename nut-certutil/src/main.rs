//! `nut-certutil`: the rnut certificate database tool. NSS `certutil` command lines work
//! verbatim; plain subcommands exist for everyone else.

use std::process::ExitCode;

use nut_certutil::cli;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NUT_CERTUTIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `-V` keeps NSS certutil's meaning (verify a certificate); the version is `--version`.
    if args == ["--version"] {
        println!("{}", nut_core::version::version_line("nut-certutil"));
        return ExitCode::SUCCESS;
    }
    let result = if args.is_empty() {
        println!("{}", cli::USAGE);
        Ok(1)
    } else if cli::nss::is_nss_command_line(&args) {
        cli::nss::run(&args)
    } else {
        cli::plain::run(&args)
    };
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("nut-certutil: {}", nut_log::error_line(e.as_ref()));
            ExitCode::from(255)
        }
    }
}
