//! The Redis rate limiter against a real Redis: `PORTCULLIS_TEST_REDIS_URL`, by default
//! `redis://127.0.0.1:6379`. Each test works under its own key prefix, so tests may run in
//! parallel and leave nothing that outlives its window.

use std::sync::Arc;
use std::time::Duration;

use backend::ratelimit::{
    FallbackLimiter, Limiter, MemoryLimiter, RedisLimiter, RedisLimiterConfig, WINDOW,
};
use tokio::net::{TcpListener, TcpStream};

fn redis_url() -> String {
    std::env::var("PORTCULLIS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A configuration under a prefix unique to this test run.
fn config(window: Duration) -> RedisLimiterConfig {
    RedisLimiterConfig {
        key_prefix: format!("portcullis:rl:test:{}:", uuid::Uuid::now_v7().simple()),
        window,
        ..RedisLimiterConfig::default()
    }
}

fn limiter(config: &RedisLimiterConfig) -> RedisLimiter {
    RedisLimiter::new(&redis_url(), config.clone()).expect("valid url")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_exact_limit() {
    let config = config(WINDOW);
    // Two limiters, two connection managers: as two Portcullis processes would be.
    let a = Arc::new(limiter(&config));
    let b = Arc::new(limiter(&config));
    // Connect both first, so that the race below is about decisions, not connections.
    a.check("warmup", 1).await.expect("redis a");
    b.check("warmup", 1).await.expect("redis b");

    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                limiter.check("acme", 5).await
            })
        })
        .collect();
    let mut remaining = Vec::new();
    let mut denied = 0;
    for task in tasks {
        let d = task.await.expect("task").expect("redis answers");
        if d.allowed {
            remaining.push(d.remaining);
        } else {
            denied += 1;
            assert_eq!(d.remaining, 0);
            let retry = d.retry_after.expect("a denial says when to retry");
            assert!(retry > Duration::ZERO && retry <= WINDOW, "{retry:?}");
        }
    }
    remaining.sort_unstable();
    assert_eq!(remaining, vec![0, 1, 2, 3, 4], "exactly 5 allowed");
    assert_eq!(denied, 45);
}

#[tokio::test]
async fn sequential_decisions_report_what_the_headers_need() {
    let config = config(WINDOW);
    let l = limiter(&config);
    for expected_remaining in [2, 1, 0] {
        let d = l.check("k", 3).await.expect("redis");
        assert!(d.allowed);
        assert_eq!(d.limit, 3);
        assert_eq!(d.remaining, expected_remaining);
        assert_eq!(d.retry_after, None);
        assert!(d.reset_after <= WINDOW && d.reset_after > WINDOW - Duration::from_secs(5));
    }
    let d = l.check("k", 3).await.expect("redis");
    assert!(!d.allowed);
    assert_eq!(d.remaining, 0);
    assert!(d.retry_after.is_some_and(|r| r <= WINDOW));
    // Another key is independent.
    assert!(l.check("other", 3).await.expect("redis").allowed);
}

#[tokio::test]
async fn a_changed_limit_applies_to_the_next_decision() {
    let config = config(WINDOW);
    let l = limiter(&config);
    for _ in 0..3 {
        assert!(l.check("k", 10).await.expect("redis").allowed);
    }
    let lowered = l.check("k", 2).await.expect("redis");
    assert!(!lowered.allowed);
    assert_eq!(lowered.remaining, 0);
    let raised = l.check("k", 20).await.expect("redis");
    assert!(raised.allowed);
    assert_eq!(raised.remaining, 16);
    let zero = l.check("k", 0).await.expect("redis");
    assert!(!zero.allowed);
    assert_eq!(zero.retry_after, Some(WINDOW));
}

#[tokio::test]
async fn the_window_slides_on_redis_time() {
    let window = Duration::from_millis(800);
    let config = config(window);
    let l = limiter(&config);
    assert!(l.check("k", 2).await.expect("redis").allowed);
    assert!(l.check("k", 2).await.expect("redis").allowed);
    let denied = l.check("k", 2).await.expect("redis");
    assert!(!denied.allowed);
    let retry = denied.retry_after.expect("retry");
    assert!(retry <= window);
    tokio::time::sleep(retry + Duration::from_millis(50)).await;
    assert!(l.check("k", 2).await.expect("redis").allowed);
}

