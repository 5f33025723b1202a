//! `upsc`: show UPS variables (C NUT's output formats, byte for byte), list UPSes (`-l`,
//! `-L`) and clients (`-c`), or print JSON (`-j`).

use std::io::Write;

use clap::Parser;

use super::common_args::CommonArgs;
use super::json;
use crate::client::ClientError;

/// upsc command line.
#[derive(Debug, Parser)]
#[command(
    name = "upsc",
    disable_version_flag = true,
    about = "Demo program to display UPS variables."
)]
pub struct Args {
    /// List each UPS on <hostname>, one per line.
    #[arg(short = 'l')]
    pub list: bool,
    /// List each UPS followed by its description.
    #[arg(short = 'L')]
    pub list_verbose: bool,
    /// List each client connected on <ups>, one per line.
    #[arg(short = 'c')]
    pub clients: bool,
    /// JSON output.
    #[arg(short = 'j')]
    pub json: bool,
    /// rnut: every UPS on <hostname> with all its variables (with -j: one JSON document,
    /// {"<ups>": {"<var>": "<value>", ...}, ...}; a UPS that cannot answer has {"error": ...}).
    #[arg(short = 'a', long = "all", conflicts_with_all = ["list", "list_verbose", "clients", "watch"])]
    pub all: bool,
    /// Watch <ups>: print its variables, then each change as the server pushes it (rnut
    /// extension; needs a server that offers WATCH).
    #[arg(short = 'w', conflicts_with_all = ["list", "list_verbose", "clients", "json"])]
    pub watch: bool,
    /// `-V`, TLS options, read credentials.
    #[command(flatten)]
    pub common: CommonArgs,
    /// <upsname>[@<hostname>[:<port>]] (or @/path/to/upsd.sock), or [<hostname>[:<port>]]
    /// with -l/-L.
    pub target: Option<String>,
    /// Show only this variable.
    pub variable: Option<String>,
}

/// What upsc prints on success.
enum Output {
    Lines(Vec<String>),
    Json(String),
}

/// Entry point; returns the exit code.
pub fn main() -> u8 {
    super::init_logging();
    let args = Args::parse();
    if args.common.version {
        println!("{}", nut_core::version::version_line("upsc"));
        return 0;
    }
    let json = args.json;
    let result = super::runtime()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(args)));
    let mut out = std::io::stdout().lock();
    match result {
        Ok(Output::Lines(lines)) => {
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
            0
        }
        Ok(Output::Json(text)) => {
            let _ = writeln!(out, "{text}");
            0
        }
        Err(msg) => {
            // As upstream's upsc -j: the bare reason as JSON on standard output, and the
            // usual `Error: ...` line on standard error.
            if json {
                let reason = msg.strip_prefix("Error: ").unwrap_or(&msg);
                let _ = writeln!(out, "{}", json::object([("error", reason)]));
            }
            eprintln!("{msg}");
            1
        }
    }
}

/// `upsc -a [-j] [<hostname>[:<port>]]`: every UPS and its variables, in `LIST UPS` order.
async fn all_upses(
    args: &Args,
    opts: &crate::client::ConnectOptions,
    creds: Option<&super::read_auth::ReadCredentials>,
) -> Result<Output, String> {
    let hostspec = args.target.as_deref().unwrap_or("localhost");
    let (host, port) = super::parse_host(hostspec)
        .ok_or("Error: invalid hostname.\nRequired format: [hostname[:port]]")?;
    let mut c = super::connect_reading(&host, port, opts, creds)
        .await
        .map_err(err)?;
    let upses = match c.list_ups().await {
        Ok(u) => u,
        Err(e) => {
            c.logout().await;
            return Err(err(e));
        }
    };
    let mut each = Vec::with_capacity(upses.len());
    for (name, _) in upses {
        let vars = c.list_var(&name).await.map_err(|e| e.to_string());
        each.push((name, vars));
    }
    c.logout().await;
    Ok(if args.json {
        Output::Json(
            json::Json::object(each.into_iter().map(|(name, vars)| {
                let value = match vars {
                    Ok(vars) => {
                        json::Json::object(vars.into_iter().map(|(k, v)| (k, json::Json::Str(v))))
                    }
                    Err(reason) => json::Json::object([("error", json::Json::Str(reason))]),
                };
                (name, value)
            }))
            .render(),
        )
    } else {
        let mut lines = Vec::new();
        for (name, vars) in each {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.push(format!("[{name}]"));
            match vars {
                Ok(vars) => lines.extend(vars.into_iter().map(|(k, v)| format!("{k}: {v}"))),
                Err(reason) => lines.push(format!("Error: {reason}")),
            }
        }
        Output::Lines(lines)
    })
}

