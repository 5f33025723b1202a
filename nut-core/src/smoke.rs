//! The stable-toolchain stand-in for the cargo-fuzz targets in `fuzz/` (cargo-fuzz needs a
//! nightly compiler), shared by the `fuzz_smoke` examples of the crates that hold fuzzing
//! checks: a small deterministic generator, a mutator over the committed seed inputs
//! (`fuzz/seeds/<target>/`), and a loop that runs one check on many inputs and stops at the
//! first broken invariant or panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

/// xorshift64*: tiny, deterministic, good enough to spread inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (any value; 0 is made odd).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The files of a seed directory, in name order (none if it cannot be read).
pub fn read_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// Bytes the parsers treat specially, and some they filter out.
const SPECIAL: &[u8] = b" \t\r\n\"\\#=:[]@/,.-\x00\x01\x7f\xff\xc3";

/// One input: a seed (or nothing) changed by one to eight mutations (byte flips, inserted
/// bytes and dictionary words, deleted, duplicated and spliced ranges, truncation).
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], dict: &[&str], buf: &mut Vec<u8>) {
    buf.clear();
    if !seeds.is_empty() {
        buf.extend_from_slice(&seeds[rng.below(seeds.len())]);
    }
    for _ in 0..=rng.below(8) {
        let at = rng.below(buf.len() + 1);
        match rng.below(8) {
            0 if !buf.is_empty() => {
                let last = buf.len() - 1;
                buf[at.min(last)] = rng.next_u64() as u8;
            }
            1 => buf.insert(at, SPECIAL[rng.below(SPECIAL.len())]),
            2 if !dict.is_empty() => {
                let word = dict[rng.below(dict.len())].as_bytes();
                buf.splice(at..at, word.iter().copied());
            }
            3 => {
                let end = (at + rng.below(16)).min(buf.len());
                buf.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(64)).min(buf.len());
                let copy = buf[at..end].to_vec();
                let to = rng.below(buf.len() + 1);
                buf.splice(to..to, copy);
            }
            5 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(128)).min(other.len());
                buf.splice(at..at, other[from..end].iter().copied());
            }
            6 => buf.truncate(at),
            _ => buf.insert(at, rng.next_u64() as u8),
        }
    }
}

/// A fuzzing check: the first broken invariant of one input.
pub type Check = fn(&[u8]) -> Result<(), String>;

/// A check of a `fuzz_smoke` example: its fuzz target's name (the seed directory), the
/// dictionary words of its mutator, the check.
pub type NamedCheck<'a> = (&'a str, &'a [&'a str], Check);

/// What a smoke run did.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Inputs checked.
    pub inputs: u64,
    /// Their total size.
    pub bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Run `check` on `iterations` inputs mutated from `seeds`; the first broken invariant (or
/// panic) is returned with the input in hex.
pub fn run(
    rng: &mut Rng,
    iterations: u64,
    seeds: &[Vec<u8>],
    dict: &[&str],
    check: impl Fn(&[u8]) -> Result<(), String>,
) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut buf = Vec::new();
    let mut bytes = 0u64;
    // The seeds themselves first, unchanged.
    let inputs = seeds.iter().cloned().chain(std::iter::from_fn(|| {
        mutate(rng, seeds, dict, &mut buf);
        Some(buf.clone())
    }));
    for (i, input) in inputs.take(iterations as usize).enumerate() {
        bytes += input.len() as u64;
        let failure = match catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(Ok(())) => continue,
            Ok(Err(broken)) => broken,
            Err(_) => "panic (message above)".to_string(),
        };
        let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
        return Err(format!(
            "input #{i} broke an invariant: {failure}\ninput hex: {hex}"
        ));
    }
    Ok(Outcome {
        inputs: iterations,
        bytes,
        elapsed: start.elapsed(),
    })
}

/// `[ITERATIONS] [SEED]` from the command line, with defaults.
pub fn args(default_iterations: u64) -> (u64, u64) {
    let mut args = std::env::args().skip(1);
    let iterations = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_iterations);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(0x5EED);
    (iterations, seed)
}

/// Run each named check of a `fuzz_smoke` example on inputs mutated from its seed
/// directory under `seeds_root` (the repository's `fuzz/seeds`), printing one line per
/// check; false at the first failure (printed to stderr).
pub fn run_all(seeds_root: &Path, checks: &[NamedCheck<'_>], iterations: u64, seed: u64) -> bool {
    for (target, dict, check) in checks {
        let seeds = read_seeds(&seeds_root.join(target));
        let mut rng = Rng::new(seed);
        match run(&mut rng, iterations, &seeds, dict, check) {
            Ok(o) => println!(
                "fuzz_smoke {target}: {} inputs ({} bytes, mutated from {} seeds) clean in \
                 {:.1?} (seed {seed})",
                o.inputs,
                o.bytes,
                seeds.len(),
                o.elapsed
            ),
            Err(failure) => {
                eprintln!("fuzz_smoke {target} (seed {seed}): {failure}");
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_check_is_reported_with_its_input() {
        let seeds = vec![b"ab".to_vec()];
        let mut rng = Rng::new(1);
        let err = run(&mut rng, 10, &seeds, &[], |d| {
            if d == b"ab" {
                Err("found".into())
            } else {
                Ok(())
            }
        })
        .expect_err("the seed itself fails");
        assert!(err.contains("found") && err.contains("6162"), "{err}");
        let ok = run(&mut rng, 50, &seeds, &["x"], |_| Ok(())).expect("clean");
        assert_eq!(ok.inputs, 50);
    }
}
