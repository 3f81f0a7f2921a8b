//! The public REST API, `/api/v1` (SPEC §4): one module per resource, one function per action.
//!
//! Every route is put behind the guards (`guard`, in SPEC order) for its endpoint; handlers take
//! the guards' outcome (`guard::Guarded`) and return `Result<_, Problem>`. Every error under
//! `/api/v1` is an RFC 9457 problem (`problem`), including axum's own rejections and unknown
//! routes, through the safety-net layer at the end of [`routes`].

pub mod caller;
pub mod companies;
pub mod company;
pub mod documents;
pub mod employees;
pub mod extract;
pub mod guard;
pub mod input;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod time_off;
pub mod users;

use axum::extract::DefaultBodyLimit;
use axum::{
    Router, middleware,
    routing::{get, post},
};

use crate::rest::guard::GuardedRouter;
use crate::rest::guard::hub::hub_guarded;
use crate::rest::problem::{Problem, ProblemKind};
use crate::state::AppState;

/// Largest accepted request body (SPEC §4), but for document uploads, whose limit is
/// `--document-max-bytes`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The routes under `/api/v1` (the caller nests them there). Takes the state because each
/// route's guard layer needs it.
pub fn routes(state: &AppState) -> Router<AppState> {
    let upload_limit = DefaultBodyLimit::max(
        state
            .app
            .config
            .document_max_bytes
            .saturating_add(documents::MULTIPART_OVERHEAD_BYTES),
    );
    Router::new()
        .route("/openapi.json", get(openapi::json))
        .guarded_route(state, "/company", get(company::get))
        .guarded_route(
            state,
            "/employees",
            get(employees::list).post(employees::create),
        )
        .guarded_route(
            state,
            "/employees/{id}",
            get(employees::get)
                .patch(employees::update)
                .delete(employees::delete),
        )
        .guarded_route(
            state,
            "/time-off",
            get(time_off::list).post(time_off::create),
        )
        .guarded_route(
            state,
            "/time-off/{id}",
            get(time_off::get)
                .patch(time_off::update)
                .delete(time_off::delete),
        )
        .guarded_route(
            state,
            "/documents",
            post(documents::create)
                .layer(upload_limit)
                .get(documents::list),
        )
        .guarded_route(
            state,
            "/documents/{id}",
            get(documents::get).delete(documents::delete),
        )
        .guarded_route(state, "/documents/{id}/download", get(documents::download))
        .guarded_route(state, "/users", get(users::list))
        .route("/companies", hub_guarded(state, get(companies::list)))
        .route("/companies/{id}", hub_guarded(state, get(companies::get)))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::map_response(problem::ensure_problem))
}

/// The Swagger UI at `/api/docs` (merged at the root).
pub fn docs() -> Router<AppState> {
    openapi::swagger_ui()
}

async fn not_found() -> Problem {
    Problem::new(ProblemKind::NotFound, "no such endpoint in /api/v1")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        ProblemKind::MethodNotAllowed,
        "the endpoint does not support this method",
    )
}
