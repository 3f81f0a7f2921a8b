//! The request's IP address. `X-Forwarded-For` is trusted only when the peer is a configured
//! proxy (`--trusted-proxies`); otherwise anyone could write any address into it.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Parses one `--trusted-proxies` entry: a CIDR (`10.0.0.0/8`) or a single address.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is neither an IP address nor a CIDR network"))
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|n| n.contains(&ip))
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
/// address of `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
/// address it received from, so entries left of an untrusted one may be forged).
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted(peer, proxies) {
        return Some(peer);
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !trusted(ip, proxies) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().expect("header"));
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn forwarded_for_only_from_trusted_peers() {
        let proxies = vec![
            parse_net("10.0.0.0/8").expect("net"),
            parse_net("127.0.0.1").expect("ip"),
        ];
        let h = xff("203.0.113.9, 10.1.2.3");
        assert_eq!(
            resolve(ip("198.51.100.1"), &h, &proxies),
            ip("198.51.100.1")
        );
        assert_eq!(resolve(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        assert_eq!(resolve(ip("10.0.0.1"), &h, &proxies), ip("203.0.113.9"));
        // A forged left-most entry is not believed past an untrusted hop.
        let h = xff("1.1.1.1, 203.0.113.9");
        assert_eq!(resolve(ip("127.0.0.1"), &h, &proxies), ip("203.0.113.9"));
        // Garbage stops the walk at the last good address.
        let h = xff("nonsense");
        assert_eq!(resolve(ip("127.0.0.1"), &h, &proxies), ip("127.0.0.1"));
        assert_eq!(
            resolve(ip("127.0.0.1"), &HeaderMap::new(), &proxies),
            ip("127.0.0.1")
        );
        assert!(parse_net("not an ip").is_err());
    }
}
