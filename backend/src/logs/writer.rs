//! The background writer of request logs: the request path only `try_send`s a row to a bounded
//! channel ([`LogSink::send`]), never waiting; one task inserts the rows in batches.
//!
//! The channel is the buffer: the task takes rows out only when it writes them, every
//! `--log-batch-interval-ms` or as soon as a batch (`--log-batch-size`) is waiting, so that its
//! capacity (`--log-channel-capacity`) bounds the memory held for logs. A full channel drops the
//! row and counts it (`portcullis_api_logs_dropped_total`).
//!
//! While the database is unavailable (see [`crate::db::outage`]) a batch is kept and retried
//! with exponential backoff until it is written, so no row already queued is lost to an outage;
//! the channel fills meanwhile, and only rows that find it full are dropped (and counted). A
//! batch failing for another reason (a bug, not an outage) is retried once, then dropped and
//! counted. At shutdown, [`Writer::shutdown`] writes everything queued; if the database is down
//! then, it keeps retrying for [`SHUTDOWN_RETRY_BUDGET`] before giving the rest up (counted).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::db::outage;
use crate::entity::api_log;

/// Rows per INSERT statement: 20 columns each, well under SQLite's 32 766 and PostgreSQL's
/// 65 535 bind parameters.
const MAX_ROWS_PER_INSERT: usize = 1000;

/// First pause before retrying a failed batch; it doubles, during an outage, up to
/// [`MAX_RETRY_DELAY`].
const RETRY_DELAY: Duration = Duration::from_millis(100);

/// Longest pause between two attempts while the database is down.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// How long, once shutdown has begun, batches are still retried while the database is down;
/// after it the remaining rows are dropped (and counted) so that the process can exit.
pub const SHUTDOWN_RETRY_BUDGET: Duration = Duration::from_secs(5);

/// The writer's counters (`portcullis_api_logs_*`).
#[derive(Clone, Debug, Default)]
pub struct ApiLogMetrics {
    pub written: Counter,
    pub dropped: Counter,
    pub batch_failures: Counter,
}

impl ApiLogMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "api_logs_written",
            "API request log rows written to the database",
            self.written.clone(),
        );
        registry.register(
            "api_logs_dropped",
            "API request log rows lost: the writer's queue stayed full for --log-queue-wait-ms, \
             their batch failed twice (not an outage), or the database was still down at shutdown",
            self.dropped.clone(),
        );
        registry.register(
            "api_logs_batch_failures",
            "Batches of API request log rows given up: after one retry, or at shutdown during \
             a database outage",
            self.batch_failures.clone(),
        );
    }
}

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Rows the channel holds (at least 1).
    pub capacity: usize,
    /// Longest a request waits for room in a full channel before its row is dropped.
    pub queue_wait: Duration,
    /// Rows written together (at least 1).
    pub batch_size: usize,
    /// Longest a row waits before its batch is written.
    pub interval: Duration,
}

/// The request path's end of the channel: cheap to clone, never blocks.
#[derive(Clone, Debug)]
pub struct LogSink {
    tx: mpsc::Sender<api_log::Model>,
    batch_ready: Arc<Notify>,
    batch_size: usize,
    queue_wait: Duration,
    metrics: ApiLogMetrics,
}

impl LogSink {
    /// Queues a row now, or counts it as dropped when the queue is full (for tools; requests
    /// take a [`Slot`] first, waiting for room).
    pub fn send(&self, row: api_log::Model) {
        match self.tx.try_send(row) {
            Ok(()) => self.queued(),
            Err(_) => {
                self.metrics.dropped.inc();
            }
        }
    }

    /// Room for one row, taken before the row is built. When the queue is full this waits (up to
    /// `queue_wait`) for the writer to make room: a flood of requests is slowed down to what the
    /// database can write rather than losing its rows. `None` when no room came in time (the
    /// row will be counted as dropped) or the writer is gone.
    pub async fn slot(&self) -> Option<Slot> {
        let permit = match self.tx.clone().try_reserve_owned() {
            Ok(p) => p,
            Err(mpsc::error::TrySendError::Full(tx)) if !self.queue_wait.is_zero() => {
                tokio::time::timeout(self.queue_wait, tx.reserve_owned())
                    .await
                    .ok()?
                    .ok()?
            }
            Err(_) => return None,
        };
        Some(Slot {
            permit,
            sink: self.clone(),
        })
    }

    /// Counts a row that found no room.
    pub fn dropped(&self) {
        self.metrics.dropped.inc();
    }

    /// Wakes the writer once a batch is waiting.
    fn queued(&self) {
        let queued = self.tx.max_capacity() - self.tx.capacity();
        if queued >= self.batch_size {
            self.batch_ready.notify_one();
        }
    }
}

