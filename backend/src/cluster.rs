//! Cross-instance cache invalidation (SPEC §7): a credential revoked, a user deactivated or a
//! role narrowed through one instance is rejected by every instance within a second.
//!
//! Each instance caches verified credentials (`auth::cache`, `oauth::cache`) under an *epoch*:
//! entries cached under an older epoch are never used. The epoch belongs to the [`Invalidator`]
//! of one `App` (not to the process, so two instances in one process stay independent).
//! [`Invalidator::invalidate`] bumps the local epoch and wakes a publisher task, which tells the
//! other instances; a subscriber task bumps the local epoch for every message from another
//! instance. The transport is, in order of preference:
//!
//! - **Redis pub/sub** on the channel [`CHANNEL`], when `REDIS_URL` is set;
//! - **PostgreSQL `LISTEN`/`NOTIFY`** on the same channel name, when the database is PostgreSQL
//!   (the listener holds one connection of the pool);
//! - **local only** on SQLite without Redis: one instance per SQLite file.
//!
//! Publishing never fails an admin write: a failed publish is retried briefly, then logged and
//! counted (`portcullis_cache_invalidation_publish_failures_total`); other instances then catch
//! up within the caches' time-to-live. When the subscription is lost, the subscriber reconnects
//! with exponential backoff and bumps the epoch once it is back (messages may have been missed
//! meanwhile). Messages carry the sender's instance id, so an instance ignores its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use crate::metrics::InvalidationMetrics;

/// The Redis channel and PostgreSQL notification channel of invalidations.
pub const CHANNEL: &str = "portcullis_invalidate";

/// How long one connection, subscription or publish may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// Publish attempts per invalidation before giving up (then logged and counted).
const PUBLISH_ATTEMPTS: u32 = 3;
/// First and longest wait between reconnection attempts of the subscriber.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// How often an idle Redis subscription is pinged, to notice a dead connection.
const PING_INTERVAL: Duration = Duration::from_secs(5);
/// How long start-up waits for the first subscription before serving anyway.
const FIRST_SUBSCRIBE_WAIT: Duration = Duration::from_secs(2);

/// How invalidations reach the other instances.
#[derive(Clone)]
enum Transport {
    Local,
    Redis(redis::Client),
    Postgres(PgPool),
}

struct Inner {
    epoch: AtomicU64,
    /// Set by `invalidate`, cleared by the publisher when it publishes.
    dirty: AtomicBool,
    wake: Notify,
    /// Sent with every message, so that an instance skips its own.
    instance: String,
    transport: Transport,
    metrics: InvalidationMetrics,
}

/// The cache epoch of one instance, and its link to the other instances. Cheap to clone.
#[derive(Clone)]
pub struct Invalidator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Invalidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the transport: a Redis client's connection info holds the password.
        f.debug_struct("Invalidator")
            .field("epoch", &self.current())
            .field("transport", &self.transport())
            .finish_non_exhaustive()
    }
}

impl Invalidator {
    /// An invalidator that tells no other instance (tests, tools, SQLite alone).
    pub fn local() -> Self {
        Self::with_transport(Transport::Local, InvalidationMetrics::default())
    }

    /// The invalidator for the configuration: Redis pub/sub with `redis_url`, else PostgreSQL
    /// `LISTEN`/`NOTIFY` on a PostgreSQL database, else local only. Connects nothing yet: see
    /// [`Self::spawn`].
    pub fn for_config(
        redis_url: Option<&str>,
        db: &DatabaseConnection,
        metrics: InvalidationMetrics,
    ) -> anyhow::Result<Self> {
        let transport = match redis_url.map(str::trim).filter(|u| !u.is_empty()) {
            // The URL's text is not repeated in the error: it may hold a password.
            Some(url) => Transport::Redis(
                redis::Client::open(url).map_err(|_| anyhow::anyhow!("invalid Redis URL"))?,
            ),
            None if db.get_database_backend() == DatabaseBackend::Postgres => {
                Transport::Postgres(db.get_postgres_connection_pool().clone())
            }
            None => Transport::Local,
        };
        Ok(Self::with_transport(transport, metrics))
    }

    fn with_transport(transport: Transport, metrics: InvalidationMetrics) -> Self {
        Self {
            inner: Arc::new(Inner {
                epoch: AtomicU64::new(0),
                dirty: AtomicBool::new(false),
                wake: Notify::new(),
                instance: uuid::Uuid::now_v7().to_string(),
                transport,
                metrics,
            }),
        }
    }

