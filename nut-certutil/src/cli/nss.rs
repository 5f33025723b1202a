//! NSS `certutil` command lines, verbatim: `-N -S -R -C -A -L -K -M -D -F -V -W` mapped onto
//! the subcommand modules (the options are parsed by [`super::nss_args`]).

use anyhow::{Context, Result, bail};
use nut_certutil::tls::Usage;
use nut_certutil::trust::TrustFlags;

use super::database::{open, open_ro};
use super::io::{Questions, read_input, write_der_or_pem, write_output};
use super::nss_args::NssArgs;
pub use super::nss_args::is_nss_command_line;
use super::{
    delete, export, import, init, issue, list, passwd, request, show, sign, trust, verify,
};

/// Run an NSS command line. Returns the exit code.
pub fn run(args: &[String]) -> Result<i32> {
    let a = NssArgs::parse(args)?;
    let Some(cmd) = a.command else {
        bail!("no command given (use -N, -S, -R, -C, -A, -L, -K, -M, -D, -V or -W)")
    };
    if cmd == 'H' {
        println!("{}", super::USAGE);
        return Ok(0);
    }
    if let Some(z) = a.opt('z') {
        // Noise files are accepted for compatibility; ring's generator does not need them.
        std::fs::metadata(z).with_context(|| format!("noise file {z}"))?;
    }
    a.check_hash()?;
    let dir = a.dir()?;
    let pw = a.passwords();
    // `-a`: PEM under this label, else DER.
    let armour = |label| a.flag('a').then_some(label);
    match cmd {
        'N' => {
            init::run(&dir, &pw)?;
        }
        'S' => {
            let mut store = open(&dir)?;
            let nickname = a.need('n', "a nickname")?;
            let subject = a.need('s', "a subject")?.to_string();
            let trust = a.trust()?;
            let issuer = if a.flag('x') {
                None
            } else {
                Some(a.need('c', "an issuer (-c) or -x")?)
            };
            let role = a.role(&mut Questions::stdin());
            let spec = a.new_cert(subject, role)?;
            eprintln!("\n\nGenerating key.  This may take a few moments...\n");
            issue::run(&mut store, &pw, nickname, trust, issuer, &spec)?;
        }
        'R' => {
            let mut store = open(&dir)?;
            let subject = a.need('s', "a subject")?;
            eprintln!("\n\nGenerating key.  This may take a few moments...\n");
            let der = request::run(&mut store, &pw, subject, &a.sans(), a.key_algorithm()?)?;
            write_der_or_pem(a.out(), &der, armour("NEW CERTIFICATE REQUEST"))?;
        }
        'C' => {
            let store = open_ro(&dir)?;
            let issuer = a.need('c', "the issuer nickname")?;
            let request = read_input(a.input())?;
            let role = a.role(&mut Questions::stdin());
            let spec = a.new_cert(String::new(), role)?;
            let der = sign::run(&store, &pw, issuer, &request, &spec)?;
            write_der_or_pem(a.out(), &der, armour("CERTIFICATE"))?;
        }
        'A' => {
            let mut store = open(&dir)?;
            let nickname = a.need('n', "a nickname")?;
            let trust = a.trust()?;
            if trust != TrustFlags::NONE {
                // Granting trust needs the database password, as in NSS.
                pw.unlock(&store)?;
            }
            let data = read_input(a.input())?;
            import::run(&mut store, &pw, nickname, &data, trust)?;
        }
        'L' => {
            let store = open_ro(&dir)?;
            match a.opt('n') {
                None => write_output(a.out(), list::format_list(&store)?.as_bytes(), 0o644)?,
                Some(n) => {
                    let rec = store.certificate(n)?;
                    if a.flag('a') || a.flag('r') {
                        export::export_cert(&rec, a.flag('a'), a.out())?;
                    } else {
                        write_output(a.out(), show::describe(&rec)?.as_bytes(), 0o644)?;
                    }
                }
            }
        }
        'K' => list::nss_keys(&open_ro(&dir)?, &pw)?,
        'M' => {
            let mut store = open(&dir)?;
            trust::run(&mut store, &pw, a.need('n', "a nickname")?, || a.trust())?;
        }
        'D' => delete::run(&mut open(&dir)?, &pw, a.need('n', "a nickname")?, false)?,
        'F' => delete::run(&mut open(&dir)?, &pw, a.need('n', "a nickname")?, true)?,
        'V' => {
            let store = open_ro(&dir)?;
            let usages = || {
                a.need('u', "a usage")?
                    .chars()
                    .map(|u| match u {
                        'V' => Ok(Usage::Server),
                        'C' => Ok(Usage::Client),
                        other => {
                            bail!("usage '{other}' is not supported (V: SSL server, C: SSL client)")
                        }
                    })
                    .collect()
            };
            let nickname = a.need('n', "a nickname")?;
            if let Some(e) = verify::run(&store, &pw, nickname, usages)? {
                println!("certutil: certificate is invalid: {e}");
                return Ok(255);
            }
            println!("certutil: certificate is valid");
        }
        'W' => {
            passwd::run(&mut open(&dir)?, &pw)?;
            println!("Password changed successfully.");
        }
        other => bail!("command -{other} is not supported"),
    }
    Ok(0)
}
