//! Starting and stopping the server. `main` and the integration tests both go through `start`,
//! so the tests exercise exactly what production runs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::session::SessionKeys;
use crate::bootstrap::{self, AdminBootstrap};
use crate::cluster::Invalidator;
use crate::config::ServeArgs;
use crate::logs::{self, Capture, writer::WriterConfig};
use crate::metrics::Metrics;
use crate::oauth::OAuthKeys;
use crate::ratelimit::Limiter;
use crate::state::{App, AppState};
use crate::{db, demo, graphql, router};

/// A server running in the background.
pub struct RunningServer {
    /// The address it listens on (the real port when the configured one was 0).
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Stops accepting connections, lets in-flight requests finish, and waits for the end.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.task.await.context("server task panicked")?
    }

    /// Waits until the server ends by itself (after `shutdown` fires).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")?
    }
}

/// Connects to the database, migrates, bootstraps, and starts serving until `shutdown` completes
/// or `RunningServer::stop` is called.
pub async fn start(
    config: ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<RunningServer> {
    let db = db::connect(&config.database).await?;
    // Benchmark builds only: count the statements run, for reads per verified token.
    #[cfg(feature = "bench")]
    let db = crate::bench_support::counters::instrument(db);
    bootstrap::sync_catalogue(&db).await?;
    match bootstrap::ensure_super_admin(&db, &config.admin_email, config.admin_password.as_deref())
        .await?
    {
        AdminBootstrap::Existing => {}
        AdminBootstrap::Created { email } => {
            tracing::info!(%email, "created the first super admin");
        }
        AdminBootstrap::CreatedWithGeneratedPassword { email, password } => {
            // Printed, not logged: log pipelines keep what they receive.
            println!(
                "\n  Created the first super admin.\n    e-mail:   {email}\n    password: {password}\n  \
                 It is shown this once; set PORTCULLIS_ADMIN_PASSWORD to choose it instead.\n"
            );
        }
    }
    if config.demo {
        let summary = demo::seed(&db).await?;
        tracing::info!(?summary, "demo data ready");
    }
    let session_keys = SessionKeys::load_or_create(&db).await?;
    let oauth_keys = OAuthKeys::load_or_create(&db).await?;
    let metrics = Metrics::new();
    let limiter = Limiter::from_redis_url(config.redis_url.as_deref(), metrics.rate_limit.clone())
        .context("REDIS_URL")?;
    limiter.connect().await;
    tracing::info!(backend = limiter.backend(), "rate limiter ready");
    let invalidator = Invalidator::for_config(
        config.redis_url.as_deref(),
        &db,
        metrics.invalidation.clone(),
    )
    .context("REDIS_URL")?;
    let invalidation = invalidator.spawn().await;
    tracing::info!(
        transport = invalidator.transport(),
        "cross-instance cache invalidation ready"
    );
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let shutdown_timeout = Duration::from_secs(config.shutdown_timeout_secs);
    let (log_sink, log_queue) = logs::writer::channel(
        WriterConfig {
            capacity: config.log_channel_capacity as usize,
            queue_wait: Duration::from_millis(config.log_queue_wait_ms),
            batch_size: config.log_batch_size as usize,
            interval: Duration::from_millis(config.log_batch_interval_ms),
        },
        metrics.api_logs.clone(),
    );
    let log_writer = logs::writer::spawn(db.clone(), log_queue);
    let retention = logs::retention::spawn(db.clone(), config.log_retention_days);
    let api_logs = Arc::new(Capture::new(
        log_sink,
        config.log_body_max_bytes,
        config.trusted_proxies.clone(),
    ));
    let login_throttle = crate::service::sessions::LoginThrottle::new(&config.login);
    let app = Arc::new(App {
        db,
        config,
        session_keys,
        oauth_keys,
        login_throttle,
        last_used: Default::default(),
        principals: Default::default(),
        api_keys: Default::default(),
        companies: Default::default(),
        limiter,
        invalidator,
        metrics: Arc::new(metrics),
        api_logs,
    });
    let state = AppState {
        schema: graphql::build_schema(app.clone()),
        app,
    };
    let router = router::build(state.clone());

    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (begin_tx, begin_rx) = oneshot::channel::<()>();
    let graceful = async move {
        tokio::select! {
            _ = shutdown => {}
            _ = stop_rx => {}
        }
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = begin_tx.send(());
    };
    let flusher = tokio::spawn(flush_last_used_periodically(state.app.clone()));
    let final_flush = state.app.clone();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(graceful);
        let deadline = async {
            if begin_rx.await.is_ok() {
                tokio::time::sleep(shutdown_timeout).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            res = serve => res.context("serving HTTP")?,
            _ = deadline => tracing::warn!(?shutdown_timeout, "in-flight requests did not finish in time"),
        }
        flusher.abort();
        if let Some(r) = retention {
            r.abort();
        }
        // Every response has been sent (or abandoned): write the request logs still queued.
        log_writer.shutdown().await;
        invalidation.stop().await;
        if let Err(e) = final_flush.last_used.flush(&final_flush.db).await {
            tracing::warn!(error = %e, "could not write the last-used stamps at shutdown");
        }
        tracing::info!("stopped");
        Ok(())
    });
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop_tx),
        task,
    })
}

/// How often coalesced "last used" stamps are written.
const LAST_USED_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

async fn flush_last_used_periodically(app: Arc<App>) {
    let mut tick = tokio::time::interval(LAST_USED_FLUSH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.last_used.flush(&app.db).await {
            tracing::warn!(error = %e, "could not write last-used stamps; will retry");
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
