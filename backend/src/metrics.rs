//! Prometheus metrics at `GET /metrics` (SPEC §7), in the OpenMetrics text format.
//!
//! One [`Metrics`] registry per server instance (held by `App`), not a process-global recorder,
//! so that two instances in one process (the cluster tests) keep separate counts.
//!
//! Each subsystem owns a small struct of metric handles (cheap to clone: they share their
//! values) with a `register` function naming them. To add metrics for another subsystem (say
//! the request-log writer), add such a struct, a field of [`Metrics`] and one `register` call in
//! [`Metrics::new`]; the subsystem keeps a clone of its struct and updates it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::logs::writer::ApiLogMetrics;
use crate::state::AppState;

/// The content type of the exposition (OpenMetrics 1.0 text; Prometheus scrapes it natively).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every metric of one server instance. Names start with `portcullis_`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub rate_limit: RateLimitMetrics,
    pub invalidation: InvalidationMetrics,
    pub http: HttpMetrics,
    /// The request-log writer (`logs::writer`).
    pub api_logs: ApiLogMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("portcullis");
        // Shared by every subsystem that talks to Redis, told apart by `component`.
        let redis_errors = Family::<ComponentLabels, Counter>::default();
        registry.register(
            "redis_errors",
            "Redis calls that failed (timeouts, refused or lost connections, bad replies)",
            redis_errors.clone(),
        );
        let rate_limit = RateLimitMetrics::new(&redis_errors);
        rate_limit.register(&mut registry);
        let invalidation = InvalidationMetrics::new(&redis_errors);
        invalidation.register(&mut registry);
        let http = HttpMetrics::default();
        http.register(&mut registry);
        let api_logs = ApiLogMetrics::default();
        api_logs.register(&mut registry);
        Self {
            registry,
            rate_limit,
            invalidation,
            http,
            api_logs,
        }
    }

    /// The exposition of every metric, ending with `# EOF`.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    /// `memory` (configured in-process), `redis`, or `fallback` (in-process while Redis fails).
    backend: &'static str,
    /// `allowed` or `denied`.
    outcome: &'static str,
}

/// Rate limiting (guard 4): where decisions are made, and Redis's health.
#[derive(Clone, Debug)]
pub struct RateLimitMetrics {
    decisions: Family<DecisionLabels, Counter>,
    redis_healthy: Gauge,
    redis_errors: Counter,
}

impl Default for RateLimitMetrics {
    /// Handles registered nowhere (for limiters built outside a server, as in tests).
    fn default() -> Self {
        Self::new(&Family::default())
    }
}

impl RateLimitMetrics {
    fn new(redis_errors: &Family<ComponentLabels, Counter>) -> Self {
        Self {
            decisions: Family::default(),
            redis_healthy: Gauge::default(),
            redis_errors: redis_errors.get_or_create_owned(&ComponentLabels {
                component: "ratelimit",
            }),
        }
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "ratelimit_decisions",
            "Rate-limit decisions by backend (memory, redis, fallback) and outcome",
            self.decisions.clone(),
        );
        registry.register(
            "ratelimit_redis_healthy",
            "1 while the rate limiter's last Redis call succeeded, 0 while it falls back \
             (always 0 without REDIS_URL)",
            self.redis_healthy.clone(),
        );
    }

    /// Counts one decision made by `backend` (`memory`, `redis` or `fallback`).
    pub fn decision(&self, backend: &'static str, allowed: bool) {
        let outcome = if allowed { "allowed" } else { "denied" };
        self.decisions
            .get_or_create(&DecisionLabels { backend, outcome })
            .inc();
    }

    pub fn set_redis_healthy(&self, healthy: bool) {
        self.redis_healthy.set(i64::from(healthy));
    }

    pub fn redis_error(&self) {
        self.redis_errors.inc();
    }

    /// Decisions counted for `backend`, allowed and denied (for tests).
    pub fn decisions_of(&self, backend: &'static str) -> u64 {
        ["allowed", "denied"]
            .into_iter()
            .map(|outcome| {
                self.decisions
                    .get(&DecisionLabels { backend, outcome })
                    .map_or(0, |c| c.get())
            })
            .sum()
    }
}

/// Cross-instance cache invalidation (see `cluster`).
#[derive(Clone, Debug)]
pub struct InvalidationMetrics {
    pub sent: Counter,
    pub received: Counter,
    pub publish_failures: Counter,
    pub resyncs: Counter,
    pub subscribed: Gauge,
    redis_errors: Counter,
}

impl Default for InvalidationMetrics {
    fn default() -> Self {
        Self::new(&Family::default())
    }
}