/// Room reserved in the queue for one row (see [`LogSink::slot`]); sending cannot fail.
#[derive(Debug)]
pub struct Slot {
    permit: mpsc::OwnedPermit<api_log::Model>,
    sink: LogSink,
}

impl Slot {
    pub fn send(self, row: api_log::Model) {
        self.permit.send(row);
        self.sink.queued();
    }
}

/// The queue's other end, for [`spawn`] (or a test reading rows directly).
pub struct Queue {
    rx: mpsc::Receiver<api_log::Model>,
    batch_ready: Arc<Notify>,
    config: WriterConfig,
    metrics: ApiLogMetrics,
}

impl Queue {
    /// Takes a row without waiting (for tests).
    pub fn try_recv(&mut self) -> Option<api_log::Model> {
        self.rx.try_recv().ok()
    }
}

/// The bounded channel between requests and the writer.
pub fn channel(config: WriterConfig, metrics: ApiLogMetrics) -> (LogSink, Queue) {
    let config = WriterConfig {
        capacity: config.capacity.max(1),
        batch_size: config.batch_size.max(1),
        ..config
    };
    let (tx, rx) = mpsc::channel(config.capacity);
    let batch_ready = Arc::new(Notify::new());
    (
        LogSink {
            tx,
            batch_ready: batch_ready.clone(),
            batch_size: config.batch_size,
            queue_wait: config.queue_wait,
            metrics: metrics.clone(),
        },
        Queue {
            rx,
            batch_ready,
            config,
            metrics,
        },
    )
}

/// The running writer task.
pub struct Writer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Writes every queued row, then ends. Call once no request can queue more (after the HTTP
    /// server has finished), before the database closes. With the database down, it gives up
    /// after [`SHUTDOWN_RETRY_BUDGET`] (the rows left are counted as dropped).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the API log writer ended abnormally");
        }
    }
}

/// Starts the writer on a queue.
pub fn spawn(db: DatabaseConnection, queue: Queue) -> Writer {
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(run(db, queue, stop_rx));
    Writer { stop, task }
}

/// What the concurrent inserts share about an outage and the shutdown.
struct Retry {
    stop: watch::Receiver<bool>,
    /// Set when shutdown begins: retrying during an outage ends then.
    give_up_at: OnceLock<Instant>,
    /// Whether the last attempt found the database unavailable.
    down: AtomicBool,
}

impl Retry {
    /// Starts the shutdown budget if shutdown has begun; true once it has run out.
    fn budget_spent(&self) -> bool {
        if *self.stop.borrow() {
            let at = *self
                .give_up_at
                .get_or_init(|| Instant::now() + SHUTDOWN_RETRY_BUDGET);
            Instant::now() >= at
        } else {
            false
        }
    }
}

async fn run(db: DatabaseConnection, mut queue: Queue, stop: watch::Receiver<bool>) {
    let retry = Retry {
        stop,
        give_up_at: OnceLock::new(),
        down: AtomicBool::new(false),
    };
    let mut stop = retry.stop.clone();
    loop {
        let stopping = tokio::select! {
            biased;
            // Also when the `Writer` was dropped without `shutdown`.
            _ = stop.wait_for(|s| *s) => true,
            _ = queue.batch_ready.notified() => false,
            _ = tokio::time::sleep(queue.config.interval) => false,
        };
        drain(&db, &mut queue, &retry).await;
        if stopping {
            tracing::info!("API log writer drained");
            return;
        }
    }
}

/// Inserts written at once. Each insert is one commit: on PostgreSQL that is a WAL flush, so
/// several inserts on separate pool connections overlap their flushes (group commit) and the
/// writer keeps up with more traffic; SQLite has a single writer, so more would only wait on its
/// lock. Measured with `benches/log_writer.rs` (README, Performance).
fn inserts_in_flight(db: &DatabaseConnection) -> usize {
    match db.get_database_backend() {
        DbBackend::Postgres => PG_INSERTS_IN_FLIGHT,
        _ => 1,
    }
}

/// See [`inserts_in_flight`].
const PG_INSERTS_IN_FLIGHT: usize = 4;

