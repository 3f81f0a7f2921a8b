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
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(graphql::http::graphiql).post(graphql::http::execute),
        )
        .layer(DefaultBodyLimit::max(GRAPHQL_BODY_LIMIT));

    // OAuth 2.0 for Partner API credentials: token, revocation, introspection (form bodies).
    let oauth_routes = Router::new()
        .route("/oauth/token", post(oauth::token::token))
        .route("/oauth/revoke", post(oauth::revoke::revoke))
        .route("/oauth/introspect", post(oauth::introspect::introspect))
        .layer(DefaultBodyLimit::max(oauth::BODY_LIMIT))
        // A body over the limit is a 413 problem, not axum's plain text.
        .layer(middleware::map_response(rest::problem::ensure_json_error));

    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::handler))
        .route("/.well-known/jwks.json", get(oauth::jwks::jwks))
        .merge(graphql_routes)
        .merge(oauth_routes)
        .route("/api/logs/export.csv", get(crate::logs::export::export_csv))
        // The public REST API behind its guards (see `rest::guard`), and its interactive docs.
        .nest("/api/v1", rest::routes(&state))
        .merge(rest::docs())
        // Everything else is the admin SPA: its files, or its index.html for client routes.
        .fallback(spa::serve);
    // Request logs (SPEC §5): inside the metrics and trace layers, around every route.
    logs::capture::layer(router, state.app.api_logs.clone())
        .layer(middleware::from_fn_with_state(
            state.app.metrics.clone(),
            metrics::track_http,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
