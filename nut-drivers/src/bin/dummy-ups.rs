//! dummy-ups: simulated UPS from a `.dev`/`.seq` file, or a repeater of a remote UPS.

use std::process::ExitCode;

fn main() -> ExitCode {
    nut_drivers::run(
        nut_drivers::dummy::DRIVER_NAME,
        nut_drivers::dummy::DummyUps::default(),
    )
}
