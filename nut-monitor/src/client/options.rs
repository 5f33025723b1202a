//! How to connect: timeout, address family, and the TLS settings the connection decision of
//! tls.md 3.1 uses.

use std::sync::Arc;
use std::time::Duration;

use nut_certutil::tls::{ClientTls, ClientTlsPolicy, ClientTlsSettings};

use super::error::ClientError;

/// Which address families to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddrFamily {
    /// IPv4 and IPv6, in resolver order.
    #[default]
    Any,
    /// IPv4 only (`-4`).
    V4,
    /// IPv6 only (`-6`).
    V6,
}

/// Connection options.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Timeout of the TCP connect and of every request (upsmon's `-W`, default 10 s).
    pub timeout: Duration,
    /// Address families.
    pub family: AddrFamily,
    /// TLS settings (CERTPATH, CERTIDENT, CERTHOST, CERTVERIFY, FORCESSL). `None`: never send
    /// STARTTLS.
    pub tls: Option<ClientTlsSettings>,
    /// Try STARTTLS even when FORCESSL is off (C NUT's `UPSCLI_CONN_TRYSSL`; upsmon and upsc
    /// always do). Without it only FORCESSL makes the client send STARTTLS.
    pub tryssl: bool,
    /// The TLS policy for the one server these options are for, built in advance (see
    /// [`ConnectOptions::prebuild`]); used instead of building one from `tls` per connect.
    pub prebuilt: Option<Prebuilt>,
    /// `tls` read once (see [`ConnectOptions::load_tls`]): each connect makes its server's
    /// policy from it without opening the store or deriving its key again.
    pub loaded: Option<Arc<ClientTls>>,
}

/// A TLS policy built for one server.
#[derive(Debug, Clone)]
pub struct Prebuilt {
    /// The server it was built for.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The policy (expected certificate name, CERTHOST rule, trust).
    pub policy: Arc<ClientTlsPolicy>,
}

impl ConnectOptions {
    /// Build the TLS policy for `host:port` now, reading CERTPATH / CERTFILE once: a process
    /// that drops privileges later (a driver's `-u`) keeps reconnecting with what it read,
    /// whatever it may read afterwards.
    pub fn prebuild(mut self, host: &str, port: u16) -> Result<ConnectOptions, ClientError> {
        if let Some(settings) = &self.tls {
            let policy = nut_certutil::tls::build_client_config(settings, host, port)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
            self.prebuilt = Some(Prebuilt {
                host: host.to_string(),
                port,
                policy: Arc::new(policy),
            });
        }
        Ok(self)
    }
}

impl ConnectOptions {
    /// Read the TLS settings once (one store visit: opened once, key derived at most once),
    /// for every later connect to any server. On error nothing is kept: each connect then
    /// tries again and reports the error itself, as without a load.
    pub fn load_tls(&mut self) -> Result<(), ClientError> {
        self.loaded = None;
        if let Some(settings) = &self.tls {
            let loaded = ClientTls::load(settings).map_err(|e| ClientError::Tls(e.to_string()))?;
            self.loaded = Some(Arc::new(loaded));
        }
        Ok(())
    }
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: Duration::from_secs(10),
            family: AddrFamily::Any,
            tls: Some(ClientTlsSettings::default()),
            tryssl: true,
            prebuilt: None,
            loaded: None,
        }
    }
}
