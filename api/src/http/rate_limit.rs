//! Request rate limits, counted in operations (each operation of a batch counts): per client
//! address, per signed-in user, and a tighter one per address for `login` and `refreshToken`.
//!
//! Counters live in this process (GCRA cells in a concurrent map): they cost no database
//! round trip on every request, and behind N replicas a client gets at most N times the
//! limit. Credential guessing is bounded across replicas by the sign-in throttle, which
//! counts failures in the database.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde_json::json;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;
use uuid::Uuid;

use crate::config::Config;

/// Which limit a request ran into; clients see it as `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    PerIp,
    PerUser,
    SignIn,
}

impl Limit {
    pub fn reason(self) -> &'static str {
        match self {
            Limit::PerIp => "PER_IP",
            Limit::PerUser => "PER_USER",
            Limit::SignIn => "SIGN_IN",
        }
    }
}

/// A refused request: the limit and when the operations would fit again.
#[derive(Debug, Clone, Copy)]
pub struct Exceeded {
    pub limit: Limit,
    pub retry_after: Duration,
}

impl Exceeded {
    /// Whole seconds, rounded up: a client that waits this long gets through.
    pub fn retry_after_secs(&self) -> u64 {
        let d = self.retry_after;
        (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
    }

    /// `429` with `Retry-After`, the code `RATE_LIMITED`, the limit as `reason` and the
    /// wait as `retryAfter`.
    pub fn response(self, request_id: Option<&str>) -> Response {
        let secs = self.retry_after_secs();
        let body = json!({
            "errors": [{
                "message": format!("too many requests; try again in {secs} s"),
                "extensions": {
                    "code": "RATE_LIMITED",
                    "reason": self.limit.reason(),
                    "retryAfter": secs,
                    "requestId": request_id,
                }
            }]
        });
        let mut r = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        r
    }
}

struct Keyed<K: Hash + Eq + Clone> {
    limit: Limit,
    cells: DefaultKeyedRateLimiter<K>,
    per_minute: NonZeroU32,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    /// `None` when the setting is 0 (off).
    fn new(limit: Limit, per_minute: u32) -> Option<Keyed<K>> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Keyed {
            limit,
            cells: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            per_minute,
        })
    }

    fn check(&self, key: &K, n: u32, clock: &DefaultClock) -> Result<(), Exceeded> {
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        let exceeded = |retry_after| Exceeded {
            limit: self.limit,
            retry_after,
        };
        match self.cells.check_key_n(key, n) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(not_until)) => Err(exceeded(not_until.wait_time_from(clock.now()))),
            // More operations at once than a whole minute allows: they would never fit.
            Err(_) => Err(exceeded(
                Duration::from_secs(60) * n.get() / self.per_minute.get(),
            )),
        }
    }

    fn sweep(&self) {
        self.cells.retain_recent();
        self.cells.shrink_to_fit();
    }
}

pub struct RateLimits {
    per_ip: Option<Keyed<IpAddr>>,
    per_user: Option<Keyed<Uuid>>,
    sign_in: Option<Keyed<IpAddr>>,
    clock: DefaultClock,
}

impl RateLimits {
    pub fn new(config: &Config) -> RateLimits {
        RateLimits {
            per_ip: Keyed::new(Limit::PerIp, config.rate_limit_per_ip),
            per_user: Keyed::new(Limit::PerUser, config.rate_limit_per_user),
            sign_in: Keyed::new(Limit::SignIn, config.rate_limit_sign_in),
            clock: DefaultClock::default(),
        }
    }

    pub fn check_ip(&self, ip: Option<IpAddr>, operations: u32) -> Result<(), Exceeded> {
        match (&self.per_ip, ip) {
            (Some(l), Some(ip)) => l.check(&network(ip), operations, &self.clock),
            _ => Ok(()),
        }
    }

    pub fn check_user(&self, user: Uuid, operations: u32) -> Result<(), Exceeded> {
        match &self.per_user {
            Some(l) => l.check(&user, operations, &self.clock),
            None => Ok(()),
        }
    }

    pub fn check_sign_in(&self, ip: Option<IpAddr>, attempts: u32) -> Result<(), Exceeded> {
        match (&self.sign_in, ip) {
            (Some(l), Some(ip)) => l.check(&network(ip), attempts, &self.clock),
            _ => Ok(()),
        }
    }

    /// Forgets keys whose cells are back to full, so memory follows the active clients,
    /// not every address ever seen.
    pub fn sweep(&self) {
        self.per_ip.iter().for_each(Keyed::sweep);
        self.per_user.iter().for_each(Keyed::sweep);
        self.sign_in.iter().for_each(Keyed::sweep);
    }
}

/// An IPv6 client usually holds a whole /64, so the /64 is the key; IPv4 addresses count
/// one by one (IPv4-mapped IPv6 addresses as IPv4).
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_ip: u32, per_user: u32, sign_in: u32) -> RateLimits {
        let mut config = Config::for_tests();
        config.rate_limit_per_ip = per_ip;
        config.rate_limit_per_user = per_user;
        config.rate_limit_sign_in = sign_in;
        RateLimits::new(&config)
    }

    #[test]
    fn each_key_has_its_own_allowance() {
        let l = limits(3, 0, 0);
        let a: Option<IpAddr> = "192.0.2.1".parse().ok();
        let b: Option<IpAddr> = "192.0.2.2".parse().ok();
        assert!(l.check_ip(a, 2).is_ok());
        assert!(l.check_ip(a, 1).is_ok());
        let e = l.check_ip(a, 1).unwrap_err();
        assert_eq!(e.limit, Limit::PerIp);
        assert!(e.retry_after > Duration::ZERO && e.retry_after <= Duration::from_secs(20));
        assert!(l.check_ip(b, 3).is_ok());
        // Off: no limit at all.
        assert!(l.check_user(Uuid::nil(), 1000).is_ok());
    }

    #[test]
    fn a_batch_larger_than_a_minute_never_fits() {
        let l = limits(0, 5, 0);
        let e = l.check_user(Uuid::nil(), 10).unwrap_err();
        assert_eq!(e.retry_after, Duration::from_secs(120));
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let l = limits(0, 0, 2);
        let one: Option<IpAddr> = "2001:db8:1:2::1".parse().ok();
        let same_net: Option<IpAddr> = "2001:db8:1:2:ffff::9".parse().ok();
        let other_net: Option<IpAddr> = "2001:db8:1:3::1".parse().ok();
        assert!(l.check_sign_in(one, 2).is_ok());
        assert!(l.check_sign_in(same_net, 1).is_err());
        assert!(l.check_sign_in(other_net, 1).is_ok());
        let mapped: Option<IpAddr> = "::ffff:192.0.2.7".parse().ok();
        assert_eq!(mapped.map(network), "192.0.2.7".parse().ok());
    }

    #[test]
    fn a_request_without_an_address_is_only_counted_per_user() {
        let l = limits(1, 0, 1);
        assert!(l.check_ip(None, 100).is_ok());
        assert!(l.check_sign_in(None, 100).is_ok());
    }
}