/// Writes what is queued, a batch per insert, until the queue is empty.
async fn drain(db: &DatabaseConnection, queue: &mut Queue, retry: &Retry) {
    let per_insert = queue.config.batch_size.min(MAX_ROWS_PER_INSERT);
    let in_flight = inserts_in_flight(db);
    let round = per_insert * in_flight;
    let mut rows = Vec::with_capacity(round.min(queue.config.capacity));
    loop {
        rows.clear();
        while rows.len() < round {
            match queue.rx.try_recv() {
                Ok(row) => rows.push(row),
                Err(_) => break,
            }
        }
        if rows.is_empty() {
            return;
        }
        let metrics = &queue.metrics;
        futures_util::stream::iter(rows.chunks(per_insert))
            .for_each_concurrent(in_flight, |chunk| write(db, chunk, metrics, retry))
            .await;
        if rows.len() < round {
            return;
        }
    }
}

/// Writes one batch: retried until written while the database is unavailable (until the
/// shutdown budget runs out), once otherwise.
async fn write(
    db: &DatabaseConnection,
    rows: &[api_log::Model],
    metrics: &ApiLogMetrics,
    retry: &Retry,
) {
    let n = rows.len() as u64;
    let mut delay = RETRY_DELAY;
    let mut failures = 0u32;
    let mut waited_for_outage = false;
    loop {
        if retry.budget_spent() && retry.down.load(Ordering::Acquire) {
            give_up(metrics, n, "the database is still unavailable at shutdown");
            return;
        }
        let err = match insert(db, rows).await {
            Ok(()) => {
                retry.down.store(false, Ordering::Release);
                metrics.written.inc_by(n);
                if waited_for_outage {
                    tracing::info!(rows = n, "database available again: API log rows written");
                }
                return;
            }
            Err(e) => e,
        };
        failures += 1;
        let down = outage::is_unavailable(&err);
        retry.down.store(down, Ordering::Release);
        if !down && failures >= 2 {
            give_up(metrics, n, &err.to_string());
            return;
        }
        if down && !waited_for_outage {
            waited_for_outage = true;
            tracing::warn!(error = %err, rows = n, "database unavailable: keeping API log rows, retrying");
        }
        // Wait, but not past the shutdown budget, and wake up when shutdown begins so that the
        // budget starts counting.
        let mut pause = delay;
        if let Some(at) = retry.give_up_at.get() {
            pause = pause.min(at.saturating_duration_since(Instant::now()));
        }
        let mut stop = retry.stop.clone();
        let stopping = *stop.borrow();
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.wait_for(|s| *s), if !stopping => {}
        }
        delay = (delay * 2).min(MAX_RETRY_DELAY);
    }
}

/// Inserts a batch, skipping rows already there. A batch whose commit reached the database but
/// whose answer was lost (the connection broke after COMMIT) is retried like any outage; the
/// rows' ids are made when the request is logged, so the retry finds them and writes nothing
/// twice, where a plain INSERT would fail on the primary key and count them as dropped.
async fn insert(db: &DatabaseConnection, rows: &[api_log::Model]) -> Result<(), DbErr> {
    let models = rows
        .iter()
        .cloned()
        .map(api_log::ActiveModel::from)
        .collect::<Vec<_>>();
    api_log::Entity::insert_many(models)
        .on_conflict_do_nothing_on([api_log::Column::Id])
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

fn give_up(metrics: &ApiLogMetrics, n: u64, why: &str) {
    metrics.batch_failures.inc();
    metrics.dropped.inc_by(n);
    tracing::error!(error = %why, rows = n, "could not write API log rows; dropped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{Database, PaginatorTrait};
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn row() -> api_log::Model {
        api_log::Model {
            id: Uuid::now_v7(),
            time: OffsetDateTime::now_utc(),
            method: "GET".into(),
            uri: "/api/v1/employees".into(),
            endpoint: "/api/v1/employees".into(),
            status_code: 200,
            response_time_us: 10,
            request_ip: None,
            request_headers: serde_json::json!({}),
            response_headers: serde_json::json!({}),
            request_body: None,
            response_body: None,
            exception: None,
            decision: "allowed".into(),
            denied_by: None,
            company_id: None,
            user_id: None,
            credential_kind: None,
            credential_id: None,
        }
    }

    /// The retry of a batch whose COMMIT landed but whose answer was lost must neither fail
    /// (and count the rows as dropped) nor write them twice.
    #[tokio::test]
    async fn a_batch_written_again_is_neither_an_error_nor_a_duplicate() {
        // One connection: each connection to `:memory:` is a database of its own.
        let mut opts = sea_orm::ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1);
        let db = Database::connect(opts).await.expect("sqlite");
        Migrator::up(&db, None).await.expect("migrations");
        let batch = vec![row(), row(), row()];
        insert(&db, &batch).await.expect("first write");
        let mut again = batch.clone();
        again.push(row());
        insert(&db, &again)
            .await
            .expect("the retry, with one new row");
        let n = api_log::Entity::find().count(&db).await.expect("count");
        assert_eq!(n, 4);
    }
}
