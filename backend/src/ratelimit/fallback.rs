//! Redis with an in-process safety net.
//!
//! If Redis cannot answer, letting requests through unlimited would turn an infrastructure
//! hiccup into an open door, and refusing them all into an outage. So the decision is made by an
//! in-process limiter instead: each instance then enforces the limit on its own (a company
//! spread over several instances may get up to the limit per instance for the length of the
//! outage — the best available without shared state). The outage is logged once when it starts
//! and once when it ends, and exposed to `/metrics` (decisions by backend, Redis errors, a health
//! gauge: [`crate::metrics::RateLimitMetrics`]) and to code through
//! [`FallbackLimiter::fallback_decisions`] and [`FallbackLimiter::redis_healthy`].
//!
//! While Redis is unhealthy, requests do not each pay a Redis timeout: one request per
//! [`FallbackLimiter::PROBE_INTERVAL`] tries Redis, the others go straight to the in-process
//! limiter. The first probe that succeeds ends the fallback.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Decision, MemoryLimiter, RedisLimiter};
use crate::metrics::RateLimitMetrics;

/// The Redis limiter with the in-process limiter as fallback. See the module docs.
#[derive(Debug)]
pub struct FallbackLimiter {
    redis: RedisLimiter,
    memory: MemoryLimiter,
    healthy: AtomicBool,
    fallback_decisions: AtomicU64,
    /// Start of the fallback's clock, for `last_probe_ms`.
    origin: Instant,
    /// When Redis was last tried while unhealthy (ms since `origin`).
    last_probe_ms: AtomicU64,
    probe_interval: Duration,
    metrics: RateLimitMetrics,
}

impl FallbackLimiter {
    /// How often Redis is retried during an outage.
    pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);

    /// `memory` should have the same window as `redis`.
    pub fn new(redis: RedisLimiter, memory: MemoryLimiter) -> Self {
        Self::with_probe_interval(redis, memory, Self::PROBE_INTERVAL)
    }

    /// As [`Self::new`], retrying Redis every `probe_interval` during an outage (tests shorten
    /// it).
    pub fn with_probe_interval(
        redis: RedisLimiter,
        memory: MemoryLimiter,
        probe_interval: Duration,
    ) -> Self {
        Self {
            redis,
            memory,
            // Optimistic: the first request tries Redis and finds out.
            healthy: AtomicBool::new(true),
            fallback_decisions: AtomicU64::new(0),
            origin: Instant::now(),
            last_probe_ms: AtomicU64::new(0),
            probe_interval,
            metrics: RateLimitMetrics::default(),
        }
    }

    /// Reports to these metrics (a server's registry) instead of unregistered ones.
    pub fn with_metrics(mut self, metrics: RateLimitMetrics) -> Self {
        metrics.set_redis_healthy(self.redis_healthy());
        self.metrics = metrics;
        self
    }

    pub fn window(&self) -> Duration {
        self.redis.window()
    }

    /// Connects to Redis at start-up; on failure, starts in fallback (logged) and lets the
    /// periodic probe reconnect.
    pub async fn connect(&self) {
        if let Err(error) = self.redis.connect().await {
            self.last_probe_ms.store(self.now_ms(), Ordering::Release);
            self.healthy.store(false, Ordering::Release);
            self.metrics.redis_error();
            self.metrics.set_redis_healthy(false);
            tracing::warn!(
                %error,
                "Redis unavailable at start: rate limits are kept in-process until it answers"
            );
        }
    }

    /// Decides in Redis when it answers, in-process otherwise. Never fails.
    pub async fn check(&self, key: &str, limit: u32) -> Decision {
        if self.healthy.load(Ordering::Acquire) || self.claim_probe() {
            match self.redis.check(key, limit).await {
                Ok(decision) => {
                    self.metrics.decision("redis", decision.allowed);
                    if !self.healthy.swap(true, Ordering::AcqRel) {
                        self.metrics.set_redis_healthy(true);
                        tracing::info!(
                            fallback_decisions = self.fallback_decisions(),
                            "Redis answers again: rate limits are shared across instances again"
                        );
                    }
                    return decision;
                }
                Err(error) => {
                    // The next probe waits a full interval from this failure.
                    self.last_probe_ms.store(self.now_ms(), Ordering::Release);
                    self.metrics.redis_error();
                    if self.healthy.swap(false, Ordering::AcqRel) {
                        self.metrics.set_redis_healthy(false);
                        tracing::warn!(
                            %error,
                            "Redis unavailable: rate limits fall back to this instance's \
                             in-process limiter until it answers again"
                        );
                    }
                }
            }
        }
        self.fallback_decisions.fetch_add(1, Ordering::Relaxed);
        let decision = self.memory.check(key, limit);
        self.metrics.decision("fallback", decision.allowed);
        decision
    }

    /// Decisions made in-process because Redis could not answer, since start.
    pub fn fallback_decisions(&self) -> u64 {
        self.fallback_decisions.load(Ordering::Relaxed)
    }

    /// Whether the last attempt to reach Redis succeeded.
    pub fn redis_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// True for the one caller per probe interval that should try Redis during an outage.
    fn claim_probe(&self) -> bool {
        let now = self.now_ms();
        let interval = u64::try_from(self.probe_interval.as_millis()).unwrap_or(u64::MAX);
        let last = self.last_probe_ms.load(Ordering::Acquire);
        now.saturating_sub(last) >= interval
            && self
                .last_probe_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }
}
