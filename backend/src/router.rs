//! Every route and every layer, in one place, so a request's path can be read top to bottom.

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use tower_http::trace::TraceLayer;

use crate::{graphql, health, state::AppState};

/// Largest accepted GraphQL request body.
pub const GRAPHQL_BODY_LIMIT: usize = 1024 * 1024;

pub fn build(state: AppState) -> Router {
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(graphql::http::graphiql).post(graphql::http::execute),
        )
        .layer(DefaultBodyLimit::max(GRAPHQL_BODY_LIMIT));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(graphql_routes)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