    /// `"redis"`, `"postgres"` or `"local"`.
    pub fn transport(&self) -> &'static str {
        transport_name(&self.inner.transport)
    }

    /// The current epoch. Read it *before* the database reads that verify a credential, and
    /// cache the result under it (see `auth::cache`).
    pub fn current(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// Makes every cached verification stale, here at once and on the other instances as soon
    /// as the message arrives. Call it after the write that changes what some credential may
    /// do has committed. Never fails and never waits: publishing happens in the background.
    pub fn invalidate(&self) {
        self.inner.bump();
        if !matches!(self.inner.transport, Transport::Local) {
            self.inner.dirty.store(true, Ordering::SeqCst);
            self.inner.wake.notify_one();
        }
    }

    /// Starts the publisher and subscriber tasks (none for a local invalidator) and waits, at
    /// most a couple of seconds, for the first subscription, so that an instance that starts
    /// serving already hears the others.
    pub async fn spawn(&self) -> Background {
        let mut tasks = Vec::new();
        if matches!(self.inner.transport, Transport::Local) {
            return Background {
                inner: self.inner.clone(),
                tasks,
            };
        }
        let (ready_tx, ready_rx) = oneshot::channel();
        tasks.push(tokio::spawn(publish_loop(self.inner.clone())));
        tasks.push(tokio::spawn(subscribe_loop(self.inner.clone(), ready_tx)));
        if tokio::time::timeout(FIRST_SUBSCRIBE_WAIT, ready_rx)
            .await
            .is_err()
        {
            tracing::warn!(
                transport = self.transport(),
                "cache invalidation: not subscribed yet; serving anyway, retrying in the background"
            );
        }
        Background {
            inner: self.inner.clone(),
            tasks,
        }
    }
}

/// The running publisher and subscriber of an [`Invalidator`].
pub struct Background {
    inner: Arc<Inner>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Stops both tasks at shutdown, publishing a last invalidation still pending.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.inner.metrics.subscribed.set(0);
        if self.inner.dirty.swap(false, Ordering::SeqCst) {
            self.inner.publish_with_retries().await;
        }
    }
}

impl Inner {
    fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// A message from the transport: another instance invalidated.
    fn on_message(&self, sender: &[u8]) {
        if sender != self.instance.as_bytes() {
            self.bump();
            self.metrics.received.inc();
        }
    }

    /// The subscription is (re)established: anything may have been missed before.
    fn on_subscribed(&self, reconnect: bool) {
        self.bump();
        self.metrics.subscribed.set(1);
        if reconnect {
            self.metrics.resyncs.inc();
            tracing::warn!(
                transport = transport_name(&self.transport),
                "cache invalidation: subscribed again; dropped the caches (messages may have \
                 been missed)"
            );
        }
    }

    fn on_lost(&self, error: &dyn std::fmt::Display) {
        self.metrics.subscribed.set(0);
        if matches!(self.transport, Transport::Redis(_)) {
            self.metrics.redis_error();
        }
        tracing::warn!(
            transport = transport_name(&self.transport),
            %error,
            "cache invalidation: subscription lost; other instances' revocations are not heard \
             until it is back (reconnecting)"
        );
    }

    async fn publish_once(
        &self,
        redis: &mut Option<redis::aio::MultiplexedConnection>,
    ) -> anyhow::Result<()> {
        match &self.transport {
            Transport::Local => Ok(()),
            Transport::Redis(client) => {
                let con = match redis {
                    Some(con) => con,
                    None => redis.insert(
                        tokio::time::timeout(
                            CALL_TIMEOUT,
                            client.get_multiplexed_async_connection(),
                        )
                        .await??,
                    ),
                };
                let mut cmd = redis::cmd("PUBLISH");
                cmd.arg(CHANNEL).arg(&self.instance);
                let sent =
                    match tokio::time::timeout(CALL_TIMEOUT, cmd.query_async::<i64>(con)).await {
                        Ok(reply) => reply.map(drop).map_err(anyhow::Error::from),
                        Err(elapsed) => Err(elapsed.into()),
                    };
                if sent.is_err() {
                    // Opened afresh for the next attempt.
                    *redis = None;
                }
                sent
            }
            Transport::Postgres(pool) => {
                tokio::time::timeout(
                    CALL_TIMEOUT,
                    sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(&self.instance)
                        .execute(pool),
                )
                .await??;
                Ok(())
            }
        }
    }

    /// Publishes one invalidation, retrying briefly; failures are logged and counted, never
    /// returned.
    async fn publish_with_retries(&self) {
        let mut redis = None;
        self.publish_retrying(&mut redis).await;
    }

    async fn publish_retrying(&self, redis: &mut Option<redis::aio::MultiplexedConnection>) {
        let mut wait = BACKOFF_MIN;
        for attempt in 1..=PUBLISH_ATTEMPTS {
            match self.publish_once(redis).await {
                Ok(()) => {
                    self.metrics.sent.inc();
                    return;
                }
                Err(error) => {
                    self.metrics.publish_failures.inc();
                    if matches!(self.transport, Transport::Redis(_)) {
                        self.metrics.redis_error();
                    }
                    if attempt == PUBLISH_ATTEMPTS {
                        tracing::warn!(
                            transport = transport_name(&self.transport),
                            %error,
                            "cache invalidation: could not tell the other instances; they catch \
                             up when their cached entries expire"
                        );
                    } else {
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                }
            }
        }
    }
}

fn transport_name(t: &Transport) -> &'static str {
    match t {
        Transport::Local => "local",
        Transport::Redis(_) => "redis",
        Transport::Postgres(_) => "postgres",
    }
}

