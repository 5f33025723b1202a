//! STARTTLS: the answer, no plaintext after `OK STARTTLS`, the handshake, the version, the
//! certificate (name, validity, chain to the given CAs), PROTVER and STARTTLS inside TLS.
//! The TLS configs come from nut-certutil, as for every rnut client.

use std::time::Duration;

use nut_certutil::certinfo::CertInfo;
use nut_certutil::tls::names::{
    certificate_matches_certname, certificate_matches_host, certificate_names,
};
use nut_certutil::tls::{CertHostRule, ClientTlsSettings, build_client_config};

use super::is_version_line;
use crate::outcome::Outcome;
use crate::probe::{Answer, Probe};
use crate::run::Ctx;

/// How long to listen for bytes a server wrongly sends after `OK STARTTLS` before our
/// ClientHello: a correct server sends nothing, so this is waited in full once.
const PLAINTEXT_WINDOW: Duration = Duration::from_millis(500);

const AFTER_OK: [&str; 9] = [
    "starttls.no-plaintext",
    "tls.handshake",
    "tls.version",
    "tls.version13",
    "tls.protver",
    "tls.name",
    "tls.validity",
    "tls.chain",
    "tls.starttls-twice",
];

pub(super) async fn run(ctx: &mut Ctx) {
    let expected = "OK STARTTLS, or ERR FEATURE-NOT-CONFIGURED / FEATURE-NOT-SUPPORTED";
    let mut p = match starttls(ctx).await {
        Ok((p, a)) if a.line().is_some_and(|l| l.is(&["OK", "STARTTLS"])) => {
            ctx.record("starttls.answer", Outcome::pass());
            ctx.record("starttls.offered", Outcome::pass());
            p
        }
        Ok((p, a)) => {
            p.close().await;
            if a.is_err("FEATURE-NOT-CONFIGURED") || a.is_err("FEATURE-NOT-SUPPORTED") {
                ctx.record("starttls.answer", Outcome::Pass(a.text()));
                ctx.record(
                    "starttls.offered",
                    Outcome::fail("STARTTLS", "OK STARTTLS", a.text()),
                );
            } else {
                ctx.record(
                    "starttls.answer",
                    Outcome::fail("STARTTLS", expected, a.text()),
                );
            }
            skip_rest(ctx, "the server did not answer OK STARTTLS");
            return;
        }
        Err(e) => {
            ctx.record("starttls.answer", Outcome::fail("STARTTLS", expected, e));
            skip_rest(ctx, "no STARTTLS session");
            return;
        }
    };
    let early = p.next_within(PLAINTEXT_WINDOW).await;
    let plaintext = match &early {
        Answer::Silent if !p.has_pending_bytes() => Outcome::pass(),
        Answer::Silent => Outcome::fail(
            "STARTTLS",
            "nothing until the client's ClientHello",
            "a partial plaintext line",
        ),
        other => Outcome::fail(
            "STARTTLS",
            "nothing until the client's ClientHello",
            other.text(),
        ),
    };
    ctx.record("starttls.no-plaintext", plaintext);
    if matches!(early, Answer::Closed | Answer::Broken(_)) {
        ctx.record(
            "tls.handshake",
            Outcome::fail("STARTTLS", "a TLS handshake", early.text()),
        );
        skip_rest(ctx, "no TLS session");
        return;
    }
    let unverified = ClientTlsSettings {
        certverify: Some(false),
        forcessl: Some(false),
        certhosts: Vec::new(),
        ..ctx.settings.tls.clone()
    };
    let host = ctx.settings.target.host.clone();
    let policy = match build_client_config(&unverified, &host, ctx.settings.target.port) {
        Ok(p) => p,
        Err(e) => {
            ctx.record(
                "tls.handshake",
                Outcome::skip(format!("TLS options not usable: {e}")),
            );
            skip_rest(ctx, "no TLS session");
            return;
        }
    };
    p = match p.handshake(&policy).await {
        Ok(p) => p,
        Err(e) => {
            ctx.record(
                "tls.handshake",
                Outcome::fail(
                    "STARTTLS, ClientHello (TLS 1.2 and 1.3)",
                    "a completed handshake",
                    e.to_string(),
                ),
            );
            skip_rest(ctx, "no TLS session");
            return;
        }
    };
    ctx.record("tls.handshake", Outcome::pass());
    let session = p.tls_session();
    let version = session
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |s| s.version.clone());
    let o = if matches!(version.as_str(), "TLSv1_2" | "TLSv1_3") {
        Outcome::Pass(version.clone())
    } else {
        Outcome::fail("ClientHello", "TLS 1.2 or 1.3", version.clone())
    };
    ctx.record("tls.version", o);
    let o = if version == "TLSv1_3" {
        Outcome::pass()
    } else {
        Outcome::fail("ClientHello offering TLS 1.3 and 1.2", "TLSv1_3", version)
    };
    ctx.record("tls.version13", o);
    let a = p.ask("PROTVER").await;
    let o = super::judge(
        "PROTVER (in TLS)",
        "a version such as 1.3",
        &a,
        is_version_line,
    );
    ctx.record("tls.protver", o);
    let a = p.ask("STARTTLS").await;
    let o = super::judge("STARTTLS (in TLS)", "ERR ALREADY-SSL-MODE", &a, |l| {
        l.is_err("ALREADY-SSL-MODE")
    });
    ctx.record("tls.starttls-twice", o);
    p.close().await;
    certificate(ctx, session.and_then(|s| s.peer_chain.into_iter().next())).await;
}