fn err(e: ClientError) -> String {
    format!("Error: {e}")
}

async fn run(args: Args) -> Result<Output, String> {
    let opts = args
        .common
        .tls
        .connect_options()
        .map_err(|e| format!("Error: {e:#}"))?;
    let creds = args
        .common
        .auth
        .resolve(nut_core::config::paths::process_env)
        .map_err(|e| format!("Error: {e}"))?;
    if args.all {
        return all_upses(&args, &opts, creds.as_ref()).await;
    }
    if args.list || args.list_verbose {
        let hostspec = args.target.as_deref().unwrap_or("localhost");
        let (host, port) = super::parse_host(hostspec)
            .ok_or("Error: invalid hostname.\nRequired format: [hostname[:port]]")?;
        let mut c = super::connect_reading(&host, port, &opts, creds.as_ref())
            .await
            .map_err(err)?;
        let upses = c.list_ups().await.map_err(err);
        c.logout().await;
        let upses = upses?;
        return Ok(if args.json {
            if args.list_verbose {
                Output::Json(json::object(
                    upses.iter().map(|(n, d)| (n.as_str(), d.as_str())),
                ))
            } else {
                Output::Json(json::array(upses.iter().map(|(n, _)| n.as_str())))
            }
        } else if args.list_verbose {
            Output::Lines(
                upses
                    .into_iter()
                    .map(|(n, d)| format!("{n}: {d}"))
                    .collect(),
            )
        } else {
            Output::Lines(upses.into_iter().map(|(n, _)| n).collect())
        });
    }
    let Some(target) = args.target.as_deref() else {
        return Err(
            "Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]".into(),
        );
    };
    let sys = super::parse_system(target)
        .ok_or("Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]")?;
    if let Some(var) = &args.variable {
        if !var.contains('.') && !args.clients {
            return Err("Error: old-style variable names are not supported".into());
        }
    }
    if args.watch {
        super::upsc_watch::watch(&sys, args.variable.as_deref(), &opts).await?;
        return Ok(Output::Lines(Vec::new()));
    }
    let mut c = super::connect_reading(&sys.host, sys.port, &opts, creds.as_ref())
        .await
        .map_err(err)?;
    let out = if args.clients {
        c.list_client(&sys.ups).await.map(|list| {
            if args.json {
                Output::Json(json::array(list.iter().map(String::as_str)))
            } else {
                Output::Lines(list)
            }
        })
    } else if let Some(var) = &args.variable {
        c.get_var(&sys.ups, var).await.map(|v| {
            if args.json {
                Output::Json(json::string(&v))
            } else {
                Output::Lines(vec![v])
            }
        })
    } else {
        c.list_var(&sys.ups).await.map(|vars| {
            if args.json {
                Output::Json(json::object(
                    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ))
            } else {
                Output::Lines(vars.into_iter().map(|(k, v)| format!("{k}: {v}")).collect())
            }
        })
    };
    c.logout().await;
    out.map_err(|e| match e.code() {
        Some(nut_core::net::ErrCode::UnknownCommand) => {
            "Error: upsd is too old to support this query".to_string()
        }
        _ => err(e),
    })
}
