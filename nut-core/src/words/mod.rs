//! Words and quoting: the one tokenizer that NUT uses for the network protocol, the driver
//! socket protocol and every config file (C NUT's `common/parseconf.c`), and the encoder that
//! turns values back into words.
//!
//! The tokenizer is a resumable state machine fed one byte at a time, so a line may arrive in
//! any number of pieces. It never panics and never grows without bound: a line keeps at most
//! [`MAX_WORDS`] words of at most [`MAX_WORD_LEN`] bytes each, the rest is dropped silently, as
//! C NUT does. Parse errors are reported as values.
//!
//! ## Layout
//! - `tokenizer`: the [`Tokenizer`] state machine, its bounds and [`WordError`].
//! - `text`: whole texts ([`tokenize_lines`], [`tokenize_text`]) and one line
//!   ([`split_line`]).
//! - `encode`: values back into words ([`escape`], [`quoted`], [`encode_arg`]).
//! - `case`: [`fold_case`], names as NUT compares them.

mod case;
mod encode;
mod text;
mod tokenizer;

pub use case::fold_case;
pub use encode::{Quoted, encode_arg, escape, is_wire_safe, push_escaped, quoted};
pub use text::{TextLine, alteration, split_line, tokenize_lines, tokenize_text};
pub use tokenizer::{Event, MAX_WORD_LEN, MAX_WORDS, Tokenizer, WordError};

#[cfg(test)]
mod tests;