/// A fresh session that has sent STARTTLS, with the reply.
async fn starttls(ctx: &Ctx) -> Result<(Probe, Answer), String> {
    let mut p = ctx.bare_session().await?;
    let a = p.ask("STARTTLS").await;
    Ok((p, a))
}

fn skip_rest(ctx: &mut Ctx, why: &str) {
    for id in AFTER_OK {
        ctx.record(id, Outcome::skip(why));
    }
}

async fn certificate(
    ctx: &mut Ctx,
    leaf: Option<nut_certutil::rustls::pki_types::CertificateDer<'static>>,
) {
    let Some(info) = leaf.and_then(|d| CertInfo::parse(d.as_ref()).ok()) else {
        ctx.record(
            "tls.name",
            Outcome::fail("STARTTLS", "a server certificate", "none that parses"),
        );
        ctx.record("tls.validity", Outcome::skip("no certificate"));
        return;
    };
    let host = ctx.settings.target.host.clone();
    let o = match &ctx.settings.certname {
        Some(name) if certificate_matches_certname(&info, name) => Outcome::pass(),
        Some(name) => Outcome::fail(
            "STARTTLS",
            format!("a certificate for {name}"),
            certificate_names(&info),
        ),
        None if certificate_matches_host(&info, &host) => Outcome::pass(),
        None => Outcome::fail(
            "STARTTLS",
            format!("a certificate for {host}"),
            certificate_names(&info),
        ),
    };
    ctx.record("tls.name", o);
    let now = nut_certutil::time::OffsetDateTime::now_utc();
    let o = if info.not_before <= now && now <= info.not_after {
        Outcome::pass()
    } else {
        Outcome::fail(
            "STARTTLS",
            "a certificate valid now",
            format!("valid from {} to {}", info.not_before, info.not_after),
        )
    };
    ctx.record("tls.validity", o);
    let o = chain(ctx).await;
    ctx.record("tls.chain", o);
}

/// A second session, verifying with the TLS options given.
async fn chain(ctx: &Ctx) -> Outcome {
    if ctx.settings.tls.certpath.is_none() {
        return Outcome::skip("no CAs given (--certpath)");
    }
    let host = ctx.settings.target.host.clone();
    let port = ctx.settings.target.port;
    let mut settings = ClientTlsSettings {
        certverify: Some(true),
        ..ctx.settings.tls.clone()
    };
    if let Some(name) = &ctx.settings.certname {
        settings.certhosts.push(CertHostRule {
            host: host.clone(),
            port: Some(port),
            cert_name: name.clone(),
            certverify: true,
            forcessl: true,
        });
    }
    let policy = match build_client_config(&settings, &host, port) {
        Ok(p) => p,
        Err(e) => return Outcome::skip(format!("TLS options not usable: {e}")),
    };
    let (p, a) = match starttls(ctx).await {
        Ok(x) => x,
        Err(e) => return Outcome::fail("STARTTLS", "OK STARTTLS", e),
    };
    if !a.line().is_some_and(|l| l.is(&["OK", "STARTTLS"])) {
        return Outcome::fail("STARTTLS", "OK STARTTLS", a.text());
    }
    match p.handshake(&policy).await {
        Ok(p) => {
            p.close().await;
            Outcome::pass()
        }
        Err(e) => Outcome::fail(
            "STARTTLS, verified handshake",
            "a certificate that verifies",
            e.to_string(),
        ),
    }
}
