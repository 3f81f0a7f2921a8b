//! The capture layer: one `api_logs` row per `/api/v1` and `/oauth` request, and per `/graphql`
//! request made with a personal access token (the handler marks those with a [`Decision`]; the
//! SPA's session traffic carries none and is not logged).
//!
//! Bodies are never held twice: a body whose length is known and at most
//! `--log-body-max-bytes` is read whole (then redacted field by field and passed on as the same
//! bytes); a longer or unknown-length textual body is tapped while it streams, keeping only its
//! first bytes (redacted as text); binary bodies (uploads, downloads) are recorded as
//! `[N bytes, <type>, not captured]`. A response that streams has its row sent when its body
//! ends (or is dropped), so graceful shutdown, which waits for bodies, still drains every row.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use ipnet::IpNet;
use time::OffsetDateTime;
use tower_http::catch_panic::CatchPanicLayer;
use uuid::Uuid;

use crate::entity::api_log;
use crate::logs::writer::{LogSink, Slot};
use crate::logs::{Decision, Exception, ProblemSummary, guard_of, redact};
use crate::rest::problem::{Problem, ProblemKind};

/// The capture layer's settings and its end of the writer's channel.
#[derive(Debug, Clone)]
pub struct Capture {
    sink: LogSink,
    body_max: usize,
    trusted_proxies: Vec<IpNet>,
}

impl Capture {
    pub fn new(sink: LogSink, body_max: usize, trusted_proxies: Vec<IpNet>) -> Self {
        Self {
            sink,
            body_max,
            trusted_proxies,
        }
    }
}

/// Puts a router's routes behind the capture layer: panics become 500s (with the panic's text
/// for the log), each matched route names its template, and the outer layer records.
pub fn layer<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    capture: Arc<Capture>,
) -> Router<S> {
    router
        .route_layer(CatchPanicLayer::custom(panic_response))
        .route_layer(middleware::from_fn(mark_endpoint))
        .layer(middleware::from_fn_with_state(capture, record))
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a handler panicked".to_string()
    };
    tracing::error!(panic = %text, "a request handler panicked");
    let mut resp = Problem::internal().into_response();
    resp.extensions_mut()
        .insert(Exception(format!("panic: {text}")));
    resp
}

/// Copies the route template into the response, where the outer layer finds it (routing has
/// not happened yet when a request passes the outer layer).
async fn mark_endpoint(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut resp = next.run(req).await;
    if let Some(m) = matched {
        resp.extensions_mut().insert(m);
    }
    resp
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Rest,
    OAuth,
    GraphQl,
}

fn door(path: &str) -> Option<Door> {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if under("/api/v1") {
        Some(Door::Rest)
    } else if under("/oauth") {
        Some(Door::OAuth)
    } else if path == "/graphql" {
        Some(Door::GraphQl)
    } else if is_bench_baseline(path) {
        Some(Door::Rest)
    } else {
        None
    }
}

/// Benchmark builds: the unguarded baseline route is logged like `/api/v1`, so the load suite's
/// guarded / baseline ratio compares the guards alone (capturing and writing the row costs both
/// sides the same; the suite measures that cost separately).
#[cfg(feature = "bench")]
fn is_bench_baseline(path: &str) -> bool {
    path == crate::bench_support::baseline::PATH
}

#[cfg(not(feature = "bench"))]
fn is_bench_baseline(_: &str) -> bool {
    false
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The first bytes of a streaming body, and how many went by.
#[derive(Debug, Default)]
struct Tap {
    head: Vec<u8>,
    total: usize,
}

impl Tap {
    fn push(&mut self, data: &[u8], max: usize) {
        self.total = self.total.saturating_add(data.len());
        let room = max.saturating_sub(self.head.len());
        self.head.extend_from_slice(&data[..data.len().min(room)]);
    }
}

type SharedTap = Arc<Mutex<Tap>>;

/// How a body is being captured.
enum Captured {
    /// No body.
    Empty,
    /// Done: the text to keep (already redacted and truncated), or a placeholder.
    Text(String),
    /// Being tapped as it streams.
    Tapped(SharedTap, Option<String>),
}

impl Captured {
    fn finish(self, max: usize) -> Option<String> {
        match self {
            Self::Empty => None,
            Self::Text(t) => Some(t),
            Self::Tapped(tap, ct) => {
                let tap = tap.lock().map(|t| Tap {
                    head: t.head.clone(),
                    total: t.total,
                });
                let tap = tap.unwrap_or_default();
                if tap.total == 0 {
                    return None;
                }
                let complete = tap.total <= tap.head.len();
                let text = redact::body(ct.as_deref(), &tap.head, complete);
                Some(truncate(text, max, tap.total))
            }
        }
    }
}

/// Longest endpoint kept. A route template is short; an unmatched path is the caller's and could
/// be kilobytes long, which PostgreSQL refuses in an index entry (about 2.7 KB): one such row
/// would fail its whole batch. The full path stays in `uri`.
pub const ENDPOINT_MAX_CHARS: usize = 256;
/// Longest method kept (extension methods are arbitrary tokens), for the same reason.
pub const METHOD_MAX_CHARS: usize = 32;

/// The first `max` characters of `text`, with `…` when it was longer.
fn cap_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// Cuts a text at `max` bytes (on a character boundary), saying how long the body was.
fn truncate(mut text: String, max: usize, total: usize) -> String {
    if text.len() <= max && total <= max {
        return text;
    }
    let mut cut = max.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&format!("… [truncated: {total} bytes in all]"));
    text
}

