//! `/`: the status page for people. One card per UPS with its state in words and colour
//! (communication lost and stale data in red / amber, on battery in orange), battery charge,
//! runtime, load and input voltage. Plain HTML and inline CSS: no script, nothing fetched
//! (the response's CSP forbids both), a meta refresh every [`REFRESH_SECONDS`], a single
//! column on a phone.

use std::fmt::Write as _;

use super::view::{ServerView, UpsView};

/// How often the page reloads itself.
pub const REFRESH_SECONDS: u32 = 10;

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;padding:1rem;font:16px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;background:#f4f5f7;color:#1d2330}\
h1{font-size:1.3rem;margin:0 0 .2rem}\
p.meta{margin:0 0 1rem;color:#5b6472;font-size:.85rem}\
main{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}\
section.ups{background:#fff;border-radius:.6rem;border-left:.5rem solid #2e7d32;padding:.8rem 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
section.ups h2{font-size:1.1rem;margin:0;word-break:break-all}\
section.ups p.desc{margin:0 0 .5rem;color:#5b6472;font-size:.85rem}\
.state{display:inline-block;font-weight:700;padding:.15rem .5rem;border-radius:.3rem;color:#fff;background:#2e7d32;margin-bottom:.5rem}\
section.onbatt{border-left-color:#ef6c00}.onbatt .state{background:#ef6c00}\
section.lowbatt,section.commlost{border-left-color:#c62828}.lowbatt .state,.commlost .state{background:#c62828}\
section.stale{border-left-color:#f9a825}.stale .state{background:#f9a825;color:#1d2330}\
section.commlost,section.stale{background:#fff4f4}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:0}\
dt{color:#5b6472}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}\
@media (prefers-color-scheme:dark){body{background:#15181e;color:#e6e8eb}section.ups{background:#1f242c}section.commlost,section.stale{background:#2a1f22}p.meta,section.ups p.desc,dt{color:#9aa3ad}}";

/// The page.
pub fn render(view: &ServerView) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <title>UPS status</title><style>{STYLE}</style></head><body>\
         <h1>UPS status</h1><p class=\"meta\">upsd {} &middot; {} UPS &middot; refreshes every {REFRESH_SECONDS} s &middot; \
         <a href=\"/metrics\">metrics</a> &middot; <a href=\"/api/v1/status\">JSON</a></p><main>",
        escape(view.version),
        view.upses.len()
    );
    for u in &view.upses {
        card(&mut out, u);
    }
    if view.upses.is_empty() {
        out.push_str("<p>No UPS is configured.</p>");
    }
    out.push_str("</main></body></html>\n");
    out
}

/// The state in words and the card's class.
fn state(u: &UpsView) -> (&'static str, String) {
    if !u.connected {
        return ("commlost", "COMMUNICATION LOST".into());
    }
    if !u.available() {
        return ("stale", "DATA STALE".into());
    }
    let status = u.value("ups.status").unwrap_or("");
    let has = |f: &str| status.split_whitespace().any(|w| w.eq_ignore_ascii_case(f));
    let words: Vec<&str> = status
        .split_whitespace()
        .map(|w| match w.to_ascii_uppercase().as_str() {
            "OL" => "On line",
            "OB" => "On battery",
            "LB" => "Low battery",
            "HB" => "High battery",
            "RB" => "Replace battery",
            "CHRG" => "Charging",
            "DISCHRG" => "Discharging",
            "BYPASS" => "Bypass",
            "CAL" => "Calibrating",
            "OFF" => "Off",
            "OVER" => "Overload",
            "TRIM" => "Trimming",
            "BOOST" => "Boosting",
            "FSD" => "Forced shutdown",
            "ALARM" => "Alarm",
            "WAIT" => "Waiting for driver",
            _ => w,
        })
        .collect();
    let class = if has("LB") || has("FSD") || has("OVER") {
        "lowbatt"
    } else if has("OB") {
        "onbatt"
    } else {
        "online"
    };
    let text = if words.is_empty() {
        "Unknown".to_string()
    } else {
        words.join(", ")
    };
    (class, text)
}

fn card(out: &mut String, u: &UpsView) {
    let (class, text) = state(u);
    let _ = write!(
        out,
        "<section class=\"ups {class}\" id=\"ups-{}\"><h2>{}</h2><p class=\"desc\">{}</p>\
         <div class=\"state\">{}</div><dl>",
        escape(&u.name),
        escape(&u.name),
        escape(&u.desc),
        escape(&text)
    );
    let row = |out: &mut String, label: &str, value: Option<String>| {
        let _ = write!(
            out,
            "<dt>{label}</dt><dd>{}</dd>",
            escape(value.as_deref().unwrap_or("\u{2014}"))
        );
    };
    row(
        out,
        "Battery",
        u.value("battery.charge").map(|v| format!("{v} %")),
    );
    row(out, "Runtime", u.value("battery.runtime").map(runtime));
    row(out, "Load", u.value("ups.load").map(|v| format!("{v} %")));
    row(
        out,
        "Input",
        u.value("input.voltage").map(|v| format!("{v} V")),
    );
    let age = u.age.map(|a| format!("{} s ago", a.as_secs()));
    row(out, "Last update", age);
    out.push_str("</dl></section>");
}

/// `battery.runtime` (seconds) as minutes and seconds when it is a number.
fn runtime(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => {
            let s = s as u64;
            format!("{} min {:02} s", s / 60, s % 60)
        }
        _ => v.to_string(),
    }
}

/// Text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_text() {
        assert_eq!(
            escape("<script>\"x\"&'"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;"
        );
    }

    #[test]
    fn runtime_reads_as_minutes() {
        assert_eq!(runtime("3725"), "62 min 05 s");
        assert_eq!(runtime("n/a"), "n/a");
    }
}
