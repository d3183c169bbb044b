//! Who is asking: the client's address, for rate limits, sign-in throttling and the audit
//! log's "from where". It is the socket's peer, unless that peer is one of
//! `GROUPCARE_TRUSTED_PROXIES`: then `X-Forwarded-For` names it, read from the right, and the
//! right-most hop that is not a trusted proxy is the client (hops further left are whatever
//! the client chose to send).

use super::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The proxies whose `X-Forwarded-For` is believed: addresses and CIDR blocks.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.1, 192.168.0.0/16 ::1` (commas or spaces); a bare address is a block of one.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let nets = list
            .split([',', ' ', '\t', '\n'])
            .filter(|s| !s.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an address or a CIDR block"))
            })
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies(nets))
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }
}

/// The client's address, settled per request. Missing only when the app is served without
/// connection info (never by `serve` or the tests); then it reads as the unspecified address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client of the request whose `parts` these are.
    pub fn of(parts: &Parts, state: &AppState) -> ClientAddr {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |ConnectInfo(a)| a.ip());
        ClientAddr(client_address(peer, &parts.headers, &state.trusted_proxies))
    }

    /// How throttling counts an address: an IPv6 client by its /64 (one host commonly holds a
    /// whole /64, so counting single addresses would let it rotate freely), IPv4 as it is.
    pub fn throttle_key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                format!("{}/64", Ipv6Addr::from(segments))
            }
        }
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One hop of `X-Forwarded-For`: an address, perhaps with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client behind `peer`, given the request's headers and the trusted proxies.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.trusts(client) {
        return client;
    }
    // Every X-Forwarded-For header, in order, as one list; walked from the nearest hop.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(addr) if trusted.trusts(addr) => client = addr,
            Some(addr) => return addr,
            // A hop no proxy would write: nothing left of it can be believed, so the request
            // counts against the proxy that passed it on.
            None => return client,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientAddr, Infallible> {
        Ok(ClientAddr::of(parts, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_read_only_from_a_trusted_proxy_and_from_the_right() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        let headers = forwarded(&["6.6.6.6, 203.0.113.9", "10.1.2.3"]);
        // Not from a proxy: the header is whatever the client wrote.
        assert_eq!(client_address(ip("198.51.100.7"), &headers, &trusted), ip("198.51.100.7"));
        // From a proxy: the right-most hop that is not a proxy; the left-most is a forgery.
        assert_eq!(client_address(ip("192.168.1.1"), &headers, &trusted), ip("203.0.113.9"));
        // Only proxies all along: the left-most of them.
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["10.9.9.9"]), &trusted), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.1"), &HeaderMap::new(), &trusted), ip("10.0.0.1"));
        // Garbage in the chain: counted against the proxy that passed it on.
        assert_eq!(
            client_address(ip("10.0.0.1"), &forwarded(&["1.2.3.4, nonsense"]), &trusted),
            ip("10.0.0.1")
        );
        // Ports and IPv4-mapped IPv6 read as plain addresses.
        assert_eq!(
            client_address(ip("10.0.0.1"), &forwarded(&["[2001:db8::1]:443"]), &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(client_address(ip("::ffff:203.0.113.5"), &HeaderMap::new(), &trusted), ip("203.0.113.5"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &TrustedProxies::default()), ip("10.0.0.1"));
    }

    #[test]
    fn an_ipv6_client_is_throttled_by_its_64_block() {
        let a = ClientAddr(ip("2001:db8:1:2:aaaa::1")).throttle_key();
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, ClientAddr(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")).throttle_key());
        assert_ne!(a, ClientAddr(ip("2001:db8:1:3::1")).throttle_key());
        assert_eq!(ClientAddr(ip("203.0.113.5")).throttle_key(), "203.0.113.5");
    }
}
