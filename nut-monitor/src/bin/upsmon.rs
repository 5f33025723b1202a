//! upsmon: monitor UPSes through upsd and shut the system down when power runs out.

fn main() -> std::process::ExitCode {
    nut_monitor::upsmon::daemon::main()
}
