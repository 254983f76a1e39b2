//! Rate limits: a request with a live token counts against that token, any
//! other against its client's address (the peer, or the client a trusted
//! proxy names in `X-Forwarded-For`). Past the `[access]` rates (with a
//! burst of `burst_secs` seconds' worth) the answer is a 429 problem with
//! `Retry-After`. The host itself and orchestration routes (`/health`,
//! `/ready`, `/metrics`) are not limited.

use super::error::ApiError;
use super::state::AppState;
use crate::config::AccessSettings;
use crate::review::token::hash_secret;
use crate::store::TokenRow;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// How long a token found live is counted as a token's without asking
/// the store again (only the limit's key: every request is still
/// authorised on its own).
const KNOWN_FOR: Duration = Duration::from_secs(60);

/// The limiters and what they know of tokens.
pub struct RateLimits {
    by_token: Option<DefaultKeyedRateLimiter<String>>,
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    exempt_loopback: bool,
    trusted_proxies: Vec<IpAddr>,
    /// Hashes of tokens found live, and when.
    known: quick_cache::sync::Cache<String, Instant>,
    /// The public's reports, per client address an hour.
    reports: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

fn quota(per_sec: u32, burst_secs: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_sec)?;
    let burst = NonZeroU32::new(per_sec.saturating_mul(burst_secs.max(1))).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

impl RateLimits {
    /// The limits the settings give.
    pub fn new(s: &AccessSettings) -> RateLimits {
        RateLimits {
            by_token: quota(s.per_token_per_sec, s.burst_secs).map(RateLimiter::keyed),
            by_address: quota(s.per_address_per_sec, s.burst_secs).map(RateLimiter::keyed),
            exempt_loopback: s.exempt_loopback,
            trusted_proxies: s.trusted_proxies.clone(),
            known: quick_cache::sync::Cache::new(10_000),
            reports: NonZeroU32::new(s.public_reports_per_hour)
                .map(|n| RateLimiter::keyed(Quota::per_hour(n))),
        }
    }

    /// Counts a report from the public against its client's address (the
    /// host itself included): a 429 with `Retry-After` past the hourly
    /// limit.
    pub fn report(&self, peer: IpAddr, headers: &HeaderMap) -> Result<(), Box<Response>> {
        let Some(l) = &self.reports else { return Ok(()) };
        check(l, &self.client(peer, headers)).map_err(|wait| Box::new(refused("本地址的报告", wait)))
    }

    /// Forgets the keys whose buckets are full again (run now and then, so
    /// that memory follows the clients of the last moments).
    pub fn forget_idle(&self) {
        if let Some(l) = &self.by_token {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.by_address {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// The client's address: the peer, or, when the peer is a trusted
    /// proxy, the rightmost `X-Forwarded-For` entry that is not one.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let hops: Vec<IpAddr> =
            forwarded.flat_map(|v| v.split(',')).filter_map(|h| h.trim().parse().ok()).collect();
        hops.into_iter().rev().find(|h| !self.trusted_proxies.contains(h)).unwrap_or(peer)
    }
}

/// A 429 telling the client when to come back.
fn refused(limiter: &str, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let detail = format!("{limiter}请求过于频繁，请 {secs} 秒后重试");
    let mut resp = ApiError::rate_limited(&detail).into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), Duration> {
    limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// The middleware.
pub async fn limit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &s.rates;
    if matches!(req.uri().path(), "/health" | "/ready" | "/metrics") {
        return next.run(req).await;
    }
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return next.run(req).await;
    };
    let client = limits.client(peer, req.headers());
    if limits.exempt_loopback && client.is_loopback() {
        return next.run(req).await;
    }
    if let Some(secret) = req.headers().get(header::AUTHORIZATION).and_then(super::auth::bearer_secret) {
        let hash = hash_secret(secret);
        if limits.known.get(&hash).is_none_or(|at| at.elapsed() >= KNOWN_FOR) {
            // One indexed read tells a live token from a made-up or dead
            // one; those count against the address.
            let h = hash.clone();
            let credential = s.query(move |c| TokenRow::credential(c, &h)).await.ok().flatten();
            if credential.is_none_or(|c| super::auth::refusal(&c).is_some()) {
                if let Some(by_address) = &limits.by_address
                    && let Err(wait) = check(by_address, &client)
                {
                    return refused("本地址", wait);
                }
                // The handler says what is wrong with the token.
                return next.run(req).await;
            }
            limits.known.insert(hash.clone(), Instant::now());
        }
        if let Some(by_token) = &limits.by_token
            && let Err(wait) = check(by_token, &hash)
        {
            return refused("本令牌", wait);
        }
        return next.run(req).await;
    }
    if let Some(by_address) = &limits.by_address
        && let Err(wait) = check(by_address, &client)
    {
        return refused("本地址", wait);
    }
    next.run(req).await
}
