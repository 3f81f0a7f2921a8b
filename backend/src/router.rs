//! Every route and every layer, in one place, so a request's path can be read top to bottom.

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};
use tower_http::trace::TraceLayer;

use crate::{graphql, health, logs, metrics, oauth, rest, spa, state::AppState};

/// Largest accepted GraphQL request body.
pub const GRAPHQL_BODY_LIMIT: usize = 1024 * 1024;

pub fn build(state: AppState) -> Router {
    // Cross-origin access for browser scripts of the configured origins only (see `cors`).
    let cors = crate::cors::layer(&state.app.config.cors_origins);
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(graphql::http::graphiql).post(graphql::http::execute),
        )
        .layer(DefaultBodyLimit::max(GRAPHQL_BODY_LIMIT));
    let graphql_routes = crate::cors::apply(graphql_routes, &cors);

    // OAuth 2.0 for Partner API credentials: token, revocation, introspection (form bodies).
    let oauth_routes = Router::new()
        .route("/oauth/token", post(oauth::token::token))
        .route("/oauth/revoke", post(oauth::revoke::revoke))
        .route("/oauth/introspect", post(oauth::introspect::introspect))
        .layer(DefaultBodyLimit::max(oauth::BODY_LIMIT))
        // A body over the limit is a 413 problem, not axum's plain text.
        .layer(middleware::map_response(rest::problem::ensure_json_error));
    let oauth_routes = crate::cors::apply(oauth_routes, &cors);

    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::handler))
        .route("/.well-known/jwks.json", get(oauth::jwks::jwks))
        .merge(graphql_routes)
        .merge(oauth_routes)
        .route("/api/logs/export.csv", get(crate::logs::export::export_csv))
        // The public REST API behind its guards (see `rest::guard`), and its interactive docs.
        .nest("/api/v1", crate::cors::apply(rest::routes(&state), &cors))
        .merge(rest::docs())
        // Everything else is the admin SPA: its files, or its index.html for client routes.
        .fallback(spa::serve);
    // Benchmark builds only: the unguarded baseline route and counters (`bench_support`).
    #[cfg(feature = "bench")]
    let router = router.merge(crate::bench_support::routes(&state));
    // Request logs (SPEC §5): inside the metrics and trace layers, around every route.
    logs::capture::layer(router, state.app.api_logs.clone())
        .layer(middleware::from_fn_with_state(
            state.app.metrics.clone(),
            metrics::track_http,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
