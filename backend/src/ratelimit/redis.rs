//! The Redis limiter: the sliding-window log of `ratelimit` as one Lua script per decision.
//!
//! Each key is a sorted set `portcullis:rl:<key>` of allowed requests scored by their time in
//! microseconds. The script drops members older than the window, counts, adds this request if
//! the count is below the limit and reports what the headers need — all in one `EVALSHA`, which
//! Redis runs atomically, so any number of Portcullis processes sharing the Redis decide as one
//! and the limit stays exact. Time is Redis's own (`TIME`), not the callers', so instances whose
//! clocks disagree still agree on the window. The key expires one window after its last allowed
//! request, so idle companies cost nothing.
//!
//! The connection is made on first use, not at start-up, and never waited for by more than one
//! request: a server starts while Redis is down and its requests are decided by the fallback.
//! Every call is bounded by short timeouts so that a Redis that hangs costs each request at most
//! [`RedisLimiterConfig::response_timeout`] before the fallback decides.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::Client;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Decision, RateLimitError, WINDOW};

/// The prefix of every rate-limit key in Redis.
pub const KEY_PREFIX: &str = "portcullis:rl:";

/// The decision script. KEYS[1]: the key's sorted set. ARGV: limit, window (µs), a member name
/// unique to this request. Returns {allowed (0|1), count in window, µs until the oldest counted
/// request leaves the window, µs until a retry succeeds (-1 when allowed)}.
const SCRIPT: &str = r"
-- Redis < 5 refuses writes after TIME unless effects are replicated; later versions always do.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1)
  count = count + 1
  allowed = 1
end
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
local retry = -1
if allowed == 0 then
  retry = window
  if limit > 0 then
    local nth = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    if nth[2] then retry = tonumber(nth[2]) + window - now end
  end
end
return {allowed, count, reset, retry}
";

/// Settings of the Redis limiter. The defaults suit production; tests change the prefix (to
/// isolate themselves) and the window.
#[derive(Debug, Clone)]
pub struct RedisLimiterConfig {
    /// Prepended to every key; ends with `:` by convention.
    pub key_prefix: String,
    /// The window of the limits.
    pub window: Duration,
    /// How long one connection attempt may take.
    pub connection_timeout: Duration,
    /// How long one decision may take, connection included; past it the caller falls back.
    pub response_timeout: Duration,
}

impl Default for RedisLimiterConfig {
    fn default() -> Self {
        Self {
            key_prefix: KEY_PREFIX.to_owned(),
            window: WINDOW,
            connection_timeout: Duration::from_millis(500),
            response_timeout: Duration::from_millis(250),
        }
    }
}

