//! Per-company request rate limits: guard 4 of the public API (SPEC §4) and its scaling (§7).
//!
//! # Algorithm: sliding-window log
//!
//! Each key (a company) keeps the timestamps of the requests it was *allowed* in the last
//! window (60 s). A request is allowed when fewer than `limit` timestamps are younger than the
//! window, and its own timestamp is then recorded; denied requests are not recorded, so a
//! client hammering a closed limit does not push its own reopening further away.
//!
//! This is chosen over a fixed-window counter and over GCRA because it is the only one of the
//! three that is exact for the promise the product makes ("with limit N, N requests succeed per
//! window, never N+1"): in *every* 60-second interval, wherever it starts, at most N requests
//! are allowed, and the N-th is never refused. A fixed window admits 2N around a boundary;
//! GCRA with a burst of N admits nearly 2N in the first minute. The cost — memory proportional
//! to the requests allowed in a window, at most the limit (≤ 1,200 per company by SPEC §2) — is
//! small.
//!
//! The limit is an argument of every decision, not state of the limiter, so a limit changed in
//! the admin API applies to the very next request. Lowering it below what was already used in
//! the window denies until enough old requests have left the window.
//!
//! # Backends
//!
//! - [`memory::MemoryLimiter`]: in-process (the default), exact under any concurrency.
//! - [`redis::RedisLimiter`]: the same algorithm as one atomic Lua script per decision, on Redis
//!   server time, so several Portcullis processes share one exact limit.
//! - [`fallback::FallbackLimiter`]: Redis, but if Redis cannot answer, decide in-process rather
//!   than let requests through unlimited; it logs the outage once and counts fallback decisions.
//!
//! [`Limiter`] is what the rest of the server holds; [`headers`] renders a [`Decision`] as HTTP
//! headers.

pub mod fallback;
pub mod headers;
pub mod memory;
pub mod redis;

use std::sync::Arc;
use std::time::Duration;

pub use fallback::FallbackLimiter;
pub use memory::{Clock, ManualClock, MemoryLimiter, MonotonicClock};
pub use redis::{RedisLimiter, RedisLimiterConfig};

use crate::metrics::RateLimitMetrics;

/// The rate-limit window: limits are per minute (SPEC §2).
pub const WINDOW: Duration = Duration::from_secs(60);

/// The outcome of one rate-limit check, with what the response headers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether this request may proceed (it has then been counted).
    pub allowed: bool,
    /// The limit the decision was made with (requests per window).
    pub limit: u32,
    /// Requests still allowed in the current window after this one.
    pub remaining: u32,
    /// Time until more quota becomes available: until the oldest request counted in the window
    /// leaves it (draft-ietf-httpapi-ratelimit-headers-10, parameter `t`).
    pub reset_after: Duration,
    /// For a denied request, the time after which a retry will be allowed (if the limit does not
    /// change and nobody else uses the quota first). `None` when allowed.
    pub retry_after: Option<Duration>,
}

impl Decision {
    /// Builds a decision from the state of a sliding-window log right after the check, so that
    /// both backends compute the reported numbers the same way.
    ///
    /// `count` is the number of requests in the window including this one if it was allowed;
    /// times are in microseconds.
    pub(crate) fn from_log(
        allowed: bool,
        limit: u32,
        count: u64,
        reset_after_us: u64,
        retry_after_us: Option<u64>,
    ) -> Self {
        let remaining = u64::from(limit).saturating_sub(count);
        Self {
            allowed,
            limit,
            // `remaining` ≤ `limit`, so it always fits.
            remaining: u32::try_from(remaining).unwrap_or(limit),
            reset_after: Duration::from_micros(reset_after_us),
            retry_after: if allowed {
                None
            } else {
                retry_after_us.map(Duration::from_micros)
            },
        }
    }
}

/// Why the Redis backend could not decide. Never reaches a client: the fallback limiter decides
/// in-process instead.
#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    /// The Redis URL does not parse. Its text is not repeated: it may hold a password.
    #[error("invalid Redis URL")]
    InvalidUrl(#[source] ::redis::RedisError),
    #[error("redis error: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Another request has been establishing the connection for longer than the connect timeout.
    #[error("redis connection not yet established")]
    Connecting,
    #[error("unexpected reply from the rate-limit script: {0}")]
    BadReply(String),
}

/// The limiter the server holds: in-process, or Redis with in-process fallback. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Limiter {
    backend: Backend,
    metrics: RateLimitMetrics,
}

