//! What the current HTTP request says about its caller: address, headers, session.
//! Read through Leptos' request context, so only inside server functions and pages.

use std::net::{IpAddr, SocketAddr};

use tower_sessions::Session;

use crate::error::AppError;

/// The client's address as the server worked it out (see [`TrustedProxies`]); put in
/// each request's extensions by the HTTP stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The reverse proxies in front of Voxdesk (`--trusted-proxy`), as networks. Only a
/// request that arrives from one of them has its `X-Forwarded-For` read; otherwise
/// anyone could claim any address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// `10.0.0.0/8`, `::1/128` or a bare address, each; the first bad one is named.
    pub fn parse<S: AsRef<str>>(networks: &[S]) -> Result<Self, String> {
        let mut parsed = Vec::new();
        for network in networks.iter().map(|n| n.as_ref().trim()).filter(|n| !n.is_empty()) {
            let (address, bits) = match network.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (network, None),
            };
            let address: IpAddr = address.parse().map_err(|_| format!("{network:?} is not an address or network (CIDR)"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| format!("{network:?}: the prefix must be 0 to {max}"))?,
                None => max,
            };
            parsed.push((address, bits));
        }
        Ok(TrustedProxies(parsed))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
            v4 => v4,
        };
        self.0.iter().any(|(network, bits)| match (network, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_matches(&net.octets(), &ip.octets(), *bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_matches(&net.octets(), &ip.octets(), *bits),
            _ => false,
        })
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the
    /// right-most `X-Forwarded-For` entry that is not a trusted proxy (entries to its
    /// left could have been written by the client). A garbled entry ends the walk at
    /// the last trusted hop.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        for entry in forwarded_for.unwrap_or_default().rsplit(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Ok(address) = entry.parse::<IpAddr>() else { return client };
            client = address;
            if !self.contains(address) {
                return address;
            }
        }
        client
    }
}

fn prefix_matches(network: &[u8], address: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    let rest = bits % 8;
    if network[..whole] != address[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xFFu8 << (8 - rest);
        network[whole] & mask == address[whole] & mask
    }
}

/// The client's address, for throttling, logs and the audit log.
pub async fn client_address() -> String {
    if let Ok(axum::Extension(ClientAddress(address))) = leptos_axum::extract::<axum::Extension<ClientAddress>>().await {
        return address.to_string();
    }
    leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxys_forwarded_for_is_read_right_to_left() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "::1"]).unwrap();
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        // Not from a proxy: the header is whatever the client wrote, ignored.
        assert_eq!(proxies.client(ip("198.51.100.9"), Some("203.0.113.7")), ip("198.51.100.9"));
        // From the proxy: the right-most address that is not a proxy.
        assert_eq!(proxies.client(ip("10.1.2.3"), Some("1.2.3.4, 203.0.113.7, 10.0.0.5")), ip("203.0.113.7"));
        assert_eq!(proxies.client(ip("::1"), Some("203.0.113.7")), ip("203.0.113.7"));
        // No header, or a garbled one: the last trusted hop.
        assert_eq!(proxies.client(ip("10.1.2.3"), None), ip("10.1.2.3"));
        assert_eq!(proxies.client(ip("10.1.2.3"), Some("evil, 10.0.0.5")), ip("10.0.0.5"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.example"]).is_err());
        assert!(TrustedProxies::default().is_empty());
    }
}

/// A request header, cut to `limit` characters (it is stored as given).
pub fn header(name: &str, limit: usize) -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let value = parts.headers.get(name)?.to_str().ok()?;
    Some(value.chars().take(limit).collect())
}

/// The request's path (`/api/children/create`).
pub fn path() -> String {
    leptos::prelude::use_context::<http::request::Parts>().map(|p| p.uri.path().to_string()).unwrap_or_default()
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal(format!("no session layer: {e}")))
}
