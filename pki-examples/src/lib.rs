//! pki-examples: see README.md for what this crate will hold.