#[derive(Debug, Clone)]
enum Backend {
    Memory(Arc<MemoryLimiter>),
    Redis(Arc<FallbackLimiter>),
}

impl Limiter {
    /// The in-process limiter with the standard one-minute window.
    pub fn in_process(metrics: RateLimitMetrics) -> Self {
        Self {
            backend: Backend::Memory(Arc::new(MemoryLimiter::new(WINDOW))),
            metrics,
        }
    }

    /// The limiter for the configuration: Redis (with fallback) when `redis_url` is set,
    /// in-process otherwise. Only parses the URL: the connection is made on first use, so a
    /// server starts even while Redis is down (it then limits in-process until Redis answers).
    /// Decisions, Redis errors and Redis's health are reported to `metrics`.
    pub fn from_redis_url(
        redis_url: Option<&str>,
        metrics: RateLimitMetrics,
    ) -> Result<Self, RateLimitError> {
        match redis_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Self::in_process(metrics)),
            Some(url) => {
                let redis = RedisLimiter::new(url, RedisLimiterConfig::default())?;
                let fallback = FallbackLimiter::new(redis, MemoryLimiter::new(WINDOW))
                    .with_metrics(metrics.clone());
                Ok(Self {
                    backend: Backend::Redis(Arc::new(fallback)),
                    metrics,
                })
            }
        }
    }

    /// Connects to Redis now, if configured, so that the first requests are already decided
    /// there. Never fails: an unreachable Redis means starting in fallback.
    pub async fn connect(&self) {
        if let Backend::Redis(f) = &self.backend {
            f.connect().await;
        }
    }

    /// Counts one request of `key` against `limit_per_window` and says whether it may proceed.
    /// Infallible by design: with Redis down the decision is made in-process.
    pub async fn check(&self, key: &str, limit_per_window: u32) -> Decision {
        match &self.backend {
            Backend::Memory(m) => {
                let decision = m.check(key, limit_per_window);
                self.metrics.decision("memory", decision.allowed);
                decision
            }
            // Counted by the fallback limiter: it knows whether Redis or itself decided.
            Backend::Redis(f) => f.check(key, limit_per_window).await,
        }
    }

    /// The window the limits apply to (for the `w` of `RateLimit-Policy`).
    pub fn window(&self) -> Duration {
        match &self.backend {
            Backend::Memory(m) => m.window(),
            Backend::Redis(f) => f.window(),
        }
    }

    /// `"memory"` or `"redis"`: the configured backend, for logs.
    pub fn backend(&self) -> &'static str {
        match &self.backend {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// Decisions made in-process because Redis could not answer (0 without Redis).
    pub fn fallback_decisions(&self) -> u64 {
        match &self.backend {
            Backend::Memory(_) => 0,
            Backend::Redis(f) => f.fallback_decisions(),
        }
    }

    /// Whether the last Redis call succeeded; `None` without Redis.
    pub fn redis_healthy(&self) -> Option<bool> {
        match &self.backend {
            Backend::Memory(_) => None,
            Backend::Redis(f) => Some(f.redis_healthy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_from_log_clamps_remaining() {
        let d = Decision::from_log(true, 5, 2, 1_500_000, None);
        assert_eq!(d.remaining, 3);
        assert_eq!(d.reset_after, Duration::from_millis(1500));
        assert_eq!(d.retry_after, None);
        // The limit was lowered below what the window already holds.
        let d = Decision::from_log(false, 2, 7, 10, Some(20));
        assert_eq!(d.remaining, 0);
        assert_eq!(d.retry_after, Some(Duration::from_micros(20)));
    }

    #[tokio::test]
    async fn limiter_without_redis_is_in_process() {
        let l = Limiter::from_redis_url(None, RateLimitMetrics::default()).expect("in-process");
        assert_eq!(l.backend(), "memory");
        assert_eq!(l.redis_healthy(), None);
        assert_eq!(l.window(), WINDOW);
        let l = Limiter::from_redis_url(Some("  "), RateLimitMetrics::default())
            .expect("blank means none");
        assert_eq!(l.backend(), "memory");
        assert!(l.check("c", 1).await.allowed);
        assert!(!l.check("c", 1).await.allowed);
        assert_eq!(l.fallback_decisions(), 0);
    }

    #[test]
    fn invalid_redis_url_is_an_error_without_the_url() {
        let err = Limiter::from_redis_url(Some("not a url://secret@"), RateLimitMetrics::default())
            .expect_err("does not parse");
        assert!(!err.to_string().contains("secret"));
    }
}
