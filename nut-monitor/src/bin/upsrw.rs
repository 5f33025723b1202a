//! upsrw: the NUT client tool (see `nut_monitor::tools::upsrw`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(nut_monitor::tools::upsrw::main())
}