/// Starts capturing a body; returns the body to pass on.
async fn capture_body(
    body: Body,
    ct: Option<String>,
    max: usize,
) -> Result<(Captured, Body), axum::Error> {
    let size = body.size_hint().exact();
    if size == Some(0) {
        return Ok((Captured::Empty, body));
    }
    if !redact::is_textual(ct.as_deref()) {
        let ct = ct.unwrap_or_default();
        let text = match size {
            Some(n) => format!("[{n} bytes, {ct}, not captured]"),
            None => format!("[streamed {ct} body, not captured]"),
        };
        return Ok((Captured::Text(text), body));
    }
    match size {
        Some(n) if n <= max as u64 => {
            let bytes = axum::body::to_bytes(body, max).await?;
            let text = truncate(redact::body(ct.as_deref(), &bytes, true), max, bytes.len());
            Ok((Captured::Text(text), Body::from(bytes)))
        }
        _ => {
            let tap = SharedTap::default();
            let t = tap.clone();
            let body = Body::new(body.map_frame(move |frame| {
                if let (Some(data), Ok(mut t)) = (frame.data_ref(), t.lock()) {
                    t.push(data, max);
                }
                frame
            }));
            Ok((Captured::Tapped(tap, ct), body))
        }
    }
}

/// A row waiting for its response body: sent when the body is finished or dropped.
struct Pending {
    row: Option<api_log::Model>,
    body: Option<Captured>,
    max: usize,
    /// Its room in the writer's queue; `None` when none came in time (the row is then counted
    /// as dropped).
    slot: Option<Slot>,
    sink: LogSink,
}

