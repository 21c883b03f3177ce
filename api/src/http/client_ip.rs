//! The client's address: the peer of the connection, or, behind `GUANXI_TRUSTED_PROXY_HOPS`
//! proxies, the address the outermost trusted proxy saw. Entries further left in
//! `X-Forwarded-For` are the client's own claims and are never trusted.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return peer.map(|p| p.ip());
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Each trusted proxy appended the address it saw: the client is `hops` from the right.
    forwarded
        .len()
        .checked_sub(hops)
        .and_then(|i| forwarded.get(i))
        .and_then(|a| a.parse().ok())
        .or(peer.map(|p| p.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn only_what_trusted_proxies_appended_counts() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let h = headers("6.6.6.6, 203.0.113.7");
        assert_eq!(
            client_ip(&h, Some(peer), 0),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            client_ip(&h, Some(peer), 1),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            client_ip(&h, Some(peer), 2),
            Some("6.6.6.6".parse().unwrap())
        );
        // Fewer entries than proxies: the header is not what a proxy wrote.
        assert_eq!(
            client_ip(&h, Some(peer), 3),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            client_ip(&headers("junk"), Some(peer), 1),
            Some("10.0.0.1".parse().unwrap())
        );
    }
}
