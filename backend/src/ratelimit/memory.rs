//! The in-process limiter: a sliding-window log per key (see the module docs of `ratelimit`).
//!
//! Exactness under concurrency comes from deciding under a lock: keys are spread over
//! [`SHARDS`] mutex-guarded maps, and the whole decision for a key — read the clock, drop
//! expired timestamps, count, record — happens while its shard is locked. Two requests for the
//! same key are therefore decided one after the other, never both on the same count. The lock
//! is a `std` mutex held for a few hundred nanoseconds and never across an `.await`.
//!
//! Memory is bounded: a key holds at most as many timestamps as requests it was allowed in the
//! last window (so at most its limit), and keys whose newest timestamp has left the window —
//! idle keys — are swept from a shard every [`SWEEP_EVERY`] decisions on it (and by
//! [`MemoryLimiter::purge_idle`]). Keys are company ids of authenticated callers (guard 4 runs
//! after authentication), so their number is bounded by the companies active in a minute.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Decision;

/// Number of independently locked shards: enough that unrelated companies rarely contend.
pub const SHARDS: usize = 64;

/// A shard drops its idle keys after this many decisions on it.
pub const SWEEP_EVERY: u32 = 1024;

/// A monotonic time source in microseconds. Injectable so that tests can move time by hand
/// instead of sleeping through a window.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Microseconds since an arbitrary fixed origin; never decreases.
    fn now_micros(&self) -> u64;
}

/// The real clock: microseconds since the limiter was created (`Instant`, so immune to changes
/// of the wall clock).
#[derive(Debug)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now_micros(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    micros: AtomicU64,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_micros()).unwrap_or(u64::MAX);
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ = self
            .micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(by))
            });
    }

    /// Sets the clock to `at` after its origin; ignored if that would move it backwards.
    pub fn set(&self, at: Duration) {
        let at = u64::try_from(at.as_micros()).unwrap_or(u64::MAX);
        self.micros.fetch_max(at, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> u64 {
        self.micros.load(Ordering::SeqCst)
    }
}

/// The sliding-window decision on one key's log, shared by the in-process limiter and by the
/// tests that model the Redis script. `log` holds the timestamps (µs, ascending) of allowed
/// requests; a timestamp `t` is inside the window at `now` iff `t + window > now`.
pub(crate) fn decide(log: &mut VecDeque<u64>, now: u64, limit: u32, window_us: u64) -> Decision {
    while log
        .front()
        .is_some_and(|&t| t.saturating_add(window_us) <= now)
    {
        log.pop_front();
    }
    let limit_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let allowed = log.len() < limit_len;
    if allowed {
        log.push_back(now);
    }
    let until_expiry = |t: u64| t.saturating_add(window_us).saturating_sub(now);
    let reset_us = log.front().map_or(window_us, |&t| until_expiry(t));
    // Denied: a retry succeeds once `len - limit + 1` timestamps have left the window, that is
    // when the one at index `len - limit` (0-based, oldest first) does. With a limit of 0
    // nothing ever helps; advertise a whole window.
    let retry_us = (!allowed).then(|| {
        log.get(log.len().saturating_sub(limit_len))
            .filter(|_| limit > 0)
            .map_or(window_us, |&t| until_expiry(t))
    });
    let count = u64::try_from(log.len()).unwrap_or(u64::MAX);
    Decision::from_log(allowed, limit, count, reset_us, retry_us)
}

#[derive(Default)]
struct Shard {
    logs: HashMap<String, VecDeque<u64>>,
    decisions_since_sweep: u32,
}

impl Shard {
    /// Drops the keys with no timestamp left in the window.
    fn sweep(&mut self, now: u64, window_us: u64) {
        self.logs.retain(|_, log| {
            log.back()
                .is_some_and(|&t| t.saturating_add(window_us) > now)
        });
        self.decisions_since_sweep = 0;
    }
}

/// The exact in-process limiter. See the module docs.
pub struct MemoryLimiter {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    window_us: u64,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("window_us", &self.window_us)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl MemoryLimiter {
    /// A limiter over `window` (the server uses [`super::WINDOW`]) on the real clock.
    pub fn new(window: Duration) -> Self {
        Self::with_clock(window, Arc::new(MonotonicClock::new()))
    }

    /// A limiter over `window` reading time from `clock` (tests pass a [`ManualClock`]). A zero
    /// window is raised to 1 µs so that every timestamp still expires.
    pub fn with_clock(window: Duration, clock: Arc<dyn Clock>) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
            window_us: u64::try_from(window.as_micros()).unwrap_or(u64::MAX).max(1),
            clock,
        }
    }

    pub fn window(&self) -> Duration {
        Duration::from_micros(self.window_us)
    }

    /// Counts one request of `key` against `limit` and says whether it may proceed.
    pub fn check(&self, key: &str, limit: u32) -> Decision {
        let mut shard = self.shard(key);
        // Read the clock under the lock, so that a key's timestamps are recorded in order.
        let now = self.clock.now_micros();
        shard.decisions_since_sweep = shard.decisions_since_sweep.saturating_add(1);
        if shard.decisions_since_sweep >= SWEEP_EVERY {
            shard.sweep(now, self.window_us);
        }
        if let Some(log) = shard.logs.get_mut(key) {
            decide(log, now, limit, self.window_us)
        } else {
            let mut log = VecDeque::new();
            let decision = decide(&mut log, now, limit, self.window_us);
            // A denied first request (limit 0) leaves nothing worth keeping.
            if !log.is_empty() {
                shard.logs.insert(key.to_owned(), log);
            }
            decision
        }
    }

    /// Drops every idle key now (the limiter also does it on its own as it goes).
    pub fn purge_idle(&self) {
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let now = self.clock.now_micros();
            shard.sweep(now, self.window_us);
        }
    }

    /// The number of keys currently held (for tests and diagnostics).
    pub fn key_count(&self) -> usize {
        self.shards.iter().map(|s| lock(s).logs.len()).sum()
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        let hash = self.hasher.hash_one(key);
        // `SHARDS` fits in u64 and the remainder is below `SHARDS`, so both casts are lossless.
        let index = usize::try_from(hash % SHARDS as u64).unwrap_or(0);
        lock(&self.shards[index])
    }
}

