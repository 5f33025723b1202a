//! JSON output for `upsc -j`: nut-core's printer (upsd's `/api/v1` uses the same one).

pub use nut_core::json::{Json, array, object, string};
