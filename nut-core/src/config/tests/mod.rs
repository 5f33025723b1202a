//! Config parser tests on real-looking files (config.md examples, NUT's NIT sandbox files) and
//! broken ones: every error names the file and the line.

use std::path::Path;

use super::ConfigError;

mod ups_conf;
mod upsd_conf;
mod upsd_users;
mod upsmon_conf;

/// Assert that `result` failed at `line` of `file` with a message containing `needle`, and
/// that the Display form is `<file>:<line>: ...`.
#[track_caller]
fn assert_error<T: std::fmt::Debug>(
    result: Result<T, ConfigError>,
    file: &str,
    line: usize,
    needle: &str,
) {
    let err = result.expect_err("the parser should refuse this file");
    assert_eq!(err.file, Path::new(file), "{err}");
    assert_eq!(err.line, line, "{err}");
    assert!(
        err.message.contains(needle),
        "{err:?} should mention {needle:?}"
    );
    assert!(
        err.to_string().starts_with(&format!("{file}:{line}: ")),
        "{err}"
    );
}

#[test]
fn crlf_and_missing_final_newline() {
    use super::{UpsConf, UpsdConf};
    let c = UpsConf::parse(
        "maxretry = 3\r\n[u]\r\n\tdriver = d\r\n\tport = p",
        Path::new("ups.conf"),
    )
    .unwrap();
    assert_eq!(c.globals.maxretry, 3);
    assert_eq!(c.sections[0].port, "p");
    let c = UpsdConf::parse("MAXAGE 20\r\nLISTEN ::1 3494", Path::new("upsd.conf")).unwrap();
    assert_eq!(c.maxage.as_secs(), 20);
    assert_eq!(c.listen[0].port, 3494);
}

#[test]
fn continued_lines_report_their_first_line() {
    use super::UpsmonConf;
    let text = "POLLFREQ 5\nMONITOR ups@host 1 \\\nuser \\\npass boss\nDEADTIME 15\n";
    assert_error(
        UpsmonConf::parse(text, Path::new("upsmon.conf")),
        "upsmon.conf",
        2,
        "invalid role",
    );
    // Indented continuation lines start with an empty word (C NUT's tokenizer does the same).
    let text = "MONITOR ups@host 1 \\\n  user pass primary\n";
    assert_error(
        UpsmonConf::parse(text, Path::new("upsmon.conf")),
        "upsmon.conf",
        1,
        "one is empty",
    );
    // An unclosed quote runs on to the next lines; the error is still reported where it began.
    let text = "MAXAGE 15\nCERTIDENT \"name\n#x\" pw\n";
    assert_error(
        super::UpsdConf::parse(text, Path::new("upsd.conf")),
        "upsd.conf",
        2,
        "parse error",
    );
}

proptest::proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1500)) {
        let text = String::from_utf8_lossy(&bytes);
        let file = Path::new("fuzz.conf");
        let _ = super::UpsConf::parse(&text, file);
        let _ = super::UpsdConf::parse(&text, file);
        let _ = super::UpsdUsers::parse(&text, file);
        if let Ok(c) = super::UpsmonConf::parse(&text, file) {
            let _ = c.validate();
        }
    }

    #[test]
    fn parsers_never_panic_on_config_like_text(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                "[A-Z_]{1,12}( [-a-z0-9@:.\\[\\]'\"+=%#]{0,12}){0,6}",
                "\\[[a-z]{0,5}\\]",
                "[a-z._]{1,10} = [-a-z0-9 \"]{0,10}",
            ],
            0..20,
        )
    ) {
        let text = lines.join("\n");
        let file = Path::new("fuzz.conf");
        for err in [
            super::UpsConf::parse(&text, file).err(),
            super::UpsdConf::parse(&text, file).err(),
            super::UpsdUsers::parse(&text, file).err(),
            super::UpsmonConf::parse(&text, file).err(),
        ].into_iter().flatten() {
            // Every error points into the file.
            proptest::prop_assert!(err.line >= 1 && err.line <= lines.len().max(1), "{}", err);
            proptest::prop_assert!(err.to_string().starts_with("fuzz.conf:"));
        }
    }
}
