//! Stable-toolchain stand-in for the cargo-fuzz targets in `fuzz/` (cargo-fuzz needs a
//! nightly compiler): feeds pseudo-random, protocol-shaped byte strings to the same checks
//! (`nut_core::net::fuzzing`), then inputs mutated from the committed seeds of the
//! `config_files` and `driver_socket` targets to `nut_core::config::fuzzing` and
//! `nut_core::sock::fuzzing`, and stops at the first broken invariant or panic.
//!
//! ```text
//! cargo run -p nut-core --release --example fuzz_smoke -- [ITERATIONS] [SEED]
//! ```
//! Defaults: 1,000,000 inputs per check, seed 0x5EED. Exit status 1 on failure, with the
//! input in hex.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::Instant;

use nut_core::config::fuzzing::check_config_selected;
use nut_core::net::fuzzing::{check_reply_parser, check_request_parser, check_tokenizer};
use nut_core::net::{Reply, Request};
use nut_core::smoke::{self, Rng};
use nut_core::sock::fuzzing::check_driver_socket_selected;
use nut_core::words::{Event, Tokenizer};

/// First words besides the request keywords (see [`Words`]): keywords in other cases, reply
/// keywords, junk.
const FIRST_OTHER: &[&str] = &[
    "get",
    "List",
    "set",
    "instcmd",
    "OK",
    "ERR",
    "ON",
    "OFF",
    "PENDING",
    "SUCCESS",
    "BEGIN",
    "END",
    "CAPABILITIES",
    "NOTIFY",
    "1.3",
    "Network",
    "FROB",
];

/// The words inputs are made of: first words (the first and second keyword of every NUT
/// request, as in `GET VAR` and its reply `VAR`, then [`FIRST_OTHER`]) and later words (the
/// second keywords again, then [`DICT_OTHER`]).
struct Words {
    first: Vec<&'static str>,
    dict: Vec<&'static str>,
}

impl Words {
    fn new() -> Words {
        let keywords = |at: usize| {
            let mut out: Vec<&'static str> = Vec::new();
            for name in Request::NUT_NAMES {
                if let Some(word) = name.split(' ').nth(at).filter(|w| !out.contains(w)) {
                    out.push(word);
                }
            }
            out
        };
        let (first, second) = (keywords(0), keywords(1));
        Words {
            first: [first.as_slice(), &second, FIRST_OTHER].concat(),
            dict: [second.as_slice(), DICT_OTHER].concat(),
        }
    }
}

/// Later words besides the second keywords of requests: other cases, reply words, names,
/// values (some quoted or escaped), numbers, ids.
const DICT_OTHER: &[&str] = &[
    "ON",
    "OFF",
    "LIST",
    "var",
    "tracking",
    "on",
    "off",
    "enum",
    "Goodbye",
    "STARTTLS",
    "FSD-SET",
    "PRIMARY-GRANTED",
    "MASTER-GRANTED",
    "ACCESS-DENIED",
    "UNKNOWN-UPS",
    "UNKNOWN",
    "FAILED",
    "NEW-CODE",
    "STRING:8",
    "STRING:08",
    "NUMBER",
    "1BD31808-CB49-4AEC-9D75-D056E6F018D2",
    "6d6c2b7e-3c0a-4f51-9a43-0e1f55d2b8c1",
    "myups",
    "MyUps",
    "ups.status",
    "input.transfer.low",
    "load.off",
    "0",
    "-5",
    "123",
    "+1",
    "007",
    "\"OL LB\"",
    "\"\"",
    "\"a \\\"b\\\" \\\\ \\#3\"",
    "a=b",
    "=",
    "\\ x",
    "::1",
    "127.0.0.1",
    "\"250\"",
    "\"-1\"",
    "P@ss",
    "Tools",
];

/// Bytes the tokenizer treats specially, and some it filters out.
const SPECIAL: &[u8] = b" \t\r\n\"\\#=\x00\x01\x0b\x7f\xff\xc3";

fn random_bytes(rng: &mut Rng, dict: &[&str], buf: &mut Vec<u8>) {
    for _ in 0..rng.below(6) {
        match rng.below(4) {
            0 => buf.extend_from_slice(dict[rng.below(dict.len())].as_bytes()),
            1 => buf.push(SPECIAL[rng.below(SPECIAL.len())]),
            _ => buf.push(rng.next_u64() as u8),
        }
    }
}

