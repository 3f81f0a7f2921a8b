//! `GET /bench/baseline/employees`: the REST employees list (`rest::employees::list`, the very
//! same handler) for the seeded baseline company, with no guard at all. The guarded
//! `/api/v1/employees` is measured against it: the difference is the guards' cost. A copy at
//! [`UNLOGGED_PATH`] skips the request log too, to measure what logging costs.
//!
//! The outcome the handler needs ([`Guarded`]) is built once, from the company and the first
//! API key the seeder gave it (the guarded API-key scenario uses the same kind of key, with the
//! same grant and no field restriction), then handed to every request unchecked. The route sits
//! inside the same logging, metrics and trace layers as `/api/v1`, so those cost the same on both.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::api::{ApiAction, ApiEndpoint, ApiGrant};
use tokio::sync::OnceCell;

use crate::bench_support::seed::BASELINE_COMPANY;
use crate::entity::{api_key, company};
use crate::rest::caller::Caller;
use crate::rest::employees;
use crate::rest::guard::{self, Guarded};
use crate::rest::problem::{Problem, ProblemKind};
use crate::service::api_keys::ApiKeyView;
use crate::state::AppState;

/// The route's path. Logged like `/api/v1` (see `logs::capture`), so the guarded/baseline ratio
/// is the guards' cost alone.
pub const PATH: &str = "/bench/baseline/employees";
/// The same baseline without the request log: the suite's measure of what logging a request
/// costs (baseline / unlogged), reported beside the ratios.
pub const UNLOGGED_PATH: &str = "/bench/baseline-unlogged/employees";

#[derive(Clone)]
struct Baseline {
    state: AppState,
    outcome: Arc<OnceCell<Guarded>>,
}

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let baseline = Baseline {
        state: state.clone(),
        outcome: Arc::new(OnceCell::new()),
    };
    let handler = || {
        get(employees::list).route_layer(middleware::from_fn_with_state(baseline.clone(), inject))
    };
    Router::new()
        .route(PATH, handler())
        .route(UNLOGGED_PATH, handler())
}

/// Hands the prepared outcome to the handler, without checking anything.
async fn inject(State(b): State<Baseline>, mut req: Request, next: Next) -> Response {
    let outcome = match b.outcome.get_or_try_init(|| prepare(&b.state)).await {
        Ok(o) => o.clone(),
        Err(p) => return p.into_response(),
    };
    req.extensions_mut().insert(outcome.caller.clone());
    req.extensions_mut().insert(outcome);
    next.run(req).await
}

/// The baseline company's outcome: its view (as the guards load it) and its first API key.
async fn prepare(state: &AppState) -> Result<Guarded, Problem> {
    let app = &state.app;
    let missing = || {
        Problem::new(
            ProblemKind::NotFound,
            "no baseline company: run `portcullis bench-seed` first",
        )
    };
    let c = company::Entity::find()
        .filter(company::Column::Name.eq(BASELINE_COMPANY))
        .one(&app.db)
        .await?
        .ok_or_else(missing)?;
    let key = api_key::Entity::find()
        .filter(api_key::Column::CompanyId.eq(c.id))
        .order_by_asc(api_key::Column::Name)
        .one(&app.db)
        .await?
        .ok_or_else(missing)?;
    let view = ApiKeyView {
        key,
        grants: vec![ApiGrant {
            endpoint: ApiEndpoint::Employees,
            actions: vec![ApiAction::Read],
            fields: None,
        }],
    };
    let company = guard::load_company(app, c.id).await?;
    Ok(Guarded::unchecked(
        Caller::ApiKey(Arc::new(view)),
        company,
        ApiEndpoint::Employees,
    ))
}
