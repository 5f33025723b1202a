//! upsc: the NUT client tool (see `nut_monitor::tools::upsc`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(nut_monitor::tools::upsc::main())
}
