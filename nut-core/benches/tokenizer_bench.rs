//! Tokenizer benchmark (a documented bench binary, `harness = false`): how long the request
//! reader spends per line, for the lines upsd sees most.
//!
//! - `feed` (owning: a `Vec<String>` per line, what config parsers and clients use);
//! - `feed_in_place` (lending, one byte at a time);
//! - `feed_slice` (lending, runs of ordinary bytes in one step: what upsd uses).
//!
//! Run: `cargo bench -p nut-core --bench tokenizer_bench` (release profile). Figures are
//! nanoseconds per line, the best of five rounds, so other load on the machine mostly drops out.

use std::hint::black_box;
use std::time::Instant;

use nut_core::words::Tokenizer;

const LINES: [(&str, &[u8]); 3] = [
    ("GET VAR", b"GET VAR myups ups.status\n"),
    (
        "quoted SET VAR",
        b"SET VAR myups ups.id \"Server room \\\"A\\\" rack 4\"\n",
    ),
    ("LIST VAR", b"LIST VAR myups\n"),
];

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: a short smoke run then.
    let full = std::env::args().any(|a| a == "--bench");
    let lines_per_round: usize = if full { 1_000_000 } else { 1_000 };
    println!("tokenizer_bench: ns per line, best of 5 rounds of {lines_per_round} lines");
    println!(
        "{:<16} {:>10} {:>15} {:>12}",
        "line", "feed", "feed_in_place", "feed_slice"
    );
    for (name, line) in LINES {
        let stream: Vec<u8> = line.repeat(1_000);
        let rounds = lines_per_round / 1_000;
        let owned = best_of(5, || {
            let mut tok = Tokenizer::new();
            let mut words = 0;
            for _ in 0..rounds {
                for &b in &stream {
                    if let Some(nut_core::words::Event::Line(w)) = tok.feed(b) {
                        words += w.len();
                    }
                }
            }
            words
        });
        let in_place = best_of(5, || {
            let mut tok = Tokenizer::new();
            let mut words = 0;
            for _ in 0..rounds {
                for &b in &stream {
                    if let Some(Ok(())) = tok.feed_in_place(b) {
                        words += tok.word_count();
                    }
                }
            }
            words
        });
        let sliced = best_of(5, || {
            let mut tok = Tokenizer::new();
            let mut words = 0;
            for _ in 0..rounds {
                let mut rest = stream.as_slice();
                while !rest.is_empty() {
                    let (used, ev) = tok.feed_slice(rest);
                    if let Some(Ok(())) = ev {
                        words += tok.word_count();
                    }
                    rest = &rest[used..];
                }
            }
            words
        });
        let per_line = |secs: f64| secs * 1e9 / lines_per_round as f64;
        println!(
            "{name:<16} {:>10.1} {:>15.1} {:>12.1}",
            per_line(owned),
            per_line(in_place),
            per_line(sliced)
        );
    }
}

/// The shortest of `n` timed runs of `f` (seconds); the result is kept alive so the work is
/// not optimised away, and all runs must agree on it.
fn best_of(n: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::MAX;
    let mut result = None;
    for _ in 0..n {
        let t = Instant::now();
        let r = black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
        assert!(result.is_none_or(|prev| prev == r), "runs disagree");
        assert!(r > 0, "no words were read");
        result = Some(r);
    }
    best
}