#[tokio::test]
async fn keys_are_prefixed_and_expire() {
    let config = config(WINDOW);
    let l = limiter(&config);
    assert!(l.check("company-1", 5).await.expect("redis").allowed);
    let client = redis::Client::open(redis_url()).expect("url");
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let key = format!("{}company-1", config.key_prefix);
    assert!(key.starts_with("portcullis:rl:"));
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut con)
        .await
        .expect("pttl");
    assert!(ttl > 0 && ttl <= 60_001, "ttl {ttl}");
    let members: i64 = redis::cmd("ZCARD")
        .arg(&key)
        .query_async(&mut con)
        .await
        .expect("zcard");
    assert_eq!(members, 1);
}

#[tokio::test]
async fn unreachable_redis_falls_back_to_an_enforced_in_process_limit() {
    let redis =
        RedisLimiter::new("redis://127.0.0.1:1", config(WINDOW)).expect("the url itself is fine");
    let l = FallbackLimiter::new(redis, MemoryLimiter::new(WINDOW));
    assert!(l.redis_healthy(), "optimistic until tried");
    let allowed = futures_count(&l, "acme", 3, 10).await;
    assert_eq!(allowed, 3, "the limit still holds");
    assert_eq!(l.fallback_decisions(), 10);
    assert!(!l.redis_healthy());

    // The same through the server-facing type.
    let l = Limiter::from_redis_url(
        Some("redis://127.0.0.1:1"),
        backend::metrics::RateLimitMetrics::default(),
    )
    .expect("parses");
    assert_eq!(l.backend(), "redis");
    let d = l.check("acme", 1).await;
    assert!(d.allowed);
    assert!(!l.check("acme", 1).await.allowed);
    assert_eq!(l.fallback_decisions(), 2);
    assert_eq!(l.redis_healthy(), Some(false));
}

async fn futures_count(l: &FallbackLimiter, key: &str, limit: u32, n: usize) -> usize {
    let mut allowed = 0;
    for _ in 0..n {
        if l.check(key, limit).await.allowed {
            allowed += 1;
        }
    }
    allowed
}

/// Forwards every connection accepted on `listener` to the real Redis. Aborting the task
/// closes the listener and every forwarded connection: Redis "goes down".
async fn proxy_to_redis(listener: TcpListener) {
    let upstream = redis_url()
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        let upstream = upstream.clone();
        connections.spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

async fn start_proxy(port: u16) -> tokio::task::JoinHandle<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the proxy port");
    tokio::spawn(proxy_to_redis(listener))
}

async fn stop_proxy(proxy: tokio::task::JoinHandle<()>) {
    proxy.abort();
    let _ = proxy.await;
}

#[tokio::test]
async fn falls_back_during_an_outage_and_recovers_when_redis_answers_again() {
    // A port with nothing behind it yet: Redis is down at start-up.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let redis =
        RedisLimiter::new(&format!("redis://127.0.0.1:{port}"), config(WINDOW)).expect("valid url");
    let probe_interval = Duration::from_millis(100);
    let l = FallbackLimiter::with_probe_interval(redis, MemoryLimiter::new(WINDOW), probe_interval);
    assert!(l.check("acme", 100).await.allowed);
    assert!(!l.redis_healthy());
    assert_eq!(l.fallback_decisions(), 1);
    // Until the probe interval passes, requests do not even try Redis.
    assert!(l.check("acme", 100).await.allowed);
    assert_eq!(l.fallback_decisions(), 2);

    // Redis comes up on that port.
    let proxy = start_proxy(port).await;
    tokio::time::sleep(probe_interval + Duration::from_millis(50)).await;
    let d = l.check("acme", 100).await;
    assert!(d.allowed);
    assert!(l.redis_healthy(), "recovered");
    assert_eq!(l.fallback_decisions(), 2);
    // Decided by Redis now: its count starts afresh, not from the in-process one.
    assert_eq!(d.remaining, 99);
    assert_eq!(l.check("acme", 100).await.remaining, 98);

    // Redis goes away while connected: decisions fall back, still limited.
    stop_proxy(proxy).await;
    let d = l.check("acme", 100).await;
    assert!(d.allowed);
    assert!(!l.redis_healthy());
    assert_eq!(l.fallback_decisions(), 3);
    assert_eq!(
        d.remaining, 97,
        "the in-process count went on from the earlier outage"
    );

    // And comes back: the connection manager reconnects on the next probe.
    let proxy = start_proxy(port).await;
    let mut recovered = false;
    for _ in 0..20 {
        tokio::time::sleep(probe_interval + Duration::from_millis(20)).await;
        let d = l.check("acme", 100).await;
        if l.redis_healthy() {
            assert_eq!(d.remaining, 97, "Redis kept its own count");
            recovered = true;
            break;
        }
    }
    assert!(recovered, "Redis was not used again after it came back");
    stop_proxy(proxy).await;
}
