//! SIGHUP for the HTTP side: the HTTPS certificate, HTTP_CERTREQUEST and the certificate
//! expiry figures are read again (upsd.conf and the store, on a blocking thread), so a
//! renewed certificate is served and reported without a restart, as on the NUT port. Whether
//! the port speaks TLS and where it listens stay as started (a restart changes them); on any
//! error the previous set stays in force.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};

use super::HttpShared;
use super::certs::{self, HttpTls};
use crate::shutdown::Shutdown;

/// Reload on every SIGHUP until shutdown.
pub fn spawn(shared: Arc<HttpShared>, mut shutdown: Shutdown) -> std::io::Result<()> {
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = hup.recv() => reload(&shared).await,
                _ = shutdown.recv() => return,
            }
        }
    });
    Ok(())
}

async fn reload(shared: &HttpShared) {
    let loaded = tokio::task::spawn_blocking(|| {
        let conf = crate::settings::load_upsd_conf()?;
        certs::load(&conf)
    })
    .await;
    let next = match loaded {
        Ok(Ok(next)) => next,
        Ok(Err(e)) => {
            let reason = nut_log::error_line(e.as_ref());
            tracing::warn!("HTTP: reload failed, keeping the previous certificates: {reason}");
            return;
        }
        Err(e) => {
            tracing::warn!("HTTP: the reload task failed: {e}");
            return;
        }
    };
    let current = shared.tls();
    let next = match (current.acceptor.is_some(), next.acceptor.is_some()) {
        (true, false) => {
            tracing::warn!(
                "HTTP: HTTP_TLS (or upsd's certificate) is gone from upsd.conf; the HTTPS port keeps its certificate (turning TLS off needs a restart)"
            );
            return;
        }
        // A plain HTTP port stays plain: only the expiry figures change.
        (false, true) => HttpTls {
            acceptor: None,
            certs: next.certs,
        },
        _ => next,
    };
    shared.replace_tls(next);
    tracing::info!("HTTP: certificates reloaded");
}
