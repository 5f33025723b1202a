//! `/api/v1/...`: the view as JSON. Where `upsc -j` prints the same thing, the shape is
//! the same (`/api/v1/ups` is `upsc -L -j`, `/api/v1/ups/<name>` is `upsc -j <name>`,
//! `.../clients` is `upsc -c -j`, `/api/v1/all` is `upsc -a -j`); the rest adds what the
//! NUT protocol spreads over several commands (types and descriptions, link state).

use nut_core::json::Json;

use super::response::{Response, content_type};
use super::view::{ServerView, UpsView};
use crate::descriptions::Descriptions;

/// The JSON answer for `path` (after `/api/v1`), or `None` for a path that is not there.
pub fn respond(path: &str, view: &ServerView, descriptions: &Descriptions) -> Option<Response> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let json = match parts.as_slice() {
        ["ups"] => Json::object(
            view.upses
                .iter()
                .map(|u| (u.name.clone(), Json::str(&u.desc))),
        ),
        ["all"] => Json::object(view.upses.iter().map(|u| {
            let value = match unavailable_reason(u) {
                None => vars(u),
                Some(reason) => Json::object([("error", Json::str(reason))]),
            };
            (u.name.clone(), value)
        })),
        ["status"] => status(view),
        ["ups", name, rest @ ..] => {
            let ups = view.ups(name)?;
            match rest {
                [] if !ups.available() => return Some(unavailable(ups)),
                [] => vars(ups),
                ["clients"] => Json::Array(
                    ups.clients
                        .iter()
                        .map(|a| Json::str(a.to_string()))
                        .collect(),
                ),
                ["variables"] | ["commands"] if !ups.available() => return Some(unavailable(ups)),
                ["variables"] => Json::Array(
                    ups.vars
                        .iter()
                        .map(|v| {
                            Json::object([
                                ("name", Json::str(&v.name)),
                                ("value", Json::str(&v.value)),
                                (
                                    "type",
                                    Json::Array(v.types().into_iter().map(Json::Str).collect()),
                                ),
                                ("description", Json::str(descriptions.var(&v.name))),
                            ])
                        })
                        .collect(),
                ),
                ["commands"] => Json::Array(
                    ups.commands
                        .iter()
                        .map(|c| {
                            Json::object([
                                ("name", Json::str(c)),
                                ("description", Json::str(descriptions.cmd(c))),
                            ])
                        })
                        .collect(),
                ),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(Response::ok(content_type::JSON, json.render() + "\n"))
}

/// `upsc -j <ups>`: every variable and its value.
fn vars(ups: &UpsView) -> Json {
    Json::object(
        ups.vars
            .iter()
            .map(|v| (v.name.clone(), Json::str(&v.value))),
    )
}

/// Why `upsc` cannot read the UPS, in libupsclient's words (`None`: it can).
fn unavailable_reason(ups: &UpsView) -> Option<&'static str> {
    match (ups.available(), ups.connected) {
        (true, _) => None,
        (false, true) => Some("Data stale"),
        (false, false) => Some("Driver not connected"),
    }
}

/// 503 with `upsc -j`'s error shape and the protocol's reason.
fn unavailable(ups: &UpsView) -> Response {
    let reason = unavailable_reason(ups).unwrap_or("Data stale");
    let body = Json::object([("error", Json::str(reason))]).render() + "\n";
    Response {
        status: 503,
        content_type: content_type::JSON,
        body: body.into_bytes(),
    }
}

/// Link state and the figures people look at, per UPS (what the status page shows).
pub fn status(view: &ServerView) -> Json {
    let upses = view.upses.iter().map(|u| {
        let opt = |name: &str| u.value(name).map_or(Json::Null, Json::str);
        (
            u.name.clone(),
            Json::object([
                ("description", Json::str(&u.desc)),
                ("driver_connected", Json::Bool(u.connected)),
                ("data_stale", Json::Bool(!u.available())),
                (
                    "last_update_age_seconds",
                    u.age.map_or(Json::Null, |a| Json::Number(a.as_secs_f64())),
                ),
                ("status", opt("ups.status")),
                ("battery_charge", opt("battery.charge")),
                ("battery_runtime", opt("battery.runtime")),
                ("ups_load", opt("ups.load")),
                ("input_voltage", opt("input.voltage")),
                ("clients", Json::Int(u.clients.len() as u64)),
            ]),
        )
    });
    Json::object([
        (
            "server",
            Json::object([
                ("version", Json::str(view.version)),
                ("maxage_seconds", Json::Int(view.maxage.as_secs())),
            ]),
        ),
        ("ups", Json::object(upses)),
    ])
}
