//! The public REST API, `/api/v1` (SPEC §4): one module per resource, one function per action.
//!
//! Every route is put behind the guards (`guard`, in SPEC order) for its endpoint; handlers take
//! the guards' outcome (`guard::Guarded`) and return `Result<_, Problem>`. Every error under
//! `/api/v1` is an RFC 9457 problem (`problem`), including axum's own rejections and unknown
//! routes, through the safety-net layer at the end of [`routes`].

pub mod caller;
pub mod company;
pub mod employees;
pub mod extract;
pub mod guard;
pub mod openapi;
pub mod problem;

use axum::extract::DefaultBodyLimit;
use axum::{Router, middleware, routing::get};
use shared::api::ApiEndpoint;

use crate::rest::guard::guarded;
use crate::rest::problem::{Problem, ProblemKind};
use crate::state::AppState;

/// Largest accepted request body (SPEC §4; documents will get their own, larger limit).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The routes under `/api/v1` (the caller nests them there). Takes the state because each
/// route's guard layer needs it.
pub fn routes(state: &AppState) -> Router<AppState> {
    use ApiEndpoint::*;
    Router::new()
        .route("/openapi.json", get(openapi::json))
        .route("/company", guarded(state, Company, get(company::get)))
        .route(
            "/employees",
            guarded(state, Employees, get(employees::list)),
        )
        .route(
            "/employees/{id}",
            guarded(state, Employees, get(employees::get)),
        )
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