impl InvalidationMetrics {
    fn new(redis_errors: &Family<ComponentLabels, Counter>) -> Self {
        Self {
            sent: Counter::default(),
            received: Counter::default(),
            publish_failures: Counter::default(),
            resyncs: Counter::default(),
            subscribed: Gauge::default(),
            redis_errors: redis_errors.get_or_create_owned(&ComponentLabels {
                component: "invalidation",
            }),
        }
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "cache_invalidations_sent",
            "Invalidation messages published to the other instances",
            self.sent.clone(),
        );
        registry.register(
            "cache_invalidations_received",
            "Invalidation messages received from other instances (each drops the caches)",
            self.received.clone(),
        );
        registry.register(
            "cache_invalidation_publish_failures",
            "Attempts to publish an invalidation that failed (the admin write still succeeded)",
            self.publish_failures.clone(),
        );
        registry.register(
            "cache_invalidation_resyncs",
            "Caches dropped because the subscription was lost and re-established \
             (messages may have been missed)",
            self.resyncs.clone(),
        );
        registry.register(
            "cache_invalidation_subscribed",
            "1 while this instance receives other instances' invalidations, 0 otherwise \
             (always 0 on SQLite without REDIS_URL: one instance only)",
            self.subscribed.clone(),
        );
    }

    pub fn redis_error(&self) {
        self.redis_errors.inc();
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    /// `rest`, `graphql`, `oauth`, `docs`, `health`, `metrics` or `other`.
    route: &'static str,
    /// `1xx` … `5xx`.
    status: &'static str,
}

/// HTTP requests answered, by route class and status class (a cheap label set: no paths).
#[derive(Clone, Debug, Default)]
pub struct HttpMetrics {
    requests: Family<HttpLabels, Counter>,
}

impl HttpMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "http_requests",
            "HTTP requests answered, by route class and status class",
            self.requests.clone(),
        );
    }

    fn record(&self, path: &str, status: StatusCode) {
        self.requests
            .get_or_create(&HttpLabels {
                route: route_class(path),
                status: status_class(status),
            })
            .inc();
    }
}

fn route_class(path: &str) -> &'static str {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if path == "/api/v1/openapi.json" || under("/api/docs") {
        "docs"
    } else if under("/api/v1") {
        "rest"
    } else if under("/graphql") {
        "graphql"
    } else if under("/oauth") || under("/.well-known") {
        "oauth"
    } else if path == "/healthz" || path == "/readyz" {
        "health"
    } else if path == "/metrics" {
        "metrics"
    } else {
        "other"
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Middleware counting every response in [`HttpMetrics`].
pub async fn track_http(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    metrics.http.record(&path, response.status());
    response
}

/// `GET /metrics`.
pub async fn handler(State(state): State<AppState>) -> Response {
    match state.app.metrics.encode() {
        Ok(body) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_classes() {
        assert_eq!(route_class("/api/v1/company"), "rest");
        assert_eq!(route_class("/api/v1"), "rest");
        assert_eq!(route_class("/api/v1/openapi.json"), "docs");
        assert_eq!(route_class("/api/docs/index.html"), "docs");
        assert_eq!(route_class("/api/v10"), "other");
        assert_eq!(route_class("/graphql"), "graphql");
        assert_eq!(route_class("/oauth/token"), "oauth");
        assert_eq!(route_class("/.well-known/jwks.json"), "oauth");
        assert_eq!(route_class("/healthz"), "health");
        assert_eq!(route_class("/metrics"), "metrics");
        assert_eq!(route_class("/"), "other");
    }

    #[test]
    fn exposition_names_and_counts() {
        let m = Metrics::new();
        m.rate_limit.decision("redis", true);
        m.rate_limit.decision("fallback", false);
        m.rate_limit.redis_error();
        m.invalidation.redis_error();
        m.http.record("/healthz", StatusCode::OK);
        let text = m.encode().expect("encodes");
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in [
            "portcullis_ratelimit_decisions_total{backend=\"redis\",outcome=\"allowed\"} 1",
            "portcullis_ratelimit_decisions_total{backend=\"fallback\",outcome=\"denied\"} 1",
            "portcullis_redis_errors_total{component=\"ratelimit\"} 1",
            "portcullis_redis_errors_total{component=\"invalidation\"} 1",
            "portcullis_http_requests_total{route=\"health\",status=\"2xx\"} 1",
            "portcullis_cache_invalidations_sent_total 0",
            "portcullis_ratelimit_redis_healthy 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert_eq!(m.rate_limit.decisions_of("redis"), 1);
        assert_eq!(m.rate_limit.decisions_of("memory"), 0);
    }
}