/// The Redis backend. Errors are returned, not hidden: [`super::FallbackLimiter`] decides what
/// to do with them.
pub struct RedisLimiter {
    client: Client,
    config: RedisLimiterConfig,
    /// `None` until the first connection succeeds; the manager then reconnects on its own.
    connection: RwLock<Option<ConnectionManager>>,
    /// Held while the first connection is being made, so that only one request waits for it.
    connecting: tokio::sync::Mutex<()>,
    script: redis::Script,
    window_us: u64,
    /// Makes sorted-set members unique across processes (random) and requests (counter).
    instance: u64,
    sequence: AtomicU64,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the client: its connection info holds the password.
        f.debug_struct("RedisLimiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// A limiter on the Redis at `url`. Only parses the URL; connects on first use.
    pub fn new(url: &str, config: RedisLimiterConfig) -> Result<Self, RateLimitError> {
        let client = Client::open(url).map_err(RateLimitError::InvalidUrl)?;
        let window_us = u64::try_from(config.window.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        Ok(Self {
            client,
            config,
            connection: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            script: redis::Script::new(SCRIPT),
            window_us,
            instance: rand::random(),
            sequence: AtomicU64::new(0),
        })
    }

    pub fn window(&self) -> Duration {
        Duration::from_micros(self.window_us)
    }

    /// Counts one request of `key` against `limit` in Redis and says whether it may proceed.
    pub async fn check(&self, key: &str, limit: u32) -> Result<Decision, RateLimitError> {
        let connection = self.connection().await?;
        let timeout = self.config.response_timeout;
        match tokio::time::timeout(timeout, self.decide(connection, key, limit)).await {
            Ok(result) => result,
            Err(_) => Err(RateLimitError::Timeout(timeout)),
        }
    }

    async fn decide(
        &self,
        mut connection: ConnectionManager,
        key: &str,
        limit: u32,
    ) -> Result<Decision, RateLimitError> {
        let member = format!(
            "{:016x}{:x}",
            self.instance,
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let reply: Vec<i64> = self
            .script
            .key(format!("{}{key}", self.config.key_prefix))
            .arg(limit)
            .arg(self.window_us)
            .arg(member)
            .invoke_async(&mut connection)
            .await?;
        let &[allowed, count, reset, retry] = reply.as_slice() else {
            return Err(RateLimitError::BadReply(format!("{reply:?}")));
        };
        let micros = |v: i64| u64::try_from(v).unwrap_or(0).min(self.window_us);
        Ok(Decision::from_log(
            allowed == 1,
            limit,
            u64::try_from(count).unwrap_or(0),
            micros(reset),
            (retry >= 0).then(|| micros(retry)),
        ))
    }

    /// The connection, made now if there is none yet. Requests arriving while another one makes
    /// it wait for it (at most one connection timeout) rather than deciding in-process: a
    /// decision taken outside Redis spends a separate budget, so falling back merely because a
    /// connection is being made would break the shared limit's exactness.
    async fn connection(&self) -> Result<ConnectionManager, RateLimitError> {
        if let Some(c) = self.current() {
            return Ok(c);
        }
        let wait = self.config.connection_timeout;
        let Ok(_guard) = tokio::time::timeout(wait, self.connecting.lock()).await else {
            return Err(RateLimitError::Connecting);
        };
        if let Some(c) = self.current() {
            return Ok(c);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.config.connection_timeout)
            .set_response_timeout(self.config.response_timeout)
            // No retries with back-off inside the manager: requests wait for a (re)connection in
            // progress, and the fallback is the better answer than waiting. A failed command
            // makes the manager reconnect anyway, and the fallback probes again soon.
            .set_number_of_retries(0);
        let timeout = self.config.connection_timeout;
        let manager = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| RateLimitError::Timeout(timeout))??;
        *self
            .connection
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(manager.clone());
        Ok(manager)
    }

    /// Connects now (at start-up), so the first requests are decided in Redis.
    pub async fn connect(&self) -> Result<(), RateLimitError> {
        self.connection().await.map(|_| ())
    }

    fn current(&self) -> Option<ConnectionManager> {
        self.connection
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use proptest::prelude::*;

    /// The Redis of the test environment (`PORTCULLIS_TEST_REDIS_URL`).
    fn redis_url() -> String {
        std::env::var("PORTCULLIS_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
    }

    const WINDOW_MS: u64 = 300;

    proptest! {
        // Each case takes up to a few hundred milliseconds of real time.
        #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

        /// Two instances (as two processes) and concurrent tasks on one key, each task pausing
        /// as generated, against the real Redis with a 300 ms window: no N+1 requests are
        /// allowed within any 300 ms. Redis decides on its own clock, so each allowed
        /// request's instant is known only to lie between sending and receiving; a set of
        /// allowed requests all sent and answered within less than a window is certainly
        /// inside one window, and must hold at most N.
        #[test]
        fn redis_never_admits_more_than_n_per_window(
            n in 1u32..4,
            tasks in prop::collection::vec(
                prop::collection::vec((any::<bool>(), 0..60u64), 1..8),
                2..4,
            ),
        ) {
            let config = RedisLimiterConfig {
                key_prefix: format!("portcullis:rl:proptest:{}:", uuid::Uuid::now_v7().simple()),
                window: Duration::from_millis(WINDOW_MS),
                ..RedisLimiterConfig::default()
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let allowed: Vec<(Instant, Instant)> = runtime.block_on(async {
                let a = Arc::new(RedisLimiter::new(&redis_url(), config.clone()).expect("url"));
                let b = Arc::new(RedisLimiter::new(&redis_url(), config).expect("url"));
                a.connect().await.expect("redis a");
                b.connect().await.expect("redis b");
                let handles: Vec<_> = tasks
                    .iter()
                    .cloned()
                    .map(|steps| {
                        let (a, b) = (a.clone(), b.clone());
                        tokio::spawn(async move {
                            let mut mine = Vec::new();
                            for (on_a, pause_ms) in steps {
                                tokio::time::sleep(Duration::from_millis(pause_ms)).await;
                                let limiter = if on_a { &a } else { &b };
                                let sent = Instant::now();
                                let d = limiter.check("acme", n).await.expect("redis answers");
                                if d.allowed {
                                    mine.push((sent, Instant::now()));
                                }
                            }
                            mine
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for h in handles {
                    all.extend(h.await.expect("task"));
                }
                all
            });
            let window = Duration::from_millis(WINDOW_MS);
            for &(start, _) in &allowed {
                let inside = allowed
                    .iter()
                    .filter(|&&(sent, received)| sent >= start && received < start + window)
                    .count();
                prop_assert!(inside <= n as usize, "{inside} > {n} within one window");
            }
            // The first request of all is always allowed: the key is new.
            prop_assert!(!allowed.is_empty());
        }
    }
}
