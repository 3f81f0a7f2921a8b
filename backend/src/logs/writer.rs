//! The background writer of request logs: the request path only `try_send`s a row to a bounded
//! channel ([`LogSink::send`]), never waiting; one task inserts the rows in batches.
//!
//! The channel is the buffer: the task takes rows out only when it writes them, every
//! `--log-batch-interval-ms` or as soon as a batch (`--log-batch-size`) is waiting, so that its
//! capacity (`--log-channel-capacity`) bounds the memory held for logs. A full channel drops the
//! row and counts it (`portcullis_api_logs_dropped_total`); a batch that fails is retried once,
//! then counted as dropped too. At shutdown, [`Writer::shutdown`] writes everything queued.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::entity::api_log;

/// Rows per INSERT statement: 20 columns each, well under SQLite's 32 766 and PostgreSQL's
/// 65 535 bind parameters.
const MAX_ROWS_PER_INSERT: usize = 1000;

/// Pause before the one retry of a failed batch.
const RETRY_DELAY: Duration = Duration::from_millis(100);

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
            "API request log rows lost: the writer's queue was full, or their batch failed twice",
            self.dropped.clone(),
        );
        registry.register(
            "api_logs_batch_failures",
            "Batches of API request log rows that could not be written, after one retry",
            self.batch_failures.clone(),
        );
    }
}

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Rows the channel holds (at least 1).
    pub capacity: usize,
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
    metrics: ApiLogMetrics,
}

impl LogSink {
    /// Queues a row, or counts it as dropped when the queue is full.
    pub fn send(&self, row: api_log::Model) {
        match self.tx.try_send(row) {
            Ok(()) => {
                let queued = self.tx.max_capacity() - self.tx.capacity();
                if queued >= self.batch_size {
                    self.batch_ready.notify_one();
                }
            }
            Err(_) => {
                self.metrics.dropped.inc();
            }
        }
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
        interval: config.interval,
    };
    let (tx, rx) = mpsc::channel(config.capacity);
    let batch_ready = Arc::new(Notify::new());
    (
        LogSink {
            tx,
            batch_ready: batch_ready.clone(),
            batch_size: config.batch_size,
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
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Writes every queued row, then ends. Call once no request can queue more (after the HTTP
    /// server has finished), before the database closes.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the API log writer ended abnormally");
        }
    }
}

/// Starts the writer on a queue.
pub fn spawn(db: DatabaseConnection, queue: Queue) -> Writer {
    let (stop, stop_rx) = oneshot::channel();
    let task = tokio::spawn(run(db, queue, stop_rx));
    Writer { stop, task }
}

async fn run(db: DatabaseConnection, mut queue: Queue, mut stop: oneshot::Receiver<()>) {
    loop {
        let stopping = tokio::select! {
            biased;
            _ = &mut stop => true,
            _ = queue.batch_ready.notified() => false,
            _ = tokio::time::sleep(queue.config.interval) => false,
        };
        drain(&db, &mut queue).await;
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
async fn drain(db: &DatabaseConnection, queue: &mut Queue) {
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
            .for_each_concurrent(in_flight, |chunk| write(db, chunk, metrics))
            .await;
        if rows.len() < round {
            return;
        }
    }
}

async fn write(db: &DatabaseConnection, rows: &[api_log::Model], metrics: &ApiLogMetrics) {
    let n = rows.len() as u64;
    let mut last = None;
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(RETRY_DELAY).await;
        }
        let models = rows
            .iter()
            .cloned()
            .map(api_log::ActiveModel::from)
            .collect::<Vec<_>>();
        match api_log::Entity::insert_many(models)
            .exec_without_returning(db)
            .await
        {
            Ok(_) => {
                metrics.written.inc_by(n);
                return;
            }
            Err(e) => last = Some(e),
        }
    }
    metrics.batch_failures.inc();
    metrics.dropped.inc_by(n);
    if let Some(e) = last {
        tracing::error!(error = %e, rows = n, "could not write API log rows; dropped");
    }
}
