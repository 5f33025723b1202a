//! upscmd: the NUT client tool (see `nut_monitor::tools::upscmd`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(nut_monitor::tools::upscmd::main())
}