/// Publishes one message per burst of invalidations: a message sent after several local bumps
/// covers them all.
async fn publish_loop(inner: Arc<Inner>) {
    // Kept between messages; dropped (and reopened) after an error.
    let mut redis = None;
    loop {
        inner.wake.notified().await;
        while inner.dirty.swap(false, Ordering::SeqCst) {
            inner.publish_retrying(&mut redis).await;
        }
    }
}

/// Exponential backoff between reconnection attempts.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Self(BACKOFF_MIN)
    }

    fn reset(&mut self) {
        self.0 = BACKOFF_MIN;
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
    }
}

async fn subscribe_loop(inner: Arc<Inner>, ready: oneshot::Sender<()>) {
    let mut ready = Some(ready);
    match inner.transport.clone() {
        Transport::Local => {}
        Transport::Redis(client) => subscribe_redis(&inner, &client, &mut ready).await,
        Transport::Postgres(pool) => subscribe_postgres(&inner, &pool, &mut ready).await,
    }
}

async fn subscribe_redis(
    inner: &Inner,
    client: &redis::Client,
    ready: &mut Option<oneshot::Sender<()>>,
) {
    let mut backoff = Backoff::new();
    let mut reconnect = false;
    loop {
        match redis_subscription(client).await {
            Ok((mut sink, mut stream)) => {
                inner.on_subscribed(reconnect);
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
                backoff.reset();
                let mut ping = tokio::time::interval(PING_INTERVAL);
                ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ping.tick().await;
                let error: anyhow::Error = loop {
                    tokio::select! {
                        msg = stream.next() => match msg {
                            Some(msg) => inner.on_message(msg.get_payload_bytes()),
                            None => break anyhow::anyhow!("connection closed"),
                        },
                        _ = ping.tick() => {
                            match tokio::time::timeout(CALL_TIMEOUT, sink.ping::<redis::Value>()).await {
                                Ok(Ok(_)) => {}
                                Ok(Err(e)) => break e.into(),
                                Err(e) => break e.into(),
                            }
                        }
                    }
                };
                inner.on_lost(&error);
            }
            Err(error) => {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
                inner.metrics.redis_error();
                if !reconnect {
                    tracing::warn!(%error, "cache invalidation: cannot subscribe to Redis; retrying");
                } else {
                    tracing::debug!(%error, "cache invalidation: Redis subscription retry failed");
                }
            }
        }
        reconnect = true;
        backoff.wait().await;
    }
}

async fn redis_subscription(
    client: &redis::Client,
) -> anyhow::Result<(redis::aio::PubSubSink, redis::aio::PubSubStream)> {
    let pubsub = tokio::time::timeout(CALL_TIMEOUT, client.get_async_pubsub()).await??;
    let (mut sink, stream) = pubsub.split();
    tokio::time::timeout(CALL_TIMEOUT, sink.subscribe(CHANNEL)).await??;
    Ok((sink, stream))
}

async fn subscribe_postgres(inner: &Inner, pool: &PgPool, ready: &mut Option<oneshot::Sender<()>>) {
    let mut backoff = Backoff::new();
    let mut reconnect = false;
    loop {
        match pg_listener(pool).await {
            Ok(mut listener) => {
                inner.on_subscribed(reconnect);
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
                backoff.reset();
                let error = loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => inner.on_message(n.payload().as_bytes()),
                        // The connection was lost and has been re-established (`LISTEN` again):
                        // whatever was sent meanwhile is gone.
                        Ok(None) => {
                            inner.on_lost(&"connection lost");
                            inner.on_subscribed(true);
                        }
                        Err(e) => break e,
                    }
                };
                inner.on_lost(&error);
            }
            Err(error) => {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(());
                }
                if !reconnect {
                    tracing::warn!(%error, "cache invalidation: cannot LISTEN on PostgreSQL; retrying");
                } else {
                    tracing::debug!(%error, "cache invalidation: PostgreSQL LISTEN retry failed");
                }
            }
        }
        reconnect = true;
        backoff.wait().await;
    }
}

async fn pg_listener(pool: &PgPool) -> anyhow::Result<PgListener> {
    let mut listener = tokio::time::timeout(CALL_TIMEOUT, PgListener::connect_with(pool)).await??;
    tokio::time::timeout(CALL_TIMEOUT, listener.listen(CHANNEL)).await??;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_invalidation_bumps_only_this_epoch() {
        let a = Invalidator::local();
        let b = Invalidator::local();
        let before = a.current();
        a.invalidate();
        assert_eq!(a.current(), before + 1);
        assert_eq!(b.current(), 0, "epochs are per instance");
    }

    #[test]
    fn own_messages_are_ignored() {
        let a = Invalidator::local();
        let own = a.inner.instance.clone();
        a.inner.on_message(own.as_bytes());
        assert_eq!(a.current(), 0);
        a.inner.on_message(b"another instance");
        assert_eq!(a.current(), 1);
        assert_eq!(a.inner.metrics.received.get(), 1);
    }
}