/// One input: a few lines, most shaped like requests or replies (a keyword, then words from
/// the dictionary), some random, a few with words over 512 bytes or more than 32 words, then
/// a few random byte flips.
fn generate(rng: &mut Rng, words: &Words, buf: &mut Vec<u8>) {
    buf.clear();
    for _ in 0..=rng.below(6) {
        match rng.below(20) {
            0..=13 => {
                buf.extend_from_slice(words.first[rng.below(words.first.len())].as_bytes());
                for _ in 0..rng.below(6) {
                    buf.push(if rng.below(10) == 0 { b'\t' } else { b' ' });
                    if rng.below(8) == 0 {
                        random_bytes(rng, &words.dict, buf);
                    } else {
                        buf.extend_from_slice(words.dict[rng.below(words.dict.len())].as_bytes());
                    }
                }
            }
            14..=17 => random_bytes(rng, &words.dict, buf),
            _ => {
                let byte = match rng.below(3) {
                    0 => b'x',
                    1 => b'w',
                    _ => SPECIAL[rng.below(SPECIAL.len())],
                };
                let len = rng.below(1200);
                if rng.below(2) == 0 {
                    buf.extend_from_slice(b"SET VAR u v ");
                    buf.extend(std::iter::repeat_n(byte, len));
                } else {
                    for _ in 0..len / 16 {
                        buf.extend_from_slice(b"w ");
                    }
                }
            }
        }
        if rng.below(12) != 0 {
            buf.push(b'\n');
        }
    }
    if !buf.is_empty() {
        for _ in 0..rng.below(3) {
            let at = rng.below(buf.len());
            buf[at] = rng.next_u64() as u8;
        }
    }
}

fn main() -> ExitCode {
    let (iterations, seed) = smoke::args(1_000_000);
    let mut rng = Rng::new(seed);
    let mut buf = Vec::new();
    let words = Words::new();
    let (mut bytes, mut lines, mut requests_ok, mut replies_ok) = (0u64, 0u64, 0u64, 0u64);
    let start = Instant::now();

    for i in 0..iterations {
        generate(&mut rng, &words, &mut buf);
        bytes += buf.len() as u64;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            check_tokenizer(&buf)?;
            check_request_parser(&buf)?;
            check_reply_parser(&buf)
        }));
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(broken)) => Some(broken),
            Err(_) => Some("panic (message above)".to_string()),
        };
        if let Some(failure) = failure {
            let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
            eprintln!("input #{i} (seed {seed}) broke an invariant: {failure}");
            eprintln!("input hex: {hex}");
            return ExitCode::FAILURE;
        }
        // Statistics, to show the inputs reach the parsers and not only the tokenizer.
        let mut tok = Tokenizer::new();
        let mut events = tok.feed_all(&buf);
        events.extend(tok.finish());
        for ev in events {
            if let Event::Line(words) = ev {
                lines += 1;
                requests_ok += u64::from(Request::parse(&words).is_ok());
                replies_ok += u64::from(Reply::parse(&words).is_ok());
            }
        }
    }
    println!(
        "fuzz_smoke: {iterations} inputs ({bytes} bytes, {lines} lines: {requests_ok} valid \
         requests, {replies_ok} valid replies) ran clean through check_tokenizer, \
         check_request_parser and check_reply_parser in {:.1?} (seed {seed})",
        start.elapsed()
    );
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let checks: [smoke::NamedCheck; 2] = [
        ("config_files", CONFIG_DICT, check_config_selected),
        ("driver_socket", SOCK_DICT, check_driver_socket_selected),
    ];
    if smoke::run_all(&seeds, &checks, iterations, seed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Config directives and values for the config mutator.
const CONFIG_DICT: &[&str] = &[
    "[ups]\n",
    "driver = ",
    "port = ",
    "MONITOR ",
    "LISTEN ",
    "MAXAGE ",
    "MAXCONN ",
    "CERTIDENT ",
    "CERTPATH ",
    "CERTHOST ",
    "password = ",
    "actions = ",
    "instcmds = ",
    "upsmon primary",
    "NOTIFYFLAG ",
    "NOTIFYMSG ",
    "SHUTDOWNCMD ",
    "MINSUPPLIES ",
    "\"",
    "\\\n",
    "4000000000000",
    "-1",
    "0",
    "=",
    "[",
    "]",
    "ALL",
    "@",
    "[::1]:3493",
];

/// Driver socket keywords for the driver socket mutator.
const SOCK_DICT: &[&str] = &[
    "SETINFO ",
    "DELINFO ",
    "ADDENUM ",
    "DELENUM ",
    "ADDRANGE ",
    "DELRANGE ",
    "SETAUX ",
    "SETFLAGS ",
    "ADDCMD ",
    "DELCMD ",
    "DATAOK\n",
    "DATASTALE\n",
    "DUMPDONE\n",
    "PONG\n",
    "TRACKING ",
    "PENDING",
    "PID ",
    "OK Goodbye\n",
    "INSTCMD ",
    "SET ",
    "DUMPALL\n",
    "DUMPVALUE ",
    "BROADCAST ",
    " RW",
    " STRING",
    " NUMBER",
    "\"",
    "2147483648",
    "\n",
];
