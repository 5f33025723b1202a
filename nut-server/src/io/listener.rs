//! Binding the LISTEN addresses. Done synchronously before the runtime starts and before the
//! privilege drop, so `-u` can give up root once the ports are held. Each bound address is
//! logged as `listening on <addr>` (the end-to-end harness reads the address from that line;
//! LISTEN refuses port 0, a likely mistake in a real config, so tests pick a free port first).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

use nut_core::config::ListenAddr;
use socket2::{Domain, Protocol, Socket, Type};

/// Pending-connection queue per listener: large, so a burst of connects is not refused
/// (C upsd uses 16).
const BACKLOG: i32 = 4096;

/// Which address families `-4` / `-6` allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// Both (default).
    #[default]
    Any,
    /// `-4`.
    V4,
    /// `-6`.
    V6,
}

impl Family {
    fn allows(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// Why listening failed.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address did not resolve.
    #[error("cannot resolve LISTEN address {addr}: {source}")]
    Resolve {
        /// As written.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// Binding failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The socket address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Nothing could be bound.
    #[error("no listening socket could be opened")]
    NoneBound,
}

/// Resolve the LISTEN entries (as `UpsdConf::effective_listen` gives them, `*` already
/// expanded, though `*` is accepted here too) into socket addresses, deduplicated, in order.
pub fn resolve(specs: &[ListenAddr], family: Family) -> Result<Vec<SocketAddr>, ListenError> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for spec in specs {
        let addrs: Vec<SocketAddr> = if spec.host == "*" {
            vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), spec.port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), spec.port),
            ]
        } else if let Ok(ip) = spec
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            vec![SocketAddr::new(ip, spec.port)]
        } else {
            (spec.host.as_str(), spec.port)
                .to_socket_addrs()
                .map_err(|source| ListenError::Resolve {
                    addr: spec.host.clone(),
                    source,
                })?
                .collect()
        };
        for a in addrs {
            if family.allows(&a.ip()) && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    Ok(out)
}

/// Bind one address: SO_REUSEADDR, IPV6_V6ONLY for IPv6 (so `*` can hold both wildcards),
/// non-blocking, large backlog.
pub fn bind_one(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    let err = |source| ListenError::Bind { addr, source };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    socket.set_reuse_address(true).map_err(err)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(err)?;
    }
    socket.bind(&addr.into()).map_err(err)?;
    socket.listen(BACKLOG).map_err(err)?;
    socket.set_nonblocking(true).map_err(err)?;
    Ok(socket.into())
}

/// Bind every address. A failure is fatal unless `allow_partial` (ALLOW_NOT_ALL_LISTENERS)
/// and at least one address worked.
pub fn bind_all(
    addrs: &[SocketAddr],
    allow_partial: bool,
) -> Result<Vec<TcpListener>, ListenError> {
    let mut bound = Vec::new();
    for &addr in addrs {
        match bind_one(addr) {
            Ok(l) => {
                let local = l.local_addr().unwrap_or(addr);
                tracing::info!("listening on {local}");
                bound.push(l);
            }
            Err(e) if allow_partial => tracing::warn!("{e}"),
            Err(e) => return Err(e),
        }
    }
    if bound.is_empty() {
        return Err(ListenError::NoneBound);
    }
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_means_both_wildcards_and_families_filter() {
        let specs = vec![ListenAddr {
            host: "*".into(),
            port: 3493,
        }];
        let all = resolve(&specs, Family::Any).expect("resolve");
        assert_eq!(all.len(), 2);
        let v4 = resolve(&specs, Family::V4).expect("resolve");
        assert_eq!(
            v4,
            vec!["0.0.0.0:3493".parse::<SocketAddr>().expect("addr")]
        );
        let defaults = [
            ListenAddr {
                host: "127.0.0.1".into(),
                port: 3493,
            },
            ListenAddr {
                host: "::1".into(),
                port: 3493,
            },
        ];
        let d = resolve(&defaults, Family::V6).expect("resolve");
        assert_eq!(d, vec!["[::1]:3493".parse::<SocketAddr>().expect("addr")]);
    }

    #[test]
    fn binds_port_zero_and_reports_failure() {
        let l = bind_all(&["127.0.0.1:0".parse().expect("addr")], false).expect("bind");
        let port = l[0].local_addr().expect("local").port();
        assert_ne!(port, 0);
        let taken: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        assert!(bind_all(&[taken], false).is_err());
    }
}
