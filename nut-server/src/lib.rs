//! nut-server: see README.md for what this crate will hold.