/// Locks a shard. A panic while holding the lock cannot leave a log half-updated in a way that
/// matters (at worst one timestamp is missing or extra), so a poisoned lock is simply reused
/// rather than turning every later request of the shard into a panic.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: Duration = Duration::from_secs(60);

    fn limiter() -> (MemoryLimiter, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        (MemoryLimiter::with_clock(MIN, clock.clone()), clock)
    }

    #[test]
    fn allows_exactly_the_limit_then_denies() {
        let (l, clock) = limiter();
        for i in 0..5u32 {
            clock.advance(Duration::from_secs(1));
            let d = l.check("acme", 5);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.limit, 5);
            assert_eq!(d.remaining, 4 - i);
            assert_eq!(d.retry_after, None);
            // The oldest request (t = 1 s) leaves the window at 61 s.
            assert_eq!(
                d.reset_after,
                MIN - Duration::from_secs(u64::from(i)),
                "request {i}"
            );
        }
        let d = l.check("acme", 5);
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
        assert_eq!(d.retry_after, Some(Duration::from_secs(56)));
        // Other keys are independent.
        assert!(l.check("globex", 5).allowed);
    }

    #[test]
    fn window_slides_one_request_at_a_time() {
        let (l, clock) = limiter();
        assert!(l.check("k", 2).allowed); // t = 0
        clock.set(Duration::from_secs(30));
        assert!(l.check("k", 2).allowed); // t = 30
        clock.set(Duration::from_secs(59));
        let d = l.check("k", 2);
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Some(Duration::from_secs(1)));
        // Exactly one window after the first request, it no longer counts.
        clock.set(MIN);
        let d = l.check("k", 2);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        assert_eq!(d.reset_after, Duration::from_secs(30));
        assert!(!l.check("k", 2).allowed);
        // A full window later, the whole quota is back.
        clock.set(Duration::from_secs(200));
        let d = l.check("k", 2);
        assert!(d.allowed);
        assert_eq!(d.remaining, 1);
    }

    #[test]
    fn denied_requests_do_not_consume_quota() {
        let (l, clock) = limiter();
        assert!(l.check("k", 1).allowed);
        for _ in 0..100 {
            clock.advance(Duration::from_millis(500));
            assert!(!l.check("k", 1).allowed);
        }
        clock.set(MIN);
        assert!(l.check("k", 1).allowed);
    }

    #[test]
    fn a_changed_limit_applies_to_the_next_request() {
        let (l, clock) = limiter();
        for _ in 0..3 {
            assert!(l.check("k", 10).allowed);
        }
        // Lowered below what was used: denied, and the retry waits for enough to expire.
        clock.advance(Duration::from_secs(10));
        let d = l.check("k", 2);
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
        assert_eq!(d.retry_after, Some(Duration::from_secs(50)));
        // Raised: allowed at once.
        let d = l.check("k", 20);
        assert!(d.allowed);
        assert_eq!(d.remaining, 16);
    }

    #[test]
    fn limit_zero_denies_everything_without_storing() {
        let (l, _clock) = limiter();
        let d = l.check("k", 0);
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
        assert_eq!(d.retry_after, Some(MIN));
        assert_eq!(l.key_count(), 0);
    }

    #[test]
    fn idle_keys_are_evicted() {
        let (l, clock) = limiter();
        let shard_of = |key: &str| l.hasher.hash_one(key) % SHARDS as u64;
        // Idle keys that share a shard with "busy", whose traffic alone must sweep them.
        let idle: Vec<String> = (0..)
            .map(|i| format!("company-{i}"))
            .filter(|k| shard_of(k) == shard_of("busy"))
            .take(20)
            .collect();
        for k in &idle {
            assert!(l.check(k, 1).allowed);
        }
        // A key elsewhere is not swept by traffic on another shard.
        let other = (0..)
            .map(|i| format!("other-{i}"))
            .find(|k| shard_of(k) != shard_of("busy"))
            .expect("some key lands elsewhere");
        assert!(l.check(&other, 1).allowed);
        let before = l.key_count();
        clock.advance(MIN);
        for _ in 0..SWEEP_EVERY {
            l.check("busy", u32::MAX);
        }
        assert_eq!(before, 21);
        assert_eq!(l.key_count(), 2);
        clock.advance(MIN);
        l.purge_idle();
        assert_eq!(l.key_count(), 0);
    }

    #[test]
    fn zero_window_and_extreme_inputs_do_not_panic() {
        let clock = Arc::new(ManualClock::new());
        let l = MemoryLimiter::with_clock(Duration::ZERO, clock.clone());
        assert!(l.check("", 1).allowed);
        clock.set(Duration::MAX);
        assert!(l.check("", u32::MAX).allowed);
        assert!(l.check("\u{0}\u{ffff}", 0).retry_after.is_some());
        let l = MemoryLimiter::with_clock(Duration::MAX, Arc::new(ManualClock::new()));
        assert!(l.check("k", 1).allowed);
        assert!(!l.check("k", 1).allowed);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_requests_admit_exactly_the_limit() {
        let l = Arc::new(MemoryLimiter::new(MIN));
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let l = l.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    l.check("acme", 5)
                })
            })
            .collect();
        let mut allowed = 0;
        let mut remaining_seen = Vec::new();
        for t in tasks {
            let d = t.await.expect("task");
            if d.allowed {
                allowed += 1;
                remaining_seen.push(d.remaining);
            }
        }
        assert_eq!(allowed, 5);
        remaining_seen.sort_unstable();
        assert_eq!(remaining_seen, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn threads_hammering_many_keys_stay_exact() {
        let l = Arc::new(MemoryLimiter::new(MIN));
        let allowed = Arc::new(AtomicU64::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                let l = l.clone();
                let allowed = allowed.clone();
                s.spawn(move || {
                    for i in 0..2_000 {
                        if l.check(&format!("k{}", i % 20), 7).allowed {
                            allowed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(allowed.load(Ordering::Relaxed), 20 * 7);
    }

    /// One step of a generated scenario: which key, how far the clock moves first, the limit.
    #[derive(Debug, Clone)]
    struct Step {
        key: usize,
        advance_ms: u64,
        limit: u32,
    }

    fn step(max_limit: u32) -> impl Strategy<Value = Step> {
        (
            0..3usize,
            prop_oneof![Just(0u64), 0..2_000u64, 0..70_000u64],
            1..=max_limit,
        )
            .prop_map(|(key, advance_ms, limit)| Step {
                key,
                advance_ms,
                limit,
            })
    }

    proptest! {
        /// With a fixed limit N, no window of 60 s (wherever it starts) ever holds more than N
        /// allowed requests of one key.
        #[test]
        fn never_more_than_n_in_any_window(
            n in 1u32..8,
            steps in proptest::collection::vec(step(1), 1..300),
        ) {
            let (l, clock) = limiter();
            let window_us = 60_000_000u64;
            let mut admitted: Vec<Vec<u64>> = vec![Vec::new(); 3];
            for s in &steps {
                clock.advance(Duration::from_millis(s.advance_ms));
                if l.check(&s.key.to_string(), n).allowed {
                    admitted[s.key].push(clock.now_micros());
                }
            }
            for times in &admitted {
                // Any window holding the most requests can be taken to start at one of them.
                for (i, &start) in times.iter().enumerate() {
                    let inside = times[i..].iter().take_while(|&&t| t < start + window_us).count();
                    prop_assert!(inside <= n as usize, "{inside} > {n} in the window from {start}");
                }
            }
        }

        /// Against a reference model, with the limit changing between calls: a request is allowed
        /// exactly when fewer than `limit` requests were allowed in the last window (so never
        /// N+1, and never a wrongful denial), and the reported numbers match.
        #[test]
        fn matches_the_reference_model(steps in proptest::collection::vec(step(6), 1..300)) {
            let (l, clock) = limiter();
            let window_us = 60_000_000u64;
            let mut admitted: Vec<Vec<u64>> = vec![Vec::new(); 3];
            for s in &steps {
                clock.advance(Duration::from_millis(s.advance_ms));
                let now = clock.now_micros();
                let in_window: Vec<u64> = admitted[s.key]
                    .iter()
                    .copied()
                    .filter(|&t| t + window_us > now)
                    .collect();
                let expect_allowed = in_window.len() < s.limit as usize;
                let d = l.check(&s.key.to_string(), s.limit);
                prop_assert_eq!(d.allowed, expect_allowed);
                let count = in_window.len() + usize::from(expect_allowed);
                prop_assert_eq!(d.remaining as usize, (s.limit as usize).saturating_sub(count));
                if d.allowed {
                    admitted[s.key].push(now);
                    prop_assert_eq!(d.retry_after, None);
                } else {
                    // The retry time is exactly when the count in the window drops below the limit.
                    let retry = d.retry_after.map(|r| now + r.as_micros() as u64);
                    let retry = retry.unwrap_or(u64::MAX);
                    let left_at_retry = in_window.iter().filter(|&&t| t + window_us > retry).count();
                    let left_before = in_window.iter().filter(|&&t| t + window_us > retry - 1).count();
                    prop_assert!(left_at_retry < s.limit as usize);
                    prop_assert!(left_before >= s.limit as usize);
                }
            }
        }
    }

    /// A clock that threads move forward by hand; each thread remembers the time its own last
    /// decision read (under the shard lock), which is the time the limiter recorded.
    #[derive(Debug, Default)]
    struct RecordingClock {
        micros: AtomicU64,
    }

    thread_local! {
        static LAST_READ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    impl Clock for RecordingClock {
        fn now_micros(&self) -> u64 {
            let t = self.micros.load(Ordering::SeqCst);
            LAST_READ.with(|c| c.set(t));
            t
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Threads racing on shared keys while the clock moves, in whatever interleaving the
        /// scheduler picks: no window of 60 s, wherever it starts, holds more than N allowed
        /// requests of one key, and the limiter never refuses a key below its limit overall
        /// (at least min(N, requests) of each key's requests are allowed).
        #[test]
        fn never_more_than_n_in_any_window_across_threads(
            n in 1u32..6,
            threads in prop::collection::vec(
                prop::collection::vec((0..3usize, prop_oneof![Just(0u64), 0..3_000u64, 0..40_000u64]), 1..120),
                2..5,
            ),
        ) {
            let clock = Arc::new(RecordingClock::default());
            let l = MemoryLimiter::with_clock(MIN, clock.clone());
            let window_us = 60_000_000u64;
            let admitted: Vec<Vec<(usize, u64)>> = std::thread::scope(|s| {
                let handles: Vec<_> = threads
                    .iter()
                    .map(|steps| {
                        let (l, clock) = (&l, &clock);
                        s.spawn(move || {
                            let mut mine = Vec::new();
                            for &(key, advance_ms) in steps {
                                clock.micros.fetch_add(advance_ms * 1_000, Ordering::SeqCst);
                                if l.check(&key.to_string(), n).allowed {
                                    mine.push((key, LAST_READ.with(std::cell::Cell::get)));
                                }
                            }
                            mine
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().expect("thread")).collect()
            });
            for key in 0..3 {
                let mut times: Vec<u64> = admitted
                    .iter()
                    .flatten()
                    .filter(|(k, _)| *k == key)
                    .map(|&(_, t)| t)
                    .collect();
                times.sort_unstable();
                for (i, &start) in times.iter().enumerate() {
                    let inside = times[i..].iter().take_while(|&&t| t < start + window_us).count();
                    prop_assert!(inside <= n as usize, "key {key}: {inside} > {n} from {start}");
                }
                let requests = threads.iter().flatten().filter(|(k, _)| *k == key).count();
                prop_assert!(times.len() >= requests.min(n as usize));
            }
        }
    }
}
