//! `GET /api/v1/companies` and `GET /api/v1/companies/{id}`: the companies a hub user oversees
//! (super admins: all; reseller admins: their reseller's), through a session or a personal
//! token. Behind the hub guards (`guard::hub`), and scoped by the same service functions as the
//! GraphQL `companies` and `company` queries, so both doors show the same companies.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::rest::company::AccessType;
use crate::rest::extract::Query;
use crate::rest::guard::hub::HubGuarded;
use crate::rest::page;
use crate::rest::problem::{Problem, ProblemDetails};
use crate::service::companies::{self, CompanyView};
use crate::state::AppState;

/// A company, as its hub sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubCompany {
    pub id: Uuid,
    pub name: String,
    pub reseller_id: Uuid,
    pub api_access_type: AccessType,
    /// Requests per minute that apply to the company's third-party credentials:
    /// `min(company, reseller)`.
    pub api_rate_limit: i32,
    /// The recommended interval, in seconds, between subsequent requests to the same endpoint;
    /// null lets apps decide freely.
    pub api_request_delay_seconds: Option<i32>,
}

impl From<&CompanyView> for HubCompany {
    fn from(v: &CompanyView) -> Self {
        Self {
            id: v.company.id,
            name: v.company.name.clone(),
            reseller_id: v.company.reseller_id,
            api_access_type: v.access_type().into(),
            api_rate_limit: v.effective_rate_limit(),
            api_request_delay_seconds: v.company.api_request_delay_seconds,
        }
    }
}

/// One page of companies.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubCompanyPage {
    pub data: Vec<HubCompany>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the list; unknown ones are rejected.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Case-insensitive part of the name, at most 200 characters.
    pub search: Option<String>,
    /// Only this reseller's companies (within the caller's scope).
    pub reseller_id: Option<Uuid>,
}

/// The companies in the caller's scope, by name.
#[utoipa::path(
    get,
    path = "/api/v1/companies",
    tag = "companies",
    operation_id = "listCompanies",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of companies, ordered by name", body = HubCompanyPage),
        (status = 400, description = "Malformed or unknown query parameter (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a hub user's session or personal token, or missing `companies.read` (`forbidden`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, invalid `cursor` or `search` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    h: HubGuarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let req = page::by_name_request(params.limit, params.cursor.as_deref())?;
    let page = companies::list(
        &h.principal,
        &state.app.db,
        params.search.as_deref(),
        params.reseller_id,
        &req,
    )
    .await?;
    let next_cursor = if page.has_next {
        page.items.last().map(|(c, _)| c.clone())
    } else {
        None
    };
    let data: Vec<HubCompany> = page.items.iter().map(|(_, v)| v.into()).collect();
    Ok(Json(json!({ "data": data, "next_cursor": next_cursor })))
}

/// One company in the caller's scope.
#[utoipa::path(
    get,
    path = "/api/v1/companies/{id}",
    tag = "companies",
    operation_id = "getHubCompany",
    params(("id" = Uuid, Path, description = "The company's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The company", body = HubCompany),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a hub user's session or personal token, or missing `companies.read` (`forbidden`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such company in the caller's scope (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    h: HubGuarded,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let id = Uuid::parse_str(&id).map_err(|_| Problem::not_found("company"))?;
    let view = companies::get(&h.principal, &state.app.db, id).await?;
    Ok(Json(json!(HubCompany::from(&view))))
}