impl Pending {
    fn send(&mut self) {
        if let Some(mut row) = self.row.take() {
            row.response_body = self.body.take().and_then(|b| b.finish(self.max));
            if row.status_code >= 500 && row.exception.is_none() {
                row.exception = Some(match &row.response_body {
                    Some(b) => format!("HTTP {}: {b}", row.status_code),
                    None => format!("HTTP {}", row.status_code),
                });
            }
            match self.slot.take() {
                Some(slot) => slot.send(row),
                None => self.sink.dropped(),
            }
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.send();
    }
}

async fn record(State(c): State<Arc<Capture>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some(door) = door(&path) else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let time = OffsetDateTime::now_utc();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip());
    let request_ip = super::client_ip::resolve(peer, req.headers(), &c.trusted_proxies);
    let method = cap_chars(req.method().as_str(), METHOD_MAX_CHARS);
    let uri = redact::uri(req.uri());
    let request_headers = redact::headers(req.headers());
    let (parts, body) = req.into_parts();
    let (request_body, resp) =
        match capture_body(body, content_type(&parts.headers), c.body_max).await {
            Ok((captured, body)) => (captured, next.run(Request::from_parts(parts, body)).await),
            // The client went away or sent a malformed body: nothing reaches the handler.
            Err(e) => (
                Captured::Text(format!("[unreadable body: {e}]")),
                Problem::new(
                    ProblemKind::BadRequest,
                    format!("could not read the request body: {e}"),
                )
                .into_response(),
            ),
        };
    let response_time_us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);

    let decision = resp.extensions().get::<Decision>().cloned();
    if door == Door::GraphQl && decision.is_none() {
        // Session (or anonymous) GraphQL traffic: the SPA's own, not logged.
        return resp;
    }
    // Room in the writer's queue first: when it is full this waits for the writer (bounded by
    // `--log-queue-wait-ms`), so a flood is slowed instead of losing rows.
    let slot = c.sink.slot().await;
    let mut decision = decision.unwrap_or_default();
    if decision.denied.is_none()
        && let Some(p) = resp.extensions().get::<ProblemSummary>()
        && let Some(guard) = guard_of(&p.type_uri)
        && matches!(guard, "scope" | "permission")
        && decision.identity.is_some()
    {
        // The guards let it in; the handler refused it by the caller's scope (a company endpoint
        // for a hub user, a field an API key may not write).
        let why = p.detail.clone().unwrap_or_default();
        decision.denied = Some(("scope", why));
    }
    let endpoint = resp
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| cap_chars(&path, ENDPOINT_MAX_CHARS));
    let exception = resp
        .extensions()
        .get::<Exception>()
        .map(|e| truncate(e.0.clone(), c.body_max, e.0.len()));
    let status = resp.status();
    let identity = decision.identity.clone().unwrap_or_default();
    let row = api_log::Model {
        id: Uuid::now_v7(),
        time,
        method,
        uri,
        endpoint,
        status_code: i32::from(status.as_u16()),
        response_time_us,
        request_ip: request_ip.map(|ip| ip.to_string()),
        request_headers,
        response_headers: redact::headers(resp.headers()),
        request_body: request_body.finish(c.body_max),
        response_body: None,
        exception,
        decision: decision.text(),
        denied_by: decision.denied_by().map(str::to_string),
        company_id: identity.company_id,
        user_id: identity.user_id,
        credential_kind: identity.credential_kind.map(str::to_string),
        credential_id: identity.credential_id,
    };
    let (parts, body) = resp.into_parts();
    let (captured, body) = match capture_body(body, content_type(&parts.headers), c.body_max).await
    {
        Ok(x) => x,
        Err(e) => {
            let mut pending = Pending {
                row: Some(row),
                body: Some(Captured::Text(format!("[unreadable body: {e}]"))),
                max: c.body_max,
                slot,
                sink: c.sink.clone(),
            };
            pending.send();
            return (StatusCode::INTERNAL_SERVER_ERROR, Bytes::new()).into_response();
        }
    };
    let mut pending = Pending {
        row: Some(row),
        body: Some(captured),
        max: c.body_max,
        slot,
        sink: c.sink.clone(),
    };
    let tapped = matches!(pending.body, Some(Captured::Tapped(..)));
    if !tapped {
        pending.send();
        return Response::from_parts(parts, body);
    }
    // Sent when the body has streamed (or the connection dropped it).
    let body = Body::new(body.map_frame(move |frame| {
        let _keep = &pending;
        frame
    }));
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::writer::{self, ApiLogMetrics, WriterConfig};
    use axum::routing::{get, post};
    use std::time::Duration;
    use tower::ServiceExt;

    #[test]
    fn cap_chars_keeps_short_text_and_marks_cuts() {
        assert_eq!(cap_chars("/api/v1/company", 256), "/api/v1/company");
        assert_eq!(cap_chars("ééééé", 3), "ééé…");
        assert_eq!(cap_chars("abc", 3), "abc");
    }

    fn app(max: usize) -> (Router, writer::Queue) {
        let (sink, queue) = writer::channel(
            WriterConfig {
                capacity: 16,
                queue_wait: Duration::ZERO,
                batch_size: 16,
                interval: Duration::from_secs(3600),
            },
            ApiLogMetrics::default(),
        );
        let router: Router = Router::new()
            .route(
                "/api/v1/boom/{id}",
                get(|| async {
                    if true {
                        panic!("the handler blew up");
                    }
                    "unreachable"
                }),
            )
            .route("/api/v1/echo", post(|body: String| async move { body }))
            .route("/healthz", get(|| async { "ok" }));
        (
            layer(router, Arc::new(Capture::new(sink, max, vec![]))),
            queue,
        )
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_is_logged() {
        let (app, mut queue) = app(8192);
        let resp = app
            .oneshot(
                Request::get("/api/v1/boom/7")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let row = queue.try_recv().expect("a row for the panic");
        assert_eq!(row.status_code, 500);
        assert_eq!(row.endpoint, "/api/v1/boom/{id}");
        assert_eq!(row.exception.as_deref(), Some("panic: the handler blew up"));
    }

    #[tokio::test]
    async fn bodies_are_truncated_and_unlogged_paths_skipped() {
        let (app, mut queue) = app(64);
        let big = format!(
            "{{\"password\": \"hunter2\", \"pad\": \"{}\"}}",
            "x".repeat(500)
        );
        let resp = app
            .clone()
            .oneshot(
                Request::post("/api/v1/echo")
                    .header("content-type", "application/json")
                    .body(Body::from(big.clone()))
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK);
        let echoed = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        assert_eq!(echoed, big.as_bytes(), "the handler got the whole body");
        let row = queue.try_recv().expect("row");
        for body in [
            row.request_body.expect("req"),
            row.response_body.expect("resp"),
        ] {
            assert!(!body.contains("hunter2"), "{body}");
            assert!(
                body.ends_with(&format!("… [truncated: {} bytes in all]", big.len())),
                "{body}"
            );
            assert!(body.len() <= 64 + 40, "{body}");
        }
        let resp = app
            .oneshot(
                Request::get("/healthz")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(queue.try_recv().is_none(), "health checks are not logged");
    }
}
