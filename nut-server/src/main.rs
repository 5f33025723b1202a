//! `upsd`: the NUT data server. See the `nut_server` crate documentation for the layout.

fn main() -> std::process::ExitCode {
    nut_server::main_entry()
}
