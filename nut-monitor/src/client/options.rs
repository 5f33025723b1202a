//! How to connect: timeout, address family, and the TLS settings the connection decision of
//! tls.md 3.1 uses.

use std::time::Duration;

use nut_certutil::tls::ClientTlsSettings;

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
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: Duration::from_secs(10),
            family: AddrFamily::Any,
            tls: Some(ClientTlsSettings::default()),
            tryssl: true,
        }
    }
}
